package formats_test

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
)

// TestEveryTypeHasOneFormat: All covers compat.SchemaTypes, once each; ByType
// maps each type to the format that handles it; and a schema that format
// parses reports the same type.
func TestEveryTypeHasOneFormat(t *testing.T) {
	t.Parallel()
	samples := map[compat.SchemaType]string{compat.Avro: `"string"`, compat.JSON: `{}`, compat.Protobuf: `syntax = "proto3"; message A {}`}
	for _, typ := range compat.SchemaTypes {
		f, ok := formats.ByType()[typ]
		if !ok || f.Type() != typ {
			t.Errorf("ByType()[%s] = %v", typ, f)
			continue
		}
		s, err := f.Parse(samples[typ], nil)
		if err != nil || s.Type() != typ {
			t.Errorf("%s: Parse(%q) = %v, %v; want a %s schema", typ, samples[typ], s, err, typ)
		}
	}
	if n := len(formats.All()); n != len(compat.SchemaTypes) {
		t.Errorf("All has %d formats, want one per type %v", n, compat.SchemaTypes)
	}
}
