package server

// AccessRoutes lists the routes of the access table, for the test that
// compares them with the routes the engine serves.
func AccessRoutes() []RouteInfo {
	out := make([]RouteInfo, 0, len(accessRules))
	for k := range accessRules {
		out = append(out, RouteInfo{Method: k.method, Path: k.path})
	}
	return out
}
