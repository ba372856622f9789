// Package rulebook is the one ordered list of compatibility rules, joined from
// the formats. Each format package (compat/avro, compat/jsonschema,
// compat/protobuf) declares its rule ids as constants next to the checks that
// report them, and its list of rules with their purpose; compat declares the
// rules every format shares. Package compat cannot join the lists itself,
// because the format packages import it. An id is written once, as a constant,
// so a misspelt one does not build.
package rulebook

import (
	"slices"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// rules is every rule, in documentation order: the shared rules, then Avro,
// JSON Schema and Protobuf.
var rules = slices.Concat(compat.SharedRules(), avro.Rules(), jsonschema.Rules(), protobuf.Rules())

// All returns every compatibility rule id with its format and purpose, in a
// stable order: the rules every format shares, then each format's. It feeds the
// documentation page and GET /v1/compat/rules. The result is a copy the caller
// may keep.
func All() []compat.RuleInfo { return slices.Clone(rules) }

// Lookup returns the rule with the given id.
func Lookup(id string) (compat.RuleInfo, bool) {
	i := slices.IndexFunc(rules, func(r compat.RuleInfo) bool { return r.ID == id })
	if i < 0 {
		return compat.RuleInfo{}, false
	}
	return rules[i], true
}
