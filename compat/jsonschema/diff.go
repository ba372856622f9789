package jsonschema

import (
	"fmt"

	"github.com/heraldhq/herald/compat"
)

// Limits on the work one CanRead may do besides its compat.Budget of node pairs:
// the nesting of comparisons (each level is a Go stack frame or two) and the
// re-runs caused by contradicted assumptions. Past either, CanRead fails with a
// *compat.LimitError.
const (
	maxDepth  = 2000
	maxRounds = 50
)

// diff is one incompatible change, with a path relative to the pair of nodes
// being compared; or, when sub is set, a reference to all the differences of a
// compared pair, found under path.
//
// A pair reached along many paths (a definition referred to from two places at
// every level) is compared once, and every path shares its one result through
// such references instead of copying its differences with each path prefixed:
// copies would make the result, not the comparison, exponential. CanRead
// expands the references at the end, each pair once.
type diff struct {
	rule string
	path string
	msg  string
	sub  *pairResult
}

// pairResult is the outcome of comparing one pair: its differences, and the
// one-entry list that refers to it, shared by every path that reaches the pair.
type pairResult struct {
	diffs []diff
	self  []diff
	// total counts the differences on every path through the pair, as the
	// copying walk would have listed them (saturating): fromCombined picks
	// the branch with the fewest.
	total int
}

// maxTotal is where pairResult.total saturates.
const maxTotal = 1 << 40

// count returns how many differences ds stands for on every path, saturating.
func count(ds []diff) int {
	n := 0
	for _, d := range ds {
		if d.sub != nil {
			n += d.sub.total
		} else {
			n++
		}
		if n > maxTotal {
			return maxTotal
		}
	}
	return n
}

// pairKey identifies a comparison for memoization: the two nodes and the one
// piece of context that changes a verdict, the strictness about required names.
// The policy is fixed for a checker.
type pairKey struct {
	o, u      *node
	strictReq bool
}

// checker compares a writer model with a reader model. Only differences that are
// incompatible under the policy are kept. This file holds the walk: memoization,
// budget, dispatch on kinds; each keyword family is compared in its own file
// (diff_combinators.go, diff_string.go, diff_number.go, diff_enum.go,
// diff_object.go, diff_array.go), reporting the rule constants of rules.go.
//
// Recursive schemas make the comparison graph cyclic. A pair met again while it
// is being compared is assumed compatible (the coinductive reading of recursive
// types). If such an assumed pair later turns out incompatible, results built on
// the assumption may be wrong, so the whole comparison runs again with that pair
// known to be incompatible; incompatibilities are always real, so each round
// learns more and the loop ends.
//
// Every pair compared takes a step of budget; when the budget or the context
// ends, or maxDepth or maxRounds is passed, err is set and the walk unwinds
// without comparing anything more.
type checker struct {
	policy compat.Policy
	// strictReq turns off Confluent's leniency for required names that no
	// properties declare; conditional schemas need it.
	strictReq bool

	known        map[pairKey][]diff // incompatible pairs, kept across rounds
	memo         map[pairKey]entry  // pairs of this round: done or being compared
	contradicted bool               // an assumed pair turned out incompatible
	depth        int
	budget       *compat.Budget
	err          error // why the walk stopped; nil while it runs
}

func newChecker(policy compat.Policy, budget *compat.Budget) *checker {
	return &checker{
		policy: policy,
		known:  map[pairKey][]diff{},
		budget: budget,
	}
}

// run compares writer o with reader u until no assumption is contradicted. It
// returns c.err when the walk stopped early: no verdict is given on part of it.
func (c *checker) run(o, u *node) ([]diff, error) {
	for round := 0; ; round++ {
		c.memo = make(map[pairKey]entry, 64)
		c.contradicted = false
		d := c.compare(o, u)
		if c.err != nil {
			return nil, c.err
		}
		if !c.contradicted {
			return d, nil
		}
		if round == maxRounds {
			return nil, &compat.LimitError{What: "comparison rounds of a recursive schema", Limit: maxRounds}
		}
	}
}

// add appends a difference to out when the policy counts it as incompatible.
func (c *checker) add(out []diff, rule, path, format string, args ...any) []diff {
	if c.policy == compat.Lenient && lenientCompatible[rule] {
		return out
	}
	return append(out, diff{rule: rule, path: path, msg: fmt.Sprintf(format, args...)})
}

// prefix returns ds with p prepended to every path, without touching ds. A
// reference entry is prefixed like any other: its pair's own result is shared.
func prefix(p string, ds []diff) []diff {
	if len(ds) == 0 || p == "" {
		return ds
	}
	out := make([]diff, len(ds))
	for i, d := range ds {
		d.path = p + d.path
		out[i] = d
	}
	return out
}

var emptyNode = &node{kind: kEmpty}

func orEmpty(n *node) *node {
	if n == nil {
		return emptyNode
	}
	return n
}

// compare returns the incompatible differences that stop reader u from reading
// data written with o. A nil o or u stands for an absent subschema.
func (c *checker) compare(o, u *node) []diff {
	if o == nil {
		if u == nil || deref(u).kind == kEmpty {
			return nil
		}
		return c.add(nil, RuleSchemaAdded, "", "a schema was added where the writer allowed any value")
	}
	if u == nil {
		return nil
	}
	o, u = deref(o), deref(u)
	if o == u || o.kind == kFalse || u.kind == kEmpty || c.err != nil {
		return nil
	}
	k := pairKey{o, u, c.strictReq}
	if len(c.known) > 0 {
		if d, ok := c.known[k]; ok {
			return d
		}
	}
	if e, ok := c.memo[k]; ok {
		if e.active {
			e.assumed = true
			c.memo[k] = e
			return nil
		}
		return e.diffs
	}
	if !c.budget.Step() {
		c.err = c.budget.Err()
		return nil
	}
	if c.depth >= maxDepth {
		c.err = &compat.LimitError{What: "levels of nested subschemas compared", Limit: maxDepth}
		return nil
	}
	c.depth++
	c.memo[k] = entry{active: true}
	d := c.compareNodes(o, u)
	assumed := c.memo[k].assumed
	if len(d) > 0 {
		r := &pairResult{diffs: d, total: count(d)}
		r.self = []diff{{sub: r}}
		d = r.self
	}
	c.memo[k] = entry{diffs: d}
	c.depth--
	if len(d) > 0 {
		c.known[k] = d
		if assumed {
			c.contradicted = true
		}
	}
	return d
}

// entry is the state of one pair in a round.
type entry struct {
	active  bool // being compared
	assumed bool // met again while active, and assumed compatible
	diffs   []diff
}

func (c *checker) compatible(o, u *node) bool { return len(c.compare(o, u)) == 0 }

func (c *checker) compareNodes(o, u *node) []diff {
	// A writer enum is read exactly: every value must pass the reader.
	if o.kind == kEnum && u.kind != kEnum && u.src != nil && c.acceptsAll(u, o.values) {
		return nil
	}
	oc, uc := o.kind == kCombined, u.kind == kCombined
	switch {
	case oc && uc:
		if o.synthetic && u.synthetic && o.crit == allOf && u.crit == allOf {
			return c.partwise(o, u)
		}
		return c.combined(o, u)
	case uc:
		return c.toCombined(o, u)
	case oc:
		return c.fromCombined(o, u)
	}
	if o.kind != u.kind {
		return c.kindChanged(o, u)
	}
	switch o.kind {
	case kString:
		return c.strings(o, u)
	case kNumber:
		return c.numbers(o, u)
	case kObject:
		return c.objects(o, u)
	case kArray:
		return c.arrays(o, u)
	case kEnum:
		return c.enums(o, u)
	case kNot:
		if !c.compatible(u.sub, o.sub) {
			return c.add(nil, RuleNotTypeExtended, "/not", "the reader's not schema now excludes values the writer's allowed")
		}
	case kCond:
		return c.conditionals(o, u)
	}
	return nil
}

// acceptsAll reports whether reader u accepts every value of a writer enum.
// Each value is one step of the budget, and one whose validation could take
// long (see cost.go) counts as rejected: the structural comparison then judges
// the pair instead.
func (c *checker) acceptsAll(u *node, values []any) bool {
	for _, v := range values {
		if !c.budget.Step() {
			c.err = c.budget.Err()
			return false
		}
		if !estimateWithin(u.src, v, enumEstimateBudget) || u.src.Validate(v) != nil {
			return false
		}
	}
	return true
}

// enumEstimateBudget bounds the work of validating one enum value against a
// reader subschema during a compatibility check.
const enumEstimateBudget = 4096

// describe names what a node accepts, for messages.
func describe(n *node) string {
	switch n.kind {
	case kNumber:
		if n.integer {
			return "integer"
		}
		return "number"
	case kEnum:
		return n.enumKeyword + " " + valuesString(n.values)
	case kCombined:
		return n.crit.String()
	}
	return n.kind.String()
}

// typedKind reports the kinds that stand for one JSON type.
func typedKind(k nodeKind) bool {
	switch k {
	case kString, kNumber, kBoolean, kNull, kObject, kArray:
		return true
	}
	return false
}

func (c *checker) kindChanged(o, u *node) []diff {
	switch {
	case o.kind == kEmpty && typedKind(u.kind) && !u.requires:
		// {} and {"additionalProperties": true} accept the same values:
		// compare with an unconstrained writer of the reader's type.
		return c.compareNodes(&node{kind: u.kind}, u)
	case typedKind(o.kind) && typedKind(u.kind) && !u.requires:
		// The reader constrains only its own type and lets o's through.
		return nil
	case u.kind == kCond:
		// Data passes whichever branch applies: enough if both branches read it.
		saved := c.strictReq
		c.strictReq = true
		d := prefix("/then", c.compare(o, u.thenNode))
		d = append(d, prefix("/else", c.compare(o, u.elseNode))...)
		c.strictReq = saved
		return d
	case o.kind == kCond:
		saved := c.strictReq
		c.strictReq = true
		d := prefix("/then", c.compare(orEmpty(o.thenNode), u))
		d = append(d, prefix("/else", c.compare(orEmpty(o.elseNode), u))...)
		c.strictReq = saved
		return d
	case u.kind == kEnum:
		return c.add(nil, RuleEnumArrayNarrowed, "/"+u.enumKeyword, "the reader only accepts %s, the writer allowed any %s", valuesString(u.values), describe(o))
	}
	return c.add(nil, RuleTypeChanged, "", "type changed from %s to %s", describe(o), describe(u))
}

// minCount reports a reader minimum count (minLength, minItems, minProperties)
// above the writer's, which is 0 when absent.
func (c *checker) minCount(out []diff, keyword string, o, u *int, added, increased string) []diff {
	switch {
	case u == nil || *u <= intOr(o, 0):
		return out
	case o == nil:
		return c.add(out, added, "/"+keyword, "%s %d was added", keyword, *u)
	}
	return c.add(out, increased, "/"+keyword, "%s increased from %d to %d", keyword, *o, *u)
}

// maxCount reports a reader maximum count (maxLength, maxItems, maxProperties)
// below the writer's, which is unbounded when absent.
func (c *checker) maxCount(out []diff, keyword string, o, u *int, added, decreased string) []diff {
	switch {
	case u == nil:
		return out
	case o == nil:
		return c.add(out, added, "/"+keyword, "%s %d was added", keyword, *u)
	case *u < *o:
		return c.add(out, decreased, "/"+keyword, "%s decreased from %d to %d", keyword, *o, *u)
	}
	return out
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}
