package compat

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

// Rules is the one ordered list of every rule id, with its purpose. It feeds the
// documentation page; tests check that every violation carries an id listed here.
var Rules = concatRules(
	[]RuleInfo{{ID: RuleSchemaTypeChanged, Purpose: "a subject keeps one schema format; changing it breaks every reader"}},
	avroRules,
	jsonSchemaRules,
	protobufRules,
)

func concatRules(lists ...[]RuleInfo) []RuleInfo {
	var out []RuleInfo
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// LookupRule returns the rule with the given id.
func LookupRule(id string) (RuleInfo, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return RuleInfo{}, false
}
