package server

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// recoverMiddleware turns a panic in a handler into a 500 error body. The panic
// and its stack go to the log; the client sees "internal error".
func (s *Server) recoverMiddleware(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.ErrorContext(c.Request.Context(), "panic", "method", c.Request.Method, "path", c.Request.URL.Path,
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			s.writeErrorBody(c, http.StatusInternalServerError, errorBody{ErrorCode: http.StatusInternalServerError, Message: "internal error"})
		}
		c.Abort()
	}()
	c.Next()
}

// logMiddleware logs one line per request: at Info, at Error for a 5xx, and at
// Debug for the probes and scrapes (/healthz, /readyz, /metrics) that would
// otherwise drown the log.
func (s *Server) logMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	ctx := c.Request.Context()
	level := slog.LevelInfo
	switch p := c.Request.URL.Path; {
	case c.Writer.Status() >= 500:
		level = slog.LevelError
	case p == "/healthz" || p == "/readyz" || p == "/metrics":
		level = slog.LevelDebug
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	s.log.LogAttrs(ctx, level, "http request",
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("route", routeLabel(c)),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", c.Writer.Size()),
		slog.Duration("duration", time.Since(start)),
	)
}

// bodyLimitMiddleware bounds the request body by Config.MaxBodyBytes; reading past
// it fails with *http.MaxBytesError, which writeError turns into a 413.
func (s *Server) bodyLimitMiddleware(c *gin.Context) {
	r := c.Request
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		s.writeErrorBody(c, http.StatusRequestEntityTooLarge, errorBody{ErrorCode: http.StatusRequestEntityTooLarge, Message: "HTTP 413 Request Entity Too Large"})
		return
	}
	r.Body = http.MaxBytesReader(c.Writer, r.Body, s.cfg.MaxBodyBytes)
}

// requestContentTypes are the request media types the Confluent API accepts. A
// request without Content-Type is read as JSON too (Confluent treats it as
// application/octet-stream and parses it anyway).
var requestContentTypes = map[string]bool{
	"application/vnd.schemaregistry.v1+json": true,
	"application/vnd.schemaregistry+json":    true,
	"application/json":                       true,
	"application/octet-stream":               true,
}

// contentTypeMiddleware refuses request bodies of another media type with 415, on
// the Confluent API and /v1/compat (the broker and catalog check their own).
func (s *Server) contentTypeMiddleware(c *gin.Context) {
	r := c.Request
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return
	}
	if c.FullPath() == "" || (isNativePath(r.URL.Path) && !strings.HasPrefix(r.URL.Path, "/v1/compat/")) {
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !requestContentTypes[mt] {
		s.writeErrorBody(c, http.StatusUnsupportedMediaType, errorBody{ErrorCode: http.StatusUnsupportedMediaType, Message: "HTTP 415 Unsupported Media Type"})
	}
}

// routeLabel is the route pattern a request matched, or "unmatched".
func routeLabel(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return "unmatched"
}
