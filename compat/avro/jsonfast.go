package avro

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/heraldhq/herald/internal/jsonlex"
)

// jsonValid is the fast path of JSON validation: one pass over the bytes, guided by
// the schema, with no tree built. It only answers valid or not; when it says not
// valid, validateJSON runs to explain why. Leaf values go through the same checks
// as validateJSON, so the two agree (a fuzz test holds them to it).
//
// Trying union branches means backtracking, which a hostile schema and payload could
// make exponential, so the scan has a step budget proportional to the payload size;
// exhausted reports that it ran out.
func jsonValid(root *node, b []byte) (valid, exhausted bool) {
	s := &jscan{b: b, leaf: jsonVal{quiet: 1}, budget: stepBudget(len(b))}
	s.ws()
	if !s.value(root) {
		return false, s.steps > s.budget
	}
	s.ws()
	return s.i == len(s.b), false
}

// stepBudget is how many schema nodes validating a payload of n bytes may visit.
func stepBudget(n int) int { return 64*n + 10000 }

type jscan struct {
	b      []byte
	i      int
	depth  int
	steps  int
	budget int
	leaf   jsonVal // checks leaf values quietly
}

func (s *jscan) ws() { s.i = jsonlex.Space(s.b, s.i) }

func (s *jscan) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jscan) lit(l string) bool {
	if len(s.b)-s.i >= len(l) && string(s.b[s.i:s.i+len(l)]) == l {
		s.i += len(l)
		return true
	}
	return false
}

// number scans a JSON number token.
func (s *jscan) number() ([]byte, bool) {
	end, ok := jsonlex.Number(s.b, s.i)
	if !ok {
		return nil, false
	}
	num := s.b[s.i:end]
	s.i = end
	return num, true
}

// str scans a JSON string token and returns its decoded text, replacing invalid
// UTF-8 and lone surrogates with U+FFFD as encoding/json does. The result aliases the
// input when the token has no escapes and no multi-byte characters.
func (s *jscan) str() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	s.i++
	start := s.i
	simple := true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw := s.b[start:s.i]
			s.i++
			if simple {
				return raw, true
			}
			return decodeJSONString(raw), true
		case c == '\\':
			simple = false
			s.i++
			if s.i >= len(s.b) {
				return nil, false
			}
			if s.b[s.i] == 'u' {
				if len(s.b)-s.i < 5 {
					return nil, false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return nil, false
					}
				}
				s.i += 5
				continue
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			simple = false
			s.i++
		default:
			s.i++
		}
	}
	return nil, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// decodeJSONString decodes the inside of a string token already checked by str.
func decodeJSONString(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			e := raw[i+1]
			if e != 'u' {
				out = append(out, unescape[e])
				i += 2
				continue
			}
			r := hex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2 : i+6])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, raw[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func hex4(b []byte) rune {
	v, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(v)
}

// value checks the value at the cursor against n and moves past it.
func (s *jscan) value(n *node) bool {
	s.depth++
	defer func() { s.depth-- }()
	s.steps++
	if s.depth > maxDepth || s.steps > s.budget {
		return false
	}
	switch n.kind {
	case kNull:
		return s.lit("null")
	case kBoolean:
		return s.lit("true") || s.lit("false")
	case kArray:
		return s.array(n)
	case kMap, kRecord:
		return s.object(n)
	case kUnion:
		return s.union(n)
	}
	// Leaves: scan the token; take the common cases here and hand the rest to
	// validateJSON's checks.
	var x any
	switch c := s.peek(); {
	case c == '"':
		str, ok := s.str()
		if !ok {
			return false
		}
		switch {
		case n.kind == kString && n.logical == "":
			return true
		case n.kind == kEnum:
			return n.hasSymbolBytes(str)
		}
		x = string(str)
	case c == '-' || c >= '0' && c <= '9':
		num, ok := s.number()
		if !ok {
			return false
		}
		if n.logical == "" && len(num) < 19 && allDigits(num) {
			// Whole numbers of up to 9 digits fit every numeric type; up to 18
			// digits fit all but int.
			switch n.kind {
			case kInt:
				if len(num) < 10 {
					return true
				}
			case kLong, kFloat, kDouble:
				return true
			}
		}
		x = json.Number(string(num))
	default:
		return false
	}
	return s.leaf.check(n, x)
}

func allDigits(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func (s *jscan) array(n *node) bool {
	if s.peek() != '[' {
		return false
	}
	s.i++
	s.ws()
	if s.peek() == ']' {
		s.i++
		return true
	}
	for {
		s.ws()
		if !s.value(n.items) {
			return false
		}
		s.ws()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// object scans a map, a record, or (tagged set) a one-key union wrapper.
func (s *jscan) object(n *node) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	var small uint64
	var big []bool
	if n.kind == kRecord && len(n.fields) > 64 {
		big = make([]bool, len(n.fields))
	}
	s.ws()
	if s.peek() == '}' {
		s.i++
		return n.kind == kMap || s.fieldsComplete(n, small, big)
	}
	for {
		s.ws()
		key, ok := s.str()
		if !ok {
			return false
		}
		var t *node
		if n.kind == kMap {
			t = n.values
		} else {
			i, ok := n.fieldBytes(key)
			if !ok {
				return false
			}
			t = n.fields[i].typ
			if big != nil {
				big[i] = true
			} else {
				small |= 1 << uint(i)
			}
		}
		if !s.memberValue(t) {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return n.kind == kMap || s.fieldsComplete(n, small, big)
		default:
			return false
		}
	}
}

// memberValue scans the ':' after an object member's key and the value, of type
// n, with the white space around them.
func (s *jscan) memberValue(n *node) bool {
	s.ws()
	if s.peek() != ':' {
		return false
	}
	s.i++
	s.ws()
	if !s.value(n) {
		return false
	}
	s.ws()
	return true
}

// fieldsComplete reports whether every record field not seen may be left out.
func (s *jscan) fieldsComplete(n *node, small uint64, big []bool) bool {
	for i, f := range n.fields {
		present := small&(1<<uint(i)) != 0
		if big != nil {
			present = big[i]
		}
		if !present && !f.hasDef && !nullable(f.typ) {
			return false
		}
	}
	return true
}

// union tries each branch on the bare value, then Avro's tagged {"branch": value}.
func (s *jscan) union(n *node) bool {
	start := s.i
	for _, br := range n.branches {
		s.i = start
		if s.value(br) {
			return true
		}
	}
	s.i = start
	if s.peek() != '{' {
		return false
	}
	s.i++
	s.ws()
	key, ok := s.str()
	if !ok {
		return false
	}
	br := branchByName(n, string(key))
	if br == nil {
		return false
	}
	if !s.memberValue(br) {
		return false
	}
	if s.peek() != '}' {
		return false
	}
	s.i++
	return true
}
