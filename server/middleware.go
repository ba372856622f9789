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
			s.writeError(c, errInternal)
		}
		c.Abort()
	}()
	c.Next()
}

// logMiddleware writes no line for a request that went well: the log is for
// what a person acts on. A request slower than Config.SlowRequest is logged at
// Warn with its route and duration; at Debug every request is. (Failures are
// logged where they happen: writeError logs an internal error with its cause,
// recoverMiddleware a panic.) With Config.AccessLog set, every request is
// queued for the access log, which writes it off the request path.
func (s *Server) logMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	d := time.Since(start)
	if s.cfg.AccessLog != nil {
		s.cfg.AccessLog.record(c.Request, c.Writer.Status(), c.Writer.Size(), start, d, c.FullPath())
	}
	level := slog.LevelDebug
	msg := "http request"
	if s.cfg.SlowRequest > 0 && d >= s.cfg.SlowRequest {
		level, msg = slog.LevelWarn, "slow request"
	}
	ctx := c.Request.Context()
	if !s.log.Enabled(ctx, level) {
		return
	}
	s.log.LogAttrs(ctx, level, msg,
		slog.String("method", c.Request.Method),
		slog.String("route", routeLabel(c)),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", max(c.Writer.Size(), 0)),
		slog.Duration("duration", d),
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
		s.writeError(c, errTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(c.Writer, r.Body, s.cfg.MaxBodyBytes)
}

// requestContentTypes are the request media types the Confluent API accepts
// (Confluent's own list; franz-go and confluent-kafka-go send the first).
var requestContentTypes = map[string]bool{
	"application/vnd.schemaregistry.v1+json": true,
	"application/vnd.schemaregistry+json":    true,
	"application/json":                       true,
	"application/octet-stream":               true,
}

// contentTypeMiddleware refuses, with 415, the bodies a web page on another site
// could send to a Herald on a developer's machine without asking first.
//
// A browser sends a cross-site POST without a CORS preflight only when its
// Content-Type is absent, text/plain, application/x-www-form-urlencoded or
// multipart/form-data. So every POST, PUT and PATCH must name one of the types
// in forgeryProof (JSON, YAML, the Confluent types, the broker's wire format):
// a page can send those only after a preflight, which Herald grants only to the
// origins of Config.CORSOrigins. That holds with or without a body: a bodyless
// POST (receive) leases messages away. Exceptions: DELETE (never sent
// cross-site without a preflight, and its body is ignored), POST / (a liveness
// probe that changes nothing), and a publish in CloudEvents binary mode, whose
// ce-* headers already force a preflight.
//
// The Confluent API and /v1/compat then accept only requestContentTypes; the
// broker and the catalog narrow the type further themselves. Unlike Confluent,
// which reads a body without Content-Type as JSON, Herald refuses it: every
// registry client we know of (franz-go's pkg/sr, confluent-kafka-go, the Java
// serdes) names its type.
func (s *Server) contentTypeMiddleware(c *gin.Context) {
	r := c.Request
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return
	}
	route := c.FullPath()
	if route == "" || route == "/" || formRoutes[route] {
		return // formRoutes: csrfMiddleware checks the UI's forms
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	native := isNativePath(r.URL.Path)
	compatReport := strings.HasPrefix(r.URL.Path, "/v1/compat/")
	ceBinary := route == publishRoute && r.Header.Get("ce-specversion") != ""
	switch {
	case !ceBinary && (err != nil || !forgeryProof(mt)):
		// Refused below.
	case native && !compatReport:
		return // the broker and the catalog check the type themselves
	case requestContentTypes[mt]:
		return
	}
	if !native || compatReport {
		// The Confluent body, as Confluent's Jersey answers; /v1/compat has
		// always answered it too.
		s.writeError(c, errUnsupportedMedia)
		return
	}
	msg := fmt.Sprintf("%s %s needs a Content-Type", r.Method, r.URL.Path)
	if ct != "" {
		msg = fmt.Sprintf("%s %s does not take %s", r.Method, r.URL.Path, ct)
	}
	s.writeError(c, errContentType.with(msg+": send application/json (or, where the endpoint reads them, YAML, CloudEvents or application/octet-stream)"))
}

// publishRoute is the publish route's pattern: the one route that takes
// CloudEvents in HTTP binary mode, with any Content-Type.
var publishRoute = ginPath("/v1/topics/{topic}/events")

// forgeryProof reports whether a request media type is one a web page cannot
// send cross-site without a CORS preflight, and that some Herald endpoint
// reads: JSON (application/json and every application/*+json, which covers the
// Confluent and CloudEvents types), YAML, and application/octet-stream (the
// Confluent API and the broker's wire format). text/plain,
// application/x-www-form-urlencoded and multipart/form-data are never in it.
func forgeryProof(mt string) bool {
	switch mt {
	case "application/json", "application/octet-stream",
		"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		return true
	}
	return strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// routeLabel is the route pattern a request matched, or "unmatched".
func routeLabel(c *gin.Context) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return "unmatched"
}
