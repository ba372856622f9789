package catalog

import (
	"context"
	"slices"
	"sort"
)

// DomainDetail is what the domain page shows.
type DomainDetail struct {
	Domain     *Domain
	Parents    []*Domain // outermost first
	Subdomains []*Domain
	Services   []*Application
	Events     []*Event
	Flows      []*Flow
}

// DomainDetail gathers a domain with its ancestry, subdomains and members
// (members of subdomains included). Errors: ErrNotFound.
func (s *Service) DomainDetail(id string) (*DomainDetail, error) {
	d, err := s.Domain(id)
	if err != nil {
		return nil, err
	}
	sn := s.snapshot()
	out := &DomainDetail{Domain: d}
	seen := map[string]bool{id: true}
	for p := d.Parent; p != "" && !seen[p]; {
		seen[p] = true
		pd := sn.domains[p]
		if pd == nil {
			break
		}
		out.Parents = append([]*Domain{pd}, out.Parents...)
		p = pd.Parent
	}
	members := sn.domainMembers(id)
	out.Subdomains = where(sn.doc.Domains, func(d *Domain) bool { return d.Parent == id })
	out.Services = where(sn.doc.Services, func(a *Application) bool { return members[a.Domain] })
	out.Events = where(sn.doc.Events, func(e *Event) bool { return members[e.Domain] })
	out.Flows = where(sn.doc.Flows, func(f *Flow) bool { return members[f.Domain] })
	return out, nil
}

// TeamDetail is what the team page shows: the team and what it owns.
type TeamDetail struct {
	Team     *Team
	Domains  []*Domain
	Services []*Application
	Events   []*Event
	Flows    []*Flow
}

// TeamDetail gathers a team and everything listing it as an owner.
// Errors: ErrNotFound.
func (s *Service) TeamDetail(id string) (*TeamDetail, error) {
	t, err := s.Team(id)
	if err != nil {
		return nil, err
	}
	sn := s.snapshot()
	out := &TeamDetail{Team: t}
	out.Domains = where(sn.doc.Domains, func(d *Domain) bool { return slices.Contains(d.Owners, id) })
	out.Services = where(sn.doc.Services, func(a *Application) bool { return slices.Contains(a.Owners, id) })
	out.Events = where(sn.doc.Events, func(e *Event) bool { return slices.Contains(e.Owners, id) })
	out.Flows = where(sn.doc.Flows, func(f *Flow) bool { return slices.Contains(f.Owners, id) })
	return out, nil
}

// where returns pointers into list to the elements keep accepts, in order; nil
// when it accepts none.
func where[T any](list []T, keep func(*T) bool) []*T {
	var out []*T
	for i := range list {
		if keep(&list[i]) {
			out = append(out, &list[i])
		}
	}
	return out
}

// FlowsOf lists the flows in which a service or an event takes part.
func (s *Service) FlowsOf(serviceID, eventID string) []*Flow {
	sn := s.snapshot()
	var out []*Flow
	for i := range sn.doc.Flows {
		f := &sn.doc.Flows[i]
		for _, st := range f.Steps {
			if (serviceID != "" && st.Service == serviceID) || (eventID != "" && st.Event == eventID) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// ServicesOf lists the services in a domain (subdomains included), by id.
func (s *Service) ServicesOf(domainID string) []*Application {
	sn := s.snapshot()
	members := sn.domainMembers(domainID)
	out := where(sn.doc.Services, func(a *Application) bool { return members[a.Domain] })
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RecentVersion is a recently registered schema version with the event bound to
// its subject ("" when none is).
type RecentVersion struct {
	Version SchemaVersion
	Event   string
}

// Recent lists the n most recently registered schema versions with their events.
func (s *Service) Recent(ctx context.Context, n int) ([]RecentVersion, error) {
	vs, err := s.cfg.Registry.Recent(ctx, n)
	if err != nil {
		return nil, err
	}
	sn := s.snapshot()
	out := make([]RecentVersion, len(vs))
	for i, v := range vs {
		out[i] = RecentVersion{Version: v}
		if ids := sn.bySubject[v.Subject]; len(ids) > 0 {
			out[i].Event = ids[0]
		}
	}
	return out, nil
}
