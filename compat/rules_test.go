package compat_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
)

var upperSnake = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

func TestRulesWellFormed(t *testing.T) {
	t.Parallel()
	if len(compat.Rules) == 0 {
		t.Fatal("compat.Rules is empty")
	}
	formats := map[string]bool{"": true}
	for _, st := range compat.SchemaTypes {
		formats[st.String()] = true
	}
	seen := map[string]int{}
	for i, r := range compat.Rules {
		if j, dup := seen[r.ID]; dup {
			t.Errorf("rule %s listed twice (at %d and %d)", r.ID, j, i)
		}
		seen[r.ID] = i
		if !upperSnake.MatchString(r.ID) {
			t.Errorf("rule %q is not UPPER_SNAKE", r.ID)
		}
		if strings.TrimSpace(r.Purpose) == "" {
			t.Errorf("rule %s has no purpose", r.ID)
		}
		if strings.Contains(r.Purpose, "\n") {
			t.Errorf("rule %s: purpose is more than one line", r.ID)
		}
		if !formats[r.Format] {
			t.Errorf("rule %s: format %q is not a schema type", r.ID, r.Format)
		}
		if got, ok := compat.LookupRule(r.ID); !ok || got != r {
			t.Errorf("LookupRule(%s) = %+v, %v", r.ID, got, ok)
		}
	}
}
