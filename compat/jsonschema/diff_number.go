package jsonschema

import "math/big"

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
		case new(big.Rat).Quo(om, m).IsInt():
			// Every multiple of the writer's divisor is a multiple of the reader's.
		case new(big.Rat).Quo(m, om).IsInt():
			out = c.add(out, RuleMultipleOfExpanded, "/multipleOf", "multipleOf grew from %s to %s", ratString(om), ratString(m))
		default:
			out = c.add(out, RuleMultipleOfChanged, "/multipleOf", "multipleOf changed from %s to %s", ratString(om), ratString(m))
		}
	}
	return out
}

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
