package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// pathLine is the 1-based line of text where a violation's path lies, as
// far as it can be followed: a JSON Pointer ("/fields/1/type",
// "#/properties/a") in a JSON document (Avro, JSON Schema), or a Protobuf
// path of message, field names and field numbers ("#/M/N/1"). A path that
// cannot be followed to its end gives the line of its deepest part found,
// and 1 when none is.
func pathLine(text, path string) int {
	segs := pointerSegments(path)
	if len(segs) == 0 {
		return 1
	}
	var off int
	if json.Valid([]byte(text)) {
		off = jsonPointerOffset([]byte(text), segs)
	} else {
		off = protoPathOffset(text, segs)
	}
	return 1 + strings.Count(text[:off], "\n")
}

// pointerSegments splits a JSON Pointer, with or without its leading #, into
// its unescaped parts.
func pointerSegments(path string) []string {
	path = strings.TrimPrefix(path, "#")
	path = strings.Trim(path, "/")
	if path == "" {
		return nil
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return segs
}

// jsonPointerOffset is the byte offset in a valid JSON document of the value
// segs point at (the start of its member name in an object), or of its
// deepest part found.
func jsonPointerOffset(data []byte, segs []string) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	found := 0
	for _, seg := range segs {
		tok, err := dec.Token()
		if err != nil {
			return found
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return found
		}
		at := -1
		switch delim {
		case '{':
			for dec.More() {
				start := skipSpace(data, int(dec.InputOffset()))
				key, err := dec.Token()
				if err != nil {
					return found
				}
				if k, _ := key.(string); k == seg {
					at = start
					break
				}
				if skipValue(dec) != nil {
					return found
				}
			}
		case '[':
			want, err := strconv.Atoi(seg)
			if err != nil {
				return found
			}
			for i := 0; dec.More(); i++ {
				if i == want {
					at = skipSpace(data, int(dec.InputOffset()))
					break
				}
				if skipValue(dec) != nil {
					return found
				}
			}
		}
		if at < 0 {
			return found
		}
		found = at
	}
	return found
}

// skipValue reads past one JSON value.
func skipValue(dec *json.Decoder) error {
	var raw json.RawMessage
	return dec.Decode(&raw)
}

// skipSpace is the offset of the first byte at or after off that is not JSON
// white space, a comma or a colon: where the next token starts.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// protoFieldNumber finds a field declared with number N: "= N;" or "= N [".
var protoFieldNumber = regexp.MustCompile(`=\s*(\d+)\s*[;\[]`)

// protoPathOffset follows a Protobuf path through the text: each name part
// is the next line that declares it (message, enum or field name as a word),
// each number part the next field declared with that number.
func protoPathOffset(text string, segs []string) int {
	found, from := 0, 0
	for _, seg := range segs {
		at := -1
		if n, err := strconv.Atoi(seg); err == nil {
			for _, m := range protoFieldNumber.FindAllStringSubmatchIndex(text[from:], -1) {
				if v, _ := strconv.Atoi(text[from+m[2] : from+m[3]]); v == n {
					at = from + m[0]
					break
				}
			}
		} else if loc := regexp.MustCompile(`\b` + regexp.QuoteMeta(seg) + `\b`).FindStringIndex(text[from:]); loc != nil {
			at = from + loc[0]
		}
		if at < 0 {
			return found
		}
		found, from = at, at+1
	}
	return found
}
