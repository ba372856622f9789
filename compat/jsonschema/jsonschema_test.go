package jsonschema_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
)

func mustParse(t testing.TB, text string, refs ...compat.Reference) compat.Schema {
	t.Helper()
	return compattest.MustParse(t, jsonschema.New().Parse, text, refs)
}

func TestParseDrafts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		schema  string
		valid   string
		invalid string
	}{
		// Without $schema, draft-07: exclusiveMinimum is a number.
		{"DefaultDraft07", `{"exclusiveMinimum": 3}`, `4`, `3`},
		{"Draft04BooleanExclusive", `{"$schema":"http://json-schema.org/draft-04/schema#","minimum":3,"exclusiveMinimum":true}`, `4`, `3`},
		{"Draft06Const", `{"$schema":"http://json-schema.org/draft-06/schema#","const":"a"}`, `"a"`, `"b"`},
		{"Draft07IfThen", `{"$schema":"http://json-schema.org/draft-07/schema#","if":{"type":"string"},"then":{"minLength":2}}`, `"ab"`, `"a"`},
		{"Draft201909DependentRequired", `{"$schema":"https://json-schema.org/draft/2019-09/schema","dependentRequired":{"a":["b"]}}`, `{"a":1,"b":2}`, `{"a":1}`},
		{"Draft202012PrefixItems", `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false}`, `["a"]`, `["a",1]`},
		// draft-07 ignores prefixItems, so the same document is looser there.
		{"Draft07IgnoresPrefixItems", `{"prefixItems":[{"type":"string"}],"maxItems":1}`, `[1]`, `[1,2]`},
		{"BooleanSchemaFalse", `false`, ``, `1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, tt.schema)
			if tt.valid != "" {
				if err := s.Validate([]byte(tt.valid), compat.EncodingJSON); err != nil {
					t.Errorf("Validate(%s) = %v, want nil", tt.valid, err)
				}
			}
			if err := s.Validate([]byte(tt.invalid), compat.EncodingJSON); err == nil {
				t.Errorf("Validate(%s) = nil, want an error", tt.invalid)
			}
		})
	}
}

func TestParseReferences(t *testing.T) {
	t.Parallel()
	address := `{"type":"object","properties":{"street":{"type":"string"}},"required":["street"]}`
	tests := []struct {
		name   string
		schema string
		refs   []compat.Reference
	}{
		{"RelativeName", `{"properties":{"home":{"$ref":"address.json"}}}`, []compat.Reference{{Name: "address.json", Text: address}}},
		{"RelativeNameUnderAbsoluteID", `{"$id":"https://example.com/schemas/person.json","properties":{"home":{"$ref":"address.json"}}}`, []compat.Reference{{Name: "address.json", Text: address}}},
		{"AbsoluteName", `{"properties":{"home":{"$ref":"https://example.com/address.json"}}}`, []compat.Reference{{Name: "https://example.com/address.json", Text: address}}},
		{"AbsoluteNameResolvedFromID", `{"$id":"https://example.com/person.json","properties":{"home":{"$ref":"address.json"}}}`, []compat.Reference{{Name: "https://example.com/address.json", Text: address}}},
		{"Fragment", `{"properties":{"home":{"$ref":"defs.json#/definitions/address"}}}`, []compat.Reference{{Name: "defs.json", Text: `{"definitions":{"address":` + address + `}}`}}},
		{"ChainedReferences", `{"properties":{"home":{"$ref":"wrapper.json"}}}`, []compat.Reference{
			{Name: "address.json", Text: address},
			{Name: "wrapper.json", Text: `{"$ref":"address.json"}`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, tt.schema, tt.refs...)
			if err := s.Validate([]byte(`{"home":{"street":"Main"}}`), compat.EncodingJSON); err != nil {
				t.Errorf("valid payload: %v", err)
			}
			err := s.Validate([]byte(`{"home":{"street":1}}`), compat.EncodingJSON)
			var ip *compat.InvalidPayloadError
			if !errors.As(err, &ip) {
				t.Fatalf("invalid payload: got %v, want *InvalidPayloadError", err)
			}
			if got, want := ip.Problems[0].Path, "/home/street"; got != want {
				t.Errorf("problem path = %q, want %q", got, want)
			}
		})
	}
}

func TestParseNeverLoadsFilesOrNetwork(t *testing.T) {
	t.Parallel()
	for _, ref := range []string{
		"file:///etc/passwd",
		"/etc/passwd",
		"../../go.mod",
		"http://127.0.0.1:1/schema.json",
		"https://json-schema.org/not-a-metaschema.json",
	} {
		t.Run(ref, func(t *testing.T) {
			t.Parallel()
			_, err := jsonschema.New().Parse(`{"properties":{"a":{"$ref":"`+ref+`"}}}`, nil)
			var se *compat.SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("Parse = %v, want *compat.SchemaError", err)
			}
			if se.Path != "#/properties/a/$ref" || !strings.Contains(se.Message, "not among the schema's references") {
				t.Errorf("got path %q message %q", se.Path, se.Message)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema string
		refs   []compat.Reference
		want   compat.SchemaError // Message is matched as a substring
	}{
		{"SyntaxError", "{\n  \"type\": \"string\",\n}", nil, compat.SchemaError{Line: 3, Column: 1, Message: "invalid JSON"}},
		{"TrailingData", `{} {}`, nil, compat.SchemaError{Line: 1, Column: 4, Message: "after the top-level value"}},
		{"Empty", ``, nil, compat.SchemaError{Line: 1, Column: 1, Message: "unexpected end"}},
		{"BadKeywordValue", "{\"properties\": {\n  \"age\": {\"minimum\": \"ten\"}}}", nil, compat.SchemaError{Line: 2, Column: 11, Path: "#/properties/age/minimum", Message: "not a valid JSON Schema"}},
		{"BadType", `{"type":"text"}`, nil, compat.SchemaError{Line: 1, Column: 2, Path: "#/type", Message: "not a valid JSON Schema"}},
		{"BadRegex", `{"properties":{"a":{"pattern":"("}}}`, nil, compat.SchemaError{Line: 1, Column: 21, Path: "#/properties/a/pattern", Message: "regex"}},
		{"MissingLocalRef", `{"items":{"$ref":"#/definitions/nope"}}`, nil, compat.SchemaError{Line: 1, Column: 11, Path: "#/items/$ref", Message: "no such location"}},
		{"MissingReference", `{"$ref":"address.json"}`, nil, compat.SchemaError{Line: 1, Column: 2, Path: "#/$ref", Message: `unresolved reference "address.json"`}},
		{"UnknownMetaschema", `{"$schema":"https://example.com/meta"}`, nil, compat.SchemaError{Message: "https://example.com/meta"}},
		{"BadReferenceSyntax", `{"$ref":"a.json"}`, []compat.Reference{{Name: "a.json", Text: "{\n\"type\" 1}"}}, compat.SchemaError{File: "a.json", Line: 2, Column: 8, Message: "invalid JSON"}},
		{"BadReferenceSchema", `{"$ref":"a.json"}`, []compat.Reference{{Name: "a.json", Text: `{"minLength":-1}`}}, compat.SchemaError{File: "a.json", Line: 1, Column: 2, Path: "#/minLength", Message: "not a valid JSON Schema"}},
		{"TooDeep", strings.Repeat(`{"not":`, 300) + `{}` + strings.Repeat(`}`, 300), nil, compat.SchemaError{Line: 1, Column: 1793, Message: "nests deeper"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := jsonschema.New().Parse(tt.schema, tt.refs)
			if s != nil {
				t.Errorf("Parse returned a schema (%T) with an error", s)
			}
			compattest.CheckSchemaError(t, err, tt.want)
		})
	}
}

func TestCanonicalAndNormalized(t *testing.T) {
	t.Parallel()
	text := "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"b\": {\"maximum\": 1.50, \"description\": \"<b>&</b>\"},\n    \"a\": {\"minimum\": 1e2}\n  }\n}"
	s := mustParse(t, text)
	if got, want := s.Canonical(), `{"type":"object","properties":{"b":{"maximum":1.50,"description":"<b>&</b>"},"a":{"minimum":1e2}}}`; got != want {
		t.Errorf("Canonical() = %s, want %s", got, want)
	}
	wantNorm := `{"properties":{"a":{"minimum":1e2},"b":{"description":"<b>&</b>","maximum":1.50}},"type":"object"}`
	if got := s.Normalized(); got != wantNorm {
		t.Errorf("Normalized() = %s, want %s", got, wantNorm)
	}
	again := mustParse(t, s.Normalized())
	if again.Normalized() != s.Normalized() {
		t.Errorf("Normalized is not idempotent: %s", again.Normalized())
	}
	reordered := mustParse(t, `{"properties":{"a":{"minimum":1e2},"b":{"maximum":1.50,"description":"<b>&</b>"}},"type":"object"}`)
	if reordered.Normalized() != s.Normalized() {
		t.Errorf("key order changes Normalized: %s", reordered.Normalized())
	}
	if reordered.Canonical() == s.Canonical() {
		t.Errorf("key order must change Canonical")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{
		"type": "object",
		"required": ["id", "amount"],
		"additionalProperties": false,
		"properties": {
			"id": {"type": "string", "pattern": "^o-[0-9]+$"},
			"amount": {"type": "number", "multipleOf": 0.01, "minimum": 0},
			"tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
			"a/b": {"type": "integer"}
		}
	}`)
	tests := []struct {
		name    string
		payload string
		want    []compat.Problem // Message is matched as a substring
	}{
		{"Valid", `{"id":"o-1","amount":12.34,"tags":["x"]}`, nil},
		{"ExactDecimals", `{"id":"o-1","amount":0.30000000000000004441}`, []compat.Problem{{Path: "/amount", Message: "multipleOf"}}},
		{"MissingRequired", `{"id":"o-1"}`, []compat.Problem{{Path: "", Message: "amount"}}},
		{"Nested", `{"id":"x","amount":-1,"tags":["a",1],"a/b":1.5,"extra":true}`, []compat.Problem{
			{Path: "", Message: "extra"},
			{Path: "/amount", Message: "minimum"},
			{Path: "/a~1b", Message: "integer"},
			{Path: "/id", Message: "match pattern"},
			{Path: "/tags/1", Message: "want string"},
		}},
		{"InvalidJSON", "{\"id\":\n  \"o-1\",}", []compat.Problem{{Path: "", Message: "line 2, column 9"}}},
		{"TrailingData", `{} x`, []compat.Problem{{Path: "", Message: "line 1, column 4"}}},
		{"Empty", ``, []compat.Problem{{Path: "", Message: "unexpected end"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, enc := range []compat.Encoding{compat.EncodingJSON, compat.EncodingBinary} {
				err := s.Validate([]byte(tt.payload), enc)
				if tt.want == nil {
					if err != nil {
						t.Errorf("%v: Validate = %v, want nil", enc, err)
					}
					continue
				}
				var ip *compat.InvalidPayloadError
				if !errors.As(err, &ip) {
					t.Fatalf("%v: Validate = %v, want *InvalidPayloadError", enc, err)
				}
				if len(ip.Problems) != len(tt.want) {
					t.Fatalf("%v: got %d problems %v, want %d", enc, len(ip.Problems), ip.Problems, len(tt.want))
				}
				for i, p := range ip.Problems {
					if p.Path != tt.want[i].Path || !strings.Contains(p.Message, tt.want[i].Message) {
						t.Errorf("%v: problem %d = %+v, want path %q and message containing %q", enc, i, p, tt.want[i].Path, tt.want[i].Message)
					}
				}
			}
		})
	}
}

func TestValidateConcurrent(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"type":"object","properties":{"n":{"type":"integer","maximum":10}},"required":["n"]}`)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				if s.Validate([]byte(`{"n":5}`), compat.EncodingJSON) != nil || s.Validate([]byte(`{"n":50}`), compat.EncodingJSON) == nil {
					done <- false
					return
				}
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Error("concurrent validation gave a wrong answer")
		}
	}
}
