package jsonschema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// pathTokens splits a "#/..." path into unescaped JSON pointer tokens.
func pathTokens(path string) []string {
	p := strings.TrimPrefix(path, "#")
	if p == "" || p == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, t := range parts {
		parts[i] = unescapeToken(t)
	}
	return parts
}

// locate returns the byte offset in the JSON text b of the value that tokens
// point at; when the last token is an object member, the offset of its key.
func locate(b []byte, tokens []string) (int64, bool) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	skip := func(off int64) int64 {
		for off < int64(len(b)) && (isSpace(b[off]) || b[off] == ',' || b[off] == ':') {
			off++
		}
		return off
	}
	var walk func(toks []string) (int64, bool)
	walk = func(toks []string) (int64, bool) {
		if len(toks) == 0 {
			return skip(d.InputOffset()), true
		}
		t, err := d.Token()
		if err != nil {
			return 0, false
		}
		switch t {
		case json.Delim('{'):
			for d.More() {
				keyOff := skip(d.InputOffset())
				k, err := d.Token()
				if err != nil {
					return 0, false
				}
				if k == toks[0] {
					if len(toks) == 1 {
						return keyOff, true
					}
					return walk(toks[1:])
				}
				if !skipValue(d) {
					return 0, false
				}
			}
		case json.Delim('['):
			want, err := strconv.Atoi(toks[0])
			if err != nil {
				return 0, false
			}
			for i := 0; d.More(); i++ {
				if i == want {
					return walk(toks[1:])
				}
				if !skipValue(d) {
					return 0, false
				}
			}
		}
		return 0, false
	}
	return walk(tokens)
}

// skipValue consumes one JSON value from d.
func skipValue(d *json.Decoder) bool {
	depth := 0
	for {
		t, err := d.Token()
		if err != nil {
			return false
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return true
		}
	}
}
