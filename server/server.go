// Package server is Herald's HTTP surface: the gin engine, the Confluent-compatible
// registry API, the /v1 API (broker, catalog, compatibility reports), the generated
// OpenAPI spec, operations endpoints and the catalog page handlers.
//
// Handlers return errors; one adapter (handle) turns them into responses through
// the one error catalogue in errcatalog.go and its one writer in errors.go, and
// successful responses go through the writers in render.go. gin types never leave this package.
//
// Files: one per resource (subjects.go, schemas.go, config.go, mode.go,
// compatibility.go, contexts.go, metadata.go, ops.go), each with its register…Routes,
// its request and response structs, and the OpenAPI descriptors of its operations
// (openapi.go collects them).
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/broker"
)

// Config configures a Server.
type Config struct {
	// Registry serves the Confluent API. Required.
	Registry *registry.Service
	// Broker serves /v1/topics and /v1/groups. Nil: those routes answer 404.
	Broker *broker.Broker
	// Catalog serves /v1/catalog and /ui. Nil: those routes answer 404.
	Catalog *catalog.Service
	// Logger receives request and error logs. Nil: slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies. Zero: 16 MiB.
	MaxBodyBytes int64
	// IncompatibleErrorCode is the error_code sent with HTTP 409 for an
	// incompatible schema: 409 (Confluent 7.x, Karapace, Apicurio, franz-go) or
	// 40901 (Confluent 8.0.4+). Zero: 409.
	IncompatibleErrorCode int
	// Version is reported by /v1/metadata/version and herald version.
	Version string
	// AllowedHosts are the names the server answers to, against DNS rebinding
	// (a page on another site reaching a local Herald under a name its author
	// re-points at 127.0.0.1): "herald.example.com" allows that name,
	// ".example.com" that domain and its subdomains, "*" any Host. IP addresses,
	// localhost and *.localhost are always allowed, and /healthz and /readyz
	// answer any Host. Other hosts get 403 (40310). Empty: any Host (herald
	// serve always sets a list).
	AllowedHosts []string
	// CORSOrigins are the origins (https://app.example.com, or "*" for any)
	// whose pages may call the API from a browser: their preflights are
	// granted and responses carry Access-Control-Allow-Origin. Empty: none, and
	// no CORS header is ever sent.
	CORSOrigins []string
	// TrustedProxies are the CIDRs (or addresses) of the proxies whose
	// X-Forwarded-For and X-Forwarded-Proto are believed: for a request from
	// one of them, the client address (audit, rate limits) and whether it
	// was served over TLS (Secure cookies) come from those headers. Empty:
	// none, the headers are ignored.
	TrustedProxies []string
	// BodyReadTimeout bounds reading one request body, counted from the start
	// of the request, so a client that sends its body a byte at a time cannot
	// hold a connection for ever. Requests without a body (event streams, long
	// polls, every GET) are not bounded, and the bound is lifted once the body
	// is read. Whatever the bound, a body that stops short answers 400, not
	// 500. Zero or negative: no time bound.
	BodyReadTimeout time.Duration
	// StorageProbe checks, after a write failed for a full disk, whether the
	// stores have room again; /readyz reports not ready until it passes (or a
	// write succeeds). Nil: only a successful write clears the fault.
	StorageProbe func(ctx context.Context) error
	// Auth authenticates callers; with the route table in access.go and
	// auth.Policy it decides every request. Nil: no authentication, every
	// request is allowed.
	Auth *auth.Authorizer
	// MetricsRole is the role GET /metrics needs when Auth is set. Zero:
	// /metrics is open, like /healthz and /readyz.
	MetricsRole auth.Role
	// AccessLog, when set, receives one line per request, written off the
	// request path (see NewAccessLog). The caller closes it after the HTTP
	// server has stopped. Nil: no access log.
	AccessLog *AccessLog
	// SlowRequest is the duration from which a request is logged at Warn.
	// Zero: 1s; negative: never.
	SlowRequest time.Duration
	// AuditLog, when set, receives one line for every state-changing request
	// and every refused one (401, 403, 429), written before the response is
	// sent; a state-changing request whose line cannot be written answers 500.
	// Requests get an X-Request-Id (the client's, or a new one). The caller
	// closes it after the HTTP server has stopped. Nil: no audit log.
	AuditLog *AuditLog
	// RateLimiter limits requests per principal and failed authentications
	// per address (see RateLimits). Nil: no limits.
	RateLimiter *RateLimiter
	// ReadyChecks are the engines /readyz checks besides the registry's store,
	// by name ("nats" for the broker's JetStream log): each must answer Ping.
	// Nil: none.
	ReadyChecks map[string]Pinger
	// Engines are the storage engines' latency and error series /metrics
	// shows (the stores report to its Observers). Nil: none.
	Engines *EngineMetrics
}

// Pinger is an engine /readyz checks: Ping returns nil while it answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is Herald's HTTP handler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *gin.Engine
	metrics *metrics

	// specOnce guards spec and specErr, the OpenAPI document served at /openapi.json.
	specOnce sync.Once
	spec     []byte
	specErr  error

	// drain is cancelled by Drain; handlers that wait for events watch it.
	drain      context.Context
	drainStart context.CancelFunc

	// hosts and cors are Config.AllowedHosts and Config.CORSOrigins, parsed.
	hosts hostPolicy
	cors  corsPolicy
	// proxies is Config.TrustedProxies, parsed (proxies.go).
	proxies proxyPolicy
	// sessions holds the web sessions' generated key and revocations (session.go).
	sessions *sessionStore
	// storage is the last storage fault, for /readyz.
	storage storageFault

	// policy decides access when Config.Auth is set (access.go).
	policy auth.Policy

	// middleware runs for every request, after the route's metrics (see chain).
	middleware gin.HandlersChain
	// fallbacks run for requests no route matched, before the 404 or 405.
	fallbacks gin.HandlersChain
	// encoded keeps the encoded answers of the immutable reads (immutable.go).
	encoded *encodedCache
}

// init puts gin in release mode once, before any engine exists. gin's mode is
// process-wide state; setting it in New wrote it on every call, racing with
// engines built concurrently (parallel tests build many). Herald never runs gin
// in debug mode, whose route listing would go to the CLI's standard output.
func init() { gin.SetMode(gin.ReleaseMode) }

// New validates cfg and builds the server with every route.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, errors.New("server: Config.Registry is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, errors.New("server: Config.MaxBodyBytes must not be negative")
	}
	switch cfg.IncompatibleErrorCode {
	case 0:
		cfg.IncompatibleErrorCode = 409
	case 409, 40901:
	default:
		return nil, errors.New("server: Config.IncompatibleErrorCode must be 409 or 40901")
	}
	if cfg.SlowRequest == 0 {
		cfg.SlowRequest = time.Second
	}
	hosts, err := newHostPolicy(cfg.AllowedHosts)
	if err != nil {
		return nil, err
	}
	cors, err := newCORSPolicy(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	proxies, err := newProxyPolicy(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, engine: gin.New(), metrics: newMetrics(), hosts: hosts, cors: cors,
		policy: auth.Policy{MetricsRole: cfg.MetricsRole}, encoded: newEncodedCache(), proxies: proxies,
		sessions: newSessionStore()}
	s.metrics.accessLog = cfg.AccessLog
	s.metrics.engines = cfg.Engines
	s.metrics.confluent.registry = cfg.Registry
	s.drain, s.drainStart = context.WithCancel(context.Background())

	e := s.engine
	// Subjects are percent-encoded path segments that may contain "/" (Protobuf
	// import paths are registered as subjects): route on the escaped path and
	// unescape the parameters.
	e.UseEscapedPath = true
	e.UnescapePathValues = true
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.ContextWithFallback = true
	// Middleware, outermost first, in front of every route (see handleRoute):
	// metrics (the route's own entry) and logging see every response,
	// including the 500 written by recovery. The Host check comes before
	// anything reads the request; CORS headers are set before any handler or
	// later middleware writes, so errors are readable by allowed origins too.
	// Access is decided before any body is read. The audit log holds every
	// response (the 500 of a panic too) until its line is written; the rate
	// limit follows access, which names the principal it counts.
	s.middleware = []gin.HandlerFunc{s.logMiddleware, s.auditMiddleware, s.recoverMiddleware, s.hostMiddleware, s.corsMiddleware, s.accessMiddleware, s.rateLimitMiddleware, s.bodyLimitMiddleware, s.contentTypeMiddleware}
	if err := s.routes(); err != nil {
		return nil, err
	}
	// Unmatched requests run the same chain, then the fallbacks the route
	// groups added (the HTML 404 of /ui), then the API's 404 or 405.
	unmatched := append(s.chain(s.metrics.unmatched.middleware), s.fallbacks...)
	e.NoRoute(append(slices.Clip(unmatched), s.handle(func(*gin.Context) error {
		return errNoRoute
	}))...)
	e.NoMethod(append(slices.Clip(unmatched), s.handle(func(*gin.Context) error {
		return errNoMethod
	}))...)
	return s, nil
}

// Drain ends the requests that wait for events, so that a graceful shutdown
// (http.Server.Shutdown) need not wait for them: open event streams end (SSE
// clients resume elsewhere with Last-Event-ID), and long polls of reads and
// receives stop waiting and answer at once with what there is. Streams opened
// afterwards are refused (503, 50320) and long polls do not wait. Every other
// request, publishes included, runs to its end. Pass it to
// http.Server.RegisterOnShutdown; calling it again does nothing.
func (s *Server) Drain() { s.drainStart() }

// ServeHTTP implements http.Handler. Requests under /contexts/{ctx}/… are first
// rewritten into their context-qualified form (see rewriteContextPath).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = s.proxies.apply(r)
	withBodyDeadline(w, r, s.cfg.BodyReadTimeout)
	trimTrailingSlash(r)
	if len(r.URL.Path) > len("/contexts/") && r.URL.Path[:len("/contexts/")] == "/contexts/" {
		if err := rewriteContextPath(r); err != nil {
			s.metrics.contexts.forMethod(r.Method).observe(http.StatusBadRequest, 0)
			writeEarlyError(w, r, errBadRequest.with(err.Error()))
			return
		}
	}
	if r.Method == http.MethodHead {
		var end context.CancelFunc
		w, r, end = headAsGet(w, r)
		defer end()
	}
	s.engine.ServeHTTP(w, r)
}

// headAsGet lets every GET route answer HEAD, as HTTP requires of a server
// (RFC 9110, 9.3.2): gin routes the request as a GET, while net/http, which
// still sees the HEAD, sends the headers and discards the body (setting
// Content-Length when the handler wrote a small body in one go). A GET that
// streams (an event stream) would run forever with nobody reading, so the
// request ends at its first flush.
// The caller calls end when the request is served.
func headAsGet(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request, context.CancelFunc) {
	ctx, end := context.WithCancel(r.Context())
	g := r.WithContext(ctx) // a copy: the server's response keeps the HEAD
	g.Method = http.MethodGet
	return headWriter{ResponseWriter: w, end: end}, g, end
}

// headWriter is the ResponseWriter of a HEAD served as a GET: a flush, which
// only streams do, sends the headers and ends the request.
type headWriter struct {
	http.ResponseWriter
	end context.CancelFunc
}

// Flush implements http.Flusher.
func (w headWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	w.end()
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// trimTrailingSlash drops one trailing slash from API paths, as Jersey matches
// /subjects/ like /subjects. Catalog pages under /ui keep theirs.
func trimTrailingSlash(r *http.Request) {
	p := r.URL.Path
	if len(p) < 2 || p[len(p)-1] != '/' || strings.HasPrefix(p, "/ui") {
		return
	}
	r.URL.Path = p[:len(p)-1]
	if rp := r.URL.RawPath; rp != "" && rp[len(rp)-1] == '/' {
		r.URL.RawPath = rp[:len(rp)-1]
	}
}

// routes registers every route group. Each group lives in its own file.
func (s *Server) routes() error {
	s.registerOpsRoutes()
	s.registerRegistryRoutes()
	s.registerCompatReportRoutes()
	s.registerTopicRoutes()
	s.registerDeadLetterRoutes()
	s.registerCatalogRoutes()
	s.registerWhoAmIRoutes()
	s.registerSignInRoutes()
	s.registerDeadLetterPages()
	return s.registerPageRoutes()
}

// chain is the handler chain of one route: first its metrics middleware, then
// the middleware every request runs, then the route's own handlers. Routes are
// registered with their whole chain rather than with engine.Use, so that each
// route's metrics are bound when it is registered and a request looks nothing
// up to count itself.
func (s *Server) chain(metrics gin.HandlerFunc, h ...gin.HandlerFunc) gin.HandlersChain {
	out := make(gin.HandlersChain, 0, 1+len(s.middleware)+len(h))
	out = append(out, metrics)
	out = append(out, s.middleware...)
	return append(out, h...)
}

// handleRoute registers a route with its whole chain. Every route goes through
// it (never engine.Handle or engine.GET directly, which would skip the Host
// check and the rest of the middleware; TestEveryRouteRunsTheMiddleware checks).
func (s *Server) handleRoute(method, path string, h ...gin.HandlerFunc) {
	s.engine.Handle(method, path, s.chain(s.metrics.route(method, path).middleware, h...)...)
}

// routeGroup registers routes under a path prefix through handleRoute.
type routeGroup struct {
	s      *Server
	prefix string
}

// GET registers a GET route under the group's prefix.
func (g routeGroup) GET(path string, h ...gin.HandlerFunc) {
	g.s.handleRoute(http.MethodGet, g.prefix+path, h...)
}

// handlerFunc is a handler that reports failure by returning an error.
type handlerFunc func(c *gin.Context) error

// handle adapts a handlerFunc: a returned error is written through the error table.
func (s *Server) handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		} else if isWrite(c.Request.Method) && c.Writer.Status() < 300 {
			s.storage.clear()
		}
	}
}
