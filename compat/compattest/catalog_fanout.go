package compattest

import (
	"fmt"
	"strings"
)

// The wide generators below target walkers that list fields rather than compare
// schemas, such as a catalog's field table. Level i has width fields, all of the
// type of level i-1, so a walker that expands a shared type at every use lists
// width^levels rows; one that stops at a nesting depth d still lists width^d. The
// root comes first in every format (for Protobuf, the first message is the one
// Confluent serializers use), so a walker that starts at the top sees every level.

// fieldName returns the name of field j of a level: f0, f1, ...
func fieldName(j int) string { return fmt.Sprintf("f%d", j) }

// JSONSchemaWide returns a JSON Schema (draft 2020-12) whose root is an object
// with width properties, all $ref to L(levels-1); Li (i >= 1) is an object with
// width properties, all $ref to L(i-1); L0 is {"type": leaf}.
func JSONSchemaWide(levels, width int, leaf string) string {
	var b strings.Builder
	b.WriteString(`{"$schema":"https://json-schema.org/draft/2020-12/schema",`)
	writeJSONProps(&b, width, levels-1)
	fmt.Fprintf(&b, `,"$defs":{"L0":{"type":%q}`, leaf)
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, `,"L%d":{`, i)
		writeJSONProps(&b, width, i-1)
		b.WriteString(`}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

// writeJSONProps writes `"type":"object","properties":{...}` with width
// properties that all refer to L(to).
func writeJSONProps(b *strings.Builder, width, to int) {
	b.WriteString(`"type":"object","properties":{`)
	for j := range width {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, `%q:{"$ref":"#/$defs/L%d"}`, fieldName(j), to)
	}
	b.WriteString(`}`)
}

// AvroWide returns an Avro schema whose record Li has width fields of the named
// type L(i-1): the first field defines L(i-1) inline, the others refer to it by
// name. L0 has one field "v" of type leaf; the root is L(levels).
func AvroWide(levels, width int, leaf string) string {
	s := fmt.Sprintf(`{"type":"record","name":"L0","fields":[{"name":"v","type":%q}]}`, leaf)
	for i := 1; i <= levels; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, `{"type":"record","name":"L%d","fields":[{"name":"f0","type":%s}`, i, s)
		for j := 1; j < width; j++ {
			fmt.Fprintf(&b, `,{"name":%q,"type":"L%d"}`, fieldName(j), i-1)
		}
		b.WriteString(`]}`)
		s = b.String()
	}
	return s
}

// ProtobufWide returns a proto3 file whose first message, L(levels), and every
// message Li (i >= 1) has width fields of message type L(i-1); L0 has one field v
// of scalar type leaf. Messages are written root first.
func ProtobufWide(levels, width int, leaf string) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage adversarial;\n\n")
	for i := levels; i >= 1; i-- {
		fmt.Fprintf(&b, "message L%d {\n", i)
		for j := range width {
			fmt.Fprintf(&b, "  L%d %s = %d;\n", i-1, fieldName(j), j+1)
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, "message L0 {\n  %s v = 1;\n}\n", leaf)
	return b.String()
}

// FanOutPaths returns n distinct JSON Pointer paths of the kind a JSON Schema
// comparison reports for JSONSchemaFanOut(levels, ...) or JSONSchemaWide(levels+1,
// width, ...): levels steps "/properties/<name>", each name one of names, from
// the root to L0. They stand for the violations a checker reports at the shared
// L0 once per path, so a test can feed a consumer of violations more paths than
// it could walk, without running the walk.
func FanOutPaths(levels int, names []string, n int) []string {
	out := make([]string, 0, n)
	digits := make([]int, levels)
	for range n {
		var b strings.Builder
		b.WriteString("#")
		for _, d := range digits {
			b.WriteString("/properties/")
			b.WriteString(names[d])
		}
		out = append(out, b.String())
		// The next path: count in base len(names) from the deepest step.
		for i := levels - 1; i >= 0; i-- {
			digits[i]++
			if digits[i] < len(names) {
				break
			}
			digits[i] = 0
		}
	}
	return out
}
