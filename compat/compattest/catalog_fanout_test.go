package compattest_test

import (
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat/compattest"
)

func TestFanOutPathsDistinct(t *testing.T) {
	t.Parallel()
	paths := compattest.FanOutPaths(60, []string{"a", "b"}, 1000)
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			t.Fatalf("path %s repeats", p)
		}
		seen[p] = true
		if got := strings.Count(p, "/properties/"); got != 60 {
			t.Fatalf("path %s has %d steps, want 60", p, got)
		}
	}
	if len(paths) != 1000 {
		t.Fatalf("got %d paths, want 1000", len(paths))
	}
}
