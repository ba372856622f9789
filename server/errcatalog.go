package server

// The error catalogue: every error response the server writes, JSON or HTML,
// comes from one row below. A row is one meaning: its HTTP status, its
// error_code and a default message. The domain packages' sentinels are matched
// to their row with errors.Is; errors decided in this package are built from a
// row (errInvalidParam.with("query parameter …")). Operations name the rows
// they answer (operation.Errors), so the OpenAPI spec's error responses come
// from these rows too, and TestMain checks, over the whole test suite, that no
// handler answers a row its operation does not declare.
//
// Adding an error is one line here, and naming the row in the Errors of the
// operations that can answer it (unless its scope already covers them).
//
// Codes: on the Confluent API the codes are Confluent's (40401…, 42201…,
// 50001 for any internal error; framework refusals such as malformed JSON or
// an unknown path use the HTTP status, as Jersey does). Herald's own codes are
// the status followed by two digits: 0x decided by this package (the request
// cannot be read), 1x the deployment (Host, readiness, the disk), 2x the
// broker, 40 a bounded walk's limit, 6x the catalog.
//
// A code, once sent, keeps its meaning: clients switch on it.

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
)

// The rows. Each variable is the row's sentinel: handlers return it, or an
// error built with its with method.
var (
	// The registry's errors, with Confluent's codes (which must not change).
	errSubjectNotFound       = newRow(http.StatusNotFound, 40401, "Subject not found", registry.ErrSubjectNotFound)
	errVersionNotFound       = newRow(http.StatusNotFound, 40402, "Version not found", registry.ErrVersionNotFound)
	errSchemaNotFound        = newRow(http.StatusNotFound, 40403, "Schema not found", registry.ErrSchemaNotFound)
	errSubjectSoftDeleted    = newRow(http.StatusNotFound, 40404, "Subject was soft deleted", registry.ErrSubjectSoftDeleted)
	errSubjectNotSoftDeleted = newRow(http.StatusNotFound, 40405, "Subject was not soft deleted first", registry.ErrSubjectNotSoftDeleted)
	errVersionSoftDeleted    = newRow(http.StatusNotFound, 40406, "Version was soft deleted", registry.ErrVersionSoftDeleted)
	errVersionNotSoftDeleted = newRow(http.StatusNotFound, 40407, "Version was not soft deleted first", registry.ErrVersionNotSoftDeleted)
	errSubjectConfigNotFound = newRow(http.StatusNotFound, 40408, "Subject has no compatibility configured", registry.ErrSubjectConfigNotFound)
	errSubjectModeNotFound   = newRow(http.StatusNotFound, 40409, "Subject has no mode configured", registry.ErrSubjectModeNotFound)
	// errIncompatible's code is Config.IncompatibleErrorCode: 409 or 40901.
	errIncompatible   = newRow(http.StatusConflict, 409, "Schema is incompatible with an earlier schema", registry.ErrIncompatible)
	errInvalidSchema  = newRow(http.StatusUnprocessableEntity, 42201, "Invalid schema", registry.ErrInvalidSchema, compat.ErrUnknownSchemaType)
	errInvalidVersion = newRow(http.StatusUnprocessableEntity, 42202, "Invalid version", registry.ErrInvalidVersion)
	errInvalidLevel   = newRow(http.StatusUnprocessableEntity, 42203, "Invalid compatibility level", registry.ErrInvalidLevel, compat.ErrInvalidLevel)
	errInvalidMode    = newRow(http.StatusUnprocessableEntity, 42204, "Invalid mode", registry.ErrInvalidMode)
	// Confluent defines 42207 for an imported id that clashes but answers it
	// with 42205, so ErrIDConflict shares this row.
	errNotPermitted    = newRow(http.StatusUnprocessableEntity, 42205, "Operation not permitted", registry.ErrOperationNotPermitted, registry.ErrIDConflict)
	errReferenceExists = newRow(http.StatusUnprocessableEntity, 42206, "References to the schema exist", registry.ErrReferenceExists)
	errInvalidSubject  = newRow(http.StatusUnprocessableEntity, 42208, "Invalid subject", registry.ErrInvalidSubject)
	errSchemaTooLarge  = newRow(http.StatusUnprocessableEntity, 42209, "Schema too large", registry.ErrSchemaTooLarge)
	errInvalidRuleSet  = newRow(http.StatusUnprocessableEntity, 42210, "Invalid ruleSet", registry.ErrInvalidRuleSet)
	errContextNotEmpty = newRow(http.StatusUnprocessableEntity, 42211, "Context is not empty", registry.ErrContextNotEmpty)
	errTooComplex      = newRow(http.StatusUnprocessableEntity, 42240, "Too complex: past a node or output limit", compat.ErrTooComplex)
	errInternal        = newRow(http.StatusInternalServerError, 50001, "internal error").in(scopeEvery)
	// errBadRequest is also a Confluent body that cannot be read to its end.
	errBadRequest       = newRow(http.StatusBadRequest, 400, "Bad request").in(scopeConfluentBody)
	errUnprocessable    = newRow(http.StatusUnprocessableEntity, 422, "Unprocessable entity")
	errNoRoute          = newRow(http.StatusNotFound, 404, "HTTP 404 Not Found").in(scopeUnrouted)
	errNoMethod         = newRow(http.StatusMethodNotAllowed, 405, "HTTP 405 Method Not Allowed").in(scopeUnrouted)
	errTooLarge         = newRow(http.StatusRequestEntityTooLarge, 413, "HTTP 413 Request Entity Too Large").in(scopeBody)
	errUnsupportedMedia = newRow(http.StatusUnsupportedMediaType, 415, "HTTP 415 Unsupported Media Type").in(scopeConfluentBody)

	// Herald's own API (/v1) and the middleware.
	errInvalidBody    = newRow(http.StatusBadRequest, 40001, "The request body cannot be read").in(scopeNativeBody)
	errInvalidParam   = newRow(http.StatusBadRequest, 40002, "A query parameter or header cannot be read")
	errBrokerRequest  = newRow(http.StatusBadRequest, 40020, "A read, receive, ack or commit parameter is not acceptable", broker.ErrInvalidRequest)
	errCatalogQuery   = newRow(http.StatusBadRequest, 40060, "Bad request", catalog.ErrBadRequest)
	errHostNotAllowed = newRow(http.StatusForbidden, 40310, "Host not allowed").in(scopeEvery)
	// Access (access.go): a 401 carries WWW-Authenticate; a 403 names the
	// principal, the missing role and the resource, never a credential.
	errUnauthenticated = newRow(http.StatusUnauthorized, 40101, "Authentication required", auth.ErrUnauthenticated).in(scopeEvery)
	errForbidden       = newRow(http.StatusForbidden, 40301, "Forbidden").in(scopeEvery)
	errTopicNotFound   = newRow(http.StatusNotFound, 40420, "Topic not found", broker.ErrTopicNotFound)
	errCatalogNotFound = newRow(http.StatusNotFound, 40460, "Not found", catalog.ErrNotFound)
	errTopicInUse      = newRow(http.StatusConflict, 40920, "The topic is another topic's dead-letter topic", broker.ErrTopicInUse)
	errWrongKind       = newRow(http.StatusConflict, 40921, "The operation needs the other kind of topic", broker.ErrWrongKind)
	errEventTooLarge   = newRow(http.StatusRequestEntityTooLarge, 41301, "An event is over the size limit", broker.ErrEventTooLarge)
	errTooManyEvents   = newRow(http.StatusRequestEntityTooLarge, 41302, "A publish holds more events than the limit", broker.ErrTooManyEvents)
	errContentType     = newRow(http.StatusUnsupportedMediaType, 41501, "The endpoint does not take this Content-Type").in(scopeNativeBody)
	errNoSubject       = newRow(http.StatusUnprocessableEntity, 42220, "The topic binds to a subject the registry does not have", broker.ErrSubjectNotFound)
	errInvalidTopic    = newRow(http.StatusUnprocessableEntity, 42221, "Invalid topic configuration", broker.ErrInvalidTopic)
	errInvalidEvent    = newRow(http.StatusUnprocessableEntity, 42222, "Events break the topic's contract", broker.ErrInvalidEvent)
	errInvalidCatalog  = newRow(http.StatusUnprocessableEntity, 42260, "The catalog has problems", catalog.ErrInvalid)
	errInvalidAsyncAPI = newRow(http.StatusUnprocessableEntity, 42261, "The AsyncAPI document cannot be imported", catalog.ErrInvalidAsyncAPI)
	// Rate limits (ratelimit.go): 429 with Retry-After.
	errRateLimited   = newRow(http.StatusTooManyRequests, 42901, "Too many requests").in(scopeEvery)
	errAuthThrottled = newRow(http.StatusTooManyRequests, 42902, "Too many failed authentications").in(scopeEvery)
	// errClientGone: the client went away; nobody reads the answer, and it is
	// not a server fault (nginx's 499).
	errClientGone = newRow(statusClientClosed, 49900, "client closed the request", context.Canceled).in(scopeEvery)
	errNotReady   = newRow(http.StatusServiceUnavailable, 50310, "not ready")
	errReadOnly   = newRow(http.StatusServiceUnavailable, 50311, "The store is read-only", dbfile.ErrReadOnly).in(scopeWrite)
	errDraining   = newRow(http.StatusServiceUnavailable, 50320, "The broker is shutting down", broker.ErrClosed)
	// errStorageUnavailable: a store's database (PostgreSQL) cannot be reached.
	// The request was fine and can be sent again; the driver's error goes to
	// the log, not to the client.
	errStorageUnavailable = newRow(http.StatusServiceUnavailable, 50312, "The database is unavailable: retry later", pgstore.ErrUnavailable).in(scopeEvery)
	// errLogUnavailable: the broker's event log engine (NATS JetStream) does
	// not answer; any broker route can meet it, and the client may retry.
	errLogUnavailable = newRow(http.StatusServiceUnavailable, 50321, "The event log is unavailable", broker.ErrLogUnavailable).in(scopeBroker) //nolint:unused // newRow registers it; errors find it by its sentinel
	// errDiskFull is 507 Insufficient Storage: the request was fine and can be
	// sent again once there is room.
	errDiskFull = newRow(http.StatusInsufficientStorage, 50701, "The disk is full", dbfile.ErrDiskFull).in(scopeWrite)

	// errCatalogWouldDelete: an apply whose files drop entities, without
	// prune=true; the details list the entities.
	errCatalogWouldDelete = newRow(http.StatusConflict, 40960, "The apply would delete catalog entities", catalog.ErrWouldDelete)
)

// statusClientClosed is the status recorded for a request whose client went
// away before it was answered (nginx's 499; nobody receives it).
const statusClientClosed = 499

// errorRow is one row of the catalogue. It is an error itself, so a handler
// can return the row, or a rowError built with with, and errors.Is finds it.
type errorRow struct {
	status int
	code   int
	// message is the default message: the body's message when the error
	// carries none, the heading of the HTML error page, and the OpenAPI text.
	message string
	// targets are the sentinels of other packages this row answers.
	targets []error
	// scope says where the row can arise beyond the operations that declare it.
	scope rowScope
}

// rowScope is where a row can arise without an operation declaring it: the
// rows written by middleware, on every route or every route of a kind.
type rowScope uint8

const (
	// scopeDeclared: only where an operation lists the row.
	scopeDeclared rowScope = iota
	// scopeEvery: on any route (internal error, Host refused, client gone).
	scopeEvery
	// scopeBody: on any POST, PUT or PATCH (the body limit).
	scopeBody
	// scopeConfluentBody: on a POST, PUT or PATCH of the Confluent API or of
	// /v1/compat, which answer framework codes (415, 400) as Confluent does.
	scopeConfluentBody
	// scopeNativeBody: on a POST, PUT or PATCH of the rest of /v1.
	scopeNativeBody
	// scopeWrite: on any request that changes state (a full or read-only store).
	scopeWrite
	// scopePages: only on catalog pages (/ui), which are not operations: the
	// web sign-in's rows.
	scopePages
	// scopeUnrouted: only where no route matched (404, 405, a bad /contexts
	// prefix); no operation answers it.
	scopeUnrouted
	// scopeBroker: on the broker's routes (/v1/topics, /v1/groups), whose
	// event log may live on an engine that can go away.
	scopeBroker
)

// applies reports whether a row of scope s can arise on method and path.
func (s rowScope) applies(method, path string) bool {
	body := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
	native := nativeBody(path)
	switch s {
	case scopeEvery:
		return true
	case scopeBody:
		return body
	case scopeConfluentBody:
		return body && !native
	case scopeNativeBody:
		return body && native
	case scopeWrite:
		return isWrite(method)
	case scopeBroker:
		return strings.HasPrefix(path, "/v1/topics") || strings.HasPrefix(path, "/v1/groups")
	case scopeDeclared, scopeUnrouted:
	}
	return false
}

var (
	// rowsMu protects rows.
	rowsMu sync.Mutex
	// rows is every row, in the order the variables were initialized.
	rows []*errorRow
)

// newRow adds a row to the catalogue.
func newRow(status, code int, message string, targets ...error) *errorRow {
	r := &errorRow{status: status, code: code, message: message, targets: targets}
	rowsMu.Lock()
	defer rowsMu.Unlock()
	rows = append(rows, r)
	return r
}

// in sets where the row can arise beyond the operations that declare it.
func (r *errorRow) in(s rowScope) *errorRow {
	r.scope = s
	return r
}

// Error returns the default message.
func (r *errorRow) Error() string { return r.message }

// with is an error of this row with its own message.
func (r *errorRow) with(msg string) error { return &rowError{row: r, msg: msg} }

// withDetails is an error of this row with a message and /v1 details.
func (r *errorRow) withDetails(msg string, details any) error {
	return &rowError{row: r, msg: msg, details: details}
}

// rowError is an error decided in this package: a row and what to say.
type rowError struct {
	row     *errorRow
	msg     string
	details any
}

func (e *rowError) Error() string { return e.msg }

// Is makes errors.Is(err, row) true for the row's errors.
func (e *rowError) Is(target error) bool { return target == e.row }

// ErrorDetails implements detailer.
func (e *rowError) ErrorDetails() any { return e.details }

// catalogue is every row, ordered by code so that the order in which files
// were initialized cannot change which row an error answers.
var catalogue = sync.OnceValue(func() []*errorRow {
	rowsMu.Lock()
	defer rowsMu.Unlock()
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b *errorRow) int { return a.code - b.code })
	return out
})

// rowFor finds err's row: a row or rowError by identity, then a sentinel of
// another package. Nil when no row answers err.
func rowFor(err error) *errorRow {
	var re *rowError
	if errors.As(err, &re) {
		return re.row
	}
	for _, r := range catalogue() {
		if errors.Is(err, r) {
			return r
		}
		for _, t := range r.targets {
			if errors.Is(err, t) {
				return r
			}
		}
	}
	return nil
}

// implicitRows are the rows an operation can answer without declaring them:
// the middleware's, by the operation's method and path (see rowScope).
func implicitRows(method, path string) []*errorRow {
	var out []*errorRow
	for _, r := range catalogue() {
		if r.scope.applies(method, path) {
			out = append(out, r)
		}
	}
	return out
}

// nativeBody reports whether a path reads its body as Herald's own API does,
// answering 40001 and 41501, rather than as the Confluent API (400, 415).
// /v1/compat takes the Confluent body, so it answers as the Confluent API.
func nativeBody(p string) bool { return isNativePath(p) && !strings.HasPrefix(p, "/v1/compat/") }

// The rows of the web sign-in and of the UI's forms.
var (
	// errCrossSite: a write that rode on a session cookie or a UI form without
	// proof it came from Herald's own pages (csrf.go).
	errCrossSite = newRow(http.StatusForbidden, 40302, "Cross-site request refused").in(scopeWrite)
	// The web sign-in (signin.go): a callback that does not match a sign-in
	// under way, or a provider that refused or could not be reached.
	errSignIn           = newRow(http.StatusBadRequest, 40003, "The sign-in cannot be completed").in(scopePages)
	errIdentityProvider = newRow(http.StatusBadGateway, 50210, "The identity provider cannot be reached").in(scopePages)
)
