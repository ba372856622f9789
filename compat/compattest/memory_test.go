package compattest_test

import (
	"testing"

	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/formats"
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
