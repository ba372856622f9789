package server

import (
	"github.com/heraldhq/herald/catalog"
)

// Request and response structs of /v1/catalog. The entity structs repeat the
// fields of their catalog twins, with the tags the OpenAPI spec needs, so a Go
// conversion turns one into the other: a field added to a catalog entity and
// not here fails to compile rather than going undocumented. Their JSON is the
// catalog's own (the same field names, types and json tags), which
// TestCatalogJSONMatchesDomain checks on the demo catalog.

// catalogDocumentJSON is a whole catalog in the catalog-as-code shape: GET
// /v1/catalog (JSON), and the content of a catalog file.
type catalogDocumentJSON struct {
	Teams    []catalogTeamJSON    `json:"teams,omitempty"`
	Domains  []catalogDomainJSON  `json:"domains,omitempty"`
	Services []catalogServiceJSON `json:"services,omitempty"`
	Events   []catalogEventJSON   `json:"events,omitempty"`
	Flows    []catalogFlowJSON    `json:"flows,omitempty"`
}

// catalogTeamJSON is a team: catalog.Team.
type catalogTeamJSON struct {
	ID          string   `json:"id" required:"true"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Email       string   `json:"email,omitempty"`
	Chat        string   `json:"chat,omitempty"`
	Members     []string `json:"members,omitempty"`
}

// catalogDomainJSON is a domain: catalog.Domain.
type catalogDomainJSON struct {
	ID          string   `json:"id" required:"true"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
	Parent      string   `json:"parent,omitempty" description:"The id of the enclosing domain."`
	Owners      []string `json:"owners,omitempty" description:"Team ids."`
	Tags        []string `json:"tags,omitempty"`
}

// catalogServiceJSON is a service: catalog.Application.
type catalogServiceJSON struct {
	ID          string            `json:"id" required:"true"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	Domain      string            `json:"domain,omitempty"`
	Owners      []string          `json:"owners,omitempty" description:"Team ids."`
	Tags        []string          `json:"tags,omitempty"`
	Repository  string            `json:"repository,omitempty"`
	External    bool              `json:"external,omitempty" description:"Owned outside the organization."`
	Sends       []catalog.Message `json:"sends,omitempty" description:"Declared: the events the service sends."`
	Receives    []catalog.Message `json:"receives,omitempty" description:"Declared: the events the service receives."`
}

// catalogEventJSON is an event, command or query: catalog.Event.
type catalogEventJSON struct {
	ID          string               `json:"id" required:"true"`
	Name        string               `json:"name,omitempty"`
	Kind        catalog.Kind         `json:"kind" required:"true" enum:"event,command,query"`
	Domain      string               `json:"domain,omitempty"`
	Subject     string               `json:"subject" required:"true" description:"The registry subject of its contract."`
	Topic       string               `json:"topic,omitempty" description:"The broker topic it travels on."`
	Description string               `json:"description,omitempty"`
	Owners      []string             `json:"owners,omitempty" description:"Team ids."`
	Tags        []string             `json:"tags,omitempty"`
	Examples    []catalog.Example    `json:"examples,omitempty"`
	Deprecated  *catalog.Deprecation `json:"deprecated,omitempty"`
}

// catalogFlowJSON is a flow: catalog.Flow.
type catalogFlowJSON struct {
	ID          string         `json:"id" required:"true"`
	Name        string         `json:"name,omitempty"`
	Description string         `json:"description,omitempty"`
	Domain      string         `json:"domain,omitempty"`
	Owners      []string       `json:"owners,omitempty" description:"Team ids."`
	Tags        []string       `json:"tags,omitempty"`
	Steps       []catalog.Step `json:"steps" required:"true"`
}

// flowStepJSON is the JSON form of a flow step (catalog.Step marshals itself
// into it: the action is the key of the event). The spec documents catalog.Step
// with it; see OpenAPI.
type flowStepJSON struct {
	ID       string           `json:"id" required:"true"`
	Title    string           `json:"title,omitempty"`
	Service  string           `json:"service" required:"true"`
	Sends    string           `json:"sends,omitempty" description:"The event the service sends in this step (or receives)."`
	Receives string           `json:"receives,omitempty" description:"The event the service receives in this step (or sends)."`
	Next     []catalog.Branch `json:"next,omitempty" description:"The steps that follow; empty: the next in order. Several: branches."`
	End      bool             `json:"end,omitempty" description:"The flow ends after this step."`
}

// toCatalogDocumentJSON converts a catalog; nil lists stay nil.
func toCatalogDocumentJSON(d *catalog.Document) catalogDocumentJSON {
	return catalogDocumentJSON{
		Teams:    convertAll(d.Teams, toCatalogTeamJSON),
		Domains:  convertAll(d.Domains, toCatalogDomainJSON),
		Services: convertAll(d.Services, toCatalogServiceJSON),
		Events:   convertAll(d.Events, toCatalogEventJSON),
		Flows:    convertAll(d.Flows, toCatalogFlowJSON),
	}
}

// The conversions of each entity to its response struct, for convertAll.
func toCatalogTeamJSON(t catalog.Team) catalogTeamJSON              { return catalogTeamJSON(t) }
func toCatalogDomainJSON(d catalog.Domain) catalogDomainJSON        { return catalogDomainJSON(d) }
func toCatalogServiceJSON(a catalog.Application) catalogServiceJSON { return catalogServiceJSON(a) }
func toCatalogEventJSON(e catalog.Event) catalogEventJSON           { return catalogEventJSON(e) }
func toCatalogFlowJSON(f catalog.Flow) catalogFlowJSON              { return catalogFlowJSON(f) }

// convertAll converts every element of in; nil stays nil, empty stays empty.
func convertAll[S, D any](in []S, conv func(S) D) []D {
	if in == nil {
		return nil
	}
	out := make([]D, len(in))
	for i, v := range in {
		out[i] = conv(v)
	}
	return out
}

// catalogList is s, or an empty list for nil: a list route answers [], not null.
func catalogList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// catalogFileJSON is one catalog-as-code file in a PUT /v1/catalog body:
// catalog.File.
type catalogFileJSON struct {
	Name string `json:"name" required:"true" description:"The file's path, used in error messages."`
	Data string `json:"content" required:"true" description:"The file's YAML (or JSON) text."`
}

// applyResponse is the outcome of PUT /v1/catalog: catalog.ApplyResult.
type applyResponse struct {
	Changed  bool           `json:"changed" required:"true" description:"False when the applied catalog equals the stored one."`
	Revision int64          `json:"revision" required:"true"`
	Counts   catalog.Counts `json:"counts" required:"true"`
	Warnings []string       `json:"warnings,omitempty"`
	// Diff lists the entities added, changed and deleted (or, with dryRun,
	// that would be).
	Diff   catalog.ApplyDiff `json:"diff" required:"true"`
	DryRun bool              `json:"dryRun,omitempty" description:"True when nothing was written (dryRun=true)."`
}

// hitGroupJSON is the search hits of one kind, groups in the order of their
// best hit: catalog.HitGroup.
type hitGroupJSON struct {
	Kind string    `json:"kind" required:"true"`
	Hits []hitJSON `json:"hits" required:"true"`
}

// hitJSON is one search hit: catalog.Hit.
type hitJSON struct {
	Kind        string         `json:"kind" required:"true" enum:"event,command,query,service,flow,subject,topic,domain,team,field"`
	ID          string         `json:"id" required:"true" description:"The entity's id; for a field, the id of its event."`
	Path        string         `json:"path,omitempty" description:"The dotted path of a field hit."`
	Label       string         `json:"label" required:"true"`
	Match       string         `json:"match" required:"true" description:"Where the query matched best: name, tag pci, field orderId, name: ordr ≈ order…"`
	Summary     string         `json:"summary,omitempty"`
	Score       int            `json:"score" required:"true" description:"Higher is better; hits are ordered by it across kinds. Its scale is not an API."`
	Related     []relationJSON `json:"related,omitempty" description:"What the hit leads to: an event's producers, consumers and flows, a service's events, a subject's or topic's events, a field's event."`
	MoreRelated int            `json:"moreRelated,omitempty" description:"How many relations were left out past a dozen."`
}

// relationJSON is an entity a hit is related to: catalog.Relation.
type relationJSON struct {
	Rel   string `json:"rel" required:"true" enum:"producer,consumer,flow,sends,receives,used-by,carries,field-of,service"`
	Kind  string `json:"kind" required:"true" description:"The related entity's kind; client is an observed producer or consumer the catalog does not declare."`
	ID    string `json:"id" required:"true"`
	Label string `json:"label" required:"true"`
}

// toHitGroupsJSON converts search results; none gives an empty list.
func toHitGroupsJSON(groups []catalog.HitGroup) []hitGroupJSON {
	out := make([]hitGroupJSON, len(groups))
	for i, g := range groups {
		out[i] = hitGroupJSON{Kind: g.Kind, Hits: convertAll(g.Hits, func(h catalog.Hit) hitJSON {
			return hitJSON{Kind: h.Kind, ID: h.ID, Path: h.Path, Label: h.Label, Match: h.Match, Summary: h.Summary, Score: h.Score,
				Related: convertAll(h.Related, func(r catalog.Relation) relationJSON { return relationJSON(r) }), MoreRelated: h.MoreRelated}
		})}
	}
	return out
}

// importAsyncAPIResponse says what POST /v1/catalog/import/asyncapi did:
// catalog.ImportResult.
type importAsyncAPIResponse struct {
	Service  string   `json:"service" required:"true" description:"The id of the imported service."`
	Events   []string `json:"events" required:"true" description:"The ids of its events."`
	Schemas  int      `json:"schemas" required:"true" description:"How many payload schemas were registered."`
	Revision int64    `json:"revision" required:"true"`
}
