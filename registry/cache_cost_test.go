package registry

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// Representative schema shapes of each format, n units long, for measuring
// what a parsed schema keeps.

// protoOrders is messages with comments, scalars, maps, nested enums.
func protoOrders(n int) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage acme.orders.v1;\n\n")
	for i := range n {
		fmt.Fprintf(&b, "// Order%d is an order.\nmessage Order%d {\n  string order_id = 1;\n  int64 created_at = 2;\n  repeated string tags = 3;\n  Status status = 4;\n  map<string, string> labels = 5;\n  double amount = 6;\n  enum Status {\n    STATUS_UNSPECIFIED = 0;\n    STATUS_OPEN = 1;\n  }\n  optional bool paid = 7;\n}\n\n", i, i)
	}
	return b.String()
}

// protoDense is messages of twenty short scalar fields on one line.
func protoDense(n int) string {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\npackage p;\n")
	for i := range n {
		fmt.Fprintf(&b, "message M%d {", i)
		for j := 1; j <= 20; j++ {
			fmt.Fprintf(&b, " int32 f%d = %d;", j, j)
		}
		b.WriteString(" }\n")
	}
	return b.String()
}

// jsonOrders is nested objects with descriptions, bounds, arrays and enums.
func jsonOrders(n int) string {
	var b strings.Builder
	b.WriteString(`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"order%d":{"type":"object","description":"An order.","properties":{"id":{"type":"string","minLength":1},"amount":{"type":"number","minimum":0},"tags":{"type":"array","items":{"type":"string"}},"status":{"enum":["open","closed"]}},"required":["id","amount"],"additionalProperties":false}`, i)
	}
	b.WriteString(`}}`)
	return b.String()
}

// jsonDense is one object of many short integer properties.
func jsonDense(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"p%d":{"type":"integer"}`, i)
	}
	b.WriteString(`}}`)
	return b.String()
}

// avroOrders is a record of named records with docs, arrays, enums, unions.
func avroOrders(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Root","namespace":"acme.orders","fields":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"order%d","type":{"type":"record","name":"Order%d","doc":"An order.","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double","default":0},{"name":"tags","type":{"type":"array","items":"string"}},{"name":"status","type":{"type":"enum","name":"Status%d","symbols":["OPEN","CLOSED"]}},{"name":"note","type":["null","string"],"default":null}]}}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// measureParsed returns the heap bytes one parsed copy of text keeps, averaged
// over a few copies kept alive together.
func measureParsed(t *testing.T, f compat.Format, text string) float64 {
	t.Helper()
	const copies = 8
	// A first parse outside the measurement, so what the format builds once
	// per process (or evicts from its caches of compiled forms) is not
	// counted against the copies.
	if _, err := f.Parse(text, nil); err != nil {
		t.Fatalf("parse: %v", err)
	}
	keep := make([]compat.Schema, copies)
	before := heapInUse()
	for i := range keep {
		s, err := f.Parse(text, nil)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		keep[i] = s
	}
	after := heapInUse()
	runtime.KeepAlive(keep)
	if after < before {
		return 0
	}
	return float64(after-before) / copies
}

// TestParsedCostEstimate calibrates parsedCost: it parses schemas of each format
// in several shapes and sizes, measures the heap each keeps, and fails when the
// estimate is off by more than a factor of two either way. The cost is linear
// in the text, so ~100 KB texts keep the test quick; realistic 20-field
// records keep fewer bytes per byte than those dense large texts. Not parallel: other
// tests' allocations would blur the heap measurement.
func TestParsedCostEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("measures heap growth of parsed ~100 KB schemas; skipped with -short")
	}
	// What a parsed schema keeps beyond the bounded caches of compiled forms
	// (see parsedCosts): measure with those caches keeping nothing.
	defer protobuf.SetDescriptorCacheBytes(protobuf.SetDescriptorCacheBytes(0))
	defer jsonschema.SetFormsCacheBytes(jsonschema.SetFormsCacheBytes(0))
	tests := []struct {
		name string
		f    compat.Format
		text string
	}{
		{"ProtobufTiny", protobuf.New(), "syntax = \"proto3\";\nmessage A { int32 a = 1; }"},
		{"ProtobufOrders100KB", protobuf.New(), protoOrders(300)},
		{"ProtobufDense100KB", protobuf.New(), protoDense(300)},
		{"JSONSchemaTiny", jsonschema.New(), `{}`},
		{"JSONSchemaOrders100KB", jsonschema.New(), jsonOrders(300)},
		{"JSONSchemaDense80KB", jsonschema.New(), jsonDense(3000)},
		{"AvroTiny", avro.New(), `"string"`},
		{"AvroOrders100KB", avro.New(), avroOrders(300)},
		{"AvroRecord20", avro.New(), compattest.AvroRecord(0, 20)},
		{"JSONSchemaRecord20", jsonschema.New(), compattest.JSONSchemaRecord(0, 20)},
		{"ProtobufRecord20", protobuf.New(), compattest.ProtobufRecord(0, 20)},
	}
	for _, tt := range tests {
		t.Run(tt.name+"EstimateWithinFactorTwo", func(t *testing.T) {
			p, err := tt.f.Parse(tt.text, nil)
			if err != nil {
				t.Fatal(err)
			}
			est := float64(parsedCost(p.Type(), tt.text, nil))
			measured := measureParsed(t, tt.f, tt.text)
			t.Logf("text %d bytes: measured %.0f bytes (%.1f per byte), estimated %.0f", len(tt.text), measured, measured/float64(len(tt.text)), est)
			// Tiny schemas measure within a few hundred bytes of noise (a
			// map growing elsewhere): a kilobyte either way is within bounds
			// for a cache of many megabytes.
			if (est < measured/2 || est > measured*2) && math.Abs(est-measured) > 1024 {
				t.Errorf("estimate %.0f bytes is not within a factor of two of the measured %.0f bytes", est, measured)
			}
		})
	}
}
