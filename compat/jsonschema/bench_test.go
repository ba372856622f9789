package jsonschema_test

import (
	"bytes"
	"fmt"
	"github.com/heraldhq/herald/compat/compattest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// wideSchema returns an object schema with n properties of assorted types; edit
// changes a few of them (relaxing most, breaking one).
func wideSchema(n int, edit bool) string {
	var b strings.Builder
	b.WriteString(`{"type":"object","additionalProperties":false,"required":["p0","p1"],"properties":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		maxLen := 20
		if edit && i%100 == 7 {
			maxLen = 40 // relaxed
		}
		if edit && i == 500 {
			maxLen = 10 // breaking
		}
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, `"p%d":{"type":"string","maxLength":%d}`, i, maxLen)
		case 1:
			fmt.Fprintf(&b, `"p%d":{"type":"integer","minimum":0}`, i)
		case 2:
			fmt.Fprintf(&b, `"p%d":{"type":"array","items":{"type":"string","enum":["a","b","c"]}}`, i)
		case 3:
			fmt.Fprintf(&b, `"p%d":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":["string","null"]}}}`, i)
		}
	}
	if edit {
		b.WriteString(`,"added":{"type":"string"}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

func BenchmarkCanRead1000Properties(b *testing.B) {
	f := jsonschema.New()
	w, err := f.Parse(wideSchema(1000, false), nil)
	if err != nil {
		b.Fatal(err)
	}
	r, err := f.Parse(wideSchema(1000, true), nil)
	if err != nil {
		b.Fatal(err)
	}
	if vs := compattest.CanRead(b, f, r, w, compat.Options{}); len(vs) != 1 {
		b.Fatalf("want one violation, got %v", vs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		compattest.CanRead(b, f, r, w, compat.Options{})
	}
}

func BenchmarkCanRead1000PropertiesFresh(b *testing.B) {
	// Includes building the comparison model of freshly parsed schemas.
	f := jsonschema.New()
	wt, rt := wideSchema(1000, false), wideSchema(1000, true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w, err := f.Parse(wt, nil)
		if err != nil {
			b.Fatal(err)
		}
		r, err := f.Parse(rt, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		compattest.CanRead(b, f, r, w, compat.Options{})
	}
}

const orderSchema = `{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "customer", "items", "total", "currency", "createdAt"],
  "definitions": {
    "money": {"type": "number", "minimum": 0, "multipleOf": 0.01},
    "item": {
      "type": "object",
      "additionalProperties": false,
      "required": ["sku", "quantity", "price"],
      "properties": {
        "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
        "price": {"$ref": "#/definitions/money"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
      }
    }
  },
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "customer": {
      "type": "object",
      "required": ["id", "email"],
      "properties": {
        "id": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string", "maxLength": 100}
      }
    },
    "items": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/item"}},
    "total": {"$ref": "#/definitions/money"},
    "currency": {"enum": ["EUR", "USD", "GBP"]},
    "status": {"oneOf": [{"const": "new"}, {"const": "paid"}, {"const": "shipped"}]},
    "createdAt": {"type": "string", "format": "date-time"},
    "note": {"type": ["string", "null"]}
  }
}`

// orderEvent returns a valid order of about 1 KB.
func orderEvent() []byte {
	var b bytes.Buffer
	b.WriteString(`{"id":"5f0c6c4e-2b7a-4a53-9a7e-3f1f0d7e9b11","customer":{"id":"c-1029","email":"ada@example.com","name":"Ada Lovelace"},"items":[`)
	for i := 0; i < 6; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":"ABC-%04d","quantity":%d,"price":%d.99,"tags":["gift","fragile","t%d"]}`, 1000+i, i+1, 10+i, i)
	}
	b.WriteString(`],"total":125.94,"currency":"EUR","status":"paid","createdAt":"2026-03-01T12:30:00Z","note":"leave at the door, ring twice, thank you"}`)
	return b.Bytes()
}

func BenchmarkValidate1KB(b *testing.B) {
	payload := orderEvent()
	b.Run("herald", func(b *testing.B) {
		s, err := jsonschema.New().Parse(orderSchema, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Validate(payload, compat.EncodingJSON); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := s.Validate(payload, compat.EncodingJSON); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("santhosh-raw", func(b *testing.B) {
		// The baseline: the library alone, decoding with its own UnmarshalJSON.
		c := sjs.NewCompiler()
		c.DefaultDraft(sjs.Draft7)
		doc, err := sjs.UnmarshalJSON(strings.NewReader(orderSchema))
		if err != nil {
			b.Fatal(err)
		}
		if err := c.AddResource("mem://bench/order.json", doc); err != nil {
			b.Fatal(err)
		}
		sch, err := c.Compile("mem://bench/order.json")
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(payload)))
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			v, err := sjs.UnmarshalJSON(bytes.NewReader(payload))
			if err != nil {
				b.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name, text string
	}{{"order", orderSchema}, {"1000Properties", wideSchema(1000, false)}} {
		b.Run(bc.name, func(b *testing.B) {
			f := jsonschema.New()
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := f.Parse(bc.text, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
