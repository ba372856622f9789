package compattest

import (
	"fmt"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Realistic schemas, the shapes teams register (as opposed to the adversarial
// generators, built to blow up a walk): for measuring what a parsed schema keeps
// in memory against the size of its text. Each takes a seed that makes the
// names distinct, so many of them can be registered as different schemas.

// Shape is one realistic schema shape, in every format.
type Shape struct {
	// Name says what the shape is ("Record20", "Nested", "WithReference").
	Name string
	// Avro, JSONSchema and Protobuf return the shape's text in each format for
	// seed i, with the references it needs (nil when none).
	Avro, JSONSchema, Protobuf func(i int) (string, []compat.Reference)
}

// For returns the shape's generator in format t (nil for a type it has no
// generator for).
func (sh Shape) For(t compat.SchemaType) func(i int) (string, []compat.Reference) {
	gens := map[compat.SchemaType]func(int) (string, []compat.Reference){
		compat.Avro: sh.Avro, compat.JSON: sh.JSONSchema, compat.Protobuf: sh.Protobuf,
	}
	return gens[t]
}

// RealisticShapes are the shapes the memory benchmarks measure: flat records of
// 20 and 100 string-ish fields, a record nesting two named sub-records, and a
// record whose nested type comes from a reference.
var RealisticShapes = []Shape{
	{"Record20", func(i int) (string, []compat.Reference) { return AvroRecord(i, 20), nil },
		func(i int) (string, []compat.Reference) { return JSONSchemaRecord(i, 20), nil },
		func(i int) (string, []compat.Reference) { return ProtobufRecord(i, 20), nil }},
	{"Record100", func(i int) (string, []compat.Reference) { return AvroRecord(i, 100), nil },
		func(i int) (string, []compat.Reference) { return JSONSchemaRecord(i, 100), nil },
		func(i int) (string, []compat.Reference) { return ProtobufRecord(i, 100), nil }},
	{"Nested", func(i int) (string, []compat.Reference) { return AvroNested(i), nil },
		func(i int) (string, []compat.Reference) { return JSONSchemaNested(i), nil },
		func(i int) (string, []compat.Reference) { return ProtobufNested(i), nil }},
	{"WithReference", AvroWithReference, JSONSchemaWithReference, ProtobufWithReference},
}

// fieldTypes cycles through the scalar types of a realistic record: mostly
// strings, with the odd number, flag and timestamp.
var fieldTypes = [...]struct{ avro, json, proto string }{
	{`"string"`, `{"type":"string"}`, "string"},
	{`"string"`, `{"type":"string","maxLength":256}`, "string"},
	{`"long"`, `{"type":"integer"}`, "int64"},
	{`"string"`, `{"type":"string"}`, "string"},
	{`["null","string"]`, `{"type":["null","string"]}`, "optional string"},
	{`"double"`, `{"type":"number"}`, "double"},
	{`"boolean"`, `{"type":"boolean"}`, "bool"},
	{`{"type":"long","logicalType":"timestamp-millis"}`, `{"type":"string","format":"date-time"}`, "int64"},
}

// realisticFieldName is the name of field j: the words real schemas use.
func realisticFieldName(j int) string {
	words := [...]string{"customer_id", "order_id", "created_at", "status", "email", "amount", "active", "updated_at"}
	return fmt.Sprintf("%s_%d", words[j%len(words)], j)
}

// AvroRecord is record com.acme.events.Event<i> of n fields with docs.
func AvroRecord(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"record","name":"Event%d","namespace":"com.acme.events","doc":"An event of kind %d.","fields":[`, i, i)
	writeAvroFields(&b, n)
	b.WriteString(`]}`)
	return b.String()
}

func writeAvroFields(b *strings.Builder, n int) {
	for j := range n {
		if j > 0 {
			b.WriteByte(',')
		}
		t := fieldTypes[j%len(fieldTypes)]
		fmt.Fprintf(b, `{"name":"%s","type":%s,"doc":"The %s."}`, realisticFieldName(j), t.avro, realisticFieldName(j))
	}
}

// AvroNested is a 10-field record holding two named sub-records of 8 fields
// (one used twice by name) and an enum.
func AvroNested(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"record","name":"Order%d","namespace":"com.acme.orders","fields":[`, i)
	writeAvroFields(&b, 6)
	b.WriteString(`,{"name":"billing","type":{"type":"record","name":"Address","fields":[`)
	writeAvroFields(&b, 8)
	b.WriteString(`]}},{"name":"shipping","type":["null","Address"],"default":null}`)
	b.WriteString(`,{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[`)
	writeAvroFields(&b, 8)
	b.WriteString(`]}}},{"name":"state","type":{"type":"enum","name":"State","symbols":["NEW","PAID","SHIPPED","CANCELLED"]}}]}`)
	return b.String()
}

// AvroWithReference is a 12-field record using com.acme.common.Address<i>,
// defined by its one reference.
func AvroWithReference(i int) (string, []compat.Reference) {
	var ref strings.Builder
	fmt.Fprintf(&ref, `{"type":"record","name":"Address%d","namespace":"com.acme.common","fields":[`, i)
	writeAvroFields(&ref, 8)
	ref.WriteString(`]}`)
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"record","name":"Customer%d","namespace":"com.acme.crm","fields":[`, i)
	writeAvroFields(&b, 12)
	fmt.Fprintf(&b, `,{"name":"address","type":"com.acme.common.Address%d"}]}`, i)
	return b.String(), []compat.Reference{{Name: fmt.Sprintf("com.acme.common.Address%d", i), Text: ref.String()}}
}

// JSONSchemaRecord is an object schema of n properties with descriptions.
func JSONSchemaRecord(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Event%d","type":"object","properties":{`, i)
	writeJSONFields(&b, n)
	b.WriteString(`},"required":["customer_id_0","order_id_1"],"additionalProperties":false}`)
	return b.String()
}

func writeJSONFields(b *strings.Builder, n int) {
	for j := range n {
		if j > 0 {
			b.WriteByte(',')
		}
		t := fieldTypes[j%len(fieldTypes)].json
		fmt.Fprintf(b, `"%s":%s,"description":"The %s."}`, realisticFieldName(j), t[:len(t)-1], realisticFieldName(j))
	}
}

// JSONSchemaNested is an object with two sub-objects from $defs (one used
// twice) and an array of a third.
func JSONSchemaNested(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Order%d","type":"object","properties":{`, i)
	writeJSONFields(&b, 6)
	b.WriteString(`,"billing":{"$ref":"#/definitions/Address"},"shipping":{"$ref":"#/definitions/Address"},"lines":{"type":"array","items":{"$ref":"#/definitions/Line"}},"state":{"enum":["NEW","PAID","SHIPPED","CANCELLED"]}},"definitions":{"Address":{"type":"object","properties":{`)
	writeJSONFields(&b, 8)
	b.WriteString(`}},"Line":{"type":"object","properties":{`)
	writeJSONFields(&b, 8)
	b.WriteString(`}}}}`)
	return b.String()
}

// JSONSchemaWithReference is a 12-property object whose "address" property
// refers to address<i>.json, its one reference.
func JSONSchemaWithReference(i int) (string, []compat.Reference) {
	var ref strings.Builder
	fmt.Fprintf(&ref, `{"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://acme.example/address%d.json","type":"object","properties":{`, i)
	writeJSONFields(&ref, 8)
	ref.WriteString(`}}`)
	var b strings.Builder
	fmt.Fprintf(&b, `{"$schema":"http://json-schema.org/draft-07/schema#","title":"Customer%d","type":"object","properties":{`, i)
	writeJSONFields(&b, 12)
	fmt.Fprintf(&b, `,"address":{"$ref":"https://acme.example/address%d.json"}}}`, i)
	return b.String(), []compat.Reference{{Name: fmt.Sprintf("https://acme.example/address%d.json", i), Text: ref.String()}}
}

// ProtobufRecord is one message of n commented fields.
func ProtobufRecord(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "syntax = \"proto3\";\npackage acme.events.v1;\n\n// Event%d is an event.\nmessage Event%d {\n", i, i)
	writeProtoFields(&b, n)
	b.WriteString("}\n")
	return b.String()
}

func writeProtoFields(b *strings.Builder, n int) {
	for j := range n {
		fmt.Fprintf(b, "  // The %s.\n  %s %s = %d;\n", realisticFieldName(j), fieldTypes[j%len(fieldTypes)].proto, realisticFieldName(j), j+1)
	}
}

// ProtobufNested is a message with two nested messages (one used twice) and
// a nested enum.
func ProtobufNested(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "syntax = \"proto3\";\npackage acme.orders.v1;\n\nmessage Order%d {\n", i)
	writeProtoFields(&b, 6)
	b.WriteString("  Address billing = 7;\n  Address shipping = 8;\n  repeated Line lines = 9;\n  State state = 10;\n  message Address {\n")
	writeProtoFields(&b, 8)
	b.WriteString("  }\n  message Line {\n")
	writeProtoFields(&b, 8)
	b.WriteString("  }\n  enum State {\n    STATE_UNSPECIFIED = 0;\n    STATE_PAID = 1;\n    STATE_SHIPPED = 2;\n  }\n}\n")
	return b.String()
}

// ProtobufWithReference is a 12-field message using acme.common.v1.Address
// from acme/common/address<i>.proto, its one reference.
func ProtobufWithReference(i int) (string, []compat.Reference) {
	var ref strings.Builder
	ref.WriteString("syntax = \"proto3\";\npackage acme.common.v1;\n\nmessage Address {\n")
	writeProtoFields(&ref, 8)
	ref.WriteString("}\n")
	name := fmt.Sprintf("acme/common/address%d.proto", i)
	var b strings.Builder
	fmt.Fprintf(&b, "syntax = \"proto3\";\npackage acme.crm.v1;\n\nimport %q;\n\nmessage Customer%d {\n", name, i)
	writeProtoFields(&b, 12)
	b.WriteString("  acme.common.v1.Address address = 13;\n}\n")
	return b.String(), []compat.Reference{{Name: name, Text: ref.String()}}
}
