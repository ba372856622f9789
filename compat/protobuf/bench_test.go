package protobuf

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// bigSchema returns a proto3 file with n messages of 10 fields each, every
// message after the first referring to the one before it. edited changes a field
// type in every tenth message and adds a field to every seventh.
func bigSchema(n int, edited bool) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage bench.v1;\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "message M%d {\n", i)
		for f := 1; f <= 9; f++ {
			typ := "int32"
			if f%3 == 0 {
				typ = "string"
			}
			if edited && i%10 == 0 && f == 1 {
				typ = "int64"
			}
			fmt.Fprintf(&b, "  %s f%d = %d;\n", typ, f, f)
		}
		if i > 0 {
			fmt.Fprintf(&b, "  M%d prev = 10;\n", i-1)
		} else {
			b.WriteString("  bytes prev = 10;\n")
		}
		if edited && i%7 == 0 {
			b.WriteString("  repeated string extra = 11;\n")
		}
		b.WriteString("}\n\n")
	}
	return b.String()
}

func BenchmarkParse500(b *testing.B) {
	text := bigSchema(500, false)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Parse(text, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormalized500(b *testing.B) {
	text := bigSchema(500, false)
	for b.Loop() {
		s, err := Parse(text, nil)
		if err != nil {
			b.Fatal(err)
		}
		_ = s.Normalized()
	}
}

func BenchmarkCanRead500(b *testing.B) {
	prev := mustParse(b, bigSchema(500, false))
	cur := mustParse(b, bigSchema(500, true))
	for _, set := range []RuleSet{Confluent, WireJSON, Wire} {
		b.Run(set.String(), func(b *testing.B) {
			for b.Loop() {
				_ = CanRead(cur, prev, set)
			}
		})
	}
}

func benchPayload(b *testing.B) (*Schema, []byte) {
	s := mustParse(b, `syntax = "proto3";
package bench;
message Order {
  string id = 1;
  int64 created = 2;
  repeated Line lines = 3;
  map<string, string> labels = 4;
  message Line { string sku = 1; int32 qty = 2; int64 cents = 3; }
}`)
	line := wire(1, "sku-000123", 2, 3, 3, 1999)
	body := wire(1, "order-7f3a9c", 2, 1700000000)
	for i := 0; i < 20; i++ {
		body = append(body, wire(3, line)...)
	}
	body = append(body, wire(4, wire(1, "region", 2, "eu-west-1"))...)
	return s, body
}

// BenchmarkValidateBinary measures Validate on a ~400-byte Confluent payload;
// BenchmarkValidateBinaryBaseline is the raw dynamicpb decode it wraps.
func BenchmarkValidateBinary(b *testing.B) {
	s, body := benchPayload(b)
	benchValidate(b, s, append([]byte{0}, body...), compat.EncodingBinary)
}

// benchValidate measures s.Validate of one payload in enc.
func benchValidate(b *testing.B, s *Schema, payload []byte, enc compat.Encoding) {
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Validate(payload, enc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateBinaryBaseline(b *testing.B) {
	s, body := benchPayload(b)
	md := s.FirstMessage()
	b.SetBytes(int64(len(body) + 1))
	b.ReportAllocs()
	for b.Loop() {
		if err := proto.Unmarshal(body, dynamicpb.NewMessage(md)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateJSON(b *testing.B) {
	s, _ := benchPayload(b)
	payload := []byte(`{"id":"order-7f3a9c","created":"1700000000","lines":[{"sku":"a","qty":3,"cents":"1999"},{"sku":"b","qty":1,"cents":"5"}],"labels":{"region":"eu-west-1"}}`)
	benchValidate(b, s, payload, compat.EncodingJSON)
}

// BenchmarkDescriptorRebuild measures what a schema whose descriptors the
// bounded cache dropped pays on its next use (rebuild), beside compiling the
// same text (compile), for a realistic 20-field message.
func BenchmarkDescriptorRebuild(b *testing.B) {
	text := compattest.ProtobufRecord(1, 20)
	s, err := Parse(text, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rebuild", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeFiles(s.files); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := compile(text, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
