package server

import (
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestBucketsRefillAtTheirRate(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	b := newBuckets(2, 2, 10) // 2 per second, burst 2
	b.now = clk.now
	for i := range 2 {
		if ok, _ := b.take("k"); !ok {
			t.Fatalf("take %d of the burst refused", i)
		}
	}
	ok, wait := b.take("k")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third take: %v, wait %v; want refused, wait 500ms", ok, wait)
	}
	if ok, _ := b.take("other"); !ok {
		t.Error("another key shares the first key's bucket")
	}
	clk.advance(499 * time.Millisecond)
	if ok, _ := b.check("k"); ok {
		t.Error("a token came back before its time")
	}
	clk.advance(time.Millisecond)
	if ok, _ := b.take("k"); !ok {
		t.Error("no token after 500ms at 2 per second")
	}
}

func TestBucketsStayBounded(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Unix(1000, 0)}
	b := newBuckets(1, 1, 100)
	b.now = clk.now
	for i := range 10_000 {
		b.take("k" + strconv.Itoa(i))
		if i%1000 == 0 {
			clk.advance(2 * time.Second) // every bucket so far has refilled
		}
	}
	if n := b.size(); n > 100 {
		t.Errorf("%d buckets, want at most 100", n)
	}
	// After a sweep, only buckets still in use are kept.
	clk.advance(2 * time.Second)
	b.take("fresh-1")
	b.take("fresh-2")
	if n := b.size(); n != 2 {
		t.Errorf("after every bucket refilled: %d buckets, want the 2 new ones", n)
	}
}

func TestNewRateLimiterRefusesBadLimits(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]RateLimits{
		"NegativeRate":     {PerPrincipal: -1},
		"NaNRate":          {PerPrincipal: nanRate()},
		"NegativeFailures": {AuthFailures: -3},
		"NegativeMaxKeys":  {MaxKeys: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := NewRateLimiter(cfg); err == nil {
				t.Errorf("NewRateLimiter(%+v) accepted it", cfg)
			}
		})
	}
}

func nanRate() float64 { z := 0.0; return z / z }

func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{0: "1", time.Millisecond: "1", time.Second: "1", 1001 * time.Millisecond: "2", 19 * time.Second: "19"} {
		if got := retryAfter(d); got != want {
			t.Errorf("retryAfter(%v) = %s, want %s", d, got, want)
		}
	}
}
