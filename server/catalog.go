package server

// catalogErrors maps catalog errors to responses.
var catalogErrors []errorEntry

// registerCatalogRoutes registers /v1/catalog.
func (s *Server) registerCatalogRoutes() {}

// registerPageRoutes registers the /ui pages. A template that does not parse
// stops the server.
func (s *Server) registerPageRoutes() error { return nil }
