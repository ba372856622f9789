package jsonschema_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
)

// FuzzCanReadPair feeds CanRead pairs of schemas, seeded with the adversarial
// shapes at small depths next to ordinary schemas, under a small node limit: a
// check must end with a verdict or a *compat.LimitError, the same one every
// time, and list only documented rules.
func FuzzCanReadPair(f *testing.F) {
	var seeds []string
	for _, levels := range []int{1, 3, 8} {
		for _, leaf := range []string{"string", "integer"} {
			seeds = append(seeds,
				compattest.JSONSchemaFanOut(levels, leaf),
				compattest.JSONSchemaAnyOf(levels, leaf),
				compattest.JSONSchemaOverlap(levels, leaf))
		}
	}
	seeds = append(seeds, fuzzSchemas...)
	for i, a := range seeds {
		// Each schema against a few others, including its neighbour (the same
		// shape with the other leaf).
		for j := i % 3; j < len(seeds); j += 5 {
			f.Add(a, seeds[j], uint16(i*j))
		}
		if i+3 < len(seeds) {
			f.Add(a, seeds[i+3], uint16(0))
		}
	}
	f.Fuzz(func(t *testing.T, a, b string, maxNodes uint16) {
		format := jsonschema.New()
		sa, sb, ok := compattest.ParseBoth(format.Parse, a, b)
		if !ok {
			return
		}
		opts := compat.Options{Limits: compat.Limits{MaxNodes: int(maxNodes%2000) + 1}}
		vs, err := format.CanRead(context.Background(), sa, sb, opts)
		if err != nil {
			if !errors.Is(err, compat.ErrTooComplex) {
				t.Fatalf("CanRead error %v, want nil or compat.ErrTooComplex", err)
			}
			if vs != nil {
				t.Fatalf("violations %v with error %v", vs, err)
			}
		}
		for _, v := range vs {
			if _, ok := compattest.LookupRule(jsonschema.Rules(), v.Rule); !ok {
				t.Fatalf("violation with unlisted rule %q", v.Rule)
			}
		}
		again, err2 := format.CanRead(context.Background(), sa, sb, opts)
		if fmt.Sprint(again, err2) != fmt.Sprint(vs, err) {
			t.Fatalf("second run differs: %v %v, then %v %v", vs, err, again, err2)
		}
	})
}
