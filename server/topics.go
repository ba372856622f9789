package server

// brokerErrors maps broker errors to responses.
var brokerErrors []errorEntry

// registerTopicRoutes registers /v1/topics and /v1/groups.
func (s *Server) registerTopicRoutes() {}
