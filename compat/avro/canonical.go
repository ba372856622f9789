package avro

import (
	"bytes"
	"encoding/json"
	"strings"
)

// canonicalText is the stored form of compacted schema text: the same JSON with
// every "namespace" that only repeats the enclosing one dropped. A nested named
// type inherits its enclosing namespace, so writing it out again changes
// nothing, and Avro's own printer (Schema.toString in Java, which Confluent
// keys ids on) leaves it out: both spellings then are one schema with one id,
// as in Confluent. Everything else stays as submitted.
func canonicalText(compacted string) string {
	if !strings.Contains(compacted, `"namespace"`) {
		return compacted
	}
	out, changed := rewriteSchema([]byte(compacted), "", false)
	if !changed {
		return compacted
	}
	return string(out)
}

// member is one "key":value of a JSON object, both as raw bytes.
type member struct {
	key string // decoded, to compare
	raw []byte // the key as written, quotes included
	val json.RawMessage
}

// objectMembers splits a compact JSON object into its members, in order.
func objectMembers(b []byte) ([]member, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	var out []member
	for d.More() {
		start := d.InputOffset()
		t, err := d.Token()
		k, ok := t.(string)
		if err != nil || !ok {
			return nil, false
		}
		raw := bytes.TrimLeft(b[start:d.InputOffset()], ",")
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, false
		}
		out = append(out, member{key: k, raw: raw, val: v})
	}
	return out, true
}

func writeMembers(ms []member) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(m.raw)
		b.WriteByte(':')
		b.Write(m.val)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// rewriteSchema drops inherited namespaces in the schema b, whose enclosing
// namespace is ns (nested: inside a named type). It reports whether anything
// changed; the result is only meaningful then.
func rewriteSchema(b []byte, ns string, nested bool) ([]byte, bool) {
	if len(b) == 0 {
		return b, false
	}
	switch b[0] {
	case '[':
		var branches []json.RawMessage
		if json.Unmarshal(b, &branches) != nil {
			return b, false
		}
		changed := false
		for i, br := range branches {
			if nb, ok := rewriteSchema(br, ns, nested); ok {
				branches[i], changed = nb, true
			}
		}
		if !changed {
			return b, false
		}
		return joinArray(branches), true
	case '{':
	default:
		return b, false
	}
	ms, ok := objectMembers(b)
	if !ok {
		return b, false
	}
	var typ, name, space string
	hasSpace := false
	for _, m := range ms {
		var s string
		switch m.key {
		case "type":
			if json.Unmarshal(m.val, &s) == nil {
				typ = s
			}
		case "name":
			if json.Unmarshal(m.val, &s) == nil {
				name = s
			}
		case "namespace":
			if json.Unmarshal(m.val, &s) == nil {
				space, hasSpace = s, true
			}
		}
	}
	changed := false
	inner := ns
	switch typ {
	case "record", "error", "enum", "fixed":
		switch {
		case strings.Contains(name, "."):
			inner = name[:strings.LastIndexByte(name, '.')]
		case hasSpace:
			inner = space
			if nested && space == ns && ns != "" {
				ms, changed = without(ms, "namespace"), true
			}
		}
		nested = true
	}
	for i, m := range ms {
		var nb []byte
		var ok bool
		switch {
		case m.key == "fields" && (typ == "record" || typ == "error"):
			nb, ok = rewriteFields(m.val, inner)
		case m.key == "items" && typ == "array", m.key == "values" && typ == "map":
			nb, ok = rewriteSchema(m.val, inner, nested)
		case m.key == "type" && len(m.val) > 0 && (m.val[0] == '{' || m.val[0] == '['):
			nb, ok = rewriteSchema(m.val, inner, nested)
		}
		if ok {
			ms[i].val, changed = nb, true
		}
	}
	if !changed {
		return b, false
	}
	return writeMembers(ms), true
}

// rewriteFields rewrites the type of each field of a record whose namespace is ns.
func rewriteFields(b []byte, ns string) ([]byte, bool) {
	var fields []json.RawMessage
	if json.Unmarshal(b, &fields) != nil {
		return b, false
	}
	changed := false
	for i, f := range fields {
		ms, ok := objectMembers(f)
		if !ok {
			continue
		}
		fc := false
		for j, m := range ms {
			if m.key != "type" {
				continue
			}
			if nb, ok := rewriteSchema(m.val, ns, true); ok {
				ms[j].val, fc = nb, true
			}
		}
		if fc {
			fields[i], changed = writeMembers(ms), true
		}
	}
	if !changed {
		return b, false
	}
	return joinArray(fields), true
}

func without(ms []member, key string) []member {
	out := ms[:0:0]
	for _, m := range ms {
		if m.key != key {
			out = append(out, m)
		}
	}
	return out
}

func joinArray(xs []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(x)
	}
	b.WriteByte(']')
	return b.Bytes()
}
