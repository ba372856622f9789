package jsonschema

import (
	"maps"
	"slices"
)

func (c *checker) objects(o, u *node) []diff {
	var out []diff
	out = c.maxCount(out, "maxProperties", o.maxProps, u.maxProps, RuleMaxPropertiesAdded, RuleMaxPropertiesDecreased)
	out = c.minCount(out, "minProperties", o.minProps, u.minProps, RuleMinPropertiesAdded, RuleMinPropertiesIncreased)
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
	rules := extraRules{RuleAdditionalPropertiesRemoved, RuleAdditionalPropertiesNarrowed}
	if kw == "unevaluatedProperties" {
		rules = extraRules{RuleUnevaluatedPropertiesRemoved, RuleUnevaluatedPropertiesNarrowed}
	}
	const what = "properties the writer did not declare"
	return c.extra(o, u, kw, rules, what, what)
}

// extraRules are the rules of one keyword for extra content: removed when it
// became false, narrowed when it gained a schema.
type extraRules struct{ removed, narrowed string }

// extra compares two slots of the keyword kw that says what an object or an
// array accepts beyond what it declares (additionalProperties,
// unevaluatedItems…). rejected names that content where it is now rejected,
// restricted where it is now restricted.
func (c *checker) extra(o, u slot, kw string, rules extraRules, rejected, restricted string) []diff {
	switch {
	case o.closed:
		return nil
	case u.closed:
		return c.add(nil, rules.removed, "/"+kw, "%s became false: %s are rejected", kw, rejected)
	case o.schema == nil && u.schema != nil:
		return c.add(nil, rules.narrowed, "/"+kw, "%s now restricts %s", kw, restricted)
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
				out = c.add(out, RulePropertyRemovedNotCoveredByPartiallyOpenContentModel, path, "property %q is in the writer's schema but not the reader's, whose schema for undeclared properties does not accept its values", name)
			}
		case deref(op).kind == kFalse:
		default:
			out = c.add(out, RulePropertyRemovedFromClosedContentModel, path, "property %q is in the writer's schema but not the reader's closed content model, so data that has it is rejected", name)
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
				out = c.add(out, RuleRequiredPropertyWithDefaultAddedToOpenContentModel, path, "required property %q (with a default) is in the reader's schema but not the writer's open content model, where writers may already use the name with any value", name)
			case required:
				out = c.add(out, RuleRequiredPropertyAddedToOpenContentModel, path, "required property %q is in the reader's schema but not the writer's: data written without it is rejected", name)
			default:
				out = c.add(out, RuleOptionalPropertyAddedToOpenContentModel, path, "property %q is in the reader's schema but not the writer's open content model, where writers may already use the name with any value", name)
			}
			continue
		}
		if sch != nil {
			if d := c.compare(sch, up); len(d) > 0 {
				out = append(out, prefix(path, d)...)
				out = c.add(out, RulePropertyAddedNotCoveredByPartiallyOpenContentModel, path, "property %q is in the reader's schema but not the writer's, and its schema does not accept what the writer allowed for undeclared properties", name)
			}
		}
		if required && !hasDefault(up) {
			out = c.add(out, RuleRequiredPropertyAddedToUnopenContentModel, path, "required property %q is in the reader's schema but not the writer's: data written without it is rejected", name)
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
				out = c.add(out, RulePropertyRemovedNotCoveredByPartiallyOpenContentModel, path, "patternProperties %q is in the writer's schema but not the reader's, whose schema for undeclared properties does not accept its values", op.source)
			}
		case u.additional.closed && deref(op.schema).kind != kFalse:
			out = c.add(out, RulePropertyRemovedFromClosedContentModel, path, "patternProperties %q is in the writer's schema but not the reader's closed content model, so matching properties are rejected", op.source)
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
	for _, key := range slices.Sorted(maps.Keys(u.propDeps)) {
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
			if !slices.Contains(od.names, n) {
				added = append(added, n)
			}
		}
		if len(added) == 0 {
			continue
		}
		if len(added)+len(od.names) == len(slices.Compact(slices.Sorted(slices.Values(ud.names)))) {
			out = c.add(out, RuleDependencyArrayExtended, path, "when %q is present, %v are now also required", key, added)
		} else {
			out = c.add(out, RuleDependencyArrayChanged, path, "when %q is present, %v are now required", key, added)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(u.schemaDeps)) {
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
