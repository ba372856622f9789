package compattest

import (
	"slices"

	"github.com/heraldhq/herald/compat"
)

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
