package catalog

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Token is a run of schema text with a highlighting class: "k" (key or keyword),
// "s" (string), "n" (number or literal), "c" (comment), "p" (punctuation) or ""
// (plain). Templates wrap each class in a span; the text is escaped there.
type Token struct {
	Class string
	Text  string
}

func indentJSON(s string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(s), "", "  "); err != nil {
		return s
	}
	return b.String()
}

// Highlight splits pretty-printed schema text into highlighted tokens.
func Highlight(t compat.SchemaType, text string) []Token {
	if t == compat.Protobuf {
		return highlightProto(text)
	}
	return highlightJSON(text)
}

// tokens collects highlighted tokens, merging runs of plain text into one.
type tokens struct {
	out   []Token
	plain strings.Builder
}

// emit ends the plain run and appends a token of class.
func (t *tokens) emit(class, text string) {
	t.flush()
	t.out = append(t.out, Token{Class: class, Text: text})
}

func (t *tokens) flush() {
	if t.plain.Len() > 0 {
		t.out = append(t.out, Token{Text: t.plain.String()})
		t.plain.Reset()
	}
}

// done returns every token, the last plain run included.
func (t *tokens) done() []Token {
	t.flush()
	return t.out
}

// quotedEnd returns the end of the string literal opened by the quote at
// s[i], past its closing quote (or the end of s if it is unterminated). A
// backslash escapes the byte after it.
func quotedEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && s[j] != s[i] {
		if s[j] == '\\' {
			j++
		}
		j++
	}
	return min(j+1, len(s))
}

func highlightJSON(s string) []Token {
	var t tokens
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			j := quotedEnd(s, i)
			// A string followed by ':' is a key.
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			class := "s"
			if k < len(s) && s[k] == ':' {
				class = "k"
			}
			t.emit(class, s[i:j])
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789.eE+-", s[j]) >= 0 {
				j++
			}
			t.emit("n", s[i:j])
			i = j
		case strings.HasPrefix(s[i:], "true") || strings.HasPrefix(s[i:], "null"):
			t.emit("n", s[i:i+4])
			i += 4
		case strings.HasPrefix(s[i:], "false"):
			t.emit("n", s[i:i+5])
			i += 5
		default:
			t.plain.WriteByte(c)
			i++
		}
	}
	return t.done()
}

var protoKeywords = map[string]bool{
	"syntax": true, "package": true, "import": true, "option": true, "message": true, "enum": true,
	"service": true, "rpc": true, "returns": true, "repeated": true, "optional": true, "required": true,
	"oneof": true, "map": true, "reserved": true, "extend": true, "public": true, "weak": true, "stream": true,
	"edition": true,
}

var protoTypes = map[string]bool{
	"double": true, "float": true, "int32": true, "int64": true, "uint32": true, "uint64": true,
	"sint32": true, "sint64": true, "fixed32": true, "fixed64": true, "sfixed32": true, "sfixed64": true,
	"bool": true, "string": true, "bytes": true, "true": true, "false": true,
}

func highlightProto(s string) []Token {
	var t tokens
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			t.emit("c", s[i:i+j])
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			end := len(s)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			t.emit("c", s[i:end])
			i = end
		case c == '"' || c == '\'':
			j := quotedEnd(s, i)
			t.emit("s", s[i:j])
			i = j
		case isIdent(c):
			// A number or a (dotted) name; a name that is a keyword or a
			// scalar type is highlighted.
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			w := s[i:j]
			switch {
			case c >= '0' && c <= '9':
				t.emit("n", w)
			case protoKeywords[w]:
				t.emit("k", w)
			case protoTypes[w]:
				t.emit("n", w)
			default:
				t.plain.WriteString(w)
			}
			i = j
		default:
			t.plain.WriteByte(c)
			i++
		}
	}
	return t.done()
}
