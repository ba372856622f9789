package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/registry"
)

// errorBody is every JSON error response: {"error_code": N, "message": "..."};
// /v1 endpoints may add details. An incompatible schema (409) also carries the
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

// errorHook, when set, sees every error response the server writes: the
// request's method, its route pattern ("" when no route matched) and the row.
// Tests set it to check the responses against the operations' declared rows.
var errorHook atomic.Pointer[func(method, route string, row *errorRow)]

// writeError is the one writer of error responses: it finds err's row in the
// catalogue (errcatalog.go) and writes the HTML error page under /ui and the
// JSON error body everywhere else. An error no row answers is a 500: the full
// error goes to the log, the client sees "internal error".
func (s *Server) writeError(c *gin.Context, err error) {
	s.storage.note(err)
	row, msg := s.resolve(c.Request, err)
	if h := errorHook.Load(); h != nil {
		(*h)(c.Request.Method, c.FullPath(), row)
	}
	// A refused Host gets JSON on pages too: the HTML page would show the
	// catalog's navigation and revision to the page the defence keeps out.
	if s.servesPages() && isPagePath(c.Request.URL.Path) && row != errHostNotAllowed {
		s.pages().writeError(c, row, err)
		return
	}
	body := errorBody{ErrorCode: row.code, Message: msg}
	if row == errIncompatible {
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
	c.Render(row.status, jsonRender{contentType: contentTypeFor(c.Request.URL.Path), value: body})
	c.Abort()
}

// resolve finds err's row and the message to send. Errors of the request body
// that no sentinel names are matched by type: past the size limit (413), and
// cut short by the client (see withBodyDeadline), which is the client's doing
// and logged as such, not as an internal error.
func (s *Server) resolve(r *http.Request, err error) (*errorRow, string) {
	if row := rowFor(err); row == errStorageUnavailable {
		// The driver's error names hosts and users: the log's, not the client's.
		s.log.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		return row, row.message
	} else if row != nil {
		return row, err.Error()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge, errTooLarge.message
	}
	var bre *bodyReadError
	if errors.As(err, &bre) {
		if nativeBody(r.URL.Path) {
			return errInvalidBody, bre.Error()
		}
		return errBadRequest, bre.Error()
	}
	s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	return errInternal, errInternal.message
}

// writeEarlyError writes an error before routing (no gin context yet), as the
// JSON body of err's row.
func writeEarlyError(w http.ResponseWriter, r *http.Request, err error) {
	row := rowFor(err)
	if row == nil {
		row = errInternal
	}
	if h := errorHook.Load(); h != nil {
		(*h)(r.Method, "", row)
	}
	b, _ := json.Marshal(errorBody{ErrorCode: row.code, Message: err.Error()})
	w.Header().Set("Content-Type", contentTypeFor(r.URL.Path))
	w.WriteHeader(row.status)
	_, _ = w.Write(b)
}

// contentTypeRegistry is what the Confluent API answers with, errors included.
const contentTypeRegistry = "application/vnd.schemaregistry.v1+json"

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

// isPagePath reports whether a path belongs to the catalog pages, whose errors
// are HTML pages.
func isPagePath(p string) bool { return p == "/ui" || strings.HasPrefix(p, "/ui/") }

// servesPages reports whether the server has the catalog pages (it has a catalog).
func (s *Server) servesPages() bool { return s.cfg.Catalog != nil }

// pageErrorMessage is the text of an HTML error page: what the client can act
// on, and never an internal error's detail.
func pageErrorMessage(row *errorRow, err error) string {
	var re *rowError
	switch {
	case row.status >= 500:
		return "The page could not be built; the error is in the server log."
	case errors.Is(err, catalog.ErrNotFound) && !errors.As(err, &re):
		return "There is no " + err.Error() + " in the catalog."
	}
	return err.Error()
}
