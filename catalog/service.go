package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Service.
type Config struct {
	// Store persists the catalog. Required.
	Store Store
	// Registry serves schemas. Required.
	Registry Registry
	// Lineage reports observed producers and consumers. Nil: declared edges only.
	Lineage Lineage
	// Logger receives warnings. Nil: slog.Default().
	Logger *slog.Logger
	// FieldIndexTTL bounds how stale the search index may be after a change in
	// the registry or the broker (a catalog change rebuilds it at once). Zero: 10s.
	FieldIndexTTL time.Duration
	// FieldLimits bound the field tables of the event page and the search index,
	// and the changes of the diff page. Zero: the defaults of FieldLimits.
	FieldLimits FieldLimits
	// Search bounds the search index and the work of one query. Zero: the
	// defaults of SearchLimits.
	Search SearchLimits
}

// Service is the catalog: an immutable in-memory snapshot of the stored Document,
// replaced whole on every apply, plus live reads from the registry and the broker.
// It is safe for concurrent use.
type Service struct {
	cfg  Config
	log  *slog.Logger
	snap atomic.Pointer[snapshot]

	// applyMu serializes writes (apply, import) so that a read-modify-write never
	// loses a concurrent one.
	applyMu sync.Mutex

	// searchMu protects searchIdx; it is held while the index is rebuilt, so
	// that concurrent searches build it once.
	searchMu  sync.Mutex
	searchIdx *searchIndex
}

// New loads the stored catalog and returns the Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("catalog: Config.Store is required")
	}
	if cfg.Registry == nil {
		return nil, errors.New("catalog: Config.Registry is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.FieldIndexTTL == 0 {
		cfg.FieldIndexTTL = 10 * time.Second
	}
	doc, rev, err := cfg.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: load: %w", err)
	}
	s := &Service{cfg: cfg, log: cfg.Logger}
	doc.sort()
	s.snap.Store(newSnapshot(doc, rev))
	return s, nil
}

// snapshot is one immutable state of the catalog with its indexes.
type snapshot struct {
	doc      *Document
	rev      Revision
	teams    map[string]*Team
	domains  map[string]*Domain
	services map[string]*Application
	events   map[string]*Event
	flows    map[string]*Flow
	// byTopic and bySubject map a topic or subject to event ids.
	byTopic   map[string][]string
	bySubject map[string][]string
	// declared holds the declared edges per event id, producers first.
	declared map[string][]Edge
}

func newSnapshot(doc *Document, rev Revision) *snapshot {
	s := &snapshot{doc: doc, rev: rev,
		teams: map[string]*Team{}, domains: map[string]*Domain{}, services: map[string]*Application{},
		events: map[string]*Event{}, flows: map[string]*Flow{},
		byTopic: map[string][]string{}, bySubject: map[string][]string{}, declared: map[string][]Edge{}}
	for i := range doc.Teams {
		s.teams[doc.Teams[i].ID] = &doc.Teams[i]
	}
	for i := range doc.Domains {
		s.domains[doc.Domains[i].ID] = &doc.Domains[i]
	}
	for i := range doc.Services {
		s.services[doc.Services[i].ID] = &doc.Services[i]
	}
	for i := range doc.Events {
		e := &doc.Events[i]
		s.events[e.ID] = e
		if e.Topic != "" {
			s.byTopic[e.Topic] = append(s.byTopic[e.Topic], e.ID)
		}
		s.bySubject[e.Subject] = append(s.bySubject[e.Subject], e.ID)
	}
	for i := range doc.Flows {
		s.flows[doc.Flows[i].ID] = &doc.Flows[i]
	}
	for _, a := range doc.Services {
		for _, m := range a.Sends {
			s.declared[m.Event] = append(s.declared[m.Event], Edge{Service: a.ID, Event: m.Event, Action: Sends, Declared: true})
		}
		for _, m := range a.Receives {
			s.declared[m.Event] = append(s.declared[m.Event], Edge{Service: a.ID, Event: m.Event, Action: Receives, Declared: true, Fields: m.Fields})
		}
	}
	return s
}

func (s *Service) snapshot() *snapshot { return s.snap.Load() }

// Revision returns the current revision of the catalog.
func (s *Service) Revision() Revision { return s.snapshot().rev }

// Document returns the whole catalog. The result must not be modified.
func (s *Service) Document() *Document { return s.snapshot().doc }

// ApplyResult is the outcome of an apply.
type ApplyResult struct {
	// Changed is false when the applied catalog equals the stored one.
	Changed  bool     `json:"changed"`
	Revision int64    `json:"revision"`
	Counts   Counts   `json:"counts"`
	Warnings []string `json:"warnings,omitempty"`
	// Diff is what the apply changed, or with DryRun would change.
	Diff ApplyDiff `json:"diff"`
	// DryRun is true when nothing was written (ApplyOptions.DryRun).
	DryRun bool `json:"dryRun,omitempty"`
}

// Counts counts the entities of a catalog.
type Counts struct {
	Teams    int `json:"teams"`
	Domains  int `json:"domains"`
	Services int `json:"services"`
	Events   int `json:"events"`
	Flows    int `json:"flows"`
}

func countsOf(d *Document) Counts {
	return Counts{Teams: len(d.Teams), Domains: len(d.Domains), Services: len(d.Services), Events: len(d.Events), Flows: len(d.Flows)}
}

// Counts returns the number of entities of each kind.
func (s *Service) Counts() Counts { return countsOf(s.snapshot().doc) }

// Apply parses catalog files and replaces the whole catalog with them,
// deleting what they do not declare (ApplyWith refuses that unless asked). It
// is idempotent: applying the same files twice changes nothing the second
// time. Any problem (with its file and line) gives an *ApplyError and changes
// nothing.
func (s *Service) Apply(ctx context.Context, files []File) (ApplyResult, error) {
	return s.ApplyWith(ctx, files, ApplyOptions{Prune: true})
}

// ApplyDocument replaces the whole catalog with doc, validated as Apply does.
func (s *Service) ApplyDocument(ctx context.Context, doc *Document) (ApplyResult, error) {
	cp := *doc
	cp.sort()
	return s.apply(ctx, &cp, nil, ApplyOptions{Prune: true})
}

func (s *Service) apply(ctx context.Context, doc *Document, src *Source, opts ApplyOptions) (ApplyResult, error) {
	subjects, err := s.subjectSet(ctx)
	if err != nil {
		return ApplyResult{}, err
	}
	if err := Validate(doc, src, subjects); err != nil {
		return ApplyResult{}, err
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	cur := s.snapshot()
	res := ApplyResult{Revision: cur.rev.Number, Counts: countsOf(doc), Warnings: warnings(doc),
		Diff: DiffDocuments(cur.doc, doc), DryRun: opts.DryRun}
	// The check is under applyMu: what it lists is exactly what this apply
	// would delete.
	if len(res.Diff.Deleted) > 0 && !opts.Prune && !opts.DryRun {
		return ApplyResult{}, &PruneError{Deleted: res.Diff.Deleted}
	}
	if opts.DryRun || equalDocs(cur.doc, doc) {
		return res, nil
	}
	rev, err := s.cfg.Store.Save(ctx, doc)
	if err != nil {
		return ApplyResult{}, fmt.Errorf("catalog: save: %w", err)
	}
	s.snap.Store(newSnapshot(doc, rev))
	res.Changed, res.Revision = true, rev.Number
	return res, nil
}

func (s *Service) subjectSet(ctx context.Context) (map[string]bool, error) {
	subs, err := s.cfg.Registry.Subjects(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog: list subjects: %w", err)
	}
	set := make(map[string]bool, len(subs))
	for _, x := range subs {
		set[x] = true
	}
	return set, nil
}

// warnings lists things that are allowed but probably wrong.
func warnings(doc *Document) []string {
	used := map[string]bool{}
	for _, a := range doc.Services {
		for _, m := range a.Sends {
			used[m.Event] = true
		}
		for _, m := range a.Receives {
			used[m.Event] = true
		}
	}
	var w []string
	for _, e := range doc.Events {
		if !used[e.ID] {
			w = append(w, fmt.Sprintf("event %q is neither sent nor received by any service", e.ID))
		}
	}
	return w
}

func equalDocs(a, b *Document) bool { return sameJSON(a, b) }

// Team returns a team. Errors: ErrNotFound.
func (s *Service) Team(id string) (*Team, error) { return entity(s.snapshot().teams, "team", id) }

// Domain returns a domain. Errors: ErrNotFound.
func (s *Service) Domain(id string) (*Domain, error) {
	return entity(s.snapshot().domains, "domain", id)
}

// Application returns a service. Errors: ErrNotFound.
func (s *Service) Application(id string) (*Application, error) {
	return entity(s.snapshot().services, "service", id)
}

// Event returns an event. Errors: ErrNotFound.
func (s *Service) Event(id string) (*Event, error) { return entity(s.snapshot().events, "event", id) }

// Flow returns a flow. Errors: ErrNotFound.
func (s *Service) Flow(id string) (*Flow, error) { return entity(s.snapshot().flows, "flow", id) }

// entity returns the entity of a kind with id from its index in a snapshot.
// Errors: ErrNotFound.
func entity[T any](index map[string]*T, kind, id string) (*T, error) {
	if x, ok := index[id]; ok {
		return x, nil
	}
	return nil, fmt.Errorf("%s %q: %w", kind, id, ErrNotFound)
}

// Edge is a service sending or receiving an event, declared in the catalog,
// observed by the broker, or both.
type Edge struct {
	Service string `json:"service"`
	Event   string `json:"event"`
	Action  Action `json:"action"`
	// Declared is true when the catalog declares the edge.
	Declared bool `json:"declared"`
	// Observed is set when the broker saw the edge.
	Observed *Observed `json:"observed,omitempty"`
	// Fields are the fields a consumer declared it reads.
	Fields []string `json:"fields,omitempty"`
	// Unknown is true when Service is not a service in the catalog (a client the
	// broker saw under a name nobody declared).
	Unknown bool `json:"unknown,omitempty"`
}

// Observed is the broker's record of an edge.
type Observed struct {
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Count     int64     `json:"count"`
}

// State returns "declared", "observed" or "both".
func (e Edge) State() string {
	switch {
	case e.Declared && e.Observed != nil:
		return "both"
	case e.Observed != nil:
		return "observed"
	}
	return "declared"
}

// edges returns every edge (declared merged with observed), keyed by event id.
func (s *Service) edges(ctx context.Context, sn *snapshot) map[string][]Edge {
	if s.cfg.Lineage == nil {
		return sn.declared
	}
	obs, err := s.cfg.Lineage.Observations(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "catalog: observed lineage unavailable", "err", err)
		return sn.declared
	}
	if len(obs) == 0 {
		return sn.declared
	}
	out := make(map[string][]Edge, len(sn.declared))
	for k, v := range sn.declared {
		out[k] = append([]Edge(nil), v...)
	}
	for _, o := range obs {
		ids := sn.byTopic[o.Topic]
		if len(ids) == 0 {
			ids = sn.bySubject[o.Topic+"-value"]
		}
		for _, id := range ids {
			list := out[id]
			found := false
			for i := range list {
				if list[i].Service == o.Client && list[i].Action == o.Action {
					list[i].Observed = mergeObserved(list[i].Observed, o)
					found = true
				}
			}
			if !found {
				_, known := sn.services[o.Client]
				list = append(list, Edge{Service: o.Client, Event: id, Action: o.Action, Observed: mergeObserved(nil, o), Unknown: !known})
			}
			out[id] = list
		}
	}
	for k := range out {
		sortEdges(out[k])
	}
	return out
}

func mergeObserved(cur *Observed, o Observation) *Observed {
	if cur == nil {
		return &Observed{FirstSeen: o.FirstSeen, LastSeen: o.LastSeen, Count: o.Count}
	}
	n := *cur
	if o.FirstSeen.Before(n.FirstSeen) {
		n.FirstSeen = o.FirstSeen
	}
	if o.LastSeen.After(n.LastSeen) {
		n.LastSeen = o.LastSeen
	}
	n.Count += o.Count
	return &n
}

func sortEdges(list []Edge) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Action != list[j].Action {
			return list[i].Action < list[j].Action
		}
		return list[i].Service < list[j].Service
	})
}

// EventEdges returns the producers and consumers of an event, declared and
// observed. Errors: ErrNotFound.
func (s *Service) EventEdges(ctx context.Context, id string) (producers, consumers []Edge, err error) {
	sn := s.snapshot()
	if _, ok := sn.events[id]; !ok {
		return nil, nil, fmt.Errorf("event %q: %w", id, ErrNotFound)
	}
	producers, consumers = splitEdges(s.edges(ctx, sn)[id])
	return producers, consumers, nil
}

// splitEdges splits an event's edges into its producers and consumers.
func splitEdges(edges []Edge) (producers, consumers []Edge) {
	for _, e := range edges {
		if e.Action == Sends {
			producers = append(producers, e)
		} else {
			consumers = append(consumers, e)
		}
	}
	return producers, consumers
}

// ServiceEdges returns what a service sends and receives, declared and observed.
// Errors: ErrNotFound.
func (s *Service) ServiceEdges(ctx context.Context, id string) (sends, receives []Edge, err error) {
	sn := s.snapshot()
	if _, ok := sn.services[id]; !ok {
		return nil, nil, fmt.Errorf("service %q: %w", id, ErrNotFound)
	}
	sends, receives = s.edgesOf(ctx, sn, id)
	return sends, receives, nil
}

// edgesOf splits the edges of the service or client name, declared and
// observed, into what it sends and what it receives, in event order.
func (s *Service) edgesOf(ctx context.Context, sn *snapshot, name string) (sends, receives []Edge) {
	all := s.edges(ctx, sn)
	for _, ev := range sn.doc.Events {
		for _, e := range all[ev.ID] {
			if e.Service != name {
				continue
			}
			if e.Action == Sends {
				sends = append(sends, e)
			} else {
				receives = append(receives, e)
			}
		}
	}
	return sends, receives
}
