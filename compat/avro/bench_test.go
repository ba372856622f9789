package avro

import (
	"fmt"
	"github.com/heraldhq/herald/compat/compattest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
)

// wideRecord builds a record of n fields cycling through common field shapes. edit
// makes an evolved copy: every seventh field widened or given a new enum symbol, and
// three new fields with defaults.
func wideRecord(n int, edit bool) string {
	var fs []string
	for i := 0; i < n; i++ {
		var typ string
		switch i % 7 {
		case 0:
			typ = `"string"`
		case 1:
			typ = `"int"`
			if edit {
				typ = `"long"`
			}
		case 2:
			typ = `["null","string"]`
		case 3:
			syms := `"A","B","C"`
			if edit {
				syms += `,"D"`
			}
			typ = fmt.Sprintf(`{"type":"enum","name":"E%d","symbols":[%s],"default":"A"}`, i, syms)
		case 4:
			typ = `{"type":"array","items":"double"}`
		case 5:
			typ = fmt.Sprintf(`{"type":"record","name":"N%d","fields":[{"name":"a","type":"long"},{"name":"b","type":"string","default":""}]}`, i)
		case 6:
			typ = `{"type":"map","values":"string"}`
		}
		fs = append(fs, fmt.Sprintf(`{"name":"f%d","type":%s,"doc":"field %d"}`, i, typ, i))
	}
	if edit {
		for i := 0; i < 3; i++ {
			fs = append(fs, fmt.Sprintf(`{"name":"added%d","type":["null","string"],"default":null}`, i))
		}
	}
	return `{"type":"record","name":"Wide","namespace":"com.acme.bench","fields":[` + strings.Join(fs, ",") + `]}`
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{50, 200} {
		text := wideRecord(n, false)
		b.Run(fmt.Sprintf("fields=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(text, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCanRead(b *testing.B) {
	old := mustParse(b, wideRecord(200, false))
	cur := mustParse(b, wideRecord(200, true))
	f := Format{}
	b.Run("fields=200/backward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if vs := compattest.CanRead(b, f, cur, old, compat.Options{}); len(vs) != 0 {
				b.Fatal(vs)
			}
		}
	})
	b.Run("fields=200/forward", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if vs := compattest.CanRead(b, f, old, cur, compat.Options{}); len(vs) == 0 {
				b.Fatal("want violations")
			}
		}
	})
}

// BenchmarkCheckBackwardTransitive is the DESIGN.md budget: registering a version
// under BACKWARD_TRANSITIVE against 100 versions of a 50-field record (p50 < 5 ms).
// Schemas are parsed up front, so this measures the rule walk.
func BenchmarkCheckBackwardTransitive(b *testing.B) {
	version := func(v int) string {
		var fs []string
		for i := 0; i < 45; i++ {
			fs = append(fs, fmt.Sprintf(`{"name":"f%d","type":%s}`, i, []string{`"string"`, `"long"`, `["null","string"]`, `{"type":"array","items":"int"}`, `"double"`}[i%5]))
		}
		for i := 0; i < 5; i++ {
			fs = append(fs, fmt.Sprintf(`{"name":"v%d_%d","type":["null","string"],"default":null,"doc":"added in version %d"}`, v, i, v))
		}
		return `{"type":"record","name":"Event","namespace":"com.acme","fields":[` + strings.Join(fs, ",") + `]}`
	}
	var prev []compat.Previous
	for v := 1; v <= 100; v++ {
		prev = append(prev, compat.Previous{Version: v, Schema: mustParse(b, version(v))})
	}
	cand := mustParse(b, version(101))
	f := Format{}
	b.ReportAllocs()
	for b.Loop() {
		r := compattest.Check(b, f, compat.BackwardTransitive, cand, prev, compat.Options{})
		if !r.Compatible {
			b.Fatal(r.Violations)
		}
	}
}

// BenchmarkValidate validates a typical order event, next to twmb/avro decoding the
// same bytes into an any (the raw decoder) as the baseline.
func BenchmarkValidate(b *testing.B) {
	s := mustParse(b, orderSchema)
	raw := twmbOf(b, s)
	bin, err := raw.Encode(orderValue())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		payload []byte
		enc     compat.Encoding
		decode  func(payload []byte, v *any) error // the baseline
	}{
		{"binary", bin, compat.EncodingBinary, func(p []byte, v *any) error { _, err := raw.Decode(p, v); return err }},
		{"json", []byte(orderJSON), compat.EncodingJSON, func(p []byte, v *any) error { return raw.DecodeJSON(p, v) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.payload)))
			for b.Loop() {
				if err := s.Validate(c.payload, c.enc); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/baseline-twmb-decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.payload)))
			for b.Loop() {
				var v any
				if err := c.decode(c.payload, &v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
