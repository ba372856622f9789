package server

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
)

// errorEntry maps an error (matched with errors.Is) to an HTTP status and error_code.
type errorEntry struct {
	target error
	status int
	code   int
}

// errorTable is the one table from errors to responses. Each area contributes its
// own rows (registryErrors, brokerErrors, catalogErrors), in the file for that area.
func errorTable() [][]errorEntry {
	return [][]errorEntry{registryErrors, brokerErrors, catalogErrors}
}

// errorBody is every error response: {"error_code": N, "message": "..."}; /v1
// endpoints may add details.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
}

// detailer is implemented by errors that carry per-item details for /v1 responses.
type detailer interface{ ErrorDetails() any }

// writeError writes err through the error table. Anything not in the table is a
// 500: the full error is logged, the client sees "internal error".
func (s *Server) writeError(c *gin.Context, err error) {
	for _, rows := range errorTable() {
		for _, e := range rows {
			if errors.Is(err, e.target) {
				body := errorBody{ErrorCode: e.code, Message: err.Error()}
				var d detailer
				if errors.As(err, &d) {
					body.Details = d.ErrorDetails()
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
	ct := contentTypeRegistry
	if isNativePath(c.Request.URL.Path) {
		ct = "application/json"
	}
	c.Render(status, jsonRender{contentType: ct, value: body})
	c.Abort()
}

// isNativePath reports whether a path belongs to Herald's own API (/v1, except the
// Confluent /v1/metadata endpoints) rather than the Confluent surface.
func isNativePath(p string) bool {
	return len(p) >= 4 && p[:4] == "/v1/" && !(len(p) >= 13 && p[:13] == "/v1/metadata/")
}
