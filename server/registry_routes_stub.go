package server

// registryErrors maps registry errors; filled in with the registry routes.
var registryErrors []errorEntry

// registerRegistryRoutes registers the Confluent-compatible API.
func (s *Server) registerRegistryRoutes() {}
