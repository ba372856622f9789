package avro

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/jsonlex"
)

// normalize writes n in the normalized form documented on Schema.Normalized.
func normalize(n *node) string {
	w := &normWriter{defined: map[*node]bool{}}
	w.schema(n, "")
	return w.b.String()
}

type normWriter struct {
	b       strings.Builder
	defined map[*node]bool
}

func (w *normWriter) str(s string) { writeJSONString(&w.b, s) }

func (w *normWriter) key(first *bool, k string) {
	if !*first {
		w.b.WriteByte(',')
	}
	*first = false
	w.str(k)
	w.b.WriteByte(':')
}

// schema writes n; ns is the namespace a bare name would resolve against.
func (w *normWriter) schema(n *node, ns string) {
	switch n.kind {
	case kUnion:
		w.b.WriteByte('[')
		for i, br := range n.branches {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.schema(br, ns)
		}
		w.b.WriteByte(']')
		return
	case kRecord, kEnum, kFixed:
		if n.fromRef || w.defined[n] {
			w.str(n.full)
			return
		}
		w.defined[n] = true
		w.named(n, ns)
		return
	}
	if n.kind != kArray && n.kind != kMap && n.logical == "" && len(n.props) == 0 {
		w.str(n.kind.String())
		return
	}
	first := true
	w.b.WriteByte('{')
	w.key(&first, "type")
	w.str(n.kind.String())
	switch n.kind {
	case kArray:
		w.key(&first, "items")
		w.schema(n.items, ns)
	case kMap:
		w.key(&first, "values")
		w.schema(n.values, ns)
	}
	w.logical(&first, n)
	w.props(&first, n.props)
	w.b.WriteByte('}')
}

func (w *normWriter) logical(first *bool, n *node) {
	if n.logical == "" {
		return
	}
	w.key(first, "logicalType")
	w.str(n.logical)
	if n.logical == "decimal" && (n.kind == kBytes || n.kind == kFixed) {
		w.key(first, "precision")
		w.b.WriteString(strconv.Itoa(n.precision))
		w.key(first, "scale")
		w.b.WriteString(strconv.Itoa(n.scale))
	}
}

func (w *normWriter) named(n *node, ns string) {
	first := true
	w.b.WriteByte('{')
	w.key(&first, "type")
	w.str(n.kind.String())
	w.key(&first, "name")
	w.str(n.full)
	if n.namespace == "" && ns != "" {
		// A bare name would inherit the enclosing namespace.
		w.key(&first, "namespace")
		w.str("")
	}
	w.aliasesAndDoc(&first, n.aliases, n.doc)
	switch n.kind {
	case kRecord:
		w.key(&first, "fields")
		w.b.WriteByte('[')
		for i, f := range n.fields {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.field(f, n.namespace)
		}
		w.b.WriteByte(']')
	case kEnum:
		w.key(&first, "symbols")
		w.strings(n.symbols)
		if n.hasEnumDefault {
			w.key(&first, "default")
			w.str(n.enumDefault)
		}
	case kFixed:
		w.key(&first, "size")
		w.b.WriteString(strconv.Itoa(n.size))
		w.logical(&first, n)
	}
	w.props(&first, n.props)
	w.b.WriteByte('}')
}

func (w *normWriter) field(f *field, ns string) {
	first := true
	w.b.WriteByte('{')
	w.key(&first, "name")
	w.str(f.name)
	w.aliasesAndDoc(&first, f.aliases, f.doc)
	w.key(&first, "type")
	w.schema(f.typ, ns)
	if f.hasDef {
		w.key(&first, "default")
		writeJSONValue(&w.b, f.def)
	}
	if f.order != "" && f.order != "ascending" {
		w.key(&first, "order")
		w.str(f.order)
	}
	w.props(&first, f.props)
	w.b.WriteByte('}')
}

// aliasesAndDoc writes the aliases, sorted, and the doc of a named type or a
// field, each only when present.
func (w *normWriter) aliasesAndDoc(first *bool, aliases []string, doc string) {
	if len(aliases) > 0 {
		w.key(first, "aliases")
		w.strings(slices.Sorted(slices.Values(aliases)))
	}
	if doc != "" {
		w.key(first, "doc")
		w.str(doc)
	}
}

func (w *normWriter) strings(ss []string) {
	w.b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.str(s)
	}
	w.b.WriteByte(']')
}

func (w *normWriter) props(first *bool, props map[string]any) {
	if len(props) == 0 {
		return
	}
	for _, k := range sortedKeys(props) {
		w.key(first, k)
		writeJSONValue(&w.b, props[k])
	}
}

// writeJSONValue writes a default or attribute value canonically: object keys sorted,
// numbers in shortest form, bytes as one code point per byte (Avro's JSON for bytes).
func writeJSONValue(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case string:
		writeJSONString(b, t)
	case []byte:
		rs := make([]rune, len(t))
		for i, c := range t {
			rs[i] = rune(c)
		}
		writeJSONString(b, string(rs))
	case int32:
		b.WriteString(strconv.FormatInt(int64(t), 10))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case int:
		b.WriteString(strconv.Itoa(t))
	case float32:
		writeFloat(b, float64(t), 32)
	case float64:
		writeFloat(b, t, 64)
	case json.Number:
		b.WriteString(t.String())
	case []any, map[string]any:
		jsonlex.WriteContainer(b, t, func(k string) { writeJSONString(b, k) }, func(e any) { writeJSONValue(b, e) })
	default:
		// Not produced by the parser; fall back to encoding/json.
		out, err := json.Marshal(t)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(out)
	}
}

func writeFloat(b *strings.Builder, f float64, bits int) {
	switch {
	case math.IsNaN(f):
		b.WriteString(`"NaN"`)
	case math.IsInf(f, 1):
		b.WriteString(`"Infinity"`)
	case math.IsInf(f, -1):
		b.WriteString(`"-Infinity"`)
	default:
		b.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
	}
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string, escaping only what JSON requires.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xF])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}
