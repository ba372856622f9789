package server

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// tagOps groups the operations endpoints in the spec.
const tagOps = "Operations"

// opsOperations are the root, health, metrics and spec routes.
var opsOperations = document(
	operation{Method: http.MethodGet, Path: "/", ID: "getRoot", Summary: "Liveness for registry clients; browsers are redirected to /ui/",
		Tags: []string{tagOps}, Responses: []response{{Body: emptyJSON{}}, {Status: http.StatusFound, Description: "Accept: text/html: redirect to /ui/."}},
		handler: (*Server).getRoot},
	operation{Method: http.MethodPost, Path: "/", ID: "postRoot", Summary: "Liveness for registry clients",
		Tags: []string{tagOps}, Responses: []response{{Body: emptyJSON{}}},
		handler: (*Server).postRoot},
	operation{Method: http.MethodGet, Path: "/healthz", ID: "healthz", Summary: "Liveness: the process serves HTTP",
		Tags: []string{tagOps}, Responses: []response{{Body: statusResponse{}, ContentType: "application/json"}},
		handler: (*Server).healthz},
	operation{Method: http.MethodGet, Path: "/readyz", ID: "readyz", Summary: "Readiness: the registry's store answers",
		Tags: []string{tagOps}, Responses: []response{{Body: statusResponse{}, ContentType: "application/json"}},
		Errors:  []*errorRow{errNotReady},
		handler: (*Server).readyz},
	operation{Method: http.MethodGet, Path: "/metrics", ID: "metrics", Summary: "Prometheus metrics (text exposition format)",
		Tags: []string{tagOps}, Responses: []response{{Body: "", ContentType: "text/plain; version=0.0.4"}},
		handler: (*Server).getMetrics},
	operation{Method: http.MethodGet, Path: "/openapi.json", ID: "openapi", Summary: "This OpenAPI 3.1 document",
		Tags: []string{tagOps}, Responses: []response{{Body: map[string]any{}, ContentType: "application/json"}},
		handler: (*Server).getOpenAPI},
)

// registerOpsRoutes registers /, /healthz, /readyz, /metrics and /openapi.json.
func (s *Server) registerOpsRoutes() { s.registerOperations(opsOperations) }

// emptyJSON is {}.
type emptyJSON struct{}

// statusResponse is {"status":"ok"} (or the reason a check failed).
type statusResponse struct {
	Status string `json:"status"`
}

// getRoot serves GET /: {} for API clients, a redirect to the catalog for
// browsers (Accept names text/html).
func (s *Server) getRoot(c *gin.Context) error {
	if strings.Contains(c.GetHeader("Accept"), "text/html") {
		c.Redirect(http.StatusFound, "/ui/")
		return nil
	}
	return writeJSON(c, http.StatusOK, emptyJSON{})
}

// postRoot serves POST /.
func (s *Server) postRoot(c *gin.Context) error {
	return writeJSON(c, http.StatusOK, emptyJSON{})
}

// healthz serves GET /healthz.
func (s *Server) healthz(c *gin.Context) error {
	c.Render(http.StatusOK, jsonRender{contentType: "application/json", value: statusResponse{Status: "ok"}})
	return nil
}

// pinger is implemented by a registry that can check its store.
type pinger interface {
	Ping(ctx context.Context) error
}

// readyz serves GET /readyz: 200 when the registry's store answers a ping (or the
// registry offers no ping), every Config.ReadyChecks engine answers its ping,
// and no write has met a full disk since the stores last had room (see
// storageFault), 503 otherwise.
func (s *Server) readyz(c *gin.Context) error {
	if err := s.storage.check(c.Request.Context(), s.cfg.StorageProbe); err != nil {
		return err
	}
	if p, ok := any(s.cfg.Registry).(pinger); ok {
		if err := p.Ping(c.Request.Context()); err != nil {
			s.log.WarnContext(c.Request.Context(), "not ready", "err", err)
			return errNotReady.with("not ready: store unavailable")
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.cfg.ReadyChecks)) {
		if err := s.cfg.ReadyChecks[name].Ping(c.Request.Context()); err != nil {
			s.log.WarnContext(c.Request.Context(), "not ready", "engine", name, "err", err)
			return errNotReady.with("not ready: " + name + " unavailable")
		}
	}
	c.Render(http.StatusOK, jsonRender{contentType: "application/json", value: statusResponse{Status: "ok"}})
	return nil
}

// getMetrics serves GET /metrics.
func (s *Server) getMetrics(c *gin.Context) error {
	c.Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	c.Status(http.StatusOK)
	return s.metrics.writeTo(c.Request.Context(), c.Writer, s.cfg.Version)
}
