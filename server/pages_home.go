package server

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/web"
)

// entityItem is one entity in a list: its page, label and a line of text
// (its description, as plain text: the markup of a markdown description
// would read as noise in one line).
type entityItem struct {
	Kind, ID, Label, Summary string
	Domain                   string
	Owners                   []string
	Deprecated, External     bool
}

func domainItem(d *catalog.Domain) entityItem {
	return entityItem{Kind: "domain", ID: d.ID, Label: catalog.DisplayName(d.Name, d.ID), Summary: web.MarkdownText(d.Description), Domain: d.Parent, Owners: d.Owners}
}

func serviceItem(a *catalog.Application) entityItem {
	return entityItem{Kind: "service", ID: a.ID, Label: catalog.DisplayName(a.Name, a.ID), Summary: web.MarkdownText(a.Description), Domain: a.Domain, Owners: a.Owners, External: a.External}
}

func eventItem(e *catalog.Event) entityItem {
	return entityItem{Kind: e.Kind.String(), ID: e.ID, Label: catalog.DisplayName(e.Name, e.ID), Summary: web.MarkdownText(e.Description), Domain: e.Domain, Owners: e.Owners, Deprecated: e.Deprecated != nil}
}

func flowItem(f *catalog.Flow) entityItem {
	return entityItem{Kind: "flow", ID: f.ID, Label: catalog.DisplayName(f.Name, f.ID), Summary: web.MarkdownText(f.Description), Domain: f.Domain, Owners: f.Owners}
}

func teamItem(t *catalog.Team) entityItem {
	return entityItem{Kind: "team", ID: t.ID, Label: catalog.DisplayName(t.Name, t.ID), Summary: web.MarkdownText(t.Description)}
}

func mapItems[T any](list []*T, f func(*T) entityItem) []entityItem {
	out := make([]entityItem, len(list))
	for i, x := range list {
		out[i] = f(x)
	}
	return out
}

func docItems[T any](list []T, f func(*T) entityItem) []entityItem {
	out := make([]entityItem, len(list))
	for i := range list {
		out[i] = f(&list[i])
	}
	return out
}

// homeView is the home page.
type homeView struct {
	pageMeta
	Counts  catalog.Counts
	Recent  []recentVersion
	Domains []entityItem
	Flows   []entityItem
}

// recentVersion is a recently registered schema version and its event, if any.
type recentVersion struct {
	catalog.SchemaVersion
	Event string
}

// home serves GET /ui/: counts, recent schema versions, top-level domains, flows.
func (p *pages) home(c *gin.Context) error {
	doc := p.cat.Document()
	v := homeView{pageMeta: p.meta("Catalog", "home"), Counts: p.cat.Counts()}
	recent, err := p.cat.Recent(c.Request.Context(), 10)
	if err != nil {
		return err
	}
	for _, r := range recent {
		v.Recent = append(v.Recent, recentVersion{SchemaVersion: r.Version, Event: r.Event})
	}
	// Every domain is listed, subdomains included, so the list matches the
	// count above it.
	v.Domains = docItems(doc.Domains, domainItem)
	v.Flows = docItems(doc.Flows, flowItem)
	p.render(c, http.StatusOK, "home", v)
	return nil
}

// listView is a list page of one kind of entity.
type listView struct {
	pageMeta
	Heading, Intro string
	ShowKind       bool
	Items          []entityItem
}

// list serves GET /ui/{domains,teams,services,events,flows}.
func (p *pages) list(kind string) pageFunc {
	return func(c *gin.Context) error {
		doc := p.cat.Document()
		v := listView{pageMeta: p.meta(strings.ToUpper(kind[:1])+kind[1:], kind)}
		v.Heading = v.Title
		switch kind {
		case "domains":
			v.Intro = "Business areas. Subdomains name their parent."
			v.Items = docItems(doc.Domains, domainItem)
		case "teams":
			v.Intro = "Who owns what."
			v.Items = docItems(doc.Teams, teamItem)
		case "services":
			v.Intro = "Applications that send and receive events."
			v.Items = docItems(doc.Services, serviceItem)
		case "events":
			v.Intro = "Events, commands and queries, each tied to a registry subject."
			v.ShowKind = true
			v.Items = docItems(doc.Events, eventItem)
		case "flows":
			v.Intro = "Business processes, step by step."
			v.Items = docItems(doc.Flows, flowItem)
		}
		p.render(c, http.StatusOK, "list", v)
		return nil
	}
}
