package server

import "time"

// SetRateLimitClock replaces the limiter's clock, so that tests move time
// instead of sleeping.
func SetRateLimitClock(l *RateLimiter, now func() time.Time) { l.setClock(now) }
