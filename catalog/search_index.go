package catalog

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// SearchLimits bound the search index and the work of one query. The zero value
// means the defaults below.
type SearchLimits struct {
	// MaxEntries bounds the entities (fields included) the index holds; past it
	// the rest are left out and results say the index is incomplete. Zero: 200,000.
	MaxEntries int
	// MaxBytes bounds the estimated size of the index in bytes, with the same
	// effect. Zero: 64 MiB.
	MaxBytes int64
	// MaxQueryBytes bounds the length of a query. Zero: 256.
	MaxQueryBytes int
	// MaxTerms bounds the distinct words of a query. Zero: 8.
	MaxTerms int
	// MaxExpansions bounds the indexed terms one query word may match by prefix
	// or by typo. Zero: 64.
	MaxExpansions int
	// MaxCandidates bounds the entities one query scores. Zero: 20,000.
	MaxCandidates int
}

func (l SearchLimits) maxEntries() int    { return orDefault(l.MaxEntries, 200_000) }
func (l SearchLimits) maxQueryBytes() int { return orDefault(l.MaxQueryBytes, 256) }
func (l SearchLimits) maxTerms() int      { return orDefault(l.MaxTerms, 8) }
func (l SearchLimits) maxExpansions() int { return orDefault(l.MaxExpansions, 64) }
func (l SearchLimits) maxCandidates() int { return orDefault(l.MaxCandidates, 20_000) }
func (l SearchLimits) maxBytes() int64    { return orDefault(l.MaxBytes, 64<<20) }

// orDefault is a limit v, or def when v is zero or negative: the catalog's
// limits (SearchLimits, FieldLimits) read a value below one as unset.
func orDefault[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// searchField is where in an entity a term was found. The order is the order of
// weight: a term found in two places counts where it weighs most.
type searchField uint8

const (
	// inWhole is a name written as one word ("orderplaced" for OrderPlaced): an
	// exact match covers the whole name.
	inWhole searchField = iota
	inName
	inTag
	inRef // an event's subject or topic
	inField
	inOwner
	inText // description
)

// fieldWeight is the score of an exact match in each place.
var fieldWeight = [...]int{inWhole: 100, inName: 100, inTag: 50, inRef: 40, inField: 40, inOwner: 30, inText: 15}

// fieldWhere is how a match in each place is described.
var fieldWhere = [...]string{inWhole: "name", inName: "name", inTag: "tag", inRef: "subject or topic", inField: "field", inOwner: "owner", inText: "description"}

// kindRank orders kinds when scores tie: the things people look up most first.
var kindRank = map[string]int{"event": 0, "command": 0, "query": 0, "service": 1, "flow": 2, "subject": 3, "topic": 4, "domain": 5, "team": 6, "field": 7}

// maxRelated bounds the relations a hit carries; the rest are counted.
const maxRelated = 12

// posting is one entity in which a term occurs, and where.
type posting struct {
	entry int32
	field searchField
}

// searchEntry is one indexed entity.
type searchEntry struct {
	hit Hit
	// nameLen is the number of distinct terms of the entity's name and id, so
	// that "fraud" ranks Fraud Service (half its name) above FraudCheckCompleted
	// (a third).
	nameLen int
	rank    int
}

// searchIndex is an immutable inverted index of one catalog snapshot plus the
// registry's subjects, the observed topics and the events' schema fields.
type searchIndex struct {
	rev   int64
	built time.Time
	// truncated is set when a limit left entities out.
	truncated bool
	bytes     int64
	entries   []searchEntry
	// terms is sorted, for prefix search; post[i] are the postings of terms[i].
	terms []string
	post  [][]posting
	// byLen lists the term ids of each length in runes, for typo search.
	byLen [][]int32
}

// indexBuilder collects entries and postings, within the limits.
type indexBuilder struct {
	lim     SearchLimits
	idx     *searchIndex
	post    map[string][]posting
	scratch map[string]searchField
	buf     []string
}

// add indexes one entity, unless a limit is reached. texts are the strings to
// index, each with its place.
func (b *indexBuilder) add(h Hit, texts ...placed) bool {
	if b.idx.truncated {
		return false
	}
	if len(b.idx.entries) >= b.lim.maxEntries() || b.idx.bytes >= b.lim.maxBytes() {
		b.idx.truncated = true
		return false
	}
	id := int32(len(b.idx.entries))
	clear(b.scratch)
	nameTerms := map[string]bool{}
	size := int64(128 + len(h.ID) + len(h.Label) + len(h.Summary) + len(h.Path))
	for _, r := range h.Related {
		size += int64(64 + len(r.ID) + len(r.Label))
	}
	for _, t := range texts {
		b.buf = appendTerms(b.buf[:0], t.text)
		for _, term := range b.buf {
			b.note(term, t.field)
			if t.field == inName {
				nameTerms[term] = true
			}
		}
		if len(b.buf) > 1 && (t.field == inName || t.field == inField) {
			whole := strings.Join(b.buf, "")
			if t.field == inName {
				b.note(whole, inWhole)
			} else {
				b.note(whole, inField)
			}
		}
	}
	for term, f := range b.scratch {
		list, ok := b.post[term]
		if !ok {
			size += int64(48 + len(term))
		}
		b.post[term] = append(list, posting{entry: id, field: f})
		size += 8
	}
	b.idx.bytes += size
	b.idx.entries = append(b.idx.entries, searchEntry{hit: h, nameLen: max(1, len(nameTerms)), rank: kindRank[h.Kind]})
	return true
}

// note records that term occurs in field of the entry being added, keeping the
// place that weighs most.
func (b *indexBuilder) note(term string, f searchField) {
	if cur, ok := b.scratch[term]; !ok || f < cur {
		b.scratch[term] = f
	}
}

// placed is a string to index and its place.
type placed struct {
	text  string
	field searchField
}

func texts(field searchField, list ...string) []placed {
	out := make([]placed, 0, len(list))
	for _, s := range list {
		if s != "" {
			out = append(out, placed{s, field})
		}
	}
	return out
}

// finish sorts the dictionary.
func (b *indexBuilder) finish() *searchIndex {
	idx := b.idx
	idx.terms = make([]string, 0, len(b.post))
	for t := range b.post {
		idx.terms = append(idx.terms, t)
	}
	sort.Strings(idx.terms)
	idx.post = make([][]posting, len(idx.terms))
	for i, t := range idx.terms {
		idx.post[i] = b.post[t]
		n := len([]rune(t))
		for len(idx.byLen) <= n {
			idx.byLen = append(idx.byLen, nil)
		}
		idx.byLen[n] = append(idx.byLen[n], int32(i))
	}
	return idx
}

// searchIndex returns the index of the current snapshot, rebuilding it when the
// catalog changed or when it is older than FieldIndexTTL (subjects, schemas and
// observed lineage change without the catalog changing).
func (s *Service) searchIndex(ctx context.Context, sn *snapshot) *searchIndex {
	s.searchMu.Lock()
	defer s.searchMu.Unlock()
	if idx := s.searchIdx; idx != nil && idx.rev == sn.rev.Number && time.Since(idx.built) < s.cfg.FieldIndexTTL {
		return idx
	}
	idx := s.buildIndex(ctx, sn)
	// An index cut short by a request that ended is used once, not kept.
	if ctx.Err() == nil {
		s.searchIdx = idx
		if idx.truncated {
			s.log.WarnContext(ctx, "catalog: the search index is past its limits; some entities are not searchable",
				"entries", len(idx.entries), "bytes", idx.bytes)
		}
	}
	return idx
}

// buildIndex indexes sn. Kinds are added in order of how much they matter, so
// that a limit leaves out fields before events.
func (s *Service) buildIndex(ctx context.Context, sn *snapshot) *searchIndex {
	lim := s.cfg.Search
	b := &indexBuilder{lim: lim, idx: &searchIndex{rev: sn.rev.Number, built: time.Now()},
		post: map[string][]posting{}, scratch: map[string]searchField{}}
	edges := s.edges(ctx, sn)
	label := func(kind, id string) Relation { return s.relation(sn, kind, id) }

	flowsOf := map[string][]string{}
	for _, f := range sn.doc.Flows {
		seen := map[string]bool{}
		for _, st := range f.Steps {
			if !seen[st.Event] {
				seen[st.Event] = true
				flowsOf[st.Event] = append(flowsOf[st.Event], f.ID)
			}
		}
	}
	byService := map[string][]Edge{}
	for _, e := range sn.doc.Events {
		for _, ed := range edges[e.ID] {
			byService[ed.Service] = append(byService[ed.Service], ed)
		}
	}

	fields := s.schemaFields(ctx, sn)
	for _, e := range sn.doc.Events {
		h := Hit{Kind: e.Kind.String(), ID: e.ID, Label: DisplayName(e.Name, e.ID), Summary: e.Description}
		producers, consumers := splitEdges(edges[e.ID])
		for _, ed := range append(producers, consumers...) {
			rel, kind := "producer", "service"
			if ed.Action == Receives {
				rel = "consumer"
			}
			if ed.Unknown {
				kind = "client"
			}
			h.relate(rel, label(kind, ed.Service))
		}
		for _, f := range flowsOf[e.ID] {
			h.relate("flow", label("flow", f))
		}
		in := append(append(texts(inName, e.Name, e.ID), texts(inTag, e.Tags...)...), texts(inRef, e.Subject, e.Topic)...)
		in = append(append(in, texts(inOwner, e.Owners...)...), texts(inText, e.Description)...)
		for _, f := range fields[e.Subject] {
			in = append(in, placed{f.Name, inField})
		}
		b.add(h, in...)
	}
	for _, a := range sn.doc.Services {
		h := Hit{Kind: "service", ID: a.ID, Label: DisplayName(a.Name, a.ID), Summary: a.Description}
		for _, ed := range byService[a.ID] {
			h.relate(ed.Action.String(), label("event", ed.Event))
		}
		b.add(h, append(append(texts(inName, a.Name, a.ID), texts(inTag, a.Tags...)...),
			append(texts(inOwner, a.Owners...), texts(inText, a.Description)...)...)...)
	}
	for _, f := range sn.doc.Flows {
		h := Hit{Kind: "flow", ID: f.ID, Label: DisplayName(f.Name, f.ID), Summary: f.Description}
		seen := map[string]bool{}
		for _, st := range f.Steps {
			if !seen[st.Service] {
				seen[st.Service] = true
				h.relate("service", label("service", st.Service))
			}
		}
		b.add(h, append(append(texts(inName, f.Name, f.ID), texts(inTag, f.Tags...)...),
			append(texts(inOwner, f.Owners...), texts(inText, f.Description)...)...)...)
	}
	for _, d := range sn.doc.Domains {
		h := Hit{Kind: "domain", ID: d.ID, Label: DisplayName(d.Name, d.ID), Summary: d.Description}
		b.add(h, append(append(texts(inName, d.Name, d.ID), texts(inTag, d.Tags...)...),
			append(texts(inOwner, d.Owners...), texts(inText, d.Description)...)...)...)
	}
	for _, t := range sn.doc.Teams {
		h := Hit{Kind: "team", ID: t.ID, Label: DisplayName(t.Name, t.ID), Summary: t.Description}
		b.add(h, append(append(texts(inName, t.Name, t.ID), texts(inOwner, t.Members...)...), texts(inText, t.Description)...)...)
	}
	s.indexSubjectsAndTopics(ctx, sn, b)
	// Fields come last: they are the most numerous and the first to go at a limit.
	for _, e := range sn.doc.Events {
		ev := s.relation(sn, "event", e.ID)
		for _, f := range fields[e.Subject] {
			h := Hit{Kind: "field", ID: e.ID, Path: f.Path, Label: f.Path, Summary: f.Type + " field of " + ev.Label + "."}
			if f.Description != "" {
				h.Summary = f.Description + " (" + h.Summary + ")"
			}
			h.relate("field-of", ev)
			if !b.add(h, placed{f.Name, inName}, placed{f.Path, inField}, placed{f.Description, inText}) {
				return b.finish()
			}
		}
	}
	return b.finish()
}

// indexSubjectsAndTopics adds every subject of the registry (catalogued or not)
// and every topic an event names or the broker observed.
func (s *Service) indexSubjectsAndTopics(ctx context.Context, sn *snapshot, b *indexBuilder) {
	subjects, err := s.cfg.Registry.Subjects(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "catalog: subjects are not searchable", "err", err)
	}
	seen := map[string]bool{}
	for _, e := range sn.doc.Events {
		if !seen[e.Subject] {
			seen[e.Subject] = true
			subjects = append(subjects, e.Subject)
		}
	}
	sort.Strings(subjects)
	for i, subj := range subjects {
		if i > 0 && subjects[i-1] == subj {
			continue
		}
		h := s.eventsHit(sn, "subject", subj, "used-by", sn.bySubject[subj], "The schema of ", "A registry subject no catalogued event uses.")
		b.add(h, placed{subj, inName})
	}

	topics := map[string]bool{}
	for t := range sn.byTopic {
		topics[t] = true
	}
	if s.cfg.Lineage != nil {
		if obs, err := s.cfg.Lineage.Observations(ctx); err == nil {
			for _, o := range obs {
				topics[o.Topic] = true
			}
		}
	}
	for _, t := range slices.Sorted(maps.Keys(topics)) {
		h := s.eventsHit(sn, "topic", t, "carries", sn.byTopic[t], "The topic of ", "A broker topic no catalogued event names.")
		b.add(h, placed{t, inName})
	}
}

// eventsHit is the hit of a subject or topic name, related by rel to the
// events ids. Its summary is of followed by the first event's label, or none
// when no catalogued event is related.
func (s *Service) eventsHit(sn *snapshot, kind, name, rel string, ids []string, of, none string) Hit {
	h := Hit{Kind: kind, ID: name, Label: name, Summary: none}
	for _, id := range ids {
		h.relate(rel, s.relation(sn, "event", id))
	}
	if len(h.Related) > 0 {
		h.Summary = of + h.Related[0].Label + "."
	}
	return h
}

// schemaFields reads the field table of each event's latest schema, once per
// subject. Each table is bounded by FieldLimits; one cut at a limit still
// gives the fields it found.
func (s *Service) schemaFields(ctx context.Context, sn *snapshot) map[string][]Field {
	out := map[string][]Field{}
	for _, e := range sn.doc.Events {
		if _, ok := out[e.Subject]; ok {
			continue
		}
		if ctx.Err() != nil {
			return out
		}
		var fs []Field
		if sv, _, err := s.cfg.Registry.Schema(ctx, e.Subject, Latest); err == nil {
			fs, _ = Fields(ctx, sv.Type, sv.Text, s.cfg.FieldLimits)
		}
		out[e.Subject] = fs
	}
	return out
}

// relation names an entity for a hit's relations.
func (s *Service) relation(sn *snapshot, kind, id string) Relation {
	r := Relation{Kind: kind, ID: id, Label: id}
	switch kind {
	case "service":
		if a := sn.services[id]; a != nil {
			r.Label = DisplayName(a.Name, a.ID)
		}
	case "event":
		if e := sn.events[id]; e != nil {
			r.Label, r.Kind = DisplayName(e.Name, e.ID), e.Kind.String()
		}
	case "flow":
		if f := sn.flows[id]; f != nil {
			r.Label = DisplayName(f.Name, f.ID)
		}
	}
	return r
}

// relate adds a relation to h, counting those past maxRelated.
func (h *Hit) relate(rel string, r Relation) {
	for _, o := range h.Related {
		if o.Rel == rel && o.ID == r.ID {
			return
		}
	}
	if len(h.Related) >= maxRelated {
		h.MoreRelated++
		return
	}
	r.Rel = rel
	h.Related = append(h.Related, r)
}
