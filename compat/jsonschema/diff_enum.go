package jsonschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

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

// containsValue reports whether vs holds a value jsonEqual to v.
func containsValue(vs []any, v any) bool {
	return slices.ContainsFunc(vs, func(x any) bool { return jsonEqual(x, v) })
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
