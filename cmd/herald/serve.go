package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
)

// Defaults of the serve flags.
const (
	defaultAddr = "127.0.0.1:8081"
	defaultDB   = "./herald.db"
	// shutdownGrace bounds how long in-flight requests may finish on shutdown.
	shutdownGrace = 15 * time.Second
	// readHeaderTimeout bounds reading a request's headers.
	readHeaderTimeout = 10 * time.Second
	// defaultBodyReadTimeout bounds reading a request body (server.Config.BodyReadTimeout):
	// ample for the largest body at modem speed, far below "never".
	defaultBodyReadTimeout = time.Minute
	// defaultIdleTimeout closes keep-alive connections idle this long.
	defaultIdleTimeout = 2 * time.Minute
	// defaultMaxConnections caps open connections, below common file limits.
	defaultMaxConnections = 4096
)

// Config configures Main. Zero fields take the serve flags' defaults.
type Config struct {
	// Addr is the listen address. Empty: 127.0.0.1:8081. Port 0 picks a free port;
	// Main.Addr reports the one bound.
	Addr string
	// DB is the registry's SQLite file, or a postgres:// (postgresql://) URL
	// of the PostgreSQL database several instances share. With a URL, the
	// broker and the catalog stay in SQLite files named after ./herald.db
	// (./herald-broker.db, ./herald-catalog.db) unless --broker-db and
	// --catalog-db say otherwise. Empty: ./herald.db.
	DB string
	// MaxSchemaBytes bounds schema text (42209 beyond). Zero: the registry default.
	MaxSchemaBytes int
	// ParsedCacheSize bounds how many parsed schemas the registry keeps in
	// memory. Zero: the registry default.
	ParsedCacheSize int
	// IncompatibleErrorCode is the error_code of a 409: 409 or 40901. Zero: 409.
	IncompatibleErrorCode int
	// Logger receives structured logs. Nil: slog.Default().
	Logger *slog.Logger
	// Version is reported by the server. Empty: the build version.
	Version string

	// broker and catalog are the flags their wiring files registered; nil
	// means their defaults.
	broker  *brokerFlags
	catalog *catalogFlags

	// AllowedHosts are the host names the server answers to besides IP
	// addresses and localhost (server.Config.AllowedHosts). Empty:
	// defaultAllowedHosts of Addr.
	AllowedHosts []string
	// CORSOrigins are the origins whose web pages may call the API
	// (server.Config.CORSOrigins). Empty: none.
	CORSOrigins []string
	// TrustedProxies are the proxies whose X-Forwarded-For/-Proto are
	// believed (server.Config.TrustedProxies). Empty: none.
	TrustedProxies []string
	// CompatLimits bound every compatibility check (registry.ServiceConfig).
	// Zero: compat's defaults.
	CompatLimits compat.Limits
	// ParsedCacheBytes bounds the estimated bytes of the parsed schemas the
	// registry keeps in memory. Zero: the registry default.
	ParsedCacheBytes int64
	// RecordCacheBytes bounds the estimated bytes of schema content kept for
	// reads by id (registry.ServiceConfig.RecordCacheBytes); zero: the
	// registry's default.
	RecordCacheBytes int64
	// BodyReadTimeout bounds reading one request body (requests without a
	// body, such as event streams and long polls, are not bounded). Zero: one
	// minute; negative: no bound.
	BodyReadTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long. Zero: two
	// minutes; negative: never.
	IdleTimeout time.Duration
	// MaxConnections caps the connections open at once; more are answered 503
	// (error_code 50310) and closed. Zero: 4096; negative: no cap.
	MaxConnections int

	// auth are the identity and access flags; nil means their defaults (no
	// auth file: loopback only).
	auth *authFlags
	// StrictImport and StrictReferences keep Herald's stricter registry rules
	// (registry.ServiceConfig). Zero: Confluent's behaviour.
	StrictImport     bool
	StrictReferences bool
	// AccessLog is where the access log goes: a file (appended to), or "-"
	// for standard output. Empty: no access log.
	AccessLog string
	// RegistryMaxStaleness bounds how long the registry serves a cached latest
	// version that another instance may have changed, should its change
	// notification be lost (registry.ServiceConfig.MaxStaleness). Zero: 1 s;
	// negative: such answers are never cached.
	RegistryMaxStaleness time.Duration
	// SlowRequest is the duration from which a request is logged at Warn
	// (server.Config.SlowRequest). Zero: 1s; negative: never.
	SlowRequest time.Duration
	// tls are the HTTPS and client-certificate flags; nil means plain HTTP.
	tls *tlsFlags
	// AuditLog is where the audit log goes: a file (appended to, synced before
	// each answer), or "-" for standard output. Empty: no audit log.
	AuditLog string
	// RateLimit is how many requests per second each principal may make
	// (burst the same); more answer 429. Zero: no limit.
	RateLimit float64
	// AuthFailureLimit is how many failed authentications per minute one
	// client address may make before its credentials are refused unchecked
	// (429). Zero: 10; negative: no limit.
	AuthFailureLimit int
}

// Main is one running Herald: the store, the registry, the broker, the catalog and
// the HTTP server. Tests drive it with Run and Close.
type Main struct {
	cfg Config
	log *slog.Logger

	ln      net.Listener
	srv     *http.Server
	closers []io.Closer // closed in reverse order by Close
	errc    chan error  // the HTTP server's exit

	closeOnce sync.Once
	closeErr  error
}

// NewMain returns a Main for cfg; Run starts it.
func NewMain(cfg Config) *Main {
	if cfg.Addr == "" {
		cfg.Addr = defaultAddr
	}
	if cfg.DB == "" {
		cfg.DB = defaultDB
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = buildVersion()
	}
	if cfg.broker == nil {
		cfg.broker = &brokerFlags{}
	}
	if cfg.catalog == nil {
		cfg.catalog = &catalogFlags{}
	}
	if cfg.BodyReadTimeout == 0 {
		cfg.BodyReadTimeout = defaultBodyReadTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = defaultIdleTimeout
	}
	if cfg.MaxConnections == 0 {
		cfg.MaxConnections = defaultMaxConnections
	}
	if cfg.auth == nil {
		cfg.auth = &authFlags{}
	}
	return &Main{cfg: cfg, log: cfg.Logger, errc: make(chan error, 1)}
}

// Formats are the schema formats Herald serves.
func Formats() []compat.Format { return formats.All() }

// Run opens the database, builds every part, binds the listener and starts
// serving in the background. On error everything opened so far is closed.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			err = errors.Join(err, m.closeAll())
		}
	}()
	if err := checkExposure(m.cfg.auth, m.cfg.Addr); err != nil {
		return err
	}
	var metricsRole auth.Role
	if r := m.cfg.auth.MetricsRole; r != "" {
		if metricsRole, err = auth.ParseRole(r); err != nil {
			return fmt.Errorf("--metrics-role: %w", err)
		}
	}
	tlsConfig, err := m.cfg.tls.serverConfig(m.cfg.auth.File != "")
	if err != nil {
		return err
	}
	authz, reloader, err := openAuth(m.cfg.auth, m.log)
	if err != nil {
		return err
	}
	if reloader != nil {
		m.addCloser(reloader)
	}
	paths := m.dbPaths()
	for _, p := range paths {
		lk, err := dbfile.Lock(p)
		if err != nil {
			return err
		}
		m.addCloser(lk) // added first, so released after the databases close
	}
	store, err := m.openRegistryStore(ctx)
	if err != nil {
		return fmt.Errorf("open registry database %s: %w", m.dbName(), err)
	}
	m.addCloser(store)
	probes := []prober{store}
	engines := server.NewEngineMetrics()
	registryEngine := server.EngineSQLite
	if registrydb.IsPostgresURL(m.cfg.DB) {
		registryEngine = server.EnginePostgres
	}
	reg, err := registry.New(registry.Observed(store, engines.StoreObserver(registryEngine)), registry.ServiceConfig{MaxSchemaBytes: m.cfg.MaxSchemaBytes, ParsedCacheSize: m.cfg.ParsedCacheSize, ParsedCacheBytes: m.cfg.ParsedCacheBytes, RecordCacheBytes: m.cfg.RecordCacheBytes, CompatLimits: m.cfg.CompatLimits, Formats: Formats(),
		StrictImport: m.cfg.StrictImport, StrictReferences: m.cfg.StrictReferences, MaxStaleness: m.cfg.RegistryMaxStaleness})
	if err != nil {
		return err
	}
	if m.cfg.broker != nil && m.cfg.broker.JetStream != nil {
		m.cfg.broker.JetStream.Engines = engines
	}
	brk, brkCloser, err := openBroker(ctx, m.cfg.broker, m.cfg.DB, reg, m.log)
	if err != nil {
		return fmt.Errorf("open broker: %w", err)
	}
	m.addCloser(brkCloser)
	cat, catCloser, err := openCatalog(ctx, m.cfg.catalog, m.cfg.DB, reg, brk, engines, m.log)
	if err != nil {
		return fmt.Errorf("open catalog: %w", err)
	}
	m.addCloser(catCloser)
	for _, c := range []io.Closer{brkCloser, catCloser} {
		if p, ok := c.(prober); ok {
			probes = append(probes, p)
		}
	}
	m.followRegistryChanges(store, reg)

	accessLog, err := m.openAccessLog()
	if err != nil {
		return err
	}
	auditLog, err := m.openAuditLog()
	if err != nil {
		return err
	}
	limiter, err := m.newRateLimiter()
	if err != nil {
		return err
	}
	allowedHosts := m.cfg.AllowedHosts
	if len(allowedHosts) == 0 {
		allowedHosts = defaultAllowedHosts(m.cfg.Addr)
	}
	srv, err := server.New(server.Config{
		Registry:              reg,
		Broker:                brk,
		Catalog:               cat,
		Logger:                m.log,
		MaxBodyBytes:          maxBodyBytes(m.cfg.MaxSchemaBytes),
		IncompatibleErrorCode: m.cfg.IncompatibleErrorCode,
		Version:               m.cfg.Version,
		AllowedHosts:          allowedHosts,
		CORSOrigins:           m.cfg.CORSOrigins,
		TrustedProxies:        m.cfg.TrustedProxies,
		BodyReadTimeout:       m.cfg.BodyReadTimeout,
		StorageProbe:          storageProbe(paths, probes),
		Auth:                  authz,
		MetricsRole:           metricsRole,
		AccessLog:             accessLog,
		SlowRequest:           m.cfg.SlowRequest,
		AuditLog:              auditLog,
		RateLimiter:           limiter,
		ReadyChecks:           readyChecks(brkCloser),
		Engines:               engines,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if m.cfg.MaxConnections > 0 {
		ln = newLimitListener(ln, m.cfg.MaxConnections, m.log)
	}
	m.ln = ln
	// No ReadTimeout or WriteTimeout: either would end event streams and long
	// polls. Headers have their own timeout, bodies server.Config.BodyReadTimeout's, and idle
	// keep-alive connections IdleTimeout.
	m.srv = &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       max(m.cfg.IdleTimeout, 0),
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	// Shutdown waits for every request in flight. Event streams and long polls
	// would hold it for the whole grace period, so they end as it starts;
	// everything else (publishes waiting for their commit included) finishes.
	m.srv.RegisterOnShutdown(srv.Drain)
	go func() {
		var err error
		if tlsConfig != nil {
			// The connection limit sits below TLS, so a refusal is written
			// before any handshake: a TLS client sees a failed handshake
			// rather than the 503, but the accept loop never waits on one.
			err = m.srv.ServeTLS(ln, "", "")
		} else {
			err = m.srv.Serve(ln)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		m.errc <- err
	}()
	m.log.Info("herald listening", "addr", ln.Addr().String(), "url", m.URL(), "db", m.dbName(), "version", m.cfg.Version,
		"allowed_hosts", allowedHosts, "cors_origins", m.cfg.CORSOrigins, "auth", m.cfg.auth.File, "access_log", m.cfg.AccessLog, "slow_request", m.cfg.SlowRequest,
		"tls", tlsConfig != nil, "client_certs", tlsConfig != nil && tlsConfig.ClientCAs != nil)
	return nil
}

// openAccessLog opens Config.AccessLog, or returns nil when there is none. It
// is closed (its queue written out) after the HTTP server has stopped, since
// closers run after Shutdown.
func (m *Main) openAccessLog() (*server.AccessLog, error) {
	return openLog(m, m.cfg.AccessLog, "access log", 0o644, func(w io.Writer, _ func() error) *server.AccessLog {
		return server.NewAccessLog(w, 0)
	})
}

// openLog opens the destination of a log flag and builds the log L on it with
// newLog: "" is no log (L's zero value), "-" standard output (sync nil),
// anything else a file opened for appending, created with perm (sync is the
// file's Sync). The log and its file are closed by Close, the log first. what
// names the log in errors.
func openLog[L any](m *Main, dest, what string, perm os.FileMode, newLog func(w io.Writer, sync func() error) L) (L, error) {
	var none L
	switch dest {
	case "":
		return none, nil
	case "-":
		l := newLog(os.Stdout, nil)
		m.addCloser(l)
		return l, nil
	}
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_APPEND|os.O_CREATE, perm)
	if err != nil {
		return none, fmt.Errorf("open %s: %w", what, err)
	}
	m.addCloser(f)
	l := newLog(f, f.Sync)
	m.addCloser(l) // closed before the file: closers run newest first
	return l, nil
}

// defaultAllowedHosts is the Host allowlist when --allowed-hosts is not given:
// localhost, the host of the listen address when it is a name, and this
// machine's host name when it listens on all interfaces (so that other machines
// may reach it by that name). IP addresses are always allowed by the server;
// any other name (a proxy's, a container's service name) must be listed.
func defaultAllowedHosts(addr string) []string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	hosts := []string{"localhost"}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		if name, err := os.Hostname(); err == nil && name != "" {
			hosts = append(hosts, name)
		}
	case ip == nil && !strings.EqualFold(host, "localhost"):
		hosts = append(hosts, host)
	}
	return hosts
}

// maxBodyBytes leaves room for a maximal schema plus JSON escaping, never below
// the server's 16 MiB default.
func maxBodyBytes(maxSchema int) int64 {
	n := int64(maxSchema)*2 + 1<<20
	if n < 16<<20 {
		return 16 << 20
	}
	return n
}

// openRegistryStore opens the registry's store: PostgreSQL when --db is a
// postgres:// URL, otherwise the SQLite file.
func (m *Main) openRegistryStore(ctx context.Context) (*registrydb.Store, error) {
	if registrydb.IsPostgresURL(m.cfg.DB) {
		return registrydb.OpenPostgres(ctx, m.cfg.DB)
	}
	return registrydb.Open(ctx, m.cfg.DB)
}

// dbName is --db for logs and errors: a URL's password is masked.
func (m *Main) dbName() string {
	if registrydb.IsPostgresURL(m.cfg.DB) {
		return registrydb.Redact(m.cfg.DB)
	}
	return m.cfg.DB
}

// dbPaths are the SQLite files this Main opens: the registry's, the broker's
// and the catalog's (unless they are off or on PostgreSQL), without repeats.
func (m *Main) dbPaths() []string {
	paths := []string{m.cfg.DB}
	if !m.cfg.broker.Off {
		paths = append(paths, brokerDBPath(m.cfg.broker, m.cfg.DB))
	}
	if !m.cfg.catalog.Off {
		paths = append(paths, catalogDBPath(m.cfg.catalog, m.cfg.DB))
	}
	seen := map[string]bool{}
	out := paths[:0]
	for _, p := range paths {
		if registrydb.IsPostgresURL(p) {
			continue
		}
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}

// prober is a store that can check it has room for a write.
type prober interface {
	ProbeWrite(ctx context.Context) error
}

// storageProbe is the server's StorageProbe: every file system holding a
// database has free space and every store has room for a small write. The
// first failure is the answer: one reason reads better in /readyz than three
// copies of it.
func storageProbe(paths []string, probes []prober) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, p := range paths {
			if err := dbfile.CheckSpace(p); err != nil {
				return err
			}
		}
		for _, p := range probes {
			if err := p.ProbeWrite(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// followRegistryChanges keeps reg's caches in step with the writes of the
// other instances sharing a PostgreSQL registry (LISTEN/NOTIFY), until Close.
// On SQLite one process writes the file, so there is nothing to follow.
func (m *Main) followRegistryChanges(store *registrydb.Store, reg *registry.Service) {
	if !registrydb.IsPostgresURL(m.cfg.DB) {
		return
	}
	store.OnListenError(func(err error) {
		m.log.Warn("registry change listener reconnecting; meanwhile other instances' writes show within --registry-max-staleness", "err", err)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = reg.FollowChanges(ctx) // nil: it only returns once ctx ends
	}()
	// Added after the store, so stopped before it closes.
	m.addCloser(closeFunc(func() error {
		cancel()
		<-done
		return nil
	}))
}

// closeFunc is a function that closes something.
type closeFunc func() error

// Close calls f.
func (f closeFunc) Close() error { return f() }

// addCloser remembers c (nil allowed) for Close.
func (m *Main) addCloser(c any) {
	if cl, ok := c.(io.Closer); ok && cl != nil {
		m.closers = append(m.closers, cl)
	}
}

// Addr is the address the server is bound to, such as 127.0.0.1:41234.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// URL is the server's base URL, such as http://127.0.0.1:41234 (https:// when
// it serves TLS).
func (m *Main) URL() string {
	if m.cfg.tls.enabled() {
		return "https://" + m.Addr()
	}
	return "http://" + m.Addr()
}

// Done reports the HTTP server's exit: nil after Close, an error if it failed.
func (m *Main) Done() <-chan error { return m.errc }

// Close stops accepting requests, ends event streams and long polls, lets the
// other requests in flight finish (up to a grace period), then closes the
// catalog, the broker and the database.
func (m *Main) Close() error {
	m.closeOnce.Do(func() {
		var errs []error
		if m.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			if err := m.srv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("shutdown: %w", err))
			}
			cancel()
		}
		errs = append(errs, m.closeAll())
		m.closeErr = errors.Join(errs...)
	})
	return m.closeErr
}

// closeAll closes every opened part, newest first.
func (m *Main) closeAll() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers = nil
	return errors.Join(errs...)
}

// newLogger builds the process logger: text (default) or JSON on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: want text or json", format)
}

// newServeCmd builds `herald serve`.
func newServeCmd() *cobra.Command {
	var (
		cfg                 Config
		logFormat, logLevel string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry, broker and catalog server",
		Args:  cobra.NoArgs,
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Addr, "addr", defaultAddr, "listen address (port 0 picks a free port)")
	fs.StringVar(&cfg.DB, "db", defaultDB, "database: a SQLite file (the broker and the catalog then use <name>-broker.db and <name>-catalog.db beside it), or a PostgreSQL URL (postgres://user:password@host:5432/herald?sslmode=require) that several instances share, "+
		"holding the registry, the catalog and the broker (each in its own schema) unless --broker-db or --catalog-db name another place")
	fs.IntVar(&cfg.MaxSchemaBytes, "max-schema-bytes", registry.DefaultMaxSchemaBytes, "largest schema text accepted, in bytes (42209 beyond)")
	fs.IntVar(&cfg.ParsedCacheSize, "parsed-cache-size", registry.DefaultParsedCacheSize, "how many parsed schemas to keep in memory for compatibility checks and validation (least recently used dropped first)")
	fs.IntVar(&cfg.IncompatibleErrorCode, "incompatible-error-code", 409, "error_code sent with HTTP 409 for an incompatible schema: 409 or 40901")
	fs.StringVar(&logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringSliceVar(&cfg.AllowedHosts, "allowed-hosts", nil, "host names the server answers to, against DNS rebinding: NAME, .DOMAIN (it and its subdomains) or * (any host); "+
		"IP addresses and localhost are always answered, other hosts get 403 (default: localhost, the --addr host name, and this machine's host name when --addr listens on all interfaces)")
	fs.StringSliceVar(&cfg.CORSOrigins, "cors-origins", nil, "origins whose web pages may call the API from a browser (https://app.example.com, or * for any); default: none, no CORS headers are sent")
	fs.StringSliceVar(&cfg.TrustedProxies, "trusted-proxies", nil, "CIDRs or addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (client address in the audit log and rate limits, Secure cookies); default: none, the headers are ignored")
	cfg.broker = addBrokerFlags(fs)
	cfg.catalog = addCatalogFlags(fs)
	fs.IntVar(&cfg.CompatLimits.MaxNodes, "max-compat-nodes", compat.DefaultMaxNodes, "most node pairs one compatibility check compares (a larger check answers 422, error_code 42240)")
	fs.IntVar(&cfg.CompatLimits.MaxViolations, "max-violations", compat.DefaultMaxViolations, "most violations one compatibility report lists (the rest are cut and the report marked truncated)")
	fs.Int64Var(&cfg.RecordCacheBytes, "record-cache-bytes", registry.DefaultRecordCacheBytes, "estimated bytes of schema content to keep in memory for reads by id (GET /schemas/ids/{id}); a schema not kept is read from the database again")
	fs.Int64Var(&cfg.ParsedCacheBytes, "parsed-cache-bytes", registry.DefaultParsedCacheBytes, "estimated bytes of parsed schemas to keep in memory (a parsed schema keeps 1-8 times its text, by format; least recently used dropped first; the compiled forms of JSON and Protobuf schemas live apart, within 48 and 32 MiB)")
	fs.DurationVar(&cfg.BodyReadTimeout, "body-read-timeout", defaultBodyReadTimeout, "longest time to read one request body (400 beyond; streams and long polls have no body and are not bounded); negative: no bound")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", defaultIdleTimeout, "close keep-alive connections idle this long; negative: never")
	fs.IntVar(&cfg.MaxConnections, "max-connections", defaultMaxConnections, "most connections open at once; more are answered 503 (error_code 50310) and closed; negative: no cap")
	cfg.auth = addAuthFlags(fs)
	fs.BoolVar(&cfg.StrictImport, "strict-import", false, "in IMPORT mode, refuse a version number a subject already has (42205) instead of overwriting it as Confluent does")
	fs.BoolVar(&cfg.StrictReferences, "strict-references", false, "soft-deleted versions keep their references: what they reference cannot be permanently deleted (42206) until they are; Confluent lets it go")
	// Logs: no line per successful request; slow ones, and an access log on request.
	fs.StringVar(&cfg.AccessLog, "access-log", "", "write an access log (one JSON line per request, combined log fields) to FILE, or - for standard output; written off the request path, lines dropped when it falls behind (herald_access_log_dropped_total); default: none")
	fs.DurationVar(&cfg.RegistryMaxStaleness, "registry-max-staleness", registry.DefaultMaxStaleness, "with a PostgreSQL --db: longest time a cached latest version is served should another instance's change notification be lost (its own writes, and notified ones, show at once); 0 or less: never cache them")
	fs.DurationVar(&cfg.SlowRequest, "slow-request", time.Second, "log requests slower than this at WARN, with route and duration (0 or less: never)")
	// HTTPS and client certificates (mTLS).
	cfg.tls = addTLSFlags(fs)
	// Memory: a soft limit for the Go runtime, so containers with a memory limit are safe.
	var memoryLimit string
	fs.StringVar(&memoryLimit, "memory-limit", "", "soft memory limit of the process (512MiB, 2GiB, bytes; off: none): near it the collector runs more often and returns memory to the system sooner; default: GOMEMLIMIT if set, else none")
	var pprofAddr string
	fs.StringVar(&pprofAddr, "pprof", "", "serve the Go runtime's profiles (heap, CPU, goroutines) at http://ADDR/debug/pprof/ on a listener of their own; loopback addresses only (127.0.0.1:6060); default: none")
	// Audit and rate limits.
	fs.StringVar(&cfg.AuditLog, "audit-log", "", "write an audit log (one JSON line per state-changing or refused request: principal, action, resource, outcome) to FILE, or - for standard output; "+
		"each line is written and synced before the answer, and a write whose line fails answers 500; default: none")
	fs.Float64Var(&cfg.RateLimit, "rate-limit", 0, "requests per second each principal may make, with a burst of as many (callers without credentials: per address); more answer 429 (error_code 42901) with Retry-After; 0: no limit")
	fs.IntVar(&cfg.AuthFailureLimit, "auth-failure-limit", defaultAuthFailureLimit, "failed authentications per minute one client address may make; past it, its credentials answer 429 (error_code 42902) unchecked; 0 or less: no limit")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		if cfg.IncompatibleErrorCode != 409 && cfg.IncompatibleErrorCode != 40901 {
			return usageErrorf("--incompatible-error-code %d: want 409 or 40901", cfg.IncompatibleErrorCode)
		}
		log, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
		if err != nil {
			return err
		}
		cfg.Logger = log
		limit, from, err := applyMemoryLimit(memoryLimit)
		if err != nil {
			return err
		}
		if limit != math.MaxInt64 {
			log.Info("memory limit", "bytes", limit, "from", from)
		}
		if cfg.RegistryMaxStaleness <= 0 {
			cfg.RegistryMaxStaleness = -1 // the flag's "never cache"; zero in Config means the default
		}
		if cfg.SlowRequest <= 0 {
			cfg.SlowRequest = -1 // the flag's "never"; zero in Config means the default
		}
		if cfg.AuthFailureLimit <= 0 {
			cfg.AuthFailureLimit = -1 // the flag's "no limit"; zero in Config means the default
		}
		if pprofAddr != "" {
			if _, err := servePprof(cmd.Context(), pprofAddr, log); err != nil {
				return err
			}
		}
		go returnMemoryWhenIdle(cmd.Context(), idleReturnEvery, log)
		m := NewMain(cfg)
		if err := m.Run(cmd.Context()); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		var serveErr error
		select {
		case <-cmd.Context().Done():
			log.Info("shutting down")
		case serveErr = <-m.Done():
		}
		if err := errors.Join(serveErr, m.Close()); err != nil {
			return &exitError{code: exitFailure, err: err}
		}
		log.Info("stopped")
		return nil
	}
	return cmd
}
