package jsonschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

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
// incompatible under the policy are kept.
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

// toCombined compares a plain writer with a combined reader.
func (c *checker) toCombined(o, u *node) []diff {
	if len(u.subs) == 1 {
		return prefix(u.segs[0], c.compare(o, u.subs[0]))
	}
	if u.crit == allOf {
		var out []diff
		for i, s := range u.subs {
			out = append(out, prefix(u.segs[i], c.compare(o, s))...)
		}
		return out
	}
	for _, s := range u.subs {
		if c.compatible(o, s) {
			return nil
		}
	}
	return c.add(nil, RuleTypeChanged, "", "no subschema of the reader's %s accepts the writer's %s", u.crit, describe(o))
}

// fromCombined compares a combined writer with a plain reader.
func (c *checker) fromCombined(o, u *node) []diff {
	if len(o.subs) == 1 {
		return prefix(o.segs[0], c.compare(o.subs[0], u))
	}
	if o.crit == allOf {
		// Writer data meets every subschema: one the reader accepts is enough.
		var best []diff
		for i, s := range o.subs {
			d := c.compare(s, u)
			if len(d) == 0 {
				return nil
			}
			if best == nil || count(d) < count(best) {
				best = prefix(o.segs[i], d)
			}
		}
		return best
	}
	var out []diff
	for i, s := range o.subs {
		out = append(out, prefix(o.segs[i], c.compare(s, u))...)
	}
	return out
}

// partwise compares two schema objects that combine several keyword families:
// each reader part must accept the writer's part of the same family, or, when
// the writer has none, the writer as a whole.
func (c *checker) partwise(o, u *node) []diff {
	var out []diff
	for j, p := range u.subs {
		dp := deref(p)
		var q *node
		for _, cand := range o.subs {
			dc := deref(cand)
			if dc.kind == dp.kind && (dc.kind != kCombined || dc.crit == dp.crit) {
				q = cand
				break
			}
		}
		if q == nil && dp.kind == kCombined {
			// A changed combining keyword: let combined judge the change.
			for _, cand := range o.subs {
				if deref(cand).kind == kCombined {
					q = cand
					break
				}
			}
		}
		if q == nil {
			out = append(out, prefix(u.segs[j], c.compare(o, p))...)
			continue
		}
		out = append(out, prefix(u.segs[j], c.compare(q, p))...)
	}
	return out
}

// combined compares two allOf/anyOf/oneOf nodes as Confluent does: the criterion
// may only change towards a looser one, and the subschemas must pair up one to one
// with each reader subschema accepting its writer subschema.
func (c *checker) combined(o, u *node) []diff {
	os, us := distinct(o), distinct(u)
	if o.crit != u.crit {
		looser := u.crit == anyOf || o.crit == allOf || (len(os) == 1 && (u.crit == oneOf || len(us) == 1))
		if !looser {
			return c.add(nil, RuleCombinedTypeChanged, "", "the writer's %s became %s in the reader", o.crit, u.crit)
		}
	}
	var out []diff
	if len(os) < len(us) && u.crit == allOf {
		out = c.add(out, RuleProductTypeExtended, "", "the reader's allOf has %d subschemas, the writer's %s had %d", len(us), o.crit, len(os))
	}
	if len(os) > len(us) && o.crit != allOf {
		out = c.add(out, RuleSumTypeNarrowed, "", "the reader's %s has %d subschemas, the writer's %s had %d", u.crit, len(us), o.crit, len(os))
	}
	edges := make([][]int, len(os))
	for i, oi := range os {
		for j, uj := range us {
			if !clash(o.subs[oi], u.subs[uj]) && c.compatible(o.subs[oi], u.subs[uj]) {
				edges[i] = append(edges[i], j)
			}
		}
	}
	if matched := maxMatching(edges, len(us)); matched < min(len(os), len(us)) {
		out = c.add(out, RuleCombinedTypeSubschemasChanged, "", "the subschemas of the writer's %s cannot be paired with compatible subschemas of the reader's %s", o.crit, u.crit)
	}
	return out
}

// clash reports pairs that are plainly incompatible, without comparing them: a
// reader that requires one JSON type and a writer of another.
func clash(o, u *node) bool {
	o, u = deref(o), deref(u)
	return typedKind(o.kind) && typedKind(u.kind) && o.kind != u.kind && u.requires
}

// distinct returns the indexes of n's subschemas without structural duplicates.
func distinct(n *node) []int {
	if n.synthetic {
		// Parts of one schema object never repeat each other.
		out := make([]int, len(n.subs))
		for i := range out {
			out[i] = i
		}
		return out
	}
	return n.distinctSubs
}

// maxMatching returns the size of a maximum bipartite matching; edges[i] lists
// the right-hand vertices left vertex i may pair with.
func maxMatching(edges [][]int, right int) int {
	match := make([]int, right)
	for i := range match {
		match[i] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for _, j := range edges[i] {
			if seen[j] {
				continue
			}
			seen[j] = true
			if match[j] < 0 || try(match[j], seen) {
				match[j] = i
				return true
			}
		}
		return false
	}
	n := 0
	for i := range edges {
		if try(i, make([]bool, right)) {
			n++
		}
	}
	return n
}

func (c *checker) strings(o, u *node) []diff {
	var out []diff
	if u.minLength != nil && *u.minLength > intOr(o.minLength, 0) {
		if o.minLength == nil {
			out = c.add(out, RuleMinLengthAdded, "/minLength", "minLength %d was added", *u.minLength)
		} else {
			out = c.add(out, RuleMinLengthIncreased, "/minLength", "minLength increased from %d to %d", *o.minLength, *u.minLength)
		}
	}
	if u.maxLength != nil {
		if o.maxLength == nil {
			out = c.add(out, RuleMaxLengthAdded, "/maxLength", "maxLength %d was added", *u.maxLength)
		} else if *u.maxLength < *o.maxLength {
			out = c.add(out, RuleMaxLengthDecreased, "/maxLength", "maxLength decreased from %d to %d", *o.maxLength, *u.maxLength)
		}
	}
	if u.hasPattern {
		if !o.hasPattern {
			out = c.add(out, RulePatternAdded, "/pattern", "pattern %q was added", u.pattern)
		} else if o.pattern != u.pattern {
			out = c.add(out, RulePatternChanged, "/pattern", "pattern changed from %q to %q", o.pattern, u.pattern)
		}
	}
	if u.format != "" {
		if o.format == "" {
			out = c.add(out, RuleFormatAdded, "/format", "format %q was added", u.format)
		} else if o.format != u.format {
			out = c.add(out, RuleFormatChanged, "/format", "format changed from %q to %q", o.format, u.format)
		}
	}
	return out
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func (c *checker) numbers(o, u *node) []diff {
	var out []diff
	if u.integer && !o.integer {
		out = c.add(out, RuleTypeNarrowed, "", "type narrowed from number to integer")
	}
	if b := u.lower; b != nil {
		// The rule is named for the reader's keyword, which exclusive tells.
		added, raised := RuleMinimumAdded, RuleMinimumIncreased
		if b.exclusive {
			added, raised = RuleExclusiveMinimumAdded, RuleExclusiveMinimumIncreased
		}
		switch {
		case o.lower == nil:
			out = c.add(out, added, "/"+b.keyword, "%s %s was added", b.keyword, ratString(b.v))
		case stricterLower(o.lower, b, o.integer):
			out = c.add(out, raised, "/"+b.keyword, "lower bound raised from %s to %s", boundString(o.lower), boundString(b))
		}
	}
	if b := u.upper; b != nil {
		added, lowered := RuleMaximumAdded, RuleMaximumDecreased
		if b.exclusive {
			added, lowered = RuleExclusiveMaximumAdded, RuleExclusiveMaximumDecreased
		}
		switch {
		case o.upper == nil:
			out = c.add(out, added, "/"+b.keyword, "%s %s was added", b.keyword, ratString(b.v))
		case stricterUpper(o.upper, b, o.integer):
			out = c.add(out, lowered, "/"+b.keyword, "upper bound lowered from %s to %s", boundString(o.upper), boundString(b))
		}
	}
	if m := u.multipleOf; m != nil {
		om := o.multipleOf
		if om == nil && o.integer {
			om = big.NewRat(1, 1)
		}
		switch {
		case om == nil:
			out = c.add(out, RuleMultipleOfAdded, "/multipleOf", "multipleOf %s was added", ratString(m))
		case isInteger(new(big.Rat).Quo(om, m)):
			// Every multiple of the writer's divisor is a multiple of the reader's.
		case isInteger(new(big.Rat).Quo(m, om)):
			out = c.add(out, RuleMultipleOfExpanded, "/multipleOf", "multipleOf grew from %s to %s", ratString(om), ratString(m))
		default:
			out = c.add(out, RuleMultipleOfChanged, "/multipleOf", "multipleOf changed from %s to %s", ratString(om), ratString(m))
		}
	}
	return out
}

func isInteger(r *big.Rat) bool { return r.IsInt() }

// stricterLower reports whether reader bound u rejects values writer bound o
// allowed. For integer-only writers the bounds are compared on integers.
func stricterLower(o, u *bound, integer bool) bool {
	if o.exclusive == u.exclusive && o.v.Cmp(u.v) == 0 {
		return false
	}
	if integer {
		return intLower(u).Cmp(intLower(o)) > 0
	}
	c := u.v.Cmp(o.v)
	return c > 0 || (c == 0 && u.exclusive && !o.exclusive)
}

func stricterUpper(o, u *bound, integer bool) bool {
	if o.exclusive == u.exclusive && o.v.Cmp(u.v) == 0 {
		return false
	}
	if integer {
		return intUpper(u).Cmp(intUpper(o)) < 0
	}
	c := u.v.Cmp(o.v)
	return c < 0 || (c == 0 && u.exclusive && !o.exclusive)
}

// intLower is the smallest integer a lower bound allows.
func intLower(b *bound) *big.Int {
	f := floorRat(b.v)
	if b.exclusive || new(big.Rat).SetInt(f).Cmp(b.v) != 0 {
		f.Add(f, big.NewInt(1))
	}
	return f
}

// intUpper is the largest integer an upper bound allows.
func intUpper(b *bound) *big.Int {
	f := floorRat(b.v)
	if b.exclusive && new(big.Rat).SetInt(f).Cmp(b.v) == 0 {
		f.Sub(f, big.NewInt(1))
	}
	return f
}

func floorRat(r *big.Rat) *big.Int {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	_ = m // DivMod rounds towards negative infinity for a positive divisor
	return q
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(10)
}

func boundString(b *bound) string {
	if b.exclusive {
		return b.keyword + " " + ratString(b.v) + " (exclusive)"
	}
	return b.keyword + " " + ratString(b.v)
}

func (c *checker) enums(o, u *node) []diff {
	var missing []any
	for _, v := range o.values {
		if !containsValue(u.values, v) {
			missing = append(missing, v)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	narrowed := true
	for _, v := range u.values {
		if !containsValue(o.values, v) {
			narrowed = false
			break
		}
	}
	if narrowed {
		return c.add(nil, RuleEnumArrayNarrowed, "/"+u.enumKeyword, "%s no longer allows %s", u.enumKeyword, valuesString(missing))
	}
	return c.add(nil, RuleEnumArrayChanged, "/"+u.enumKeyword, "%s changed: %s no longer allowed", u.enumKeyword, valuesString(missing))
}

func containsValue(vs []any, v any) bool {
	for _, x := range vs {
		if jsonEqual(x, v) {
			return true
		}
	}
	return false
}

// jsonEqual compares decoded JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return false
		}
		ra, ok1 := new(big.Rat).SetString(string(a))
		rb, ok2 := new(big.Rat).SetString(string(bn))
		if !ok1 || !ok2 {
			return string(a) == string(bn)
		}
		return ra.Cmp(rb) == 0
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], bs[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// valuesString renders a few values as JSON for messages.
func valuesString(vs []any) string {
	const max = 5
	var parts []string
	for i, v := range vs {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(vs)-max))
			break
		}
		parts = append(parts, normalize(v))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (c *checker) conditionals(o, u *node) []diff {
	var out []diff
	saved := c.strictReq
	c.strictReq = true
	same := c.compatible(o.ifNode, u.ifNode) && c.compatible(u.ifNode, o.ifNode)
	c.strictReq = saved
	if !same {
		out = c.add(out, RuleConditionChanged, "/if", "the if schema changed, so data may now be checked against the other branch")
	}
	c.strictReq = true
	out = append(out, prefix("/then", c.compare(o.thenNode, u.thenNode))...)
	out = append(out, prefix("/else", c.compare(o.elseNode, u.elseNode))...)
	c.strictReq = saved
	return out
}

func (c *checker) objects(o, u *node) []diff {
	var out []diff
	if u.maxProps != nil {
		if o.maxProps == nil {
			out = c.add(out, RuleMaxPropertiesAdded, "/maxProperties", "maxProperties %d was added", *u.maxProps)
		} else if *u.maxProps < *o.maxProps {
			out = c.add(out, RuleMaxPropertiesDecreased, "/maxProperties", "maxProperties decreased from %d to %d", *o.maxProps, *u.maxProps)
		}
	}
	if u.minProps != nil && *u.minProps > intOr(o.minProps, 0) {
		if o.minProps == nil {
			out = c.add(out, RuleMinPropertiesAdded, "/minProperties", "minProperties %d was added", *u.minProps)
		} else {
			out = c.add(out, RuleMinPropertiesIncreased, "/minProperties", "minProperties increased from %d to %d", *o.minProps, *u.minProps)
		}
	}
	out = append(out, c.additionalProperties(o.additional, u.additional)...)
	out = append(out, c.dependencies(o, u)...)
	out = append(out, c.required(o, u)...)
	out = append(out, c.properties(o, u)...)
	out = append(out, c.patternProperties(o, u)...)
	if o.propertyNames != nil || u.propertyNames != nil {
		out = append(out, prefix("/propertyNames", c.compare(o.propertyNames, u.propertyNames))...)
	}
	return out
}

func (c *checker) additionalProperties(o, u slot) []diff {
	kw := u.keyword
	if kw == "" {
		kw = o.keyword
	}
	removed, narrowed := RuleAdditionalPropertiesRemoved, RuleAdditionalPropertiesNarrowed
	if kw == "unevaluatedProperties" {
		removed, narrowed = RuleUnevaluatedPropertiesRemoved, RuleUnevaluatedPropertiesNarrowed
	}
	switch {
	case o.closed:
		return nil
	case u.closed:
		return c.add(nil, removed, "/"+kw, "%s became false: properties the writer did not declare are rejected", kw)
	case o.schema == nil && u.schema != nil:
		return c.add(nil, narrowed, "/"+kw, "%s now restricts properties the writer did not declare", kw)
	case o.schema != nil && u.schema != nil:
		return prefix("/"+kw, c.compare(o.schema, u.schema))
	}
	return nil
}

// coverage says how an object treats a property it does not declare: open
// (anything), a schema (from patternProperties or additionalProperties), or
// closed (neither).
func coverage(n *node, name string) (open bool, schema *node) {
	for _, p := range n.patterns {
		if p.re.MatchString(name) {
			return false, p.schema
		}
	}
	if n.additional.schema != nil {
		return false, n.additional.schema
	}
	return !n.additional.closed, nil
}

func hasDefault(n *node) bool {
	return n != nil && (n.def != nil || deref(n).def != nil)
}

func (c *checker) properties(o, u *node) []diff {
	var out []diff
	for _, name := range o.propNames {
		op := o.props[name]
		up, ok := u.props[name]
		if ok {
			if d := c.compare(op, up); len(d) > 0 {
				out = append(out, prefix(jsonPointer("properties", name), d)...)
			}
			continue
		}
		path := jsonPointer("properties", name)
		open, sch := coverage(u, name)
		switch {
		case open:
		case sch != nil:
			if d := c.compare(op, sch); len(d) > 0 {
				out = append(out, prefix(path, d)...)
				out = c.add(out, RulePropertyRemovedNotCoveredByPartiallyOpenContentModel, path, "property %q was removed and the reader's schema for undeclared properties does not accept its values", name)
			}
		case deref(op).kind == kFalse:
		default:
			out = c.add(out, RulePropertyRemovedFromClosedContentModel, path, "property %q was removed from a closed content model, so data that has it is rejected", name)
		}
	}
	for _, name := range u.propNames {
		if _, ok := o.props[name]; ok {
			continue
		}
		path := jsonPointer("properties", name)
		up := u.props[name]
		required := u.required[name] && !o.required[name]
		open, sch := coverage(o, name)
		if open {
			switch {
			case deref(up).kind == kEmpty && !required:
			case required && hasDefault(up):
				out = c.add(out, RuleRequiredPropertyWithDefaultAddedToOpenContentModel, path, "required property %q (with a default) was added to an open content model, where writers may already use the name with any value", name)
			case required:
				out = c.add(out, RuleRequiredPropertyAddedToOpenContentModel, path, "required property %q was added: data written without it is rejected", name)
			default:
				out = c.add(out, RuleOptionalPropertyAddedToOpenContentModel, path, "property %q was added to an open content model, where writers may already use the name with any value", name)
			}
			continue
		}
		if sch != nil {
			if d := c.compare(sch, up); len(d) > 0 {
				out = append(out, prefix(path, d)...)
				out = c.add(out, RulePropertyAddedNotCoveredByPartiallyOpenContentModel, path, "property %q was added with a schema that does not accept what the writer allowed for undeclared properties", name)
			}
		}
		if required && !hasDefault(up) {
			out = c.add(out, RuleRequiredPropertyAddedToUnopenContentModel, path, "required property %q was added: data written without it is rejected", name)
		}
	}
	return out
}

func (c *checker) required(o, u *node) []diff {
	var out []diff
	for _, name := range u.requiredList {
		if o.required[name] {
			continue
		}
		_, inO := o.props[name]
		up, inU := u.props[name]
		switch {
		case inU && !inO:
			// A new property: properties() reports it.
		case inO:
			if !hasDefault(up) {
				out = c.add(out, RuleRequiredAttributeAdded, jsonPointer("required", name), "property %q became required: data written without it is rejected", name)
			}
		case c.strictReq:
			out = c.add(out, RuleRequiredAttributeAdded, jsonPointer("required", name), "property %q became required: data written without it is rejected", name)
		default:
			// Confluent ignores required names that no properties declare.
		}
	}
	return out
}

func (c *checker) patternProperties(o, u *node) []diff {
	var out []diff
	find := func(ps []pattern, src string) *pattern {
		for i := range ps {
			if ps[i].source == src {
				return &ps[i]
			}
		}
		return nil
	}
	for _, op := range o.patterns {
		path := jsonPointer("patternProperties", op.source)
		if up := find(u.patterns, op.source); up != nil {
			out = append(out, prefix(path, c.compare(op.schema, up.schema))...)
			continue
		}
		switch {
		case u.additional.schema != nil:
			if d := c.compare(op.schema, u.additional.schema); len(d) > 0 {
				out = append(out, prefix(path, d)...)
				out = c.add(out, RulePropertyRemovedNotCoveredByPartiallyOpenContentModel, path, "patternProperties %q was removed and the reader's schema for undeclared properties does not accept its values", op.source)
			}
		case u.additional.closed && deref(op.schema).kind != kFalse:
			out = c.add(out, RulePropertyRemovedFromClosedContentModel, path, "patternProperties %q was removed from a closed content model, so matching properties are rejected", op.source)
		}
	}
	for _, up := range u.patterns {
		if find(o.patterns, up.source) != nil {
			continue
		}
		path := jsonPointer("patternProperties", up.source)
		switch {
		case o.additional.schema != nil:
			if d := c.compare(o.additional.schema, up.schema); len(d) > 0 {
				out = append(out, prefix(path, d)...)
				out = c.add(out, RulePropertyAddedNotCoveredByPartiallyOpenContentModel, path, "patternProperties %q was added with a schema that does not accept what the writer allowed for undeclared properties", up.source)
			}
		case !o.additional.closed && deref(up.schema).kind != kEmpty:
			out = c.add(out, RuleOptionalPropertyAddedToOpenContentModel, path, "patternProperties %q now constrains properties of an open content model", up.source)
		}
	}
	return out
}

func (c *checker) dependencies(o, u *node) []diff {
	var out []diff
	for _, key := range sortedKeys(u.propDeps) {
		ud := u.propDeps[key]
		path := jsonPointer(ud.keyword, key)
		od, ok := o.propDeps[key]
		if !ok {
			if len(ud.names) > 0 {
				out = c.add(out, RuleDependencyArrayAdded, path, "when %q is present, %v are now required", key, ud.names)
			}
			continue
		}
		var added []string
		for _, n := range ud.names {
			if !containsString(od.names, n) {
				added = append(added, n)
			}
		}
		if len(added) == 0 {
			continue
		}
		if len(added)+len(od.names) == len(dedupeStrings(ud.names)) {
			out = c.add(out, RuleDependencyArrayExtended, path, "when %q is present, %v are now also required", key, added)
		} else {
			out = c.add(out, RuleDependencyArrayChanged, path, "when %q is present, %v are now required", key, added)
		}
	}
	for _, key := range sortedKeys(u.schemaDeps) {
		ud := u.schemaDeps[key]
		path := jsonPointer(ud.keyword, key)
		od, ok := o.schemaDeps[key]
		if !ok {
			if deref(ud.schema).kind != kEmpty {
				out = c.add(out, RuleDependencySchemaAdded, path, "when %q is present, a new schema applies", key)
			}
			continue
		}
		out = append(out, prefix(path, c.compare(od.schema, ud.schema))...)
	}
	return out
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func dedupeStrings(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !containsString(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) arrays(o, u *node) []diff {
	var out []diff
	if u.maxItems != nil {
		if o.maxItems == nil {
			out = c.add(out, RuleMaxItemsAdded, "/maxItems", "maxItems %d was added", *u.maxItems)
		} else if *u.maxItems < *o.maxItems {
			out = c.add(out, RuleMaxItemsDecreased, "/maxItems", "maxItems decreased from %d to %d", *o.maxItems, *u.maxItems)
		}
	}
	if u.minItems != nil && *u.minItems > intOr(o.minItems, 0) {
		if o.minItems == nil {
			out = c.add(out, RuleMinItemsAdded, "/minItems", "minItems %d was added", *u.minItems)
		} else {
			out = c.add(out, RuleMinItemsIncreased, "/minItems", "minItems increased from %d to %d", *o.minItems, *u.minItems)
		}
	}
	if u.unique && !o.unique {
		out = c.add(out, RuleUniqueItemsAdded, "/uniqueItems", "uniqueItems was added: arrays with repeated items are rejected")
	}
	if o.contains != nil || u.contains != nil {
		out = append(out, prefix("/contains", c.compare(o.contains, u.contains))...)
	}
	if u.contains != nil {
		omin, umin := intOr(o.minContains, 1), intOr(u.minContains, 1)
		if o.contains == nil {
			omin = 0
		}
		if umin > omin {
			if o.minContains == nil {
				out = c.add(out, RuleMinContainsAdded, "/minContains", "minContains %d was added", umin)
			} else {
				out = c.add(out, RuleMinContainsIncreased, "/minContains", "minContains increased from %d to %d", omin, umin)
			}
		}
		if u.maxContains != nil {
			if o.maxContains == nil || o.contains == nil {
				out = c.add(out, RuleMaxContainsAdded, "/maxContains", "maxContains %d was added", *u.maxContains)
			} else if *u.maxContains < *o.maxContains {
				out = c.add(out, RuleMaxContainsDecreased, "/maxContains", "maxContains decreased from %d to %d", *o.maxContains, *u.maxContains)
			}
		}
	}
	out = append(out, c.tuples(o, u)...)
	out = append(out, c.restItems(o.rest, u.rest, len(u.tuple) == 0)...)
	out = append(out, c.restItems(o.ignoredAddl, u.ignoredAddl, false)...)
	return out
}

func (c *checker) tuples(o, u *node) []diff {
	var out []diff
	for i := 0; i < max(len(o.tuple), len(u.tuple)); i++ {
		switch {
		case i < len(o.tuple) && i < len(u.tuple):
			out = append(out, prefix(jsonPointer(u.tupleKeyword, strconv.Itoa(i)), c.compare(o.tuple[i], u.tuple[i]))...)
		case i < len(u.tuple): // added by the reader
			path := jsonPointer(u.tupleKeyword, strconv.Itoa(i))
			ui := u.tuple[i]
			switch {
			case o.rest.open():
				if deref(ui).kind != kEmpty {
					out = c.add(out, RuleItemAddedToOpenContentModel, path, "item %d was added to an open content model, where writers may already put any value", i)
				}
			case o.rest.schema != nil:
				if d := c.compare(o.rest.schema, ui); len(d) > 0 {
					out = append(out, prefix(path, d)...)
					out = c.add(out, RuleItemAddedNotCoveredByPartiallyOpenContentModel, path, "item %d was added with a schema that does not accept what the writer allowed for extra items", i)
				}
			}
		default: // removed by the reader
			path := jsonPointer(o.tupleKeyword, strconv.Itoa(i))
			oi := o.tuple[i]
			switch {
			case u.rest.open():
			case u.rest.schema != nil:
				if d := c.compare(oi, u.rest.schema); len(d) > 0 {
					out = append(out, prefix(path, d)...)
					out = c.add(out, RuleItemRemovedNotCoveredByPartiallyOpenContentModel, path, "item %d was removed and the reader's schema for extra items does not accept its values", i)
				}
			case deref(oi).kind == kFalse:
			default:
				out = c.add(out, RuleItemRemovedFromClosedContentModel, path, "item %d was removed from a closed content model, so longer arrays are rejected", i)
			}
		}
	}
	return out
}

// restItems compares what two arrays accept after their tuples. allItems says the
// reader's slot applies to every item (no tuple).
func (c *checker) restItems(o, u slot, allItems bool) []diff {
	kw := u.keyword
	if kw == "" {
		kw = o.keyword
	}
	if kw == "" {
		return nil
	}
	removed, narrowed := RuleAdditionalItemsRemoved, RuleAdditionalItemsNarrowed
	if kw == "unevaluatedItems" {
		removed, narrowed = RuleUnevaluatedItemsRemoved, RuleUnevaluatedItemsNarrowed
	}
	switch {
	case o.closed:
		return nil
	case u.closed:
		return c.add(nil, removed, "/"+kw, "%s became false: extra items the writer allowed are rejected", kw)
	case o.schema == nil && u.schema != nil:
		if kw == "items" && allItems {
			return c.add(nil, RuleSchemaAdded, "/items", "an items schema was added where the writer allowed any item")
		}
		return c.add(nil, narrowed, "/"+kw, "%s now restricts the extra items the writer allowed", kw)
	case o.schema != nil && u.schema != nil:
		return prefix("/"+kw, c.compare(o.schema, u.schema))
	}
	return nil
}
