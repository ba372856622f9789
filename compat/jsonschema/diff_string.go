package jsonschema

func (c *checker) strings(o, u *node) []diff {
	var out []diff
	out = c.minCount(out, "minLength", o.minLength, u.minLength, RuleMinLengthAdded, RuleMinLengthIncreased)
	out = c.maxCount(out, "maxLength", o.maxLength, u.maxLength, RuleMaxLengthAdded, RuleMaxLengthDecreased)
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
