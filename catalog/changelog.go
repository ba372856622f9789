package catalog

import (
	"context"
	"fmt"

	"github.com/heraldhq/herald/compat"
)

// ChangelogEntry is one version of an event's schema with what it changed
// since the version before it.
type ChangelogEntry struct {
	Version SchemaVersion
	// Prev is the version compared with; 0 for the first version, which
	// changed nothing.
	Prev int
	// Changes are the rule-based changes from Prev, as a diff lists them;
	// Compatible is true when none breaks under the subject's level.
	Changes    []Change
	Compatible bool
	// Affected are the consumers a breaking change of this version affects,
	// among the event's consumers today (declared and observed): the catalog
	// keeps no history of who consumed it when the version was registered.
	Affected []string
	// Err says why the changes could not be listed (a schema past a limit, a
	// version that went away), when they could not.
	Err string
}

// Changelog is an event's history, newest version first.
type Changelog struct {
	Entries []ChangelogEntry
	// Older counts the versions not listed, past the limit.
	Older int
}

// Changelog lists the newest limit versions of an event's schema (every
// version when limit is 0 or less), newest first, each with its rule-based
// changes against the version before it and the consumers those changes
// affect. Each entry costs a comparison, so the event page asks for a few;
// the diff page compares any two.
// Errors: ErrNotFound (the event), and ctx's error.
func (s *Service) Changelog(ctx context.Context, id string, limit int) (*Changelog, error) {
	ev, versions, err := s.eventVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return &Changelog{}, nil
	}
	level, opts, _ := s.cfg.Registry.Compatibility(ctx, ev.Subject)
	_, consumers, _ := s.EventEdges(ctx, id)
	first := 0
	if limit > 0 && len(versions) > limit {
		first = len(versions) - limit
	}
	out := &Changelog{Older: first}
	for i := len(versions) - 1; i >= first; i-- {
		e := ChangelogEntry{Version: versions[i], Compatible: true}
		if i > 0 {
			e.Prev = versions[i-1].Version
			if err := s.changelogEntry(ctx, ev, &e, level, opts, consumers); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				e.Err = err.Error()
			}
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// changelogEntry compares e's version with e.Prev.
func (s *Service) changelogEntry(ctx context.Context, ev *Event, e *ChangelogEntry, level compat.Level, opts compat.Options, consumers []Edge) error {
	reg := s.cfg.Registry
	fv, fp, err := reg.Schema(ctx, ev.Subject, e.Prev)
	if err != nil {
		return fmt.Errorf("version %d of %s: %w", e.Prev, ev.Subject, err)
	}
	tv, tp, err := reg.Schema(ctx, ev.Subject, e.Version.Version)
	if err != nil {
		return fmt.Errorf("version %d of %s: %w", e.Version.Version, ev.Subject, err)
	}
	d := &Diff{Event: ev, From: fv, To: tv, Level: level}
	if err := s.compare(ctx, d, fp, tp, opts, consumers); err != nil {
		return err
	}
	e.Changes, e.Compatible = d.Changes, d.Compatible
	seen := map[string]bool{}
	for _, c := range d.Changes {
		for _, a := range c.Affected {
			if !seen[a] {
				seen[a] = true
				e.Affected = append(e.Affected, a)
			}
		}
	}
	return nil
}
