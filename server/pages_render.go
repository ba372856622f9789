package server

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/web"
)

// pageTemplates parses the page templates once per process; they are embedded,
// so every server shares them.
var pageTemplates = sync.OnceValues(web.Templates)

// contentSecurityPolicy allows only this origin's stylesheet and script (the live
// tail), inline SVG, and connections back to this origin (the SSE stream).
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// pages renders the catalog pages of a server.
type pages struct {
	s    *Server
	cat  *catalog.Service
	tmpl map[string]*template.Template
}

func (s *Server) pages() *pages {
	t, _ := pageTemplates()
	return &pages{s: s, cat: s.cfg.Catalog, tmpl: t}
}

// pageMeta is embedded in every page view: what the layout needs.
type pageMeta struct {
	Title    string
	Section  string
	Query    string
	Revision int64
	// User is who is signed in (pages_session.go), set by render.
	User pageUser
}

func (p *pages) meta(title, section string) pageMeta {
	return pageMeta{Title: title, Section: section, Revision: p.cat.Revision().Number}
}

// pageFunc is a page handler: it renders or returns an error.
type pageFunc func(c *gin.Context) error

// handle adapts a pageFunc: an error goes to the server's one error writer,
// which answers a page path with the HTML error page (writeError below).
func (p *pages) handle(h pageFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			p.s.writeError(c, err)
		}
	}
}

// errorView is the error page.
type errorView struct {
	pageMeta
	Heading, Message string
}

// writeError writes the HTML error page of an error's row, with the row's
// status: 404 for a missing entity, 400 for a bad query, 422 for a schema past
// a limit, 500 otherwise (the error is logged by the caller). A client that
// went away gets nothing.
func (p *pages) writeError(c *gin.Context, row *errorRow, err error) {
	defer c.Abort()
	if row == errClientGone {
		c.Status(row.status)
		return
	}
	heading := row.message
	if row.status >= http.StatusInternalServerError {
		heading = "Something went wrong"
	}
	p.render(c, row.status, "error", errorView{pageMeta: p.meta(heading, ""), Heading: heading, Message: pageErrorMessage(row, err)})
}

// notFound is middleware that answers unmatched /ui paths with the HTML 404 page.
func (p *pages) notFound(c *gin.Context) {
	if c.FullPath() == "" && strings.HasPrefix(c.Request.URL.Path, "/ui/") {
		p.s.writeError(c, errCatalogNotFound.with("No page lives at this address."))
		return
	}
	c.Next()
}

// setPageHeaders sets the security headers every page carries.
func setPageHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

// render executes a page template into a buffer and writes it; a template error
// gives a plain 500 (the page is never half-written).
func (p *pages) render(c *gin.Context, status int, name string, view any) {
	if c.Request.Context().Err() != nil {
		// The client went away while the view was built: rendering would be
		// work for nobody.
		c.Status(statusClientClosed)
		return
	}
	var buf bytes.Buffer
	t, ok := p.tmpl[name]
	if !ok {
		p.s.log.ErrorContext(c.Request.Context(), "no such template", "name", name)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout.html", withUser(view, p.s.pageUserOf(c))); err != nil {
		p.s.log.ErrorContext(c.Request.Context(), "render page", "name", name, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	setPageHeaders(c.Writer.Header())
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// staticFiles serves the embedded assets; http.FileServerFS brings content
// types, HEAD, ranges and conditional requests.
var staticFiles = http.FileServerFS(web.Static())

// static serves GET /ui/static/*file: the stylesheet, the live-tail script and
// the graphs' zoom script.
// A name that is not a file (missing, or a folder, which the file server would
// list) gets the catalog's own 404 page.
func (p *pages) static(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if st, err := fs.Stat(web.Static(), name); err != nil || st.IsDir() {
		p.s.writeError(c, errCatalogNotFound.with("No such file."))
		return
	}
	setPageHeaders(c.Writer.Header())
	c.Header("Cache-Control", "public, max-age=300")
	r := c.Request.Clone(c.Request.Context())
	r.URL.Path, r.URL.RawPath = "/"+name, ""
	staticFiles.ServeHTTP(c.Writer, r)
}

// graphView is the "graph" partial: an inline SVG drawing and its table twin.
type graphView struct {
	Title      string
	Scope      string
	Layout     *catalog.Layout
	Rows       []graphRow
	Hidden     []hiddenNode
	Standalone bool
	// Path is the page's path, which the focus links keep.
	Path string
	// Focus is the node the graph is narrowed to ("" for the whole graph),
	// FocusLabel its label, Depth how far around it the graph reaches.
	Focus, FocusLabel string
	Depth             int
}

// graphRow is one edge of the table twin, as a sentence: the service (or
// client) that sends or receives, the relation, and the event.
type graphRow struct {
	Subject, SubjectURL, Verb, Object, ObjectURL, State string
}

// hiddenNode is a node collapsed out of the drawing.
type hiddenNode struct {
	Label, URL string
}

// nodeHref is the page of a graph node id ("service:x"), or the table for a group.
func nodeHref(n catalog.Node) string {
	return web.EntityURL(n.Kind, n.Entity)
}

func idHref(id string) string {
	kind, rest, _ := strings.Cut(id, ":")
	return web.EntityURL(kind, rest)
}

// pageGraph is the graph view of a page at path: scope's whole graph (whole,
// when the caller has it already), or with ?focus=NODE&depth=1|2 the node's
// neighbourhood. A focus the graph does not have is a 404, a bad depth a 400.
func (p *pages) pageGraph(c *gin.Context, title, scope string, whole *catalog.Graph) (graphView, error) {
	ctx := c.Request.Context()
	focus := c.Query("focus")
	if focus == "" {
		if whole == nil {
			g, err := p.cat.Graph(ctx, scope)
			if err != nil {
				return graphView{}, err
			}
			whole = g
		}
		v := toGraphView(title, whole)
		v.Path = c.Request.URL.Path
		return v, nil
	}
	depth := 1
	if d := c.Query("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil {
			return graphView{}, errCatalogQuery.with(fmt.Sprintf("The depth %q around the focused node is not a number: use depth=1 or depth=%d.", d, catalog.MaxFocusDepth))
		}
		depth = n
	}
	g, err := p.cat.GraphFocus(ctx, scope, focus, depth)
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return graphView{}, errCatalogNotFound.with(fmt.Sprintf("This graph has no node %q to focus on; the graph's nodes link to their own focus.", focus))
	case errors.Is(err, catalog.ErrBadRequest):
		return graphView{}, errCatalogQuery.with(fmt.Sprintf("The depth %d around the focused node is out of range: use depth=1 or depth=%d.", depth, catalog.MaxFocusDepth))
	case err != nil:
		return graphView{}, err
	}
	v := toGraphView(title, g)
	v.Path, v.Focus, v.FocusLabel, v.Depth = c.Request.URL.Path, focus, g.Labels[focus], depth
	return v, nil
}

// sentence orders an edge as the table reads it: the service (or client)
// first, then what it does, then the event. Edges point from a sender to the
// event and from the event to a receiver, so a receiving edge is turned round.
func sentence(e catalog.GraphEdge) (subject, object string) {
	if strings.HasPrefix(e.From, catalog.NodeEvent+":") && !strings.HasPrefix(e.To, catalog.NodeEvent+":") {
		return e.To, e.From
	}
	return e.From, e.To
}

// toGraphView lays g out and builds its table twin.
func toGraphView(title string, g *catalog.Graph) graphView {
	v := graphView{Title: title, Scope: g.Scope, Layout: catalog.LayoutGraph(g)}
	// A client the catalog does not declare has no service page: its node and
	// rows link to its client page.
	undeclared := map[string]bool{}
	for i := range v.Layout.Nodes {
		if n := &v.Layout.Nodes[i]; n.Kind == catalog.NodeService && slices.Contains(n.Classes, "unknown") {
			undeclared[n.ID] = true
			n.Kind = "client"
		}
	}
	for _, n := range g.Nodes {
		if n.Kind == catalog.NodeService && slices.Contains(n.Classes, "unknown") {
			undeclared[n.ID] = true
		}
	}
	idHref := func(id string) string {
		if undeclared[id] {
			_, name, _ := strings.Cut(id, ":")
			return web.EntityURL("client", name)
		}
		return idHref(id)
	}
	label := func(id string) string {
		if l, ok := g.Labels[id]; ok {
			return l
		}
		for _, n := range g.Nodes {
			if n.ID == id {
				return n.Label
			}
		}
		return id
	}
	add := func(e catalog.GraphEdge) {
		if e.State == "group" {
			return
		}
		subject, object := sentence(e)
		v.Rows = append(v.Rows, graphRow{Subject: label(subject), SubjectURL: idHref(subject), Verb: e.Label, Object: label(object), ObjectURL: idHref(object), State: e.State})
	}
	for _, e := range g.Edges {
		add(e)
	}
	seen := map[string]bool{}
	for _, n := range g.Nodes {
		seen[n.ID] = true
	}
	for _, e := range g.Collapsed {
		add(e)
		for _, id := range []string{e.From, e.To} {
			if !seen[id] {
				seen[id] = true
				v.Hidden = append(v.Hidden, hiddenNode{Label: label(id), URL: idHref(id)})
			}
		}
	}
	return v
}

// renderSVG renders a graph as a standalone SVG document.
func (p *pages) renderSVG(g *catalog.Graph) ([]byte, error) {
	v := toGraphView(g.Scope, g)
	v.Standalone = true
	var buf bytes.Buffer
	if err := p.tmpl["home"].ExecuteTemplate(&buf, "svg", v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
