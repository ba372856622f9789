package jsonschema_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

// BenchmarkValidateCompiled compares, in one run, Validate (the compiled
// validator, then the full one for what it does not accept) with the full
// validator alone (decoding into interface{} with UseNumber, then
// santhosh-tekuri's validator: Herald's path before the compiled one), on
// valid and invalid events of two order schemas. Goal: ≥ 5× faster and 0
// allocs/op when valid.
func BenchmarkValidateCompiled(b *testing.B) {
	for _, sc := range []struct {
		name, schema   string
		valid, invalid []byte
	}{
		{"order", orderSchema, orderEvent(), bytes.Replace(orderEvent(), []byte(`"quantity":2`), []byte(`"quantity":2.5`), 1)},
		{"lines", linesSchema, []byte(linesEvent(1)), []byte(strings.Replace(linesEvent(1), `"quantity":3`, `"quantity":3.5`, 1))},
	} {
		s := mustParse(b, sc.schema)
		if ok, _ := jsonschema.FastValid(s, sc.valid); !ok {
			b.Fatalf("%s: the valid event is not accepted by the compiled validator", sc.name)
		}
		if s.Validate(sc.invalid, compat.EncodingJSON) == nil {
			b.Fatalf("%s: the invalid event is accepted", sc.name)
		}
		for _, ev := range []struct {
			name    string
			payload []byte
		}{{"valid", sc.valid}, {"invalid", sc.invalid}} {
			for _, v := range []struct {
				name     string
				validate func([]byte) error
			}{
				{"compiled", func(p []byte) error { return s.Validate(p, compat.EncodingJSON) }},
				{"full", func(p []byte) error { return jsonschema.FullValidate(s, p) }},
			} {
				b.Run(sc.name+"/"+ev.name+"/"+v.name, func(b *testing.B) {
					b.SetBytes(int64(len(ev.payload)))
					b.ReportAllocs()
					for b.Loop() {
						_ = v.validate(ev.payload)
					}
				})
			}
		}
	}
}
