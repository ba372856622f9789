package protobuf

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/heraldhq/herald/compat"
)

const validateSchema = `syntax = "proto2";
package shop;
message Order {
  required string id = 1;
  optional int32 qty = 2;
  repeated Line lines = 3;
  map<string, Line> by_sku = 4;
  message Line {
    required string sku = 1;
    optional int64 cents = 2;
  }
}
message Ping { optional string note = 1; }
`

// wire builds protobuf binary from (number, value) pairs: int → varint, string →
// bytes, []byte → embedded bytes.
func wire(fields ...any) []byte {
	var b []byte
	for i := 0; i < len(fields); i += 2 {
		num := protowire.Number(fields[i].(int))
		switch v := fields[i+1].(type) {
		case int:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		case string:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, v)
		case []byte:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		}
	}
	return b
}

func TestValidate(t *testing.T) {
	t.Parallel()
	s := mustParse(t, validateSchema)
	line := wire(1, "sku-1", 2, 250)
	tests := []struct {
		name    string
		payload []byte
		enc     compat.Encoding
		want    []compat.Problem // nil: valid; Message matched as a substring
	}{
		{name: "BinaryValid", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(1, "o-1", 2, 3, 3, line)...)},
		{name: "BinarySecondMessage", enc: compat.EncodingBinary,
			payload: append(EncodeIndexes([]int{1}), wire(1, "hi")...)},
		{name: "BinaryNestedMessageByIndex", enc: compat.EncodingBinary,
			payload: append(EncodeIndexes([]int{0, 0}), line...)},
		{name: "BinaryUnknownFieldsAccepted", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(1, "o-1", 99, 5)...)},
		{name: "BinaryMissingRequired", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(2, 3)...),
			want:    []compat.Problem{{Path: "/id", Message: "required field id (number 1) is missing"}}},
		{name: "BinaryMissingNestedRequired", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(1, "o", 3, line, 3, wire(2, 1), 4, wire(1, "k", 2, wire(2, 1)))...),
			want: []compat.Problem{
				{Path: "/lines/1/sku", Message: "required field sku"},
				{Path: "/by_sku/k/sku", Message: "required field sku"},
			}},
		{name: "BinaryTruncated", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(1, "o-1")[:3]...),
			want:    []compat.Problem{{Path: "/id", Message: "not a valid shop.Order in protobuf binary"}}},
		{name: "BinaryTruncatedNested", enc: compat.EncodingBinary,
			payload: append([]byte{0}, wire(1, "o", 3, line[:4])...),
			want:    []compat.Problem{{Path: "/lines/sku", Message: "field 1 at byte 5"}}},
		{name: "BinaryBadIndexes", enc: compat.EncodingBinary,
			payload: []byte{0x04, 0x02},
			want:    []compat.Problem{{Message: "message indexes"}}},
		{name: "BinaryUnknownIndex", enc: compat.EncodingBinary,
			payload: append(EncodeIndexes([]int{5}), wire(1, "x")...),
			want:    []compat.Problem{{Message: "no message at index 5"}}},
		{name: "BinaryEmpty", enc: compat.EncodingBinary, payload: nil,
			want: []compat.Problem{{Message: "message indexes"}}},
		{name: "JSONValid", enc: compat.EncodingJSON,
			payload: []byte(`{"id":"o-1","qty":2,"lines":[{"sku":"a","cents":"5"}],"bySku":{"a":{"sku":"a"}}}`)},
		{name: "JSONUnknownField", enc: compat.EncodingJSON,
			payload: []byte(`{"id":"o-1","colour":"red"}`),
			want:    []compat.Problem{{Message: `unknown field "colour"`}}},
		{name: "JSONWrongType", enc: compat.EncodingJSON,
			payload: []byte(`{"id":"o-1","qty":"many"}`),
			want:    []compat.Problem{{Message: "invalid value for int32"}}},
		{name: "JSONMissingRequiredUsesJSONNames", enc: compat.EncodingJSON,
			payload: []byte(`{"id":"o","bySku":{"a/b":{}}}`),
			want:    []compat.Problem{{Path: "/bySku/a~1b/sku", Message: "required field sku"}}},
		{name: "JSONNotJSON", enc: compat.EncodingJSON, payload: []byte(`{`),
			want: []compat.Problem{{Message: "Protobuf JSON"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, s.Validate(tt.payload, tt.enc), tt.want)
		})
	}
}

func checkProblems(t *testing.T, err error, want []compat.Problem) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var ipe *compat.InvalidPayloadError
	if !errors.As(err, &ipe) {
		t.Fatalf("error %v (%T) is not an *InvalidPayloadError", err, err)
	}
	if len(ipe.Problems) != len(want) {
		t.Fatalf("got %d problems %v, want %d", len(ipe.Problems), ipe.Problems, len(want))
	}
	for i, p := range ipe.Problems {
		if p.Path != want[i].Path || !strings.Contains(p.Message, want[i].Message) {
			t.Errorf("problem %d = %q %q, want %q containing %q", i, p.Path, p.Message, want[i].Path, want[i].Message)
		}
	}
}

func TestValidateMessage(t *testing.T) {
	t.Parallel()
	s := mustParse(t, validateSchema)
	checkProblems(t, s.ValidateMessage(wire(1, "note"), compat.EncodingBinary, "shop.Ping"), nil)
	checkProblems(t, s.ValidateMessage([]byte(`{"sku":"x"}`), compat.EncodingJSON, "shop.Order.Line"), nil)
	checkProblems(t, s.ValidateMessage([]byte(`{}`), compat.EncodingJSON, "shop.Order.Line"),
		[]compat.Problem{{Path: "/sku", Message: "required field sku"}})
	checkProblems(t, s.ValidateMessage(nil, compat.EncodingJSON, "shop.Nope"),
		[]compat.Problem{{Message: `no message "shop.Nope"`}})
}

func TestValidateProto3(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `syntax = "proto3";
import "google/protobuf/any.proto";
import "google/protobuf/timestamp.proto";
message E { string name = 1; google.protobuf.Timestamp at = 2; google.protobuf.Any extra = 3; }`)
	checkProblems(t, s.Validate([]byte(`{"name":"x","at":"2024-01-02T03:04:05Z"}`), compat.EncodingJSON), nil)
	checkProblems(t, s.Validate([]byte(`{"extra":{"@type":"type.googleapis.com/E","name":"inner"}}`), compat.EncodingJSON), nil)
	checkProblems(t, s.Validate([]byte(`{"at":"yesterday"}`), compat.EncodingJSON),
		[]compat.Problem{{Message: "Timestamp"}})
	checkProblems(t, s.Validate(append([]byte{0}, wire(1, "\xff\xfe")...), compat.EncodingBinary),
		[]compat.Problem{{Message: "UTF-8"}})

	empty := mustParse(t, `syntax = "proto3"; enum Only { O = 0; }`)
	checkProblems(t, empty.Validate([]byte(`{}`), compat.EncodingJSON), []compat.Problem{{Message: "declares no message"}})
}
