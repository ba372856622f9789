package server

// Rate limits: token buckets per principal (requests per second) and per
// client address (failed authentications per minute). Both tables are
// bounded: a bucket that has refilled is the same as no bucket, so it is
// dropped when room is needed, and when every bucket is in use an arbitrary
// one goes (its owner starts again with a full bucket, which is the price of
// bounded memory).

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// DefaultRateLimitKeys bounds each table of buckets when RateLimits.MaxKeys
// is zero. A bucket is a map entry of about 100 bytes.
const DefaultRateLimitKeys = 10_000

// sweepEvery is the least time between two sweeps of a full table, so that a
// flood of new keys costs one O(n) sweep per interval, not one per request.
const sweepEvery = time.Second

// RateLimits configures a RateLimiter.
type RateLimits struct {
	// PerPrincipal is how many requests per second one principal may make,
	// with a burst of as many; more are answered 429 (42901) with
	// Retry-After. Callers without a credential are counted by address.
	// /healthz, /readyz and /metrics are not counted. Zero: no limit.
	PerPrincipal float64
	// AuthFailures is how many failed authentications per minute one client
	// address may make; past it, its requests that carry credentials are
	// answered 429 (42902) with Retry-After, without checking them (no bcrypt
	// is run). Zero: no limit.
	AuthFailures int
	// MaxKeys bounds how many principals and how many addresses are tracked.
	// Zero: DefaultRateLimitKeys.
	MaxKeys int
}

// RateLimiter applies RateLimits. It is safe for concurrent use.
type RateLimiter struct {
	cfg          RateLimits
	requests     *buckets // nil: no per-principal limit
	authFailures *buckets // nil: no failed-authentication limit
}

// NewRateLimiter validates cfg and returns its limiter.
func NewRateLimiter(cfg RateLimits) (*RateLimiter, error) {
	if cfg.PerPrincipal < 0 || math.IsNaN(cfg.PerPrincipal) || math.IsInf(cfg.PerPrincipal, 0) {
		return nil, fmt.Errorf("server: RateLimits.PerPrincipal %v: want a positive number of requests per second, or 0 for no limit", cfg.PerPrincipal)
	}
	if cfg.AuthFailures < 0 {
		return nil, fmt.Errorf("server: RateLimits.AuthFailures %d: want a positive number per minute, or 0 for no limit", cfg.AuthFailures)
	}
	if cfg.MaxKeys < 0 {
		return nil, fmt.Errorf("server: RateLimits.MaxKeys %d must not be negative", cfg.MaxKeys)
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultRateLimitKeys
	}
	l := &RateLimiter{cfg: cfg}
	if cfg.PerPrincipal > 0 {
		l.requests = newBuckets(cfg.PerPrincipal, math.Max(cfg.PerPrincipal, 1), cfg.MaxKeys)
	}
	if cfg.AuthFailures > 0 {
		n := float64(cfg.AuthFailures)
		l.authFailures = newBuckets(n/60, n, cfg.MaxKeys)
	}
	return l, nil
}

// setClock replaces time.Now, for tests.
func (l *RateLimiter) setClock(now func() time.Time) {
	for _, b := range []*buckets{l.requests, l.authFailures} {
		if b != nil {
			b.now = now
		}
	}
}

// buckets is a bounded table of token buckets by key.
type buckets struct {
	rate  float64 // tokens added per second
	burst float64 // most tokens a bucket holds
	max   int
	now   func() time.Time

	// mu protects m and lastSweep.
	mu        sync.Mutex
	m         map[string]*bucket
	lastSweep time.Time
}

// bucket holds tokens as of last.
type bucket struct {
	tokens float64
	last   time.Time
}

func newBuckets(rate, burst float64, max int) *buckets {
	return &buckets{rate: rate, burst: burst, max: max, now: time.Now, m: make(map[string]*bucket)}
}

// level refills k to now and returns its tokens.
func (b *buckets) level(k *bucket, now time.Time) float64 {
	if d := now.Sub(k.last); d > 0 {
		k.tokens = math.Min(b.burst, k.tokens+d.Seconds()*b.rate)
		k.last = now
	}
	return k.tokens
}

// wait is how long until a bucket with tokens has one.
func (b *buckets) wait(tokens float64) time.Duration {
	return time.Duration((1 - tokens) / b.rate * float64(time.Second))
}

// check reports whether key has a token, without taking it, and if not how
// long until it will.
func (b *buckets) check(key string) (bool, time.Duration) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.m[key]
	if k == nil {
		return true, 0
	}
	if t := b.level(k, now); t < 1 {
		return false, b.wait(t)
	}
	return true, 0
}

// take takes a token from key; when there is none it takes nothing and says
// how long until there will be one.
func (b *buckets) take(key string) (bool, time.Duration) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.m[key]
	if k == nil {
		b.makeRoom(now)
		k = &bucket{tokens: b.burst, last: now}
		b.m[key] = k
	}
	t := b.level(k, now)
	if t < 1 {
		return false, b.wait(t)
	}
	k.tokens = t - 1
	return true, 0
}

// makeRoom keeps the table below max before an insert: first by dropping the
// buckets that have refilled (at most once per sweepEvery), then, if it is
// still full, an arbitrary one.
func (b *buckets) makeRoom(now time.Time) {
	if len(b.m) < b.max {
		return
	}
	if now.Sub(b.lastSweep) >= sweepEvery {
		b.lastSweep = now
		for key, k := range b.m {
			if b.level(k, now) >= b.burst {
				delete(b.m, key)
			}
		}
	}
	for key := range b.m {
		if len(b.m) < b.max {
			break
		}
		delete(b.m, key)
	}
}

// size is how many buckets the table holds.
func (b *buckets) size() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.m)
}

// tooManyError is a 429: what limit, and when to come back.
type tooManyError struct {
	row   *errorRow
	msg   string
	after time.Duration
}

func (e *tooManyError) Error() string { return e.msg }

// Unwrap gives the error its row.
func (e *tooManyError) Unwrap() error { return e.row }

// retryAfter is the Retry-After value of a wait: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(math.Ceil(d.Seconds()))), 10)
}

// tooMany answers a 429 with Retry-After.
func (s *Server) tooMany(c *gin.Context, err *tooManyError) {
	c.Header("Retry-After", retryAfter(err.after))
	s.writeError(c, err)
}

// authThrottled reports whether a request carrying credentials comes from an
// address past its failed-authentication limit, and if so answers it 429
// without checking the credentials. accessMiddleware calls it before
// authenticating.
func (s *Server) authThrottled(c *gin.Context) bool {
	l := s.cfg.RateLimiter
	if l == nil || l.authFailures == nil || c.Request.Header.Get("Authorization") == "" {
		return false
	}
	ok, wait := l.authFailures.check(remoteHost(c.Request.RemoteAddr))
	if ok {
		return false
	}
	s.tooMany(c, &tooManyError{row: errAuthThrottled, after: wait,
		msg: fmt.Sprintf("too many failed authentications from this address (limit %d per minute); retry after %ss", l.cfg.AuthFailures, retryAfter(wait))})
	return true
}

// authFailed counts a refused credential against its address. It is called
// only for a credential that was sent: a caller with none costs nothing to
// refuse (and a browser always asks without one first).
func (s *Server) authFailed(c *gin.Context) {
	l := s.cfg.RateLimiter
	if l == nil || l.authFailures == nil || c.Request.Header.Get("Authorization") == "" {
		return
	}
	l.authFailures.take(remoteHost(c.Request.RemoteAddr))
}

// rateLimitMiddleware applies RateLimits.PerPrincipal after access is
// decided, so that the principal is known: each principal has its bucket,
// and callers without a credential have one per address. Public routes and
// unmatched requests are not counted.
func (s *Server) rateLimitMiddleware(c *gin.Context) {
	l := s.cfg.RateLimiter
	if l == nil || l.requests == nil {
		return
	}
	rule, ok := accessRules[accessKey{c.Request.Method, c.FullPath()}]
	if !ok || rule.action == auth.Public || rule.action == auth.ReadMetrics {
		return
	}
	p := principal(c)
	named := p != nil && p.Method != auth.Anonymous
	var key string
	if named {
		key = "principal\x00" + p.Name
	} else {
		key = "addr\x00" + remoteHost(c.Request.RemoteAddr)
	}
	if ok, wait := l.requests.take(key); !ok {
		who := "this address"
		if named {
			who = "principal " + p.Name
		}
		s.tooMany(c, &tooManyError{row: errRateLimited, after: wait,
			msg: fmt.Sprintf("rate limit of %g requests per second exceeded by %s; retry after %ss", l.cfg.PerPrincipal, who, retryAfter(wait))})
	}
}
