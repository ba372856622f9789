package catalog

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func numberedLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("line %d", i+1)
	}
	return out
}

func TestHunks(t *testing.T) {
	t.Parallel()
	base := numberedLines(200)
	edit := func(f func([]string) []string) string {
		return strings.Join(f(append([]string(nil), base...)), "\n")
	}
	tests := []struct {
		name    string
		after   string
		headers []string
		lines   int // lines shown, headers included
	}{
		{
			name:    "OneChangeInTheMiddle",
			after:   edit(func(l []string) []string { l[99] = "changed"; return l }),
			headers: []string{"@@ -97,7 +97,7 @@"},
			lines:   1 + 3 + 2 + 3,
		},
		{
			name:    "NearbyChangesShareAHunk",
			after:   edit(func(l []string) []string { l[49], l[55] = "a", "b"; return l }),
			headers: []string{"@@ -47,13 +47,13 @@"},
			lines:   1 + 3 + 2 + 5 + 2 + 3,
		},
		{
			name:    "DistantChangesSplit",
			after:   edit(func(l []string) []string { l[9], l[149] = "a", "b"; return l }),
			headers: []string{"@@ -7,7 +7,7 @@", "@@ -147,7 +147,7 @@"},
			lines:   2 * 9,
		},
		{
			name:    "InsertAtStart",
			after:   edit(func(l []string) []string { return append([]string{"new"}, l...) }),
			headers: []string{"@@ -1,3 +1,4 @@"},
			lines:   1 + 1 + 3,
		},
		{
			name:    "RemoveAtEnd",
			after:   edit(func(l []string) []string { return l[:199] }),
			headers: []string{"@@ -197,4 +197,3 @@"},
			lines:   1 + 3 + 1,
		},
		{
			name:  "Same",
			after: strings.Join(base, "\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			full, err := lineDiff(context.Background(), strings.Join(base, "\n"), tt.after)
			if err != nil {
				t.Fatal(err)
			}
			hs := hunks(full)
			var headers []string
			shown := 0
			for _, h := range hs {
				headers = append(headers, h.Header)
				shown += 1 + len(h.Lines)
			}
			if d := cmp.Diff(tt.headers, headers); d != "" {
				t.Errorf("headers (-want +got):\n%s", d)
			}
			if shown != tt.lines {
				t.Errorf("%d lines shown, want %d", shown, tt.lines)
			}
		})
	}
}

// TestHunkHeaderEmptySide checks diff -u's convention for a side with no
// lines: it names the line before the hunk, with a count of 0.
func TestHunkHeaderEmptySide(t *testing.T) {
	t.Parallel()
	if got := hunkHeader([2]int{0, 4}, [2]int{0, 6}); got != "@@ -0,0 +5,2 @@" {
		t.Errorf("got %q", got)
	}
}
