package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

// errorEntry maps an error (matched with errors.Is) to an HTTP status and error_code.
type errorEntry struct {
	target error
	status int
	code   int
}

// codeIncompatible in an errorEntry stands for Config.IncompatibleErrorCode.
const codeIncompatible = -1

// errorTable is the one table from errors to responses. Each area contributes its
// own rows (registryErrors, brokerErrors, catalogErrors), in the file for that area.
func errorTable() [][]errorEntry {
	return [][]errorEntry{registryErrors, brokerErrors, catalogErrors, storageErrors, accessErrors}
}

// errorBody is every error response: {"error_code": N, "message": "..."}; /v1
// endpoints may add details. An incompatible schema (409) also carries the
// structured violations, on the Confluent API too: clients ignore fields they
// do not know.
type errorBody struct {
	ErrorCode  int             `json:"error_code" required:"true"`
	Message    string          `json:"message" required:"true"`
	Details    any             `json:"details,omitempty"`
	Violations []violationJSON `json:"violations,omitempty"`
}

// detailer is implemented by errors that carry per-item details for /v1 responses.
type detailer interface{ ErrorDetails() any }

// writeError writes err through the error table. Anything not in the table is a
// 500: the full error is logged, the client sees "internal error".
func (s *Server) writeError(c *gin.Context, err error) {
	s.storage.note(err)
	for _, rows := range errorTable() {
		for _, e := range rows {
			if errors.Is(err, e.target) {
				body := errorBody{ErrorCode: e.code, Message: err.Error()}
				if body.ErrorCode == codeIncompatible {
					body.ErrorCode = s.cfg.IncompatibleErrorCode
				}
				var d detailer
				if errors.As(err, &d) {
					body.Details = d.ErrorDetails()
				}
				var re *registry.Error
				if errors.As(err, &re) && len(re.Violations) > 0 {
					body.Violations = toViolations(re.Violations)
				}
				s.writeErrorBody(c, e.status, body)
				return
			}
		}
	}
	var he *httpError
	if errors.As(err, &he) {
		s.writeErrorBody(c, he.status, errorBody{ErrorCode: he.code, Message: he.msg, Details: he.details})
		return
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.writeErrorBody(c, http.StatusRequestEntityTooLarge, errorBody{ErrorCode: http.StatusRequestEntityTooLarge, Message: "HTTP 413 Request Entity Too Large"})
		return
	}
	var bre *bodyReadError
	if errors.As(err, &bre) {
		// A truncated, abandoned or too slow body (see withBodyDeadline): the
		// client's doing, answered 400 and logged as a client error, not an ERROR.
		s.writeErrorBody(c, http.StatusBadRequest, errorBody{ErrorCode: http.StatusBadRequest, Message: bre.Error()})
		return
	}
	s.log.ErrorContext(c.Request.Context(), "internal error", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	s.writeErrorBody(c, http.StatusInternalServerError, errorBody{ErrorCode: 50001, Message: "internal error"})
}

// httpError is an error decided in this package (bad JSON, bad query parameter).
type httpError struct {
	status, code int
	msg          string
	details      any
}

func (e *httpError) Error() string { return e.msg }

// errorf builds an httpError.
func errorf(status, code int, msg string) error {
	return &httpError{status: status, code: code, msg: msg}
}

// contentTypeRegistry is what the Confluent API answers with, errors included.
const contentTypeRegistry = "application/vnd.schemaregistry.v1+json"

// writeErrorBody writes an error body with the content type of the API it belongs
// to: the Confluent media type on registry paths, application/json under /v1.
func (s *Server) writeErrorBody(c *gin.Context, status int, body errorBody) {
	c.Render(status, jsonRender{contentType: contentTypeFor(c.Request.URL.Path), value: body})
	c.Abort()
}

// writeEarlyError writes an error body before routing (no gin context yet).
func writeEarlyError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(errorBody{ErrorCode: status, Message: msg})
	w.Header().Set("Content-Type", contentTypeRegistry)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// contentTypeFor is the response content type for a request path.
func contentTypeFor(path string) string {
	if isNativePath(path) {
		return "application/json"
	}
	return contentTypeRegistry
}

// isNativePath reports whether a path belongs to Herald's own API (/v1, except the
// Confluent /v1/metadata endpoints) rather than the Confluent surface.
func isNativePath(p string) bool {
	return strings.HasPrefix(p, "/v1/") && !strings.HasPrefix(p, "/v1/metadata/")
}

// registryErrors maps every registry sentinel (and the compat parse errors the
// server meets while reading requests) to its Confluent status and error_code.
var registryErrors = []errorEntry{
	{registry.ErrSubjectNotFound, http.StatusNotFound, 40401},
	{registry.ErrVersionNotFound, http.StatusNotFound, 40402},
	{registry.ErrSchemaNotFound, http.StatusNotFound, 40403},
	{registry.ErrSubjectSoftDeleted, http.StatusNotFound, 40404},
	{registry.ErrSubjectNotSoftDeleted, http.StatusNotFound, 40405},
	{registry.ErrVersionSoftDeleted, http.StatusNotFound, 40406},
	{registry.ErrVersionNotSoftDeleted, http.StatusNotFound, 40407},
	{registry.ErrSubjectConfigNotFound, http.StatusNotFound, 40408},
	{registry.ErrSubjectModeNotFound, http.StatusNotFound, 40409},
	{registry.ErrIncompatible, http.StatusConflict, codeIncompatible},
	{registry.ErrInvalidSchema, http.StatusUnprocessableEntity, 42201},
	{compat.ErrUnknownSchemaType, http.StatusUnprocessableEntity, 42201},
	{registry.ErrInvalidVersion, http.StatusUnprocessableEntity, 42202},
	{registry.ErrInvalidLevel, http.StatusUnprocessableEntity, 42203},
	{compat.ErrInvalidLevel, http.StatusUnprocessableEntity, 42203},
	{registry.ErrInvalidMode, http.StatusUnprocessableEntity, 42204},
	{registry.ErrOperationNotPermitted, http.StatusUnprocessableEntity, 42205},
	{registry.ErrReferenceExists, http.StatusUnprocessableEntity, 42206},
	// Confluent defines 42207 but answers an import under a taken id with 42205.
	{registry.ErrIDConflict, http.StatusUnprocessableEntity, 42205},
	{registry.ErrInvalidSubject, http.StatusUnprocessableEntity, 42208},
	{registry.ErrSchemaTooLarge, http.StatusUnprocessableEntity, 42209},
	{registry.ErrInvalidRuleSet, http.StatusUnprocessableEntity, 42210},
	{registry.ErrContextNotEmpty, http.StatusUnprocessableEntity, 42211},
	{compat.ErrTooComplex, http.StatusUnprocessableEntity, 42240},
	// The client went away: nobody reads the answer, and it is not a server fault.
	{context.Canceled, 499, 49900},
}
