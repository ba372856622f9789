package formats_test

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
)

// TestEveryTypeHasOneFormat: All covers compat.SchemaTypes, once each, and
// ByType maps each type to the format that handles it.
func TestEveryTypeHasOneFormat(t *testing.T) {
	t.Parallel()
	for _, typ := range compat.SchemaTypes {
		if f, ok := formats.ByType()[typ]; !ok || f.Type() != typ {
			t.Errorf("ByType()[%s] = %v", typ, f)
		}
	}
	if n := len(formats.All()); n != len(compat.SchemaTypes) {
		t.Errorf("All has %d formats, want one per type %v", n, compat.SchemaTypes)
	}
}
