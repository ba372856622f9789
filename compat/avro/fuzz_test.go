package avro

import (
	"github.com/heraldhq/herald/compat/compattest"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/compat"
)

// seedSchemas are schemas the fuzz targets start from: hand-written ones that cover
// every kind, plus every fixture schema.
func seedSchemas(t testing.TB) []string {
	seeds := []string{
		`"null"`, `"int"`, `["null","string"]`, `{"type":"array","items":"long"}`,
		`{"type":"map","values":["null","double"]}`,
		`{"type":"fixed","name":"F","size":0}`,
		`{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`,
		`{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"],"default":null}]}`,
		`{"type":"record","name":"R","namespace":"n","fields":[{"name":"n","type":{"type":"record","name":"N","namespace":"","fields":[{"name":"b","type":"boolean"}]}},{"name":"m","type":"N"}]}`,
		`{"type":"record","name":"Z","fields":[{"name":"nulls","type":{"type":"array","items":"null"}},{"name":"f","type":{"type":"fixed","name":"F0","size":0}}]}`,
		`{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}`,
		orderSchema,
	}
	dirs, _ := filepath.Glob(filepath.Join(fixtureDir, "*"))
	for _, d := range dirs {
		for _, f := range []string{"previous.avsc", "current.avsc"} {
			if b, err := os.ReadFile(filepath.Join(d, f)); err == nil {
				seeds = append(seeds, string(b))
			}
		}
	}
	return seeds
}

func FuzzParse(f *testing.F) {
	for _, s := range seedSchemas(f) {
		f.Add(s)
	}
	for _, s := range []string{`{`, `[]`, `{"type":"record"}`, `{"type":"record","name":"R","fields":[{"name":"a","type":"R"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}`, `"Money"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text, nil)
		if err != nil {
			if _, ok := err.(*compat.SchemaError); !ok {
				t.Fatalf("error %T is not a *compat.SchemaError: %v", err, err)
			}
			return
		}
		c := s.Canonical()
		fromCanonical := mustParse(t, c)
		if fromCanonical.Canonical() != c {
			t.Fatalf("Canonical is not idempotent:\n%s\n%s", c, fromCanonical.Canonical())
		}
		if Fingerprint([]byte(s.ParsingCanonicalForm())) != s.Fingerprint() {
			t.Fatalf("Fingerprint is not the fingerprint of the Parsing Canonical Form %s", s.ParsingCanonicalForm())
		}
		n := s.Normalized()
		again := mustParse(t, n)
		if again.Normalized() != n {
			t.Fatalf("Normalized is not idempotent:\n%s\n%s", n, again.Normalized())
		}
		if again.Fingerprint() != s.Fingerprint() {
			t.Fatalf("normalizing changed the fingerprint: %s", n)
		}
	})
}

func FuzzValidate(f *testing.F) {
	seeds := seedSchemas(f)
	var schemas []*Schema
	for _, text := range seeds {
		if s, err := Parse(text, nil); err == nil {
			schemas = append(schemas, s)
		}
	}
	order := mustParse(f, orderSchema)
	good, err := twmbOf(f, order).Encode(orderValue())
	if err != nil {
		f.Fatal(err)
	}
	orderIdx := uint8(len(seeds) - 1)
	for i := range schemas {
		if schemas[i].Canonical() == order.Canonical() {
			orderIdx = uint8(i)
			break
		}
	}
	f.Add(orderIdx, good, false)
	f.Add(orderIdx, []byte(orderJSON), true)
	f.Add(uint8(7), []byte{0x02, 0x02, 0x00}, false)
	f.Add(uint8(7), []byte(`{"v":1,"next":{"L":{"v":2}}}`), true)
	f.Add(uint8(9), []byte{0x81, 0x01, 0x00, 0x00, 0x00}, false)
	f.Add(uint8(2), []byte(`{"string":"x"}`), true)
	f.Add(uint8(2), []byte(`"a\u00e9\ud83d\ude00 \ud800"`), true)
	f.Add(uint8(4), []byte(`{"a":null,"b":1.5e3,"c":{"double":-0.0}}`), true)
	f.Add(uint8(3), []byte(` [1, -2, 9223372036854775807, 1e2] `), true)
	f.Add(uint8(6), []byte(`"B"`), true)
	f.Add(uint8(10), []byte(`"\u0001\u00ff"`), true)
	f.Add(orderIdx, []byte(`{"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"a","customer":1,"status":"NEW","placedAt":1,"items":[],"hash":"wxyz"}`), true)
	f.Fuzz(func(t *testing.T, idx uint8, payload []byte, asJSON bool) {
		s := schemas[int(idx)%len(schemas)]
		enc := compat.EncodingBinary
		if asJSON {
			enc = compat.EncodingJSON
		}
		if ok, _ := jsonValid(s.root, payload); asJSON && ok && len(validateJSON(s.root, payload)) > 0 {
			t.Fatalf("the fast JSON path accepts what the full walk rejects: %v", validateJSON(s.root, payload))
		}
		err := s.Validate(payload, enc)
		if err == nil {
			return
		}
		ip, ok := err.(*compat.InvalidPayloadError)
		if !ok || len(ip.Problems) == 0 {
			t.Fatalf("Validate returned %T %v", err, err)
		}
	})
}

func FuzzCanRead(f *testing.F) {
	dirs, _ := filepath.Glob(filepath.Join(fixtureDir, "*"))
	for _, d := range dirs {
		prev, err1 := os.ReadFile(filepath.Join(d, "previous.avsc"))
		cur, err2 := os.ReadFile(filepath.Join(d, "current.avsc"))
		if err1 == nil && err2 == nil {
			f.Add(string(prev), string(cur))
		}
	}
	seeds := seedSchemas(f)
	for i := 0; i+1 < len(seeds) && i < 12; i++ {
		f.Add(seeds[i], seeds[i+1])
	}
	// Shared named types reached by many paths, small enough that the mutator
	// can work on them: a walk that is not memoized, or lists a shared
	// definition's violations once per path, shows up as a slow input.
	for _, gen := range []func(int, string) string{compattest.AvroFanOut, compattest.AvroUnionFanOut} {
		f.Add(gen(4, "string"), gen(4, "int"))
		f.Add(gen(3, "long"), gen(3, "int"))
		f.Add(gen(3, "null"), gen(2, "null"))
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ra, rb, ok := compattest.ParseBoth(Parse, a, b)
		if !ok {
			return
		}
		fm := Format{}
		for _, v := range append(compattest.CanRead(t, fm, ra, rb, compat.Options{}), compattest.CanRead(t, fm, rb, ra, compat.Options{})...) {
			if _, ok := compattest.LookupRule(Rules(), v.Rule); !ok {
				t.Fatalf("violation with unlisted rule %q: %+v", v.Rule, v)
			}
			if v.Path == "" || v.Path[0] != '/' || v.Message == "" {
				t.Fatalf("violation without a JSON Pointer path or a message: %+v", v)
			}
		}
		// Every schema reads its own data.
		again := mustParse(t, a)
		if vs := compattest.CanRead(t, fm, ra, again, compat.Options{}); len(vs) != 0 {
			t.Fatalf("schema cannot read itself: %+v", vs)
		}
	})
}
