package server

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
)

// tagCatalog groups the catalog's operations in the spec.
const tagCatalog = "Catalog"

// catalogOperations are the /v1/catalog routes: apply and export of the whole
// catalog, entity reads, the graph of a scope, search, and AsyncAPI export and
// import.
var catalogOperations = document(slices.Concat([]operation{
	{Method: http.MethodGet, Path: "/v1/catalog", ID: "getCatalog", Summary: "Export the whole catalog in the catalog-as-code format",
		Description: "YAML by default; JSON with Accept: application/json or format=json.",
		Tags:        []string{tagCatalog}, Params: catalogFormatParams{},
		Responses: []response{
			{Body: catalogDocumentJSON{}, Description: "The catalog, as one catalog-as-code file."},
			{Body: "", ContentType: "application/yaml"},
		},
		handler: (*Server).getCatalog},
	{Method: http.MethodPut, Path: "/v1/catalog", ID: "applyCatalog", Summary: "Replace the catalog with catalog-as-code files, idempotently",
		Description: "The body is either {\"files\":[{\"name\",\"content\"}]} (application/json) or one YAML file (any other type, named by file). " +
			"A catalog with problems is refused with 422, one detail per problem (file, line, message), and nothing changes. " +
			"Files that no longer declare entities the catalog holds are refused with 409, naming them, unless prune=true; " +
			"dryRun=true validates and answers the diff without writing.",
		Tags: []string{tagCatalog}, Params: applyParams{}, Body: applyRequest{}, BodyTypes: []string{"application/yaml"},
		Responses: []response{{Body: applyResponse{}}},
		Errors:    []*errorRow{errInvalidCatalog, errCatalogWouldDelete},
		handler:   (*Server).putCatalog},
	{Method: http.MethodGet, Path: "/v1/catalog/search", ID: "searchCatalog", Summary: "Search the catalog: ranked hits grouped by kind",
		Description: "Events, services, flows, subjects, topics, domains, teams and schema fields, ranked across kinds; the groups come in the order of their best hit.",
		Tags:        []string{tagCatalog}, Params: searchParams{}, Responses: []response{{Body: []hitGroupJSON{}}},
		Errors:  []*errorRow{errCatalogQuery},
		handler: (*Server).searchCatalog},
	{Method: http.MethodGet, Path: "/v1/catalog/graph", ID: "getCatalogGraph", Summary: "The graph of an event, service, domain or flow",
		Description: "JSON gives the nodes with their laid-out boxes and the edges; mermaid, dot and svg render the same graph.",
		Tags:        []string{tagCatalog}, Params: graphParams{},
		Responses: []response{
			{Body: graphResponse{}},
			{Body: "", ContentType: "text/plain", Description: "format=mermaid: a Mermaid flowchart."},
			{Body: "", ContentType: "text/vnd.graphviz", Description: "format=dot: a Graphviz DOT graph."},
			{Body: "", ContentType: "image/svg+xml", Description: "format=svg: the SVG the catalog pages show."},
		},
		Errors:  []*errorRow{errCatalogQuery, errCatalogNotFound},
		handler: (*Server).getCatalogGraph},
	{Method: http.MethodGet, Path: "/v1/catalog/services/{id}/asyncapi.yaml", ID: "getServiceAsyncAPI", Summary: "A service as an AsyncAPI 3.0 document",
		Description: "YAML, downloaded as a file; format=json gives JSON.",
		Tags:        []string{tagCatalog}, Params: asyncAPIParams{},
		Responses: []response{
			{Body: "", ContentType: "application/yaml", Description: "The AsyncAPI document."},
			{Body: map[string]any{}},
		},
		Errors:  []*errorRow{errCatalogNotFound},
		handler: (*Server).getServiceAsyncAPI},
	{Method: http.MethodPost, Path: "/v1/catalog/import/asyncapi", ID: "importAsyncAPI", Summary: "Import an AsyncAPI 3.0 document",
		Description: "Its application becomes a service (replaced if it exists), each message an event and each operation an edge; " +
			"each payload schema is registered under the event's subject. Everything else in the catalog is kept.",
		Tags: []string{tagCatalog}, Body: map[string]any{}, BodyTypes: []string{"application/yaml"},
		Responses: []response{{Body: importAsyncAPIResponse{}}},
		Errors:    []*errorRow{errInvalidAsyncAPI, errInvalidCatalog, errIncompatible, errInvalidSchema, errInvalidSubject},
		handler:   (*Server).importAsyncAPI},
},
	catalogEntityOperations("teams", "Team", "team", func(d *catalog.Document) []catalog.Team { return d.Teams }, (*catalog.Service).Team, toCatalogTeamJSON),
	catalogEntityOperations("domains", "Domain", "domain", func(d *catalog.Document) []catalog.Domain { return d.Domains }, (*catalog.Service).Domain, toCatalogDomainJSON),
	catalogEntityOperations("services", "Service", "service", func(d *catalog.Document) []catalog.Application { return d.Services }, (*catalog.Service).Application, toCatalogServiceJSON),
	catalogEntityOperations("events", "Event", "event, command or query", func(d *catalog.Document) []catalog.Event { return d.Events }, (*catalog.Service).Event, toCatalogEventJSON),
	catalogEntityOperations("flows", "Flow", "flow", func(d *catalog.Document) []catalog.Flow { return d.Flows }, (*catalog.Service).Flow, toCatalogFlowJSON),
)...)

// catalogEntityOperations are GET /v1/catalog/{kind} and /v1/catalog/{kind}/{id}
// for one kind of entity T: all picks the kind's list out of a document, get
// reads one by id (404 40460 when it does not exist), and conv gives the
// response struct J; what names the entity for people.
func catalogEntityOperations[T, J any](kind, name, what string, all func(*catalog.Document) []T,
	get func(*catalog.Service, string) (*T, error), conv func(T) J,
) []operation {
	return []operation{
		{Method: http.MethodGet, Path: "/v1/catalog/" + kind, ID: "listCatalog" + name + "s", Summary: "List every " + what,
			Tags: []string{tagCatalog}, Responses: []response{{Body: []J{}, Description: "Sorted by id, in the catalog-as-code shape."}},
			// Every entity of the kind, in the catalog-as-code shape; none is [].
			handler: func(s *Server, c *gin.Context) error {
				return writeJSON(c, http.StatusOK, catalogList(convertAll(all(s.cfg.Catalog.Document()), conv)))
			}},
		{Method: http.MethodGet, Path: "/v1/catalog/" + kind + "/{id}", ID: "getCatalog" + name, Summary: "Get one " + what,
			Tags: []string{tagCatalog}, Params: entityParams{}, Responses: []response{{Body: *new(J)}},
			Errors: []*errorRow{errCatalogNotFound},
			handler: func(s *Server, c *gin.Context) error {
				e, err := get(s.cfg.Catalog, c.Param("id"))
				if err != nil {
					return err
				}
				return writeJSON(c, http.StatusOK, conv(*e))
			}},
	}
}

// registerCatalogRoutes registers /v1/catalog. Without a catalog they are not
// registered (404).
func (s *Server) registerCatalogRoutes() {
	if s.cfg.Catalog == nil {
		return
	}
	s.registerOperations(catalogOperations)
}

// catalogFormatParams are the parameters of GET /v1/catalog.
type catalogFormatParams struct {
	Format string `query:"format" enum:"yaml,json" description:"yaml (default) or json; wins over Accept."`
}

// applyParams are the parameters of PUT /v1/catalog.
type applyParams struct {
	File   string `query:"file" description:"The name of a YAML body in error messages. Default: catalog.yaml."`
	Prune  bool   `query:"prune" description:"Delete the entities the files no longer declare. Without it such an apply is refused with 409 naming them."`
	DryRun bool   `query:"dryRun" description:"Validate and answer the diff (added, changed, deleted entities) without writing anything."`
}

// searchParams are the parameters of GET /v1/catalog/search.
type searchParams struct {
	Q string `query:"q" description:"Words to find in names, ids, tags, owners, descriptions, subjects, topics and event fields; case, separators (OrderPlaced, order-placed, order placed), prefixes and small typos do not matter. At most 256 bytes and 8 words."`
}

// graphParams are the parameters of GET /v1/catalog/graph.
type graphParams struct {
	Scope  string `query:"scope" required:"true" description:"KIND:ID, KIND being event, service, domain or flow (event:order-placed)."`
	Format string `query:"format" enum:"json,mermaid,dot,svg" description:"Default: json."`
}

// entityParams name a catalog entity.
type entityParams struct {
	ID string `path:"id" description:"The entity id."`
}

// asyncAPIParams are the parameters of GET /v1/catalog/services/{id}/asyncapi.yaml.
type asyncAPIParams struct {
	entityParams
	Format string `query:"format" enum:"yaml,json" description:"Default: yaml."`
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
		return writeJSON(c, http.StatusOK, toCatalogDocumentJSON(doc))
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
	Files []catalogFileJSON `json:"files" required:"true"`
}

// putCatalog serves PUT /v1/catalog: it replaces the catalog with the files sent,
// idempotently. The body is either {"files":[{"name","content"}]} (JSON) or one
// YAML file (application/yaml, named by ?file=, default catalog.yaml). A catalog
// with problems gives 422 with one detail per problem (file, line, message) and
// changes nothing; one that would delete entities needs ?prune=true (else 409
// naming them), and ?dryRun=true answers the diff without writing.
func (s *Server) putCatalog(c *gin.Context) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // a body past the limit is 413, one cut short 400 (40001)
	}
	var files []catalog.File
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt == "application/json" {
		var req applyRequest
		if err := json.Unmarshal(body, &req); err != nil {
			return errInvalidBody.with("body must be {\"files\":[{\"name\":...,\"content\":...}]}: " + err.Error())
		}
		files = convertAll(req.Files, func(f catalogFileJSON) catalog.File { return catalog.File(f) })
	} else {
		name := c.DefaultQuery("file", "catalog.yaml")
		files = []catalog.File{{Name: name, Data: string(body)}}
	}
	opts := catalog.ApplyOptions{Prune: queryBool(c, "prune"), DryRun: queryBool(c, "dryRun")}
	res, err := s.cfg.Catalog.ApplyWith(c.Request.Context(), files, opts)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, applyResponse(res))
}

// searchCatalog serves GET /v1/catalog/search?q=: hits grouped by kind, the
// groups in the order of their best hit. A query past the search limits is a 400.
func (s *Server) searchCatalog(c *gin.Context) error {
	res, err := s.cfg.Catalog.Search(c.Request.Context(), c.Query("q"), 0)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toHitGroupsJSON(res.Groups()))
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
		return errCatalogQuery.with("unknown graph format " + f + ": want json, mermaid, dot or svg")
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
	ui := routeGroup{s, "/ui"}
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
	ui.GET("/subjects", p.handle(p.subjects))
	ui.GET("/subjects/:subject", p.handle(p.subject))
	ui.GET("/topics", p.handle(p.topics))
	ui.GET("/topics/:topic", p.handle(p.topic))
	ui.GET("/clients/:name", p.handle(p.client))
	ui.GET("/static/*file", p.static)
	// Unmatched /ui paths get the HTML 404 page rather than the API's JSON one:
	// it runs before the API's 404 for requests no route matched.
	s.fallbacks = append(s.fallbacks, p.notFound)
	return nil
}
