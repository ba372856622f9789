package compattest_test

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// TestRealisticShapesParse checks every realistic shape parses in every format,
// with distinct seeds giving distinct canonical texts.
func TestRealisticShapesParse(t *testing.T) {
	for _, sh := range compattest.RealisticShapes {
		for _, f := range formats.All() {
			t.Run(sh.Name+"/"+f.Type().String()+"Parses", func(t *testing.T) {
				seen := map[string]bool{}
				for i := range 2 {
					text, refs := sh.For(f.Type())(i)
					s, err := f.Parse(text, refs)
					if err != nil {
						t.Fatalf("seed %d: %v\n%s", i, err, text)
					}
					if seen[s.Canonical()] {
						t.Errorf("seed %d: canonical text repeats seed 0's", i)
					}
					seen[s.Canonical()] = true
				}
			})
		}
	}
}

// TestGeneratorsParse checks every adversarial generator's output parses in its
// format at 60 levels.
func TestGeneratorsParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		f    compat.Format
		s    string
	}{
		{"JSONSchemaFanOut", jsonschema.New(), compattest.JSONSchemaFanOut(60, "string")},
		{"JSONSchemaAnyOf", jsonschema.New(), compattest.JSONSchemaAnyOf(60, "string")},
		{"JSONSchemaWide", jsonschema.New(), compattest.JSONSchemaWide(60, 4, "string")},
		{"AvroFanOut", avro.Format{}, compattest.AvroFanOut(60, "int")},
		{"AvroUnionFanOut", avro.Format{}, compattest.AvroUnionFanOut(60, "int")},
		{"AvroWide", avro.Format{}, compattest.AvroWide(60, 4, "int")},
		{"ProtobufFanOut", protobuf.Format{}, compattest.ProtobufFanOut(60, "int32")},
		{"ProtobufMapFanOut", protobuf.Format{}, compattest.ProtobufMapFanOut(60, "int32")},
		{"ProtobufWide", protobuf.Format{}, compattest.ProtobufWide(60, 4, "int32")},
	} {
		t.Run(c.name+"Parses", func(t *testing.T) {
			if _, err := c.f.Parse(c.s, nil); err != nil {
				t.Fatalf("%s does not parse: %v\n%.300s", c.name, err, c.s)
			}
		})
	}
}
