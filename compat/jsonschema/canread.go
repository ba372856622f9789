package jsonschema

import (
	"context"
	"fmt"
	"sort"

	"github.com/heraldhq/herald/compat"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// lenientCompatible lists the rules that compat.Lenient allows: changes that only
// break writers that send properties their schema did not declare.
var lenientCompatible = map[string]bool{
	RuleAdditionalPropertiesNarrowed:                         true,
	RuleAdditionalPropertiesRemoved:                          true,
	RuleUnevaluatedPropertiesNarrowed:                        true,
	RuleUnevaluatedPropertiesRemoved:                         true,
	RuleOptionalPropertyAddedToOpenContentModel:              true,
	RuleRequiredPropertyWithDefaultAddedToOpenContentModel:   true,
	RulePropertyRemovedFromClosedContentModel:                true,
	RulePropertyAddedNotCoveredByPartiallyOpenContentModel:   true,
	RulePropertyRemovedNotCoveredByPartiallyOpenContentModel: true,
}

// CanRead reports the violations that stop reader from reading data written with
// writer: the changes from writer to reader that could make the reader reject a
// document the writer accepted, judged by Confluent's content-model rules under
// opts.Policy. Both schemas must come from Parse.
//
// Each pair of subschemas is compared once, however many paths reach it, and a
// change inside a shared definition is reported once, at the first path that
// reaches it. The work is bounded by compat.CheckBudget: past opts.Limits, or
// when ctx ends, CanRead returns the budget's error (a *compat.LimitError or the
// context's error) and no violations.
func (Format) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	vs, _, err := canRead(ctx, reader, writer, opts)
	return vs, err
}

// canRead is CanRead that also reports the node pairs it compared, for tests.
func canRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, int, error) {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 {
		return []compat.Violation{{Rule: compat.RuleSchemaTypeChanged, Path: "#/", Message: "both schemas must be JSON Schemas"}}, 0, nil
	}
	if r == w {
		return nil, 0, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err // the client has gone: no work at all
	}
	budget := compat.CheckBudget(ctx, opts)
	c := newChecker(opts.Policy, budget)
	ds, err := c.run(w.root(), r.root())
	if err != nil {
		return nil, budget.Steps(), err
	}
	maxV := opts.Limits.MaxViolations
	if maxV <= 0 {
		maxV = compat.DefaultMaxViolations
	}
	// One more than the limit lets compat.Check see that the report was cut.
	out := expand(ds, maxV+1)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, budget.Steps(), nil
}

// expand turns the differences of a comparison into violations, each compared
// pair's once (at the first path that reaches it, naming how many other paths
// do), in at most max violations. Its work is linear in the pairs and
// references of ds, never in the number of paths.
func expand(ds []diff, max int) []compat.Violation {
	// First pass: depth first, give each pair the first path that reaches it,
	// and list the pairs in post-order.
	type visit struct {
		path  string
		paths int  // how many paths reach the pair, saturating at maxTotal
		done  bool // its differences were emitted
	}
	seen := map[*pairResult]*visit{}
	var post []*pairResult
	var walk func(base string, ds []diff)
	walk = func(base string, ds []diff) {
		for _, d := range ds {
			if d.sub == nil || seen[d.sub] != nil {
				continue
			}
			seen[d.sub] = &visit{path: base + d.path}
			walk(base+d.path, d.sub.diffs)
			post = append(post, d.sub)
		}
	}
	walk("", ds)

	// Second pass: count the paths to each pair, parents before children
	// (reverse post-order is a topological order of the references).
	for _, d := range ds {
		if d.sub != nil {
			seen[d.sub].paths = satAdd(seen[d.sub].paths, 1)
		}
	}
	for i := len(post) - 1; i >= 0; i-- {
		r := post[i]
		n := seen[r].paths
		for _, d := range r.diffs {
			if d.sub != nil {
				seen[d.sub].paths = satAdd(seen[d.sub].paths, n)
			}
		}
	}

	// Third pass: the same walk again, now emitting each difference where the
	// walk meets it, which keeps the order of a walk that copied them.
	var out []compat.Violation
	dup := map[compat.Violation]bool{}
	var emit func(base string, ds []diff, paths int) bool
	emit = func(base string, ds []diff, paths int) bool {
		for _, d := range ds {
			if d.sub != nil {
				v := seen[d.sub]
				if v.done {
					continue
				}
				v.done = true
				if !emit(v.path, d.sub.diffs, v.paths) {
					return false
				}
				continue
			}
			v := compat.Violation{Rule: d.rule, Path: fragmentPath(base + d.path), Message: d.msg}
			if paths > 1 {
				v.Message += fmt.Sprintf(" (in a shared definition, also reached by %s)", otherPaths(paths-1))
			}
			if dup[v] {
				continue
			}
			dup[v] = true
			out = append(out, v)
			if len(out) >= max {
				return false
			}
		}
		return true
	}
	emit("", ds, 1)
	return out
}

// satAdd adds two path counts, saturating at maxTotal.
func satAdd(a, b int) int {
	if a+b > maxTotal {
		return maxTotal
	}
	return a + b
}

// otherPaths words a count of further paths for a message.
func otherPaths(n int) string {
	switch {
	case n == 1:
		return "1 other path"
	case n >= maxTotal:
		return "more than a trillion other paths"
	}
	return fmt.Sprintf("%d other paths", n)
}

// root returns the model of the schema, building it on first use.
func (s *Schema) root() *node { return s.forms().root() }

// root returns the model of the compiled schema, building it on first use.
func (s *forms) root() *node {
	s.modelOnce.Do(func() {
		b := &builder{owner: s, nodes: map[*sjs.Schema]*node{}, extras: s.extras}
		s.model = b.build(s.compiled)
	})
	return s.model
}
