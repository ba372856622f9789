// Package jsonlex holds the JSON rules that Herald's hand-written JSON code
// shares: the grammar of white space and numbers, for the Avro fast validator
// (compat/avro) and the publish body scanner (server), and the canonical
// layout of arrays and objects, for the schema normalizers. Each keeps its own
// walk and its own rules for strings and numbers.
package jsonlex

import (
	"io"
	"maps"
	"slices"
)

// Space returns the index of the first byte at or after i in b that is not
// JSON white space (space, tab, line feed, carriage return).
func Space(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Number returns the end of the JSON number that starts at b[i], of the
// grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; ok is false when
// no number starts there.
func Number(b []byte, i int) (end int, ok bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		start := i + 1
		if i = digits(b, start); i == start {
			return i, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		start := i
		if i = digits(b, i); i == start {
			return i, false
		}
	}
	return i, true
}

// digits returns the end of the run of decimal digits at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// Writer is what the canonical JSON writers write to: a *strings.Builder or a
// *bytes.Buffer.
type Writer interface {
	io.ByteWriter
	io.StringWriter
}

// WriteContainer writes v when it is a JSON array ([]any) or object
// (map[string]any) in the canonical layout: no white space, object keys in
// byte order. It writes each key with key and each element with value, so
// that the caller keeps its own rules for strings, numbers and nesting; it
// reports false, and writes nothing, when v is neither.
func WriteContainer(w Writer, v any, key func(string), value func(any)) bool {
	switch v := v.(type) {
	case []any:
		_ = w.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				_ = w.WriteByte(',')
			}
			value(e)
		}
		_ = w.WriteByte(']')
	case map[string]any:
		_ = w.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				_ = w.WriteByte(',')
			}
			key(k)
			_ = w.WriteByte(':')
			value(v[k])
		}
		_ = w.WriteByte('}')
	default:
		return false
	}
	return true
}

// Strings follows a byte-by-byte walk of JSON text and tells the bytes of
// strings from the rest, escapes included. The zero value starts outside a
// string.
type Strings struct{ in, escaped bool }

// Next takes the next byte and reports whether it belongs to a string: its
// quotes or its content.
func (s *Strings) Next(c byte) bool {
	switch {
	case !s.in:
		s.in = c == '"'
	case s.escaped:
		s.escaped = false
	case c == '\\':
		s.escaped = true
	case c == '"':
		s.in = false
	}
	return s.in || c == '"'
}
