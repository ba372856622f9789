package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrWouldDelete is wrapped by *PruneError: an apply whose files no longer
// declare entities the catalog holds, sent without ApplyOptions.Prune.
var ErrWouldDelete = errors.New("the apply would delete catalog entities")

// ApplyOptions say what an apply may do.
type ApplyOptions struct {
	// Prune allows the apply to delete the entities the files no longer
	// declare. Without it such an apply is refused with a *PruneError, so a
	// partial folder or an empty file never wipes the catalog by accident.
	Prune bool
	// DryRun validates the files and computes the diff, and writes nothing.
	DryRun bool
}

// EntityRef names one catalog entity: its kind (team, domain, service, event
// or flow) and its id.
type EntityRef struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// String is "kind id".
func (r EntityRef) String() string { return r.Kind + " " + r.ID }

// ApplyDiff is what an apply changes, entity by entity, each list sorted by kind
// (teams, domains, services, events, flows) then id.
type ApplyDiff struct {
	Added   []EntityRef `json:"added"`
	Changed []EntityRef `json:"changed"`
	Deleted []EntityRef `json:"deleted"`
}

// Empty reports whether the diff changes nothing.
func (d ApplyDiff) Empty() bool { return len(d.Added)+len(d.Changed)+len(d.Deleted) == 0 }

// PruneError refuses an apply that would delete entities without
// ApplyOptions.Prune; it names every one of them.
type PruneError struct {
	Deleted []EntityRef
}

// pruneErrorNames bounds the entities the message lists; ErrorDetails has them all.
const pruneErrorNames = 10

func (e *PruneError) Error() string {
	names := make([]string, 0, min(len(e.Deleted), pruneErrorNames))
	for i, r := range e.Deleted {
		if i == pruneErrorNames {
			names = append(names, fmt.Sprintf("and %d more", len(e.Deleted)-i))
			break
		}
		names = append(names, r.String())
	}
	noun, them := "entities", "them"
	if len(e.Deleted) == 1 {
		noun, them = "entity", "it"
	}
	return fmt.Sprintf("the files do not declare %d catalog %s the catalog holds (%s): apply with prune=true to delete %s, or add %s to the files",
		len(e.Deleted), noun, strings.Join(names, ", "), them, them)
}

// Unwrap returns ErrWouldDelete.
func (e *PruneError) Unwrap() error { return ErrWouldDelete }

// ErrorDetails lists the entities the apply would delete.
func (e *PruneError) ErrorDetails() any { return e.Deleted }

// ApplyWith parses catalog files and replaces the catalog with them as Apply
// does, under opts: without Prune it refuses to delete entities, and with
// DryRun it only reports what it would do. The result's Diff says what changed
// (or would change).
func (s *Service) ApplyWith(ctx context.Context, files []File, opts ApplyOptions) (ApplyResult, error) {
	doc, src, err := ParseFiles(files)
	if err != nil {
		return ApplyResult{}, err
	}
	return s.apply(ctx, doc, src, opts)
}

// DiffDocuments compares two catalogs entity by entity: an entity is changed
// when any of its fields differs.
func DiffDocuments(old, cur *Document) ApplyDiff {
	d := ApplyDiff{Added: []EntityRef{}, Changed: []EntityRef{}, Deleted: []EntityRef{}}
	diffKind(&d, "team", old.Teams, cur.Teams, func(t Team) string { return t.ID })
	diffKind(&d, "domain", old.Domains, cur.Domains, func(x Domain) string { return x.ID })
	diffKind(&d, "service", old.Services, cur.Services, func(x Application) string { return x.ID })
	diffKind(&d, "event", old.Events, cur.Events, func(x Event) string { return x.ID })
	diffKind(&d, "flow", old.Flows, cur.Flows, func(x Flow) string { return x.ID })
	return d
}

// diffKind adds the differences between two lists of one kind of entity,
// both sorted by id, to d.
func diffKind[T any](d *ApplyDiff, kind string, old, cur []T, id func(T) string) {
	before := make(map[string]T, len(old))
	for _, e := range old {
		before[id(e)] = e
	}
	seen := make(map[string]bool, len(cur))
	for _, e := range cur {
		k := id(e)
		seen[k] = true
		prev, ok := before[k]
		switch {
		case !ok:
			d.Added = append(d.Added, EntityRef{Kind: kind, ID: k})
		case !sameJSON(prev, e):
			d.Changed = append(d.Changed, EntityRef{Kind: kind, ID: k})
		}
	}
	for _, e := range old {
		if k := id(e); !seen[k] {
			d.Deleted = append(d.Deleted, EntityRef{Kind: kind, ID: k})
		}
	}
}

// sameJSON compares two values by their JSON encoding, the form the catalog
// stores and exports.
func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}
