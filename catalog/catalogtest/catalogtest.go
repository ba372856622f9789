// Package catalogtest provides in-memory fakes of what the catalog depends on: a
// Registry that parses schemas with the real formats, a Store, and a Lineage.
// Tests, benchmarks and browser tests of the catalog and its pages use them.
package catalogtest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
)

// Formats returns the three schema formats by type.
func Formats() compat.Formats { return formats.ByType() }

type version struct {
	sv     catalog.SchemaVersion
	parsed compat.Schema
}

// Registry is an in-memory catalog.Registry. Register parses with the real
// formats but does not check compatibility. It is safe for concurrent use.
type Registry struct {
	formats compat.Formats
	// mu protects the fields below.
	mu       sync.Mutex
	subjects map[string][]version
	levels   map[string]compat.Level
	nextID   int
	clock    time.Time
	author   string
}

var _ catalog.Registry = (*Registry)(nil)

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{formats: Formats(), subjects: map[string][]version{}, levels: map[string]compat.Level{},
		nextID: 1, clock: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
}

// SetLevel sets a subject's compatibility level (default BACKWARD).
func (r *Registry) SetLevel(subject string, l compat.Level) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels[subject] = l
}

// Subjects implements catalog.Registry.
func (r *Registry) Subjects(ctx context.Context) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.subjects))
	for s := range r.subjects {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// Versions implements catalog.Registry.
func (r *Registry) Versions(ctx context.Context, subject string) ([]catalog.SchemaVersion, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vs, ok := r.subjects[subject]
	if !ok {
		return nil, fmt.Errorf("subject %s: %w", subject, catalog.ErrSchemaNotFound)
	}
	out := make([]catalog.SchemaVersion, len(vs))
	for i, v := range vs {
		out[i] = v.sv
	}
	return out, nil
}

// Schema implements catalog.Registry.
func (r *Registry) Schema(ctx context.Context, subject string, v int) (catalog.SchemaVersion, compat.Schema, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	vs, ok := r.subjects[subject]
	if !ok || len(vs) == 0 {
		return catalog.SchemaVersion{}, nil, fmt.Errorf("subject %s: %w", subject, catalog.ErrSchemaNotFound)
	}
	if v == catalog.Latest {
		last := vs[len(vs)-1]
		return last.sv, last.parsed, nil
	}
	for _, x := range vs {
		if x.sv.Version == v {
			return x.sv, x.parsed, nil
		}
	}
	return catalog.SchemaVersion{}, nil, fmt.Errorf("version %d of %s: %w", v, subject, catalog.ErrSchemaNotFound)
}

// Compatibility implements catalog.Registry.
func (r *Registry) Compatibility(ctx context.Context, subject string) (compat.Level, compat.Options, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.levels[subject], compat.Options{}, nil
}

// CanRead implements catalog.Registry.
func (r *Registry) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	return r.formats.CanRead(ctx, reader, writer, opts)
}

// SetAuthor makes the versions Register creates from now on record author
// as who registered them (SchemaVersion.CreatedBy), as the real registry does
// for an authenticated request.
func (r *Registry) SetAuthor(author string) {
	r.mu.Lock()
	r.author = author
	r.mu.Unlock()
}

// Register implements catalog.Registry: an identical text registered again
// returns the existing version.
func (r *Registry) Register(ctx context.Context, subject string, t compat.SchemaType, text string) (catalog.SchemaVersion, error) {
	f, ok := r.formats[t]
	if !ok {
		return catalog.SchemaVersion{}, fmt.Errorf("unknown schema type %s", t)
	}
	parsed, err := f.Parse(text, nil)
	if err != nil {
		return catalog.SchemaVersion{}, fmt.Errorf("register %s: %w", subject, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	vs := r.subjects[subject]
	for _, v := range vs {
		if v.parsed.Canonical() == parsed.Canonical() {
			return v.sv, nil
		}
	}
	r.clock = r.clock.Add(time.Hour)
	sv := catalog.SchemaVersion{Subject: subject, Version: len(vs) + 1, ID: r.nextID, Type: t, Text: parsed.Canonical(), CreatedAt: r.clock, CreatedBy: r.author}
	r.nextID++
	r.subjects[subject] = append(vs, version{sv: sv, parsed: parsed})
	return sv, nil
}

// Recent implements catalog.Registry.
func (r *Registry) Recent(ctx context.Context, n int) ([]catalog.SchemaVersion, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []catalog.SchemaVersion
	for _, vs := range r.subjects {
		for _, v := range vs {
			all = append(all, v.sv)
		}
	}
	return catalog.MostRecent(all, n), nil
}

// Store is an in-memory catalog.Store.
type Store struct {
	// mu protects doc and rev.
	mu  sync.Mutex
	doc *catalog.Document
	rev catalog.Revision
	// Saves counts Save calls.
	Saves int
}

var _ catalog.Store = (*Store)(nil)

// Load implements catalog.Store.
func (s *Store) Load(ctx context.Context) (*catalog.Document, catalog.Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.doc == nil {
		return &catalog.Document{}, s.rev, nil
	}
	cp := *s.doc
	return &cp, s.rev, nil
}

// Save implements catalog.Store.
func (s *Store) Save(ctx context.Context, doc *catalog.Document) (catalog.Revision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = doc
	s.rev = catalog.Revision{Number: s.rev.Number + 1, UpdatedAt: time.Now().UTC()}
	s.Saves++
	return s.rev, nil
}

// Lineage is a settable catalog.Lineage.
type Lineage struct {
	// mu protects obs.
	mu  sync.Mutex
	obs []catalog.Observation
}

// Set replaces the observations.
func (l *Lineage) Set(obs ...catalog.Observation) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.obs = obs
}

// Observations implements catalog.Lineage.
func (l *Lineage) Observations(ctx context.Context) ([]catalog.Observation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]catalog.Observation(nil), l.obs...), nil
}
