package catalog

import (
	"context"
	"sort"
	"strings"
)

// Search is tokenised, case- and separator-insensitive, prefix-matching and
// typo-tolerant, and ranks every kind of entity in one list:
//
//   - A query and every indexed string are split into terms (appendTerms):
//     "order placed", "OrderPlaced", "order-placed" and "order_placed" are the
//     same two terms; a multi-word name is also indexed as one word, so that
//     "orderplaced" finds it too.
//   - Each query term matches indexed terms exactly, by prefix (from 2 runes)
//     or within an edit distance (typoBudget: 1 from 4 runes, 2 from 8), in
//     that order of quality.
//   - An entity scores, for each query term, the best of its matches weighted
//     by where it matched (fieldWeight: name above tag above subject/topic and
//     fields above owner above description); the sum is scaled by the share of
//     query terms it matched, plus a bonus for the share of its name the query
//     covers (words matched by prefix or typo cover less). Ties go by kind (kindRank), then label.
//
// The index (search_index.go) is rebuilt when the catalog changes and at most
// FieldIndexTTL after the registry or the broker did, and is bounded by
// SearchLimits; so is every query's work.

// Hit is one search result.
type Hit struct {
	// Kind is event, command, query, service, flow, subject, topic, domain, team
	// or field.
	Kind string `json:"kind"`
	// ID is the entity's id; for a field, the id of its event.
	ID string `json:"id"`
	// Path is the dotted path of a field hit.
	Path  string `json:"path,omitempty"`
	Label string `json:"label"`
	// Match says where the query matched best ("name", "tag pci",
	// "field trackingNumber", "name: ordr ≈ order").
	Match string `json:"match"`
	// Summary is the entity's description or what it is.
	Summary string `json:"summary,omitempty"`
	// Score orders hits; higher is better. Its scale is not an API.
	Score int `json:"score"`
	// Related are the entities the hit leads to: an event's producers,
	// consumers and flows, a service's events, a subject's or topic's events, a
	// field's event, a flow's services; at most a dozen.
	Related []Relation `json:"related,omitempty"`
	// MoreRelated counts the relations left out past a dozen.
	MoreRelated int `json:"moreRelated,omitempty"`
}

// Relation is an entity a hit is related to.
type Relation struct {
	// Rel is how the hit relates to it: producer, consumer and flow (of an
	// event), sends and receives (of a service), used-by (a subject's events),
	// carries (a topic's events), field-of (a field's event), service (of a flow).
	Rel string `json:"rel"`
	// Kind is the related entity's kind; client is a producer or consumer the
	// broker saw that the catalog does not declare.
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Label string `json:"label"`
}

// HitGroup is the hits of one kind.
type HitGroup struct {
	Kind string `json:"kind"`
	Hits []Hit  `json:"hits"`
}

// SearchResult is the answer to a query.
type SearchResult struct {
	// Terms are the query's terms, as matched.
	Terms []string
	// Hits are the best hits, best first, across kinds.
	Hits []Hit
	// Total counts every entity that matched, including those past the limit.
	Total int
	// Incomplete is set when a limit (of the index or of the query's work) may
	// have left matches out.
	Incomplete bool
	// Stats count the query's work.
	Stats SearchStats
}

// SearchStats count the work of one query; tests assert on them.
type SearchStats struct {
	// Expansions counts the indexed terms matched by the query's terms.
	Expansions int
	// Compared counts the indexed terms compared by edit distance.
	Compared int
	// Candidates counts the entities scored.
	Candidates int
}

// Groups returns the hits grouped by kind, groups in the order of their best
// hit, each group best first.
func (r *SearchResult) Groups() []HitGroup {
	var out []HitGroup
	at := map[string]int{}
	for _, h := range r.Hits {
		i, ok := at[h.Kind]
		if !ok {
			i = len(out)
			at[h.Kind] = i
			out = append(out, HitGroup{Kind: h.Kind})
		}
		out[i].Hits = append(out[i].Hits, h)
	}
	return out
}

// Match qualities, in percent of the weight of where the term matched.
const (
	qualityExact  = 100
	qualityPrefix = 75
	qualityTypo1  = 60
	qualityTypo2  = 40
	// nameBonus is added in proportion to the share of an entity's name the
	// query covers, so that the entity named by the query comes first.
	nameBonus = 50
)

// expansion is an indexed term a query term matched, and how well.
type expansion struct {
	term    int32
	quality int
}

// Search finds entities matching q, best first, at most limit of them (0: 50).
// An empty query gives an empty result. Errors: ErrBadRequest for a query past
// SearchLimits (too long, too many words), and ctx's error.
func (s *Service) Search(ctx context.Context, q string, limit int) (*SearchResult, error) {
	lim := s.cfg.Search
	terms, err := parseQuery(q, lim)
	if err != nil {
		return nil, err
	}
	res := &SearchResult{Terms: terms}
	if len(terms) == 0 {
		return res, nil
	}
	if limit <= 0 {
		limit = 50
	}
	idx := s.searchIndex(ctx, s.snapshot())
	res.Incomplete = idx.truncated
	if err := idx.query(ctx, terms, lim, limit, res); err != nil {
		return nil, err
	}
	return res, nil
}

// candidate is an entity being scored: per query term, its best score and
// where that came from.
type candidate struct {
	entry int32
	score int
}

// query runs terms against idx and fills res.
func (idx *searchIndex) query(ctx context.Context, terms []string, lim SearchLimits, limit int, res *SearchResult) error {
	n := len(terms)
	var (
		slot  map[int32]int32
		cands []candidate
		best  []int // best[c*n+i]: candidate c's score for term i
		field []searchField
		match []expansion
		sc    editScratch
		qr    []rune
	)
	for i, qt := range terms {
		if err := ctx.Err(); err != nil {
			return err
		}
		qr = append(qr[:0], []rune(qt)...)
		exps, full := idx.expand(qt, qr, lim.maxExpansions(), &sc, &res.Stats)
		if full {
			res.Incomplete = true
		}
		if i == 0 {
			// Size the candidates once for the first word's matches rather
			// than growing a map of thousands step by step.
			size := 0
			for _, x := range exps {
				size += len(idx.post[x.term])
			}
			size = min(size, lim.maxCandidates())
			slot = make(map[int32]int32, size)
			cands = make([]candidate, 0, size)
		}
		for _, x := range exps {
			for _, p := range idx.post[x.term] {
				c, ok := slot[p.entry]
				if !ok {
					if len(cands) >= lim.maxCandidates() {
						res.Incomplete = true
						continue
					}
					c = int32(len(cands))
					slot[p.entry] = c
					cands = append(cands, candidate{entry: p.entry})
					best = append(best, make([]int, n)...)
					field = append(field, make([]searchField, n)...)
					match = append(match, make([]expansion, n)...)
				}
				k := int(c)*n + i
				if v := fieldWeight[p.field] * x.quality / 100; v > best[k] {
					best[k], field[k], match[k] = v, p.field, x
				}
			}
		}
	}
	res.Stats.Candidates = len(cands)
	for c := range cands {
		en := &idx.entries[cands[c].entry]
		sum, matched, named, whole := 0, 0, 0, false
		for i := range n {
			k := c*n + i
			if best[k] == 0 {
				continue
			}
			sum += best[k]
			matched++
			switch {
			case field[k] == inWhole && match[k].quality == qualityExact:
				whole = true
			case field[k] <= inName:
				named += match[k].quality
			}
		}
		score := sum * matched / n
		if whole {
			score += nameBonus
		} else if named > 0 {
			// A word matched by prefix or typo covers its part of the name
			// less surely than one matched exactly.
			score += nameBonus * min(named, 100*en.nameLen) / (100 * en.nameLen)
		}
		cands[c].score = score
	}
	sort.Slice(cands, func(a, b int) bool {
		ca, cb := cands[a], cands[b]
		if ca.score != cb.score {
			return ca.score > cb.score
		}
		ea, eb := &idx.entries[ca.entry], &idx.entries[cb.entry]
		if ea.rank != eb.rank {
			return ea.rank < eb.rank
		}
		if ea.hit.Label != eb.hit.Label {
			return ea.hit.Label < eb.hit.Label
		}
		if ea.hit.ID != eb.hit.ID {
			return ea.hit.ID < eb.hit.ID
		}
		return ea.hit.Path < eb.hit.Path
	})
	res.Total = len(cands)
	if len(cands) > limit {
		cands = cands[:limit]
	}
	res.Hits = make([]Hit, len(cands))
	for j, ca := range cands {
		h := idx.entries[ca.entry].hit
		h.Score = ca.score
		c := int(slot[ca.entry])
		top := 0
		for i := 1; i < n; i++ {
			if best[c*n+i] > best[c*n+top] {
				top = i
			}
		}
		h.Match = idx.describe(terms[top], field[c*n+top], match[c*n+top])
		res.Hits[j] = h
	}
	return nil
}

// describe says where and how a query term matched.
func (idx *searchIndex) describe(qt string, f searchField, x expansion) string {
	where := fieldWhere[f]
	term := idx.terms[x.term]
	switch {
	case x.quality == qualityTypo1 || x.quality == qualityTypo2:
		return where + ": " + qt + " ≈ " + term
	case f == inName || f == inWhole:
		return where
	}
	return where + " " + term
}

// expand returns the indexed terms qt matches, best first: itself, then the
// terms it is a prefix of (from 2 runes), then those within its typo budget; at
// most maxN of them. full is set when the cap cut the list.
func (idx *searchIndex) expand(qt string, qr []rune, maxN int, sc *editScratch, st *SearchStats) (exps []expansion, full bool) {
	add := func(t int32, q int) bool {
		if len(exps) >= maxN {
			full = true
			return false
		}
		exps = append(exps, expansion{term: t, quality: q})
		st.Expansions++
		return true
	}
	i := sort.SearchStrings(idx.terms, qt)
	if i < len(idx.terms) && idx.terms[i] == qt {
		add(int32(i), qualityExact)
		i++
	}
	if len(qr) >= 2 {
		for ; i < len(idx.terms) && strings.HasPrefix(idx.terms[i], qt); i++ {
			if !add(int32(i), qualityPrefix) {
				return exps, full
			}
		}
	}
	k := typoBudget(len(qr))
	for l := max(0, len(qr)-k); k > 0 && l <= len(qr)+k && l < len(idx.byLen); l++ {
		for _, t := range idx.byLen[l] {
			term := idx.terms[t]
			if term == qt || len(qr) >= 2 && strings.HasPrefix(term, qt) {
				continue // matched above
			}
			st.Compared++
			d := sc.editDistance(qr, term, k)
			if d > k {
				continue
			}
			q := qualityTypo1
			if d == 2 {
				q = qualityTypo2
			}
			if !add(t, q) {
				return exps, full
			}
		}
	}
	return exps, full
}
