package server

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
