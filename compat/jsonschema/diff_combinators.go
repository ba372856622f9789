package jsonschema

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
