package compattest

import (
	"fmt"
	"strings"
)

// The generators below build small schemas (a few KB at 60 levels) whose naive
// walk takes 2^levels steps: level i refers to level i-1 from two places, so a
// walker that follows every path instead of comparing each shared definition
// once visits the bottom level 2^levels times. leaf is the bottom level's type;
// two schemas that differ only in it are incompatible at one definition reached
// by 2^levels paths.

// JSONSchemaFanOut returns a JSON Schema (draft 2020-12) whose definition Li is an
// object with properties "a" and "b", both $ref to L(i-1); L0 is {"type": leaf};
// the root refers to L(levels).
func JSONSchemaFanOut(levels int, leaf string) string {
	return jsonSchemaLevels(levels, leaf, `{"type":"object","properties":{"a":{"$ref":"#/$defs/L%d"},"b":{"$ref":"#/$defs/L%d"}}}`)
}

// JSONSchemaAnyOf returns a JSON Schema (draft 2020-12) whose definition Li is
// anyOf two different subschemas that both lead to L(i-1); L0 is {"type": leaf}.
// A valid instance passes through the first branch at every level; an invalid
// one fails both branches at every level, so a validator that tries each branch
// and collects every branch's errors does 2^levels work.
func JSONSchemaAnyOf(levels int, leaf string) string {
	return jsonSchemaLevels(levels, leaf, `{"anyOf":[{"$ref":"#/$defs/L%d"},{"allOf":[{"$ref":"#/$defs/L%d"}]}]}`)
}

// jsonSchemaLevels returns a JSON Schema (draft 2020-12) whose root is a $ref to
// L(levels), whose L0 is {"type": leaf}, and whose Li (i >= 1) is level with both
// of its %d verbs set to i-1: the two places Li refers to L(i-1).
func jsonSchemaLevels(levels int, leaf, level string) string {
	var b strings.Builder
	b.WriteString(`{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/L`)
	fmt.Fprintf(&b, `%d","$defs":{"L0":{"type":%q}`, levels, leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, `,"L%d":`, i)
		fmt.Fprintf(&b, level, i-1, i-1)
	}
	b.WriteString(`}}`)
	return b.String()
}

// AvroFanOut returns an Avro schema whose record Li has fields "a" and "b", both of
// the named type L(i-1) (defined once, then referred to by name); L0 has one
// field "v" of type leaf (a primitive name such as "int" or "string").
func AvroFanOut(levels int, leaf string) string {
	return avroLevels(levels, leaf, `{"type":"record","name":"L%d","fields":[{"name":"a","type":%s},{"name":"b","type":"L%d"}]}`)
}

// avroLevels returns an Avro schema whose record L0 has one field "v" of type
// leaf and whose Li (i >= 1) is level with its verbs set to i, the definition of
// L(i-1) (written inline at its first use) and i-1.
func avroLevels(levels int, leaf, level string) string {
	s := fmt.Sprintf(`{"type":"record","name":"L0","fields":[{"name":"v","type":%q}]}`, leaf)
	for i := 1; i <= levels; i++ {
		s = fmt.Sprintf(level, i, s, i-1)
	}
	return s
}

// ProtobufFanOut returns a proto3 file whose message Li has fields a and b, both
// of message type L(i-1); L0 has one field v of scalar type leaf (such as
// "int32" or "string"). Protobuf walkers compare each message once by name, so
// this shape stays linear; tests keep it so.
func ProtobufFanOut(levels int, leaf string) string {
	return protobufLevels(levels, leaf, "message L%d {\n  L%d a = 1;\n  L%d b = 2;\n}\n")
}

// protobufLevels returns a proto3 file whose message L0 has one field v of
// scalar type leaf and whose message Li (i >= 1) is level with its verbs set to
// i, i-1 and i-1.
func protobufLevels(levels int, leaf, level string) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage adversarial;\n\n")
	fmt.Fprintf(&b, "message L0 {\n  %s v = 1;\n}\n", leaf)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, level, i, i-1, i-1)
	}
	return b.String()
}

// NestedJSON returns a JSON document that is valid or invalid against
// JSONSchemaFanOut(levels, leaf type): an object tree of the given depth whose
// leaves are leaf (a JSON literal such as `"x"` or `42`). Only the "a" branch is
// filled at each level, so the document is linear in depth.
func NestedJSON(depth int, leaf string) string {
	return strings.Repeat(`{"a":`, depth) + leaf + strings.Repeat(`}`, depth)
}
