package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// EventDetail is everything the event page shows, read live from the registry and
// the broker.
type EventDetail struct {
	Event *Event
	// Schema is the selected version (the latest unless asked otherwise); its
	// Version is 0 when the subject has no live version.
	Schema SchemaVersion
	// SchemaError says why the schema could not be read, if it could not.
	SchemaError string
	Level       compat.Level
	Versions    []SchemaVersion
	Fields      []Field
	// FieldsError says why Fields stops short (a limit was reached), if it does.
	FieldsError string
	Examples    []ExampleResult
	Producers   []Edge
	Consumers   []Edge
	// Graph is the event's graph (Graph("event:ID")), built from the same edges.
	Graph    *Graph
	Warnings []string
	// ReplacedBy is the replacement event, when deprecated with one.
	ReplacedBy *Event
}

// ExampleResult is an example with the outcome of validating it against the schema.
type ExampleResult struct {
	Example Example
	// Valid is true when the example matches the schema; Problems lists why not.
	Valid    bool
	Problems []compat.Problem
	// Checked is false when there was no schema to check against.
	Checked bool
}

// EventDetail gathers the event page: the event, the selected schema version
// (Latest or a version number), its field table, versions, validated examples,
// declared vs observed producers and consumers with warnings, and its graph.
// Errors: ErrNotFound (event or version).
func (s *Service) EventDetail(ctx context.Context, id string, version int) (*EventDetail, error) {
	sn := s.snapshot()
	ev, ok := sn.events[id]
	if !ok {
		return nil, fmt.Errorf("event %q: %w", id, ErrNotFound)
	}
	d := &EventDetail{Event: ev}
	if dep := ev.Deprecated; dep != nil && dep.Replacement != "" {
		d.ReplacedBy, _ = s.Event(dep.Replacement)
	}
	reg := s.cfg.Registry
	versions, err := reg.Versions(ctx, ev.Subject)
	switch {
	case errors.Is(err, ErrSchemaNotFound):
		d.SchemaError = fmt.Sprintf("subject %s has no live version in the registry", ev.Subject)
	case err != nil:
		return nil, err
	default:
		d.Versions = versions
	}
	d.Level, _, _ = reg.Compatibility(ctx, ev.Subject)
	var parsed compat.Schema
	if len(d.Versions) > 0 {
		sv, ps, err := reg.Schema(ctx, ev.Subject, version)
		switch {
		case errors.Is(err, ErrSchemaNotFound) && version != Latest:
			return nil, fmt.Errorf("version %d of %s: %w", version, ev.Subject, ErrNotFound)
		case err != nil:
			d.SchemaError = err.Error()
		default:
			d.Schema, parsed = sv, ps
			d.Fields, err = Fields(ctx, sv.Type, sv.Text, s.cfg.FieldLimits)
			switch {
			case errors.Is(err, compat.ErrTooComplex):
				// The page still shows the schema and all else; the table
				// says why it stops.
				d.FieldsError = err.Error()
			case err != nil:
				return nil, err
			}
		}
	}
	for _, ex := range ev.Examples {
		r := ExampleResult{Example: ex}
		if parsed != nil {
			r.Checked = true
			if err := parsed.Validate(ex.Value, compat.EncodingJSON); err != nil {
				var ip *compat.InvalidPayloadError
				if errors.As(err, &ip) {
					r.Problems = ip.Problems
				} else {
					r.Problems = []compat.Problem{{Message: err.Error()}}
				}
			} else {
				r.Valid = true
			}
		}
		d.Examples = append(d.Examples, r)
	}
	// One read of the observed lineage serves the edge tables and the graph.
	edges := s.edges(ctx, sn)[id]
	d.Producers, d.Consumers = splitEdges(edges)
	d.Graph = eventGraph(sn, id, edges)
	collapse(d.Graph, MaxFanOut)
	d.Warnings = lineageWarnings(d.Producers, d.Consumers, s.cfg.Lineage != nil)
	return d, nil
}

// lineageWarnings compares declared and observed edges.
func lineageWarnings(producers, consumers []Edge, haveBroker bool) []string {
	var w []string
	for _, list := range [][]Edge{producers, consumers} {
		for _, e := range list {
			role := "producer"
			if e.Action == Receives {
				role = "consumer"
			}
			switch {
			case e.Declared && e.Observed == nil && haveBroker:
				w = append(w, fmt.Sprintf("%s is a declared %s but was never seen by the broker", e.Service, role))
			case !e.Declared && e.Observed != nil:
				w = append(w, fmt.Sprintf("%s was seen as a %s but is not declared in the catalog", e.Service, role))
			}
		}
	}
	if len(producers) == 0 {
		w = append(w, "no service produces this event")
	}
	return w
}

// PrettySchema returns the text of a schema version, pretty-printed
// for reading (JSON is indented; Protobuf is as registered).
func PrettySchema(sv SchemaVersion) string {
	if sv.Type == compat.Protobuf {
		return strings.TrimSpace(sv.Text)
	}
	return indentJSON(sv.Text)
}
