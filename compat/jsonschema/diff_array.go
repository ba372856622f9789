package jsonschema

import "strconv"

func (c *checker) arrays(o, u *node) []diff {
	var out []diff
	out = c.maxCount(out, "maxItems", o.maxItems, u.maxItems, RuleMaxItemsAdded, RuleMaxItemsDecreased)
	out = c.minCount(out, "minItems", o.minItems, u.minItems, RuleMinItemsAdded, RuleMinItemsIncreased)
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
					out = c.add(out, RuleItemAddedToOpenContentModel, path, "item %d is in the reader's tuple but not the writer's open one, where writers may already put any value", i)
				}
			case o.rest.schema != nil:
				if d := c.compare(o.rest.schema, ui); len(d) > 0 {
					out = append(out, prefix(path, d)...)
					out = c.add(out, RuleItemAddedNotCoveredByPartiallyOpenContentModel, path, "item %d is in the reader's tuple but not the writer's, and its schema does not accept what the writer allowed for extra items", i)
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
					out = c.add(out, RuleItemRemovedNotCoveredByPartiallyOpenContentModel, path, "item %d is in the writer's tuple but not the reader's, whose schema for extra items does not accept its values", i)
				}
			case deref(oi).kind == kFalse:
			default:
				out = c.add(out, RuleItemRemovedFromClosedContentModel, path, "item %d is in the writer's tuple but not the reader's closed one, so longer arrays are rejected", i)
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
	if kw == "items" && allItems && !o.closed && !u.closed && o.schema == nil && u.schema != nil {
		return c.add(nil, RuleSchemaAdded, "/items", "an items schema was added where the writer allowed any item")
	}
	rules := extraRules{RuleAdditionalItemsRemoved, RuleAdditionalItemsNarrowed}
	if kw == "unevaluatedItems" {
		rules = extraRules{RuleUnevaluatedItemsRemoved, RuleUnevaluatedItemsNarrowed}
	}
	return c.extra(o, u, kw, rules, "extra items the writer allowed", "the extra items the writer allowed")
}
