package compattest_test

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// TestRealisticShapesParse checks every realistic shape parses in every format,
// with distinct seeds giving distinct canonical texts.
func TestRealisticShapesParse(t *testing.T) {
	for _, sh := range compattest.RealisticShapes {
		for _, c := range []struct {
			f   compat.Format
			gen func(int) (string, []compat.Reference)
		}{
			{avro.New(), sh.Avro}, {jsonschema.New(), sh.JSONSchema}, {protobuf.New(), sh.Protobuf},
		} {
			t.Run(sh.Name+"/"+c.f.Type().String()+"Parses", func(t *testing.T) {
				seen := map[string]bool{}
				for i := range 2 {
					text, refs := c.gen(i)
					s, err := c.f.Parse(text, refs)
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
