package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
)

// domainView is the domain page.
type domainView struct {
	pageMeta
	Detail     *catalog.DomainDetail
	Subdomains []entityItem
	Services   []entityItem
	Events     []entityItem
	Flows      []entityItem
	Graph      graphView
}

// domain serves GET /ui/domains/{id}: the domain, its subdomains and members, and
// the graph of its services and events.
func (p *pages) domain(c *gin.Context) error {
	d, err := p.cat.DomainDetail(c.Param("id"))
	if err != nil {
		return err
	}
	gv, err := p.pageGraph(c, "Services and events", "domain:"+d.Domain.ID, nil)
	if err != nil {
		return err
	}
	v := domainView{pageMeta: p.meta(catalog.DisplayName(d.Domain.Name, d.Domain.ID), "domains"), Detail: d,
		Subdomains: mapItems(d.Subdomains, domainItem), Services: mapItems(d.Services, serviceItem),
		Events: mapItems(d.Events, eventItem), Flows: mapItems(d.Flows, flowItem),
		Graph: gv}
	p.render(c, http.StatusOK, "domain", v)
	return nil
}

// teamView is the team page.
type teamView struct {
	pageMeta
	Detail   *catalog.TeamDetail
	Domains  []entityItem
	Services []entityItem
	Events   []entityItem
	Flows    []entityItem
}

// team serves GET /ui/teams/{id}: the team and what it owns.
func (p *pages) team(c *gin.Context) error {
	d, err := p.cat.TeamDetail(c.Param("id"))
	if err != nil {
		return err
	}
	v := teamView{pageMeta: p.meta(catalog.DisplayName(d.Team.Name, d.Team.ID), "teams"), Detail: d,
		Domains: mapItems(d.Domains, domainItem), Services: mapItems(d.Services, serviceItem),
		Events: mapItems(d.Events, eventItem), Flows: mapItems(d.Flows, flowItem)}
	p.render(c, http.StatusOK, "team", v)
	return nil
}

// edgeRow is an edge of a service with the event's label and kind.
type edgeRow struct {
	catalog.Edge
	Label, Kind string
}

// edgeRow labels e with its event's display name and kind; an event the
// catalog does not have shows its id as an "event".
func (p *pages) edgeRow(e catalog.Edge) edgeRow {
	r := edgeRow{Edge: e, Label: e.Event, Kind: "event"}
	if ev, err := p.cat.Event(e.Event); err == nil {
		r.Label, r.Kind = catalog.DisplayName(ev.Name, ev.ID), ev.Kind.String()
	}
	return r
}

// serviceView is the service page.
type serviceView struct {
	pageMeta
	Service  *catalog.Application
	Sends    []edgeRow
	Receives []edgeRow
	Warnings []string
	Flows    []entityItem
	Graph    graphView
}

// service serves GET /ui/services/{id}: what it sends and receives (declared and
// observed), owners, the AsyncAPI download, its flows and its graph.
func (p *pages) service(c *gin.Context) error {
	ctx := c.Request.Context()
	a, err := p.cat.Application(c.Param("id"))
	if err != nil {
		return err
	}
	sends, receives, err := p.cat.ServiceEdges(ctx, a.ID)
	if err != nil {
		return err
	}
	gv, err := p.pageGraph(c, "Around this service", "service:"+a.ID, nil)
	if err != nil {
		return err
	}
	v := serviceView{pageMeta: p.meta(catalog.DisplayName(a.Name, a.ID), "services"), Service: a,
		Flows: mapItems(p.cat.FlowsOf(a.ID, ""), flowItem), Graph: gv}
	for _, e := range sends {
		v.Sends = append(v.Sends, p.edgeRow(e))
		if e.Observed != nil && !e.Declared {
			v.Warnings = append(v.Warnings, "was seen sending "+e.Event+", which it does not declare")
		}
	}
	for _, e := range receives {
		v.Receives = append(v.Receives, p.edgeRow(e))
		if e.Observed != nil && !e.Declared {
			v.Warnings = append(v.Warnings, "was seen receiving "+e.Event+", which it does not declare")
		}
	}
	p.render(c, http.StatusOK, "service", v)
	return nil
}

// flowView is the flow page.
type flowView struct {
	pageMeta
	Flow  *catalog.Flow
	Steps []catalog.Step
	Graph graphView
}

// flow serves GET /ui/flows/{id}: the flow's graph and its steps.
func (p *pages) flow(c *gin.Context) error {
	f, err := p.cat.Flow(c.Param("id"))
	if err != nil {
		return err
	}
	gv, err := p.pageGraph(c, "Flow", "flow:"+f.ID, nil)
	if err != nil {
		return err
	}
	v := flowView{pageMeta: p.meta(catalog.DisplayName(f.Name, f.ID), "flows"), Flow: f, Graph: gv}
	for i := range f.Steps {
		st := f.Steps[i]
		st.Next = f.Successors(i)
		v.Steps = append(v.Steps, st)
	}
	p.render(c, http.StatusOK, "flow", v)
	return nil
}
