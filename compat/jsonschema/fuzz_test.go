package jsonschema_test

import (
	"github.com/heraldhq/herald/compat/compattest"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

var fuzzSchemas = []string{
	`{}`,
	`true`,
	`false`,
	`{"type":"object","properties":{"a":{"type":"string","maxLength":3}},"required":["a"],"additionalProperties":false}`,
	`{"type":["integer","null"],"minimum":0,"exclusiveMaximum":10,"multipleOf":2}`,
	`{"type":"array","items":{"$ref":"#"},"minItems":1,"uniqueItems":true}`,
	`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false,"$defs":{"x":{"$ref":"#"}}}`,
	`{"$schema":"http://json-schema.org/draft-04/schema#","minimum":1,"exclusiveMinimum":true}`,
	`{"oneOf":[{"type":"string"},{"type":"integer"}],"not":{"const":3}}`,
	`{"anyOf":[{"enum":[1,"a",null]},{"allOf":[{"minLength":2},{"pattern":"^x"}]}]}`,
	`{"if":{"properties":{"k":{"const":"a"}}},"then":{"required":["a"]},"else":{"required":["b"]}}`,
	`{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"integer"},"dependencies":{"a":["b"],"c":{"required":["d"]}}}`,
	`{"$schema":"https://json-schema.org/draft/2019-09/schema","dependentRequired":{"a":["b"]},"unevaluatedProperties":false,"contains":{"type":"string"},"minContains":2}`,
	`{"definitions":{"node":{"type":"object","properties":{"next":{"$ref":"#/definitions/node"}}}},"$ref":"#/definitions/node"}`,
	"{\n\"type\": 1,}",
	`[`,
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSchemas {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := jsonschema.New().Parse(text, nil)
		if err != nil {
			if _, ok := err.(*compat.SchemaError); !ok {
				t.Fatalf("Parse error %T, want *compat.SchemaError", err)
			}
			return
		}
		if _, err := jsonschema.New().Parse(s.Canonical(), nil); err != nil {
			t.Fatalf("Canonical form %s does not parse: %v", s.Canonical(), err)
		}
		again, err := jsonschema.New().Parse(s.Normalized(), nil)
		if err != nil {
			t.Fatalf("Normalized form does not parse: %v", err)
		}
		if again.Normalized() != s.Normalized() {
			t.Fatalf("Normalized not idempotent: %s vs %s", again.Normalized(), s.Normalized())
		}
	})
}

func FuzzValidate(f *testing.F) {
	payloads := []string{`{}`, `{"a":"abcd"}`, `[1,[2,[3]]]`, `12.5e3`, `"x-y"`, `null`, `{"k":"a","a":1}`, `{"a":1,"c":2,"x-1":"s"}`, `{"a":`, ``}
	for i, s := range fuzzSchemas {
		f.Add(s, payloads[i%len(payloads)])
	}
	f.Fuzz(func(t *testing.T, schema, payload string) {
		s, err := jsonschema.New().Parse(schema, nil)
		if err != nil {
			return
		}
		for _, enc := range []compat.Encoding{compat.EncodingJSON, compat.EncodingBinary} {
			if err := s.Validate([]byte(payload), enc); err != nil {
				if _, ok := err.(*compat.InvalidPayloadError); !ok {
					t.Fatalf("Validate error %T, want *compat.InvalidPayloadError", err)
				}
			}
		}
	})
}

func FuzzCanRead(f *testing.F) {
	for i, s := range fuzzSchemas {
		for j := i; j < len(fuzzSchemas); j += 3 {
			f.Add(s, fuzzSchemas[j], i%2 == 0)
		}
	}
	f.Fuzz(func(t *testing.T, a, b string, lenient bool) {
		format := jsonschema.New()
		sa, sb, ok := compattest.ParseBoth(format.Parse, a, b)
		if !ok {
			return
		}
		opts := compat.Options{}
		if lenient {
			opts.Policy = compat.Lenient
		}
		for _, v := range compattest.CanRead(t, format, sa, sb, opts) {
			if _, ok := compattest.LookupRule(jsonschema.Rules(), v.Rule); !ok {
				t.Fatalf("violation with unlisted rule %q", v.Rule)
			}
		}
		again := compattest.MustParse(t, format.Parse, a, nil)
		if vs := compattest.CanRead(t, format, again, sa, opts); len(vs) != 0 {
			t.Fatalf("a schema cannot read itself: %v", vs)
		}
	})
}
