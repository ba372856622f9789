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

func highlightJSON(s string) []Token {
	var out []Token
	plain := strings.Builder{}
	flush := func() {
		if plain.Len() > 0 {
			out = append(out, Token{Text: plain.String()})
			plain.Reset()
		}
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			// A string followed by ':' is a key.
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '\t') {
				k++
			}
			class := "s"
			if k < len(s) && s[k] == ':' {
				class = "k"
			}
			flush()
			out = append(out, Token{Class: class, Text: s[i:j]})
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789.eE+-", s[j]) >= 0 {
				j++
			}
			flush()
			out = append(out, Token{Class: "n", Text: s[i:j]})
			i = j
		case strings.HasPrefix(s[i:], "true") || strings.HasPrefix(s[i:], "null"):
			flush()
			out = append(out, Token{Class: "n", Text: s[i : i+4]})
			i += 4
		case strings.HasPrefix(s[i:], "false"):
			flush()
			out = append(out, Token{Class: "n", Text: s[i : i+5]})
			i += 5
		default:
			plain.WriteByte(c)
			i++
		}
	}
	flush()
	return out
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
	var out []Token
	plain := strings.Builder{}
	flush := func() {
		if plain.Len() > 0 {
			out = append(out, Token{Text: plain.String()})
			plain.Reset()
		}
	}
	emit := func(class, text string) {
		flush()
		out = append(out, Token{Class: class, Text: text})
	}
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			emit("c", s[i:i+j])
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			end := len(s)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			emit("c", s[i:end])
			i = end
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			emit("s", s[i:j])
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			emit("n", s[i:j])
			i = j
		case isIdent(c):
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			w := s[i:j]
			switch {
			case protoKeywords[w]:
				emit("k", w)
			case protoTypes[w]:
				emit("n", w)
			default:
				plain.WriteString(w)
			}
			i = j
		default:
			plain.WriteByte(c)
			i++
		}
	}
	flush()
	return out
}
