package compat

import "slices"

// RuleInfo documents one compatibility rule.
type RuleInfo struct {
	// ID is the stable UPPER_SNAKE id carried by Violation.Rule.
	ID string `json:"id"`
	// Format is the schema type the rule belongs to; rules shared by all formats
	// list the empty string.
	Format string `json:"format,omitempty"`
	// Purpose is one line saying what the rule protects.
	Purpose string `json:"purpose"`
}

// sharedRules are the rules of no one format: Check reports them, and so does
// a format handed a schema of another.
var sharedRules = []RuleInfo{
	{ID: RuleSchemaTypeChanged, Purpose: "a subject keeps one schema format; changing it breaks every reader"},
}

// SharedRules returns the rules every format shares, in documentation order.
// Each format package lists its own rules next to the checks that report them
// (avro.Rules, jsonschema.Rules, protobuf.Rules); compat/rulebook joins the lists.
// The result is a copy the caller may keep.
func SharedRules() []RuleInfo { return slices.Clone(sharedRules) }

// FormatRules returns a copy of rules, in order, with Format set to t's name, so
// a format package lists its rules without repeating its name on every line.
func FormatRules(t SchemaType, rules []RuleInfo) []RuleInfo {
	out := make([]RuleInfo, len(rules))
	for i, r := range rules {
		r.Format = t.String()
		out[i] = r
	}
	return out
}
