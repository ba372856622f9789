package server

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
)

// catalogErrors maps catalog errors to responses.
var catalogErrors = []errorEntry{
	{target: catalog.ErrNotFound, status: http.StatusNotFound, code: 40460},
	{target: catalog.ErrInvalid, status: http.StatusUnprocessableEntity, code: 42260},
	{target: catalog.ErrBadRequest, status: http.StatusBadRequest, code: 40060},
	{target: errInvalidAsyncAPI, status: http.StatusUnprocessableEntity, code: 42261},
}

// registerCatalogRoutes registers /v1/catalog: apply and export of the whole
// catalog, entity reads, the graph of a scope, search, and AsyncAPI export and
// import. Without a catalog they are not registered (404).
func (s *Server) registerCatalogRoutes() {
	if s.cfg.Catalog == nil {
		return
	}
	g := s.engine.Group("/v1/catalog")
	g.GET("", s.handle(s.getCatalog))
	g.PUT("", s.handle(s.putCatalog))
	g.GET("/search", s.handle(s.searchCatalog))
	g.GET("/graph", s.handle(s.getCatalogGraph))
	g.GET("/teams", s.handle(s.listCatalog("teams")))
	g.GET("/teams/:id", s.handle(s.getCatalogEntity("teams")))
	g.GET("/domains", s.handle(s.listCatalog("domains")))
	g.GET("/domains/:id", s.handle(s.getCatalogEntity("domains")))
	g.GET("/services", s.handle(s.listCatalog("services")))
	g.GET("/services/:id", s.handle(s.getCatalogEntity("services")))
	g.GET("/services/:id/asyncapi.yaml", s.handle(s.getServiceAsyncAPI))
	g.GET("/events", s.handle(s.listCatalog("events")))
	g.GET("/events/:id", s.handle(s.getCatalogEntity("events")))
	g.GET("/flows", s.handle(s.listCatalog("flows")))
	g.GET("/flows/:id", s.handle(s.getCatalogEntity("flows")))
	g.POST("/import/asyncapi", s.handle(s.importAsyncAPI))
}

// wantsJSON reports whether the client asked for JSON rather than YAML.
func wantsJSON(c *gin.Context) bool {
	if f := c.Query("format"); f != "" {
		return f == "json"
	}
	return strings.Contains(c.GetHeader("Accept"), "application/json")
}

// getCatalog serves GET /v1/catalog: the whole catalog in the catalog-as-code
// format, YAML (default) or JSON (Accept: application/json or ?format=json).
func (s *Server) getCatalog(c *gin.Context) error {
	doc := s.cfg.Catalog.Document()
	if wantsJSON(c) {
		return writeJSON(c, http.StatusOK, doc)
	}
	y, err := catalog.ExportYAML(doc)
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", y)
	return nil
}

// applyRequest is the JSON body of PUT /v1/catalog: the catalog files, each with
// its name (used in error messages) and content.
type applyRequest struct {
	Files []catalog.File `json:"files"`
}

// putCatalog serves PUT /v1/catalog: it replaces the catalog with the files sent,
// idempotently. The body is either {"files":[{"name","content"}]} (JSON) or one
// YAML file (application/yaml, named by ?file=, default catalog.yaml). A catalog
// with problems gives 422 with one detail per problem (file, line, message) and
// changes nothing.
func (s *Server) putCatalog(c *gin.Context) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return errorf(http.StatusBadRequest, 40060, "cannot read body: "+err.Error())
	}
	var files []catalog.File
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt == "application/json" {
		var req applyRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return errorf(http.StatusBadRequest, 40060, "body must be {\"files\":[{\"name\":...,\"content\":...}]}: "+err.Error())
		}
		files = req.Files
	} else {
		name := c.DefaultQuery("file", "catalog.yaml")
		files = []catalog.File{{Name: name, Data: string(body)}}
	}
	res, err := s.cfg.Catalog.Apply(c.Request.Context(), files)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, res)
}

// searchCatalog serves GET /v1/catalog/search?q=: hits grouped by kind.
func (s *Server) searchCatalog(c *gin.Context) error {
	groups := s.cfg.Catalog.Search(c.Request.Context(), c.Query("q"), 0)
	if groups == nil {
		groups = []catalog.HitGroup{}
	}
	return writeJSON(c, http.StatusOK, groups)
}

// listCatalog serves GET /v1/catalog/{kind}: every entity of a kind, in the
// catalog-as-code shape.
func (s *Server) listCatalog(kind string) handlerFunc {
	return func(c *gin.Context) error {
		doc := s.cfg.Catalog.Document()
		var v any
		switch kind {
		case "teams":
			v = catalogList(doc.Teams)
		case "domains":
			v = catalogList(doc.Domains)
		case "services":
			v = catalogList(doc.Services)
		case "events":
			v = catalogList(doc.Events)
		case "flows":
			v = catalogList(doc.Flows)
		}
		return writeJSON(c, http.StatusOK, v)
	}
}

func catalogList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// getCatalogEntity serves GET /v1/catalog/{kind}/{id}. Errors: 404 40460.
func (s *Server) getCatalogEntity(kind string) handlerFunc {
	return func(c *gin.Context) error {
		id := c.Param("id")
		var v any
		var err error
		switch kind {
		case "teams":
			v, err = s.cfg.Catalog.Team(id)
		case "domains":
			v, err = s.cfg.Catalog.Domain(id)
		case "services":
			v, err = s.cfg.Catalog.Application(id)
		case "events":
			v, err = s.cfg.Catalog.Event(id)
		case "flows":
			v, err = s.cfg.Catalog.Flow(id)
		}
		if err != nil {
			return err
		}
		return writeJSON(c, http.StatusOK, v)
	}
}

// graphResponse is GET /v1/catalog/graph in JSON: nodes with their computed
// positions, and edges with their paths.
type graphResponse struct {
	Scope     string              `json:"scope"`
	Width     int                 `json:"width"`
	Height    int                 `json:"height"`
	Nodes     []graphNodeResponse `json:"nodes"`
	Edges     []catalog.GraphEdge `json:"edges"`
	Collapsed []catalog.GraphEdge `json:"collapsed,omitempty"`
}

// graphNodeResponse is a node with its box and its page.
type graphNodeResponse struct {
	catalog.Node
	X    int    `json:"x"`
	Y    int    `json:"y"`
	W    int    `json:"width"`
	H    int    `json:"height"`
	Href string `json:"href"`
}

// getCatalogGraph serves GET /v1/catalog/graph?scope=KIND:ID&format=: the graph
// of an event, service, domain or flow as JSON (nodes with laid-out positions and
// edges), Mermaid, DOT or SVG. Errors: 400 40060 (bad scope or format), 404 40460.
func (s *Server) getCatalogGraph(c *gin.Context) error {
	g, err := s.cfg.Catalog.Graph(c.Request.Context(), c.Query("scope"))
	if err != nil {
		return err
	}
	switch f := c.DefaultQuery("format", "json"); f {
	case "json":
		l := catalog.LayoutGraph(g)
		resp := graphResponse{Scope: g.Scope, Width: l.Width, Height: l.Height, Nodes: make([]graphNodeResponse, len(l.Nodes)), Edges: g.Edges, Collapsed: g.Collapsed}
		for i, n := range l.Nodes {
			resp.Nodes[i] = graphNodeResponse{Node: n.Node, X: n.X, Y: n.Y, W: n.W, H: n.H, Href: nodeHref(n.Node)}
		}
		return writeJSON(c, http.StatusOK, resp)
	case "mermaid":
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(catalog.Mermaid(g, nodeHref)))
	case "dot":
		c.Data(http.StatusOK, "text/vnd.graphviz; charset=utf-8", []byte(catalog.DOT(g, nodeHref)))
	case "svg":
		b, err := s.pages().renderSVG(g)
		if err != nil {
			return err
		}
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		c.Data(http.StatusOK, "image/svg+xml", b)
	default:
		return errorf(http.StatusBadRequest, 40060, "unknown graph format "+f+": want json, mermaid, dot or svg")
	}
	return nil
}

// registerPageRoutes registers the /ui pages. A template that does not parse
// stops the server. Without a catalog no page is registered (404).
func (s *Server) registerPageRoutes() error {
	if s.cfg.Catalog == nil {
		return nil
	}
	if _, err := pageTemplates(); err != nil {
		return err
	}
	p := s.pages()
	ui := s.engine.Group("/ui")
	ui.GET("", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/ui/") })
	ui.GET("/", p.handle(p.home))
	ui.GET("/search", p.handle(p.search))
	ui.GET("/domains", p.handle(p.list("domains")))
	ui.GET("/domains/:id", p.handle(p.domain))
	ui.GET("/teams", p.handle(p.list("teams")))
	ui.GET("/teams/:id", p.handle(p.team))
	ui.GET("/services", p.handle(p.list("services")))
	ui.GET("/services/:id", p.handle(p.service))
	ui.GET("/events", p.handle(p.list("events")))
	ui.GET("/events/:id", p.handle(p.event))
	ui.GET("/events/:id/diff", p.handle(p.diff))
	ui.GET("/flows", p.handle(p.list("flows")))
	ui.GET("/flows/:id", p.handle(p.flow))
	ui.GET("/api", p.handle(p.api))
	ui.GET("/static/*file", p.static)
	// Unmatched /ui paths get the HTML 404 page rather than the API's JSON one:
	// middleware added last runs only for the page routes and for NoRoute.
	s.engine.Use(p.notFound)
	return nil
}
