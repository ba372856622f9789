package catalog

import (
	"context"
	"sort"
	"strings"
	"time"
)

// Hit is one search result.
type Hit struct {
	// Kind is team, domain, service, event, command, query or flow.
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Label string `json:"label"`
	// Match says where the query matched ("name", "tag payments", "field orderId").
	Match string `json:"match"`
	// Summary is the entity's description.
	Summary string `json:"summary,omitempty"`
	score   int
}

// HitGroup is the hits of one kind.
type HitGroup struct {
	Kind string `json:"kind"`
	Hits []Hit  `json:"hits"`
}

// searchOrder is the order of groups in results.
var searchOrder = []string{"event", "command", "query", "service", "flow", "domain", "team"}

// fieldIndex maps event ids to the field names of their latest schema.
type fieldIndex struct {
	built  time.Time
	rev    int64
	fields map[string][]string
}

// fields returns the field index, rebuilding it when stale.
func (s *Service) fields(ctx context.Context, sn *snapshot) map[string][]string {
	s.fieldsMu.Lock()
	defer s.fieldsMu.Unlock()
	if idx := s.fieldsIdx; idx != nil && idx.rev == sn.rev.Number && time.Since(idx.built) < s.cfg.FieldIndexTTL {
		return idx.fields
	}
	idx := &fieldIndex{built: time.Now(), rev: sn.rev.Number, fields: map[string][]string{}}
	bySubject := map[string][]string{}
	for _, e := range sn.doc.Events {
		if _, ok := bySubject[e.Subject]; !ok {
			sv, _, err := s.cfg.Registry.Schema(ctx, e.Subject, Latest)
			if err != nil {
				bySubject[e.Subject] = nil
				continue
			}
			// A table cut at a limit still indexes the names it found.
			fs, _ := Fields(ctx, sv.Type, sv.Text, s.cfg.FieldLimits)
			bySubject[e.Subject] = FieldNames(fs)
		}
		idx.fields[e.ID] = bySubject[e.Subject]
	}
	// An index cut short by a request that ended is used once, not kept.
	if ctx.Err() == nil {
		s.fieldsIdx = idx
	}
	return idx.fields
}

// Search finds entities whose id, name, description, owners or tags contain q
// (case-insensitive), and events whose schema has a field named like q. Results
// are grouped by kind, best matches first, at most limit per kind (0: 50).
func (s *Service) Search(ctx context.Context, q string, limit int) []HitGroup {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil
	}
	if limit <= 0 {
		limit = 50
	}
	sn := s.snapshot()
	groups := map[string][]Hit{}
	add := func(kind, id, name, desc string, owners, tags []string, extra []string) {
		h := Hit{Kind: kind, ID: id, Label: DisplayName(name, id), Summary: desc}
		ln, lid := strings.ToLower(name), strings.ToLower(id)
		switch {
		case ln == q || lid == q:
			h.score, h.Match = 100, "name"
		case strings.HasPrefix(ln, q) || strings.HasPrefix(lid, q):
			h.score, h.Match = 80, "name"
		case strings.Contains(ln, q) || strings.Contains(lid, q):
			h.score, h.Match = 60, "name"
		}
		if h.score == 0 {
			for _, t := range tags {
				if strings.Contains(strings.ToLower(t), q) {
					h.score, h.Match = 50, "tag "+t
					break
				}
			}
		}
		if h.score == 0 {
			for _, o := range owners {
				if strings.Contains(strings.ToLower(o), q) {
					h.score, h.Match = 45, "owner "+o
					break
				}
			}
		}
		if h.score == 0 {
			for _, f := range extra {
				if strings.Contains(strings.ToLower(f), q) {
					h.score, h.Match = 40, "field "+f
					break
				}
			}
		}
		if h.score == 0 && strings.Contains(strings.ToLower(desc), q) {
			h.score, h.Match = 30, "description"
		}
		if h.score > 0 {
			groups[kind] = append(groups[kind], h)
		}
	}
	for _, t := range sn.doc.Teams {
		add("team", t.ID, t.Name, t.Description, t.Members, nil, nil)
	}
	for _, d := range sn.doc.Domains {
		add("domain", d.ID, d.Name, d.Description, d.Owners, d.Tags, nil)
	}
	for _, a := range sn.doc.Services {
		add("service", a.ID, a.Name, a.Description, a.Owners, a.Tags, nil)
	}
	fields := s.fields(ctx, sn)
	for _, e := range sn.doc.Events {
		tags := append(append(make([]string, 0, len(e.Tags)+2), e.Tags...), e.Subject, e.Topic)
		add(e.Kind.String(), e.ID, e.Name, e.Description, e.Owners, tags, fields[e.ID])
	}
	for _, f := range sn.doc.Flows {
		add("flow", f.ID, f.Name, f.Description, f.Owners, f.Tags, nil)
	}
	var out []HitGroup
	for _, k := range searchOrder {
		hits := groups[k]
		if len(hits) == 0 {
			continue
		}
		sort.SliceStable(hits, func(i, j int) bool {
			if hits[i].score != hits[j].score {
				return hits[i].score > hits[j].score
			}
			return hits[i].Label < hits[j].Label
		})
		if len(hits) > limit {
			hits = hits[:limit]
		}
		out = append(out, HitGroup{Kind: k, Hits: hits})
	}
	return out
}
