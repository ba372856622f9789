// Package fakeclock is a settable clock for tests of code that takes a
// func() time.Time (leases, retention, token expiry), so that a test moves time
// instead of sleeping.
package fakeclock

import (
	"sync"
	"time"
)

// Clock reads the time it was set to until Advance moves it. It is safe for
// concurrent use.
type Clock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

// New returns a Clock that reads t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock d forward (backward when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
