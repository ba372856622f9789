package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
)

// versionRow is a row of the versions table, with the previous version to diff.
type versionRow struct {
	catalog.SchemaVersion
	Prev int
}

// exampleView is an example with its highlighted JSON.
type exampleView struct {
	catalog.ExampleResult
	Name, Description string
	Code              []catalog.Token
}

// edgeTable is the "edges" partial.
type edgeTable struct {
	Who   string
	Edges []catalog.Edge
}

// eventView is the event page.
type eventView struct {
	pageMeta
	D             *catalog.EventDetail
	Code          []catalog.Token
	Versions      []versionRow
	DiffURL       string
	DefaultFrom   int
	DefaultTo     int
	Examples      []exampleView
	ProducerTable edgeTable
	ConsumerTable edgeTable
	Graph         graphView
	StreamURL     string
	// Changelog is the newest changelogLimit versions with what each changed.
	Changelog *catalog.Changelog
}

// changelogLimit is how many versions the event page's changelog compares:
// each is a compatibility check, and the diff page compares any two.
const changelogLimit = 10

// versionParam parses ?name= as a version number; empty gives def.
func versionParam(c *gin.Context, name string, def int) (int, error) {
	s := c.Query(name)
	if s == "" || s == "latest" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%s=%q is not a version number: %w", name, s, catalog.ErrBadRequest)
	}
	return v, nil
}

// event serves GET /ui/events/{id}?version=N: description, owners, deprecation,
// schema viewer, field table, versions, diff form, changelog, validated examples, declared
// vs observed producers and consumers, graph, and the live tail.
func (p *pages) event(c *gin.Context) error {
	ctx := c.Request.Context()
	version, err := versionParam(c, "version", catalog.Latest)
	if err != nil {
		return err
	}
	d, err := p.cat.EventDetail(ctx, c.Param("id"), version)
	if err != nil {
		return err
	}
	gv, err := p.pageGraph(c, "Around this event", "event:"+d.Event.ID, d.Graph)
	if err != nil {
		return err
	}
	v := eventView{pageMeta: p.meta(catalog.DisplayName(d.Event.Name, d.Event.ID), "events"), D: d,
		DiffURL:       "/ui/events/" + url.PathEscape(d.Event.ID) + "/diff",
		ProducerTable: edgeTable{Who: "Producer", Edges: d.Producers},
		ConsumerTable: edgeTable{Who: "Consumer", Edges: d.Consumers},
		Graph:         gv}
	if d.Schema.Version > 0 {
		v.Code = catalog.Highlight(d.Schema.Type, catalog.PrettySchema(d.Schema))
	}
	for i, sv := range d.Versions {
		r := versionRow{SchemaVersion: sv}
		if i > 0 {
			r.Prev = d.Versions[i-1].Version
		}
		v.Versions = append(v.Versions, r)
	}
	if n := len(d.Versions); n > 1 {
		v.DefaultFrom, v.DefaultTo = d.Versions[n-2].Version, d.Versions[n-1].Version
	}
	for _, ex := range d.Examples {
		v.Examples = append(v.Examples, exampleView{ExampleResult: ex, Name: ex.Example.Name, Description: ex.Example.Description,
			Code: catalog.Highlight(compat.JSON, catalog.PrettySchema(catalog.SchemaVersion{Type: compat.JSON, Text: string(ex.Example.Value)}))})
	}
	if v.Changelog, err = p.cat.Changelog(ctx, d.Event.ID, changelogLimit); err != nil {
		return err
	}
	if d.Event.Topic != "" {
		v.StreamURL = "/v1/topics/" + url.PathEscape(d.Event.Topic) + "/stream"
	}
	p.render(c, http.StatusOK, "event", v)
	return nil
}

// diffView is the diff page.
type diffView struct {
	pageMeta
	D *catalog.Diff
}

// diff serves GET /ui/events/{id}/diff?from=N&to=M: every change between two
// versions, compatible or breaking with its rule, and the consumers affected.
// Without from and to it compares the last two versions.
func (p *pages) diff(c *gin.Context) error {
	ctx := c.Request.Context()
	ev, err := p.cat.Event(c.Param("id"))
	if err != nil {
		return err
	}
	from, err := versionParam(c, "from", 0)
	if err != nil {
		return err
	}
	to, err := versionParam(c, "to", 0)
	if err != nil {
		return err
	}
	d, err := p.cat.Diff(ctx, ev.ID, from, to)
	if err != nil {
		return err
	}
	v := diffView{pageMeta: p.meta(fmt.Sprintf("%s v%d → v%d", catalog.DisplayName(ev.Name, ev.ID), d.From.Version, d.To.Version), "events"), D: d}
	p.render(c, http.StatusOK, "diff", v)
	return nil
}
