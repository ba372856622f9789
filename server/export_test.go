package server

import "net/http"

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
