package jsonschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

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
			opts := compat.Options{Policy: want.Policy}
			for _, level := range []compat.Level{compat.Backward, compat.Forward} {
				a := compattest.Check(t, Format{}, level, parse("current.json", false), []compat.Previous{{Version: 1, Schema: parse("previous.json", false)}}, opts)
				b := compattest.Check(t, Format{}, level, parse("current.json", true), []compat.Previous{{Version: 1, Schema: parse("previous.json", true)}}, opts)
				if diff := cmp.Diff(a, b); diff != "" {
					t.Errorf("%s report (-compiled at parse +compiled again):\n%s", level, diff)
				}
			}
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
		s, err := parse(compattest.JSONSchemaRecord(i, 20), nil)
		if err != nil {
			t.Fatal(err)
		}
		schemas[i] = s
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 40 {
				s := schemas[(g+i)%len(schemas)]
				if err := s.Validate([]byte(`{"customer_id_0":"c1","order_id_1":"o1"}`), compat.EncodingJSON); err != nil {
					errs <- fmt.Errorf("valid payload refused: %w", err)
					return
				}
				if err := s.Validate([]byte(`{"customer_id_0":1,"order_id_1":"o1"}`), compat.EncodingJSON); err == nil {
					errs <- fmt.Errorf("a number where a string belongs was accepted")
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
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
