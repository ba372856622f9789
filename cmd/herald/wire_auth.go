package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/oidc"
)

// authFlags are the serve flags of identity and access (HERALD_* env twins).
// The zero value is the defaults: no auth file, loopback only.
type authFlags struct {
	// File is the auth file (--auth). Empty: no authentication, and the
	// server may listen on loopback addresses only unless InsecureNoAuth.
	File string
	// MetricsRole is the role GET /metrics needs (--metrics-role). Empty: open.
	MetricsRole string
	// InsecureNoAuth lets a server without an auth file listen on other
	// addresses than loopback (--insecure-no-auth).
	InsecureNoAuth bool
	// ReloadInterval is how often the auth file is checked for changes.
	// Zero: 2 seconds.
	ReloadInterval time.Duration

	// oidcClock is the clock JWTs are checked against (exp, nbf, iat, and the
	// JWKS refresh interval). Nil: time.Now; tests move it forward.
	oidcClock func() time.Time
	// oidcHTTP fetches discovery documents and JWKS. Nil: the verifier's
	// default client.
	oidcHTTP *http.Client
}

// addAuthFlags registers the auth serve flags on fs.
func addAuthFlags(fs *pflag.FlagSet) *authFlags {
	f := &authFlags{}
	fs.StringVar(&f.File, "auth", "", "auth file (YAML: principals, roles, oidc, anonymous); reloaded on SIGHUP and when it changes. "+
		"Without it every caller may do everything, so herald listens on loopback addresses only")
	fs.StringVar(&f.MetricsRole, "metrics-role", "", "role GET /metrics needs (reader, consumer, producer, developer or admin); default: /metrics is open like /healthz")
	fs.BoolVar(&f.InsecureNoAuth, "insecure-no-auth", false, "allow listening on a non-loopback address without --auth: anyone who can reach the server can read and change everything")
	return f
}

// newTokenVerifier returns how an auth file's oidc section becomes a JWT
// verifier: an oidc.Verifier for its issuer, JWKS URL (or discovery),
// audience and claims. The section's roleMapping is applied by the
// Authorizer to the roles the verifier reads. Each file put in force (at
// start and at every reload) gets a verifier of its own, so a reload that
// changes the issuer or the audience never mixes the old and the new.
func newTokenVerifier(f *authFlags, log *slog.Logger) auth.VerifierFunc {
	return func(c *auth.OIDCConfig) (auth.TokenVerifier, error) {
		v, err := oidc.New(oidc.Config{
			Issuer:        c.Issuer,
			JWKSURL:       c.JWKSURL,
			Audience:      c.Audience,
			UsernameClaim: c.UsernameClaim,
			RolesClaim:    c.RolesClaim,
			HTTPClient:    f.oidcHTTP,
			Now:           f.oidcClock,
		})
		if err != nil {
			return nil, err
		}
		return &tokenVerifier{Client: oidc.Client{Verifier: v, ClientID: c.ClientID, ClientSecret: c.ClientSecret, Audience: c.Audience}, log: log}, nil
	}
}

// tokenVerifier adapts an oidc.Verifier to auth.TokenVerifier, and logs why a
// token was refused: the Authorizer tells the caller only "invalid bearer
// token", so the reason must reach the operator here. No oidc error contains
// the token.
type tokenVerifier struct {
	// Client also makes the verifier the web sign-in's provider.
	oidc.Client
	log *slog.Logger
}

// Verify implements auth.TokenVerifier.
func (t *tokenVerifier) Verify(ctx context.Context, token string) (auth.Identity, error) {
	id, err := t.Client.Verify(ctx, token)
	if err != nil {
		if errors.Is(err, oidc.ErrProvider) {
			// Every JWT fails until the provider answers: someone must look.
			t.log.ErrorContext(ctx, "cannot check bearer JWTs: the identity provider's keys are unavailable", "err", err)
		} else {
			t.log.InfoContext(ctx, "bearer JWT refused", "reason", err)
		}
		return auth.Identity{}, err
	}
	return id, nil
}

// checkExposure refuses to listen beyond loopback without an auth file.
func checkExposure(f *authFlags, addr string) error {
	if f.File != "" || f.InsecureNoAuth || isLoopback(addr) {
		return nil
	}
	return fmt.Errorf("refusing to listen on %s without --auth: anyone who reaches it could delete every subject, "+
		"change compatibility and read every event. Give an auth file (--auth FILE or HERALD_AUTH; `herald auth hash` "+
		"makes the lines), listen on 127.0.0.1, or pass --insecure-no-auth if something in front of herald authenticates", addr)
}

// isLoopback reports whether addr (host:port) listens on loopback only:
// localhost or a loopback IP. An empty host or 0.0.0.0 is every interface,
// and another name may resolve to anything.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// loadAuthFile reads and parses an auth file.
func loadAuthFile(path string) (*auth.File, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("auth file %s does not exist: write one (principals with roles; `herald auth hash` and "+
			"`herald auth new-key NAME` make the secret lines), or leave --auth/HERALD_AUTH empty to run without auth on loopback", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read auth file: %w", err)
	}
	f, err := auth.Parse(path, data)
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}

// openAuth loads the auth file and starts reloading it on SIGHUP and on
// change. It returns nil, nil without an auth file. The closer stops the
// reloading.
func openAuth(f *authFlags, log *slog.Logger) (*auth.Authorizer, *authReloader, error) {
	if f.File == "" {
		return nil, nil, nil
	}
	file, data, err := loadAuthFile(f.File)
	if err != nil {
		return nil, nil, err
	}
	a, err := auth.New(file, newTokenVerifier(f, log))
	if err != nil {
		return nil, nil, fmt.Errorf("auth file %s: %w", f.File, err)
	}
	logAuthFile(log, "auth file loaded", f.File, file)
	r := &authReloader{path: f.File, a: a, log: log, sum: sha256.Sum256(data), interval: f.ReloadInterval}
	if r.interval <= 0 {
		r.interval = 2 * time.Second
	}
	r.start()
	return a, r, nil
}

// logAuthFile logs what an auth file holds: counts, never secrets.
func logAuthFile(log *slog.Logger, msg, path string, f *auth.File) {
	log.Info(msg, "file", path, "principals", len(f.Principals), "oidc", f.OIDC != nil, "anonymous_bindings", len(f.Anonymous))
	if o := f.OIDC; o != nil {
		jwks := o.JWKSURL
		if jwks == "" {
			jwks = "discovery"
		}
		log.Info("bearer JWTs accepted", "issuer", o.Issuer, "jwks", jwks, "audience", o.Audience,
			"username_claim", o.UsernameClaim, "roles_claim", o.RolesClaim, "mapped_roles", len(o.RoleMapping))
	}
}

// authReloader puts a changed auth file in force: on SIGHUP, and when a poll
// sees its size or modification time change (and then its content). A file
// that does not parse is refused and logged; the one in force stays.
type authReloader struct {
	path     string
	a        *auth.Authorizer
	log      *slog.Logger
	interval time.Duration

	// sum is the SHA-256 of the content in force; only the reload goroutine
	// touches it after start.
	sum [32]byte

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func (r *authReloader) start() {
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer close(r.done)
		defer signal.Stop(hup)
		tick := time.NewTicker(r.interval)
		defer tick.Stop()
		size, mod := statFile(r.path)
		for {
			select {
			case <-r.stop:
				return
			case <-hup:
				r.log.Info("SIGHUP: reloading the auth file", "file", r.path)
				r.reload(true)
				size, mod = statFile(r.path)
			case <-tick.C:
				s, m := statFile(r.path)
				if s == size && m.Equal(mod) {
					continue
				}
				size, mod = s, m
				r.reload(false)
			}
		}
	}()
}

// statFile is the size and modification time of path (-1 and zero when absent).
func statFile(path string) (int64, time.Time) {
	fi, err := os.Stat(path)
	if err != nil {
		return -1, time.Time{}
	}
	return fi.Size(), fi.ModTime()
}

// reload reads the file and puts it in force if it changed (or force).
func (r *authReloader) reload(force bool) {
	data, err := os.ReadFile(r.path)
	if err != nil {
		r.log.Error("auth file unreadable; the previous one stays in force", "file", r.path, "err", err)
		return
	}
	sum := sha256.Sum256(data)
	if !force && sum == r.sum {
		return
	}
	f, err := auth.Parse(r.path, data)
	if err == nil {
		err = r.a.Replace(f)
	}
	if err != nil {
		r.log.Error("auth file refused; the previous one stays in force", "file", r.path, "err", err)
		return
	}
	r.sum = sum
	logAuthFile(r.log, "auth file reloaded", r.path, f)
}

// Close stops reloading.
func (r *authReloader) Close() error {
	r.once.Do(func() {
		close(r.stop)
		<-r.done
	})
	return nil
}
