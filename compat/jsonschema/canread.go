package jsonschema

import (
	"context"
	"sort"

	"github.com/heraldhq/herald/compat"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// RuleTooComplex is reported when a comparison exceeds the work limits, which
// only pathological recursive schemas do.
const RuleTooComplex = "SCHEMA_TOO_COMPLEX"

// lenientCompatible lists the rules that compat.Lenient allows: changes that only
// break writers that send properties their schema did not declare.
var lenientCompatible = map[string]bool{
	"ADDITIONAL_PROPERTIES_NARROWED":                               true,
	"ADDITIONAL_PROPERTIES_REMOVED":                                true,
	"UNEVALUATED_PROPERTIES_NARROWED":                              true,
	"UNEVALUATED_PROPERTIES_REMOVED":                               true,
	"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL":                true,
	"REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL":   true,
	"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL":                   true,
	"PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL":   true,
	"PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": true,
}

// CanRead reports the violations that stop reader from reading data written with
// writer: the changes from writer to reader that could make the reader reject a
// document the writer accepted, judged by Confluent's content-model rules under
// opts.Policy. Both schemas must come from Parse.
func (Format) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 {
		return []compat.Violation{{Rule: compat.RuleSchemaTypeChanged, Path: "#/", Message: "both schemas must be JSON Schemas"}}, nil
	}
	if r == w {
		return nil, nil
	}
	c := newChecker(opts.Policy)
	ds := c.run(w.root(), r.root())
	var out []compat.Violation
	seen := map[diff]bool{}
	for _, d := range ds {
		if seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, compat.Violation{Rule: d.rule, Path: fragmentPath(d.path), Message: d.msg})
	}
	if c.tooBig {
		out = append(out, compat.Violation{Rule: RuleTooComplex, Path: "#/", Message: "the schemas are too large or too recursive to compare; simplify the change or split it"})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// root returns the model of the schema, building it on first use.
func (s *Schema) root() *node {
	s.modelOnce.Do(func() {
		b := &builder{owner: s, nodes: map[*sjs.Schema]*node{}, extras: s.extras}
		s.model = b.build(s.compiled)
	})
	return s.model
}
