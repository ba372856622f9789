package compattest

import (
	"slices"

	"github.com/heraldhq/herald/compat"
)

// Verdict is one direction ("backward" or "forward") of a compat fixture's
// want.json, testdata/compat/<format>/<case>/want.json: whether the check
// passes, and the sorted rule ids it reports (RuleIDs).
type Verdict struct {
	Compatible bool     `json:"compatible"`
	Rules      []string `json:"rules"`
}

// RuleIDs returns the distinct rule ids of vs, sorted; empty, not nil, when vs
// is, so that it compares equal to a want.json's "rules": [].
func RuleIDs(vs []compat.Violation) []string {
	ids := []string{}
	for _, v := range vs {
		ids = append(ids, v.Rule)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// LookupRule finds id among a format's rules (its package's Rules()) and the
// rules every format shares. A format's own tests use it to check that each
// violation carries a documented id; they cannot use compat/rulebook, which
// imports the format they test.
func LookupRule(rules []compat.RuleInfo, id string) (compat.RuleInfo, bool) {
	all := slices.Concat(compat.SharedRules(), rules)
	i := slices.IndexFunc(all, func(r compat.RuleInfo) bool { return r.ID == id })
	if i < 0 {
		return compat.RuleInfo{}, false
	}
	return all[i], true
}
