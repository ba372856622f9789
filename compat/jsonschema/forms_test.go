package jsonschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// TestRecompiledFormsAgree checks that a schema whose compiled forms the cache
// dropped, and which compiles them again from its sources, gives the same
// compatibility reports as the forms compiled at parse time, over every
// fixture case.
func TestRecompiledFormsAgree(t *testing.T) {
	t.Parallel()
	const dir = "../../testdata/compat/json"
	cases, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(dir, c.Name(), name))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			var want struct {
				Policy compat.Policy `json:"policy"`
			}
			if err := json.Unmarshal([]byte(read("want.json")), &want); err != nil {
				t.Fatal(err)
			}
			parse := func(name string, drop bool) *Schema {
				s, err := parse(read(name), nil)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if drop {
					s.built.Drop()
				}
				return s
			}
			compattest.SameReports(t, Format{}, parse("current.json", false), parse("previous.json", false),
				parse("current.json", true), parse("previous.json", true), compat.Options{Policy: want.Policy})
		})
	}
}

// TestRecompiledFormsValidate checks payload validation after the forms were
// dropped, with a reference, on the fast and the full path.
func TestRecompiledFormsValidate(t *testing.T) {
	t.Parallel()
	refs := []compat.Reference{{Name: "money.json", Text: `{"type":"object","properties":{"amount":{"type":"number"},"currency":{"type":"string","minLength":3}},"required":["amount","currency"]}`}}
	s, err := parse(`{"type":"object","properties":{"id":{"type":"string"},"total":{"$ref":"money.json"}},"required":["id"],"additionalProperties":false}`, refs)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		s.built.Drop()
		if err := s.Validate([]byte(`{"id":"o1","total":{"amount":12.5,"currency":"EUR"}}`), compat.EncodingJSON); err != nil {
			t.Errorf("round %d: valid payload refused: %v", round, err)
		}
		s.built.Drop()
		err := s.Validate([]byte(`{"id":"o1","total":{"amount":"x","currency":"E"}}`), compat.EncodingJSON)
		var ip *compat.InvalidPayloadError
		if !asInvalid(err, &ip) || len(ip.Problems) != 2 {
			t.Errorf("round %d: invalid payload gave %v, want two problems", round, err)
		}
	}
}

func asInvalid(err error, out **compat.InvalidPayloadError) bool {
	ip, ok := err.(*compat.InvalidPayloadError) //nolint:errorlint // Validate returns the type itself
	*out = ip
	return ok
}

// TestFormsCacheConcurrent validates from many goroutines while a tiny cache
// drops compiled forms all the time: every answer stays right (run it with
// -race). It changes the process-wide bound, so it is not parallel.
func TestFormsCacheConcurrent(t *testing.T) {
	defer SetFormsCacheBytes(SetFormsCacheBytes(1))
	schemas := make([]*Schema, 6)
	for i := range schemas {
		schemas[i] = compattest.MustParse(t, parse, compattest.JSONSchemaRecord(i, 20), nil)
	}
	compattest.Concurrently(t, 8, 40, func(g, i int) error {
		s := schemas[(g+i)%len(schemas)]
		if err := s.Validate([]byte(`{"customer_id_0":"c1","order_id_1":"o1"}`), compat.EncodingJSON); err != nil {
			return fmt.Errorf("valid payload refused: %w", err)
		}
		if err := s.Validate([]byte(`{"customer_id_0":1,"order_id_1":"o1"}`), compat.EncodingJSON); err == nil {
			return fmt.Errorf("a number where a string belongs was accepted")
		}
		return nil
	})
}

// BenchmarkFormsRecompile measures what a schema whose compiled forms the
// bounded cache dropped pays on its next use: compiling again from its
// sources (recompile), and then building the fast validator too
// (recompile+fast), for a realistic 20-property schema.
func BenchmarkFormsRecompile(b *testing.B) {
	s, err := parse(compattest.JSONSchemaRecord(1, 20), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("recompile", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, _, err := compileForms(s.canonical, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recompile+fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			f, _, err := compileForms(s.canonical, nil)
			if err != nil {
				b.Fatal(err)
			}
			if f.fastValidator() == nil {
				b.Fatal("no fast validator")
			}
		}
	})
}
