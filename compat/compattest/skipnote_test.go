package compattest

import (
	"strings"
	"testing"
)

func TestSkipMissingDataIsNotedOnce(t *testing.T) {
	for range 2 {
		t.Run("Skips", func(t *testing.T) {
			SkipMissingData(t, "Example cases", "not found at /nowhere")
			t.Error("SkipMissingData returned: the test was not skipped")
		})
	}
	var b strings.Builder
	writeSkipNotes(&b)
	if got, want := b.String(), "SKIPPED (data absent) Example cases: not found at /nowhere\n"; got != want {
		t.Errorf("notes = %q, want %q", got, want)
	}
}
