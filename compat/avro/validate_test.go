package avro

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
)

const orderSchema = `{"type":"record","name":"Order","namespace":"com.acme","fields":[
	{"name":"id","type":{"type":"string","logicalType":"uuid"}},
	{"name":"customer","type":"string"},
	{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]}},
	{"name":"placedAt","type":{"type":"long","logicalType":"timestamp-millis"}},
	{"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
		{"name":"sku","type":"string"},
		{"name":"qty","type":"int"},
		{"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}]}}},
	{"name":"note","type":["null","string"],"default":null},
	{"name":"attrs","type":{"type":"map","values":"string"},"default":{}},
	{"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
	{"name":"score","type":"double","default":0}
]}`

const orderJSON = `{
	"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"ada","status":"PAID",
	"placedAt":1714570000000,
	"items":[{"sku":"A-1","qty":2,"price":12.5},{"sku":"B-2","qty":1,"price":"\u0001\u0002"}],
	"note":{"string":"leave at door"},"attrs":{"gift":"yes"},"hash":"abcd","score":4.5}`

func orderValue() map[string]any {
	return map[string]any{
		"id": "1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a", "customer": "ada", "status": "PAID",
		"placedAt": int64(1714570000000),
		"items": []any{
			map[string]any{"sku": "A-1", "qty": int32(2), "price": []byte{0x04, 0xe2}},
			map[string]any{"sku": "B-2", "qty": int32(1), "price": []byte{0x01}},
		},
		"note": "leave at door", "attrs": map[string]any{"gift": "yes"}, "hash": []byte("abcd"), "score": 4.5,
	}
}

func problems(t *testing.T, err error) []compat.Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	var ip *compat.InvalidPayloadError
	if !errors.As(err, &ip) {
		t.Fatalf("err = %v (%T), want *compat.InvalidPayloadError", err, err)
	}
	return ip.Problems
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	s := mustParse(t, orderSchema)
	if err := s.Validate([]byte(orderJSON), compat.EncodingJSON); err != nil {
		t.Fatalf("valid order: %v", err)
	}
	type pm struct{ path, msg string }
	tests := []struct {
		name    string
		payload string
		want    []pm
	}{
		{"MinimalWithDefaults", `{"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"a","status":"NEW","placedAt":"2024-05-01T13:45:00Z","items":[],"hash":"wxyz"}`, nil},
		{"BareUnionNull", `{"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"a","status":"NEW","placedAt":1,"items":[],"hash":"wxyz","note":null}`, nil},
		{"BareUnionString", `{"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"a","status":"NEW","placedAt":1,"items":[],"hash":"wxyz","note":"hi"}`, nil},
		{"ManyProblems", `{"id":"nope","customer":7,"status":"LOST","placedAt":1.5,
			"items":[{"sku":"A","qty":2,"price":1},{"sku":"B","qty":3000000000,"price":1.234},{"sku":"C","price":"x","extra":true}],
			"note":{"int":3},"attrs":{"a":1},"hash":"abc","score":"high"}`,
			[]pm{
				{"/id", "expected a UUID"},
				{"/customer", "expected a string, got the number 7"},
				{"/status", `"LOST" is not a symbol of enum "com.acme.Status"; expected one of NEW, PAID, SHIPPED`},
				{"/placedAt", "expected a whole number for long (timestamp-millis), got the number 1.5"},
				{"/items/1/qty", "out of range for int"},
				{"/items/1/price", "more than 2 digits after the decimal point"},
				{"/items/2/qty", `missing required field "qty" (int)`},
				{"/items/2/extra", `unknown field "extra"`},
				{"/note", "expected a value of one of the union's types [null, string]"},
				{"/attrs/a", "expected a string, got the number 1"},
				{"/hash", `fixed "com.acme.Hash" needs exactly 4 bytes, got 3`},
				{"/score", "expected a number for double"},
			}},
		{"NotAnObject", `[1,2]`, []pm{{"", `expected record "com.acme.Order" (a JSON object), got an array`}}},
		{"BadJSON", `{"id":`, []pm{{"", "invalid JSON"}}},
		{"TrailingData", `{} {}`, []pm{{"", "unexpected data after the value"}}},
		{"MissingRequired", `{"id":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a","customer":"a","status":"NEW","placedAt":1,"hash":"wxyz"}`,
			[]pm{{"/items", `missing required field "items"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problems(t, s.Validate([]byte(tt.payload), compat.EncodingJSON))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				if got[i].Path != w.path || !strings.Contains(got[i].Message, w.msg) {
					t.Errorf("problem %d = %q %q; want %q containing %q", i, got[i].Path, got[i].Message, w.path, w.msg)
				}
			}
		})
	}
}

func TestValidateJSONUnions(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"type":"record","name":"R","fields":[{"name":"u","type":["null","int","string",
		{"type":"record","name":"P","fields":[{"name":"x","type":"int"}]},{"type":"array","items":"long"},
		{"type":"enum","name":"E","symbols":["A"]}]}]}`)
	for _, ok := range []string{`{"u":null}`, `{"u":1}`, `{"u":"s"}`, `{"u":{"x":1}}`, `{"u":[1,2]}`, `{"u":{"int":1}}`,
		`{"u":{"P":{"x":1}}}`, `{"u":{"array":[1]}}`, `{"u":{"E":"A"}}`, `{"u":{"string":"x"}}`, `{"u":{"null":null}}`} {
		if err := s.Validate([]byte(ok), compat.EncodingJSON); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for payload, want := range map[string]compat.Problem{
		`{"u":{"x":"one"}}`:   {Path: "/u/x", Message: "expected int"},
		`{"u":1.5}`:           {Path: "/u", Message: "expected a whole number for int"},
		`{"u":{}}`:            {Path: "/u/x", Message: `missing required field "x"`},
		`{"u":{"int":"one"}}`: {Path: "/u/int", Message: "expected int"},
		`{"u":[1,"a"]}`:       {Path: "/u/1", Message: "expected long"},
		`{"u":true}`:          {Path: "/u", Message: "got true"},
	} {
		got := problems(t, s.Validate([]byte(payload), compat.EncodingJSON))
		if len(got) != 1 || got[0].Path != want.Path || !strings.Contains(got[0].Message, want.Message) {
			t.Errorf("%s: got %+v, want %+v", payload, got, want)
		}
	}
}

func TestValidateJSONLogicalTypes(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"d","type":{"type":"int","logicalType":"date"}},
		{"name":"t","type":{"type":"int","logicalType":"time-millis"}},
		{"name":"lt","type":{"type":"long","logicalType":"local-timestamp-micros"}},
		{"name":"f","type":"float"},
		{"name":"u","type":{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}}]}`)
	ok := `{"d":"2024-02-29","t":"13:45:00.123","lt":"2024-05-01T13:45:00","f":"NaN","u":"1b4e28ba-2fa1-11d2-883f-0016cb4e5f1a"}`
	if err := s.Validate([]byte(ok), compat.EncodingJSON); err != nil {
		t.Errorf("valid: %v", err)
	}
	bad := `{"d":"2024-02-30","t":"25:00","lt":"2024-05-01T13:45:00Z","f":1e300,"u":"not-a-uuid"}`
	got := problems(t, s.Validate([]byte(bad), compat.EncodingJSON))
	var paths []string
	for _, p := range got {
		paths = append(paths, p.Path)
	}
	if diff := cmp.Diff([]string{"/d", "/t", "/lt", "/f", "/u"}, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s\n%+v", diff, got)
	}
}

func TestValidateBinary(t *testing.T) {
	t.Parallel()
	s := mustParse(t, orderSchema)
	good, err := twmbOf(t, s).Encode(orderValue())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(good, compat.EncodingBinary); err != nil {
		t.Fatalf("valid: %v", err)
	}
	tests := []struct {
		name    string
		payload []byte
		path    string
		msg     string
	}{
		{"Empty", nil, "/id", "ends in the middle of a string length"},
		{"Trailing", append(append([]byte{}, good...), 0, 0), "", "2 unexpected bytes after the end of the value"},
		{"Truncated", good[:len(good)-3], "/score", "ends in the middle of a double"},
		{"BadUUID", encodeWith(t, s, func(v map[string]any) { v["id"] = "x" }), "/id", "expected a UUID"},
		{"EnumIndex", patch(good, enumOffset(t, s), 0x0a), "/status", "enum index 5 is out of range"},
		{"UnionIndex", patch(good, unionOffset(t, s), 0x08), "/note", "union branch index 4 is out of range"},
		{"HugeLength", []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}, "/id", "runs past the end of the data"},
		{"NegativeLength", []byte{0x01}, "/id", "negative length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := problems(t, s.Validate(tt.payload, compat.EncodingBinary))
			if len(got) == 0 || got[0].Path != tt.path || !strings.Contains(got[0].Message, tt.msg) {
				t.Errorf("got %+v; want path %q, message containing %q", got, tt.path, tt.msg)
			}
		})
	}
}

func encodeWith(t *testing.T, s *Schema, edit func(map[string]any)) []byte {
	t.Helper()
	v := orderValue()
	edit(v)
	b, err := twmbOf(t, s).Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// enumOffset finds the status enum index byte: right after the uuid and customer.
func enumOffset(t *testing.T, s *Schema) int {
	t.Helper()
	return 1 + 36 + 1 + 3
}

// unionOffset finds the note union index byte by encoding up to it.
func unionOffset(t *testing.T, s *Schema) int {
	t.Helper()
	full := encodeWith(t, s, func(map[string]any) {})
	withNull := encodeWith(t, s, func(v map[string]any) { v["note"] = nil })
	// Everything before the union is identical; the first differing byte is the
	// union index that follows the shared prefix.
	for i := range withNull {
		if full[i] != withNull[i] {
			return i
		}
	}
	t.Fatal("no difference")
	return 0
}

func patch(b []byte, i int, c byte) []byte {
	out := append([]byte{}, b...)
	out[i] = c
	return out
}

func TestValidateBinaryZeroSizeItems(t *testing.T) {
	t.Parallel()
	// An array of nulls with a huge count must not loop for ever.
	s := mustParse(t, `{"type":"array","items":"null"}`)
	payload := []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}
	if err := s.Validate(payload, compat.EncodingBinary); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidateBinaryDeepRecursion(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"type":"record","name":"L","fields":[{"name":"next","type":["null","L"]}]}`)
	payload := make([]byte, 50000)
	for i := range payload {
		payload[i] = 0x02
	}
	got := problems(t, s.Validate(payload, compat.EncodingBinary))
	if len(got) != 1 || !strings.Contains(got[0].Message, "nested more than") {
		t.Errorf("got %+v", got[:min(len(got), 1)])
	}
}

func TestValidateAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	s := mustParse(t, orderSchema)
	raw := twmbOf(t, s)
	good, err := raw.Encode(orderValue())
	if err != nil {
		t.Fatal(err)
	}
	// Every strict prefix is invalid; the decoder agrees.
	for i := 0; i < len(good); i++ {
		var v any
		_, decErr := raw.Decode(good[:i], &v)
		if s.Validate(good[:i], compat.EncodingBinary) == nil || decErr == nil {
			t.Errorf("prefix of %d bytes: validate and decode should both fail (decode: %v)", i, decErr)
		}
	}
}

func TestValidateJSONBacktrackingIsBounded(t *testing.T) {
	t.Parallel()
	// Two record branches that both fit an object, nested: naive backtracking
	// tries 2^depth paths.
	s := mustParse(t, `{"type":"record","name":"T","fields":[{"name":"u","type":["null",
		{"type":"record","name":"A","fields":[{"name":"x","type":["null","A","B"]}]},
		{"type":"record","name":"B","fields":[{"name":"x","type":["null","A","B"]},{"name":"y","type":"int","default":0}]}]}]}`)
	depth := 200
	payload := `{"u":` + strings.Repeat(`{"x":`, depth) + `"bad"` + strings.Repeat(`}`, depth) + `}`
	if got := problems(t, s.Validate([]byte(payload), compat.EncodingJSON)); len(got) != 1 {
		t.Errorf("got %+v", got)
	}
	// A deep invalid linked list is reported at the right path.
	l := mustParse(t, `{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]}`)
	payload = strings.Repeat(`{"v":1,"next":`, 2000) + `{"v":"x","next":null}` + strings.Repeat(`}`, 2000)
	got := problems(t, l.Validate([]byte(payload), compat.EncodingJSON))
	if len(got) != 1 || !strings.HasSuffix(got[0].Path, "/next/v") || strings.Count(got[0].Path, "next") != 2000 {
		t.Errorf("got %d problems, first %.80q", len(got), got)
	}
}
