package jsonschema

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
