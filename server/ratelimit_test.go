package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// testClock is a clock the test moves.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func withRateLimits(t *testing.T, cfg server.RateLimits) (envOption, *testClock) {
	t.Helper()
	l, err := server.NewRateLimiter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clk := &testClock{t: time.Unix(1_700_000_000, 0)}
	server.SetRateLimitClock(l, clk.now)
	return func(c *server.Config, _ *registry.ServiceConfig) { c.RateLimiter = l }, clk
}

// wantThrottled checks a 429 response: its error code, its message and the
// seconds its Retry-After header asks the client to wait.
func wantThrottled(t *testing.T, r result, code int, msg, retryAfter string) {
	t.Helper()
	wantError(t, r, http.StatusTooManyRequests, code, msg)
	if got := r.header.Get("Retry-After"); got != retryAfter {
		t.Errorf("Retry-After %q, want %s", got, retryAfter)
	}
}

// TestRateLimitPerPrincipal checks that a principal past its rate gets 429
// with Retry-After and 42901, that other principals and the probes do not,
// and that it may go on once its bucket refills.
func TestRateLimitPerPrincipal(t *testing.T) {
	t.Parallel()
	opt, clk := withRateLimits(t, server.RateLimits{PerPrincipal: 2})
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0), opt)
	reader, admin := "Authorization: Bearer key-reader", "Authorization: Bearer key-admin"
	e.must(http.StatusOK, "GET", "/subjects", "", reader)
	e.must(http.StatusOK, "GET", "/subjects", "", reader)
	wantThrottled(t, e.do("GET", "/subjects", "", reader), 42901, "rate limit of 2 requests per second exceeded by principal reader", "1")
	e.must(http.StatusOK, "GET", "/subjects", "", admin)
	for range 5 {
		e.must(http.StatusOK, "GET", "/healthz", "")
	}
	clk.t = clk.t.Add(500 * time.Millisecond)
	e.must(http.StatusOK, "GET", "/subjects", "", reader)
	e.must(http.StatusTooManyRequests, "GET", "/subjects", "", reader)
}

// TestRateLimitWithoutAuthCountsAddresses checks that with auth off the limit
// applies per client address.
func TestRateLimitWithoutAuthCountsAddresses(t *testing.T) {
	t.Parallel()
	opt, _ := withRateLimits(t, server.RateLimits{PerPrincipal: 1})
	e := newEnv(t, opt)
	e.must(http.StatusOK, "GET", "/subjects", "")
	r := e.do("GET", "/subjects", "")
	wantError(t, r, http.StatusTooManyRequests, 42901, "exceeded by this address")
}

// TestFailedAuthenticationsAreThrottled checks that after AuthFailures bad
// credentials from one address, its credentials are refused with 429 (42902)
// without being checked, good ones included, that callers sending none are
// not counted, and that the address may try again once a token is back.
func TestFailedAuthenticationsAreThrottled(t *testing.T) {
	t.Parallel()
	opt, clk := withRateLimits(t, server.RateLimits{AuthFailures: 3})
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0), opt)
	bad, good := "Authorization: Basic "+basic("platform", "guess"), "Authorization: Basic "+basic("platform", "s3cret")
	for range 5 {
		e.must(http.StatusUnauthorized, "GET", "/subjects", "") // no credential: not a failure
	}
	for range 3 {
		e.must(http.StatusUnauthorized, "GET", "/subjects", "", bad)
	}
	wantThrottled(t, e.do("GET", "/subjects", "", bad), 42902, "too many failed authentications from this address (limit 3 per minute)", "20")
	e.must(http.StatusTooManyRequests, "GET", "/subjects", "", good)
	e.must(http.StatusOK, "GET", "/healthz", "")
	// Another address is not held back.
	req := httptest.NewRequest("GET", "/subjects", nil)
	req.RemoteAddr = "198.51.100.7:4000"
	req.Header.Set("Authorization", good[len("Authorization: "):])
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("another address: %d %s, want 200", w.Code, w.Body)
	}
	clk.t = clk.t.Add(20 * time.Second)
	e.must(http.StatusOK, "GET", "/subjects", "", good)
}
