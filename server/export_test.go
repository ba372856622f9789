package server

import (
	"net/http"
	"time"
)

// RouteInfo is one route of the engine: its method and its gin path (:name
// parameters, *name wildcards).
type RouteInfo struct{ Method, Path string }

// Routes lists every route the engine serves, for tests that compare them with
// the OpenAPI spec.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.engine.Routes() {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path})
	}
	return out
}

// RaceEnabled tells external tests that allocation counts are not meaningful
// (see race_on_internal_test.go).
const RaceEnabled = raceEnabled

// DiscardWriter is the allocation-free ResponseWriter of the hot-path
// benchmarks, for the external ones.
type DiscardWriter = discardWriter

// NewDiscardWriter returns an empty DiscardWriter.
func NewDiscardWriter() *DiscardWriter { return &discardWriter{h: http.Header{}} }

// Reset empties the header map and the status, for the next request.
func (w *DiscardWriter) Reset() { w.reset() }

// Status is the status the last request wrote.
func (w *DiscardWriter) Status() int { return w.status }

// AccessRoutes lists the routes of the access table, for the test that
// compares them with the routes the engine serves.
func AccessRoutes() []RouteInfo {
	out := make([]RouteInfo, 0, len(accessRules))
	for k := range accessRules {
		out = append(out, RouteInfo{Method: k.method, Path: k.path})
	}
	return out
}

// SetRateLimitClock replaces the limiter's clock, so that tests move time
// instead of sleeping.
func SetRateLimitClock(l *RateLimiter, now func() time.Time) { l.setClock(now) }

// SetSessionClock replaces the clock sessions and sign-ins are checked
// against, so that tests move time instead of sleeping.
func SetSessionClock(s *Server, now func() time.Time) { s.sessions.now = now }

// SubjectsPerPage is the rows of one subjects page.
const SubjectsPerPage = subjectsPerPage
