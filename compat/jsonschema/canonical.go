package jsonschema

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/heraldhq/herald/internal/jsonlex"
)

// normalize renders a decoded document as compact JSON with object keys sorted at
// every level. Numbers keep their spelling; strings are re-escaped the same way
// every time, so normalizing a normalized document changes nothing.
func normalize(doc any) string {
	var b bytes.Buffer
	writeNormalized(&b, doc)
	return b.String()
}

func writeNormalized(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case json.Number:
		b.WriteString(string(v))
	case string:
		writeString(b, v)
	case []any, map[string]any:
		jsonlex.WriteContainer(b, v, func(k string) { writeString(b, k) }, func(e any) { writeNormalized(b, e) })
	default:
		// Decoded documents hold only the types above; be safe anyway.
		out, _ := json.Marshal(v)
		b.Write(out)
	}
}

// writeString writes s as a JSON string without HTML escaping.
func writeString(b *bytes.Buffer, s string) {
	var tmp bytes.Buffer
	enc := json.NewEncoder(&tmp)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(tmp.Bytes(), []byte("\n")))
}
