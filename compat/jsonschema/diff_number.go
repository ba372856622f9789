package jsonschema

import "math/big"

func (c *checker) numbers(o, u *node) []diff {
	var out []diff
	if u.integer && !o.integer {
		out = c.add(out, RuleTypeNarrowed, "", "type narrowed from number to integer")
	}
	out = c.boundChange(out, o.lower, u.lower, o.integer, lowerSide)
	out = c.boundChange(out, o.upper, u.upper, o.integer, upperSide)
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

// side is what differs between comparing lower and upper bounds.
type side struct {
	moved    string // how a stricter bound moved, for messages
	stricter func(o, u *bound, integer bool) bool
	// rules are the added and tightened rules of the inclusive keyword, then
	// of the exclusive one: a rule is named for the reader's keyword.
	rules [2][2]string
}

var (
	lowerSide = side{"lower bound raised", stricterLower, [2][2]string{
		{RuleMinimumAdded, RuleMinimumIncreased},
		{RuleExclusiveMinimumAdded, RuleExclusiveMinimumIncreased},
	}}
	upperSide = side{"upper bound lowered", stricterUpper, [2][2]string{
		{RuleMaximumAdded, RuleMaximumDecreased},
		{RuleExclusiveMaximumAdded, RuleExclusiveMaximumDecreased},
	}}
)

// boundChange reports reader bound u (nil when absent) where it rejects values
// writer bound o allowed; integer says the writer allows integers only.
func (c *checker) boundChange(out []diff, o, u *bound, integer bool, s side) []diff {
	if u == nil {
		return out
	}
	rules := s.rules[0]
	if u.exclusive {
		rules = s.rules[1]
	}
	switch {
	case o == nil:
		return c.add(out, rules[0], "/"+u.keyword, "%s %s was added", u.keyword, ratString(u.v))
	case s.stricter(o, u, integer):
		return c.add(out, rules[1], "/"+u.keyword, "%s from %s to %s", s.moved, boundString(o), boundString(u))
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
