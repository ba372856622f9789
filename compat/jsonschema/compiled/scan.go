package compiled

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The scanner reads RFC 8259 JSON exactly as strictly as encoding/json does:
// a payload the compiled validator calls valid must also decode in the full
// validator, or the two would disagree. Where encoding/json silently changes
// a value (invalid UTF-8 and lone surrogates become U+FFFD), the scanner
// reports the string as one it cannot judge, and the payload goes to the full
// validator.

// maxDepth bounds the nesting the scanner follows. encoding/json refuses more
// than 10000 levels; the compiled validator leaves anything past this bound
// to the full validator, which reports it.
const maxDepth = 1000

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ws returns the first offset at or after p that is not white space.
func (r *run) ws(p int) int {
	for p < len(r.buf) && isWS(r.buf[p]) {
		p++
	}
	return p
}

// str is a scanned JSON string.
type str struct {
	start, end int  // the token, quotes included
	escaped    bool // the content holds backslash escapes
	nonASCII   bool // the content holds bytes of 0x80 and above
}

// content returns the raw bytes between the quotes.
func (s str) content(b []byte) []byte { return b[s.start+1 : s.end-1] }

// scanString scans the string token at p (which holds '"'); ok is false on a
// syntax error.
func (r *run) scanString(p int) (s str, ok bool) {
	b := r.buf
	s.start = p
	p++
	for p < len(b) {
		c := b[p]
		switch {
		case c == '"':
			s.end = p + 1
			return s, true
		case c == '\\':
			s.escaped = true
			if p+1 >= len(b) {
				return s, false
			}
			switch b[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				if p+6 > len(b) {
					return s, false
				}
				for _, h := range b[p+2 : p+6] {
					if hexVal(h) < 0 {
						return s, false
					}
				}
				p += 6
			default:
				return s, false
			}
		case c < 0x20:
			return s, false
		default:
			if c >= 0x80 {
				s.nonASCII = true
			}
			p++
		}
	}
	return s, false
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// text returns the string's decoded content, in r.scratch when it has
// escapes; ok is false when encoding/json would have replaced part of it
// (invalid UTF-8 or a lone surrogate), which the caller treats as unsure. The
// result is valid until the next call that uses r.scratch past mark.
func (r *run) text(s str) (out []byte, ok bool) {
	raw := s.content(r.buf)
	if s.nonASCII && !utf8.Valid(raw) {
		return nil, false
	}
	if !s.escaped {
		return raw, true
	}
	mark := len(r.scratch)
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			r.scratch = append(r.scratch, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			r.scratch = append(r.scratch, '\b')
		case 'f':
			r.scratch = append(r.scratch, '\f')
		case 'n':
			r.scratch = append(r.scratch, '\n')
		case 'r':
			r.scratch = append(r.scratch, '\r')
		case 't':
			r.scratch = append(r.scratch, '\t')
		case 'u':
			c1 := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(c1) {
				if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					r.scratch = r.scratch[:mark]
					return nil, false
				}
				c2 := hex4(raw[i+2:])
				dec := utf16.DecodeRune(c1, c2)
				if dec == utf8.RuneError {
					r.scratch = r.scratch[:mark]
					return nil, false
				}
				c1 = dec
				i += 6
			}
			r.scratch = utf8.AppendRune(r.scratch, c1)
			continue
		default: // '"', '\\', '/'
			r.scratch = append(r.scratch, raw[i+1])
		}
		i += 2
	}
	return r.scratch[mark:], true
}

func hex4(b []byte) rune {
	return rune(hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3]))
}

// literal checks the literal lit at p and returns the offset after it.
func (r *run) literal(p int, lit string) (int, bool) {
	if len(r.buf)-p < len(lit) || string(r.buf[p:p+len(lit)]) != lit {
		return p, false
	}
	return p + len(lit), true
}

// skip scans one value at p (after white space) without judging it and
// returns the offset after it; ok is false on a syntax error, too deep a
// nesting or a spent budget.
func (r *run) skip(p int, depth int) (int, bool) {
	r.steps++
	if r.steps > r.budget || depth > maxDepth {
		return p, false
	}
	p = r.ws(p)
	if p >= len(r.buf) {
		return p, false
	}
	switch r.buf[p] {
	case '"':
		s, ok := r.scanString(p)
		return s.end, ok
	case '{':
		p = r.ws(p + 1)
		if p < len(r.buf) && r.buf[p] == '}' {
			return p + 1, true
		}
		for {
			if p >= len(r.buf) || r.buf[p] != '"' {
				return p, false
			}
			s, ok := r.scanString(p)
			if !ok {
				return p, false
			}
			p = r.ws(s.end)
			if p >= len(r.buf) || r.buf[p] != ':' {
				return p, false
			}
			if p, ok = r.skip(p+1, depth+1); !ok {
				return p, false
			}
			var more bool
			if p, more, ok = r.next(p, '}'); !ok {
				return p, false
			} else if !more {
				return p, true
			}
		}
	case '[':
		p = r.ws(p + 1)
		if p < len(r.buf) && r.buf[p] == ']' {
			return p + 1, true
		}
		for {
			var ok, more bool
			if p, ok = r.skip(p, depth+1); !ok {
				return p, false
			}
			if p, more, ok = r.next(p, ']'); !ok {
				return p, false
			} else if !more {
				return p, true
			}
		}
	case 't':
		return r.literal(p, "true")
	case 'f':
		return r.literal(p, "false")
	case 'n':
		return r.literal(p, "null")
	default:
		var n num
		return r.scanNumber(p, &n)
	}
}

// next reads the separator after a member or item: a comma (more is true and
// p is at the next token) or the closing byte (more is false and p is past it).
func (r *run) next(p int, closing byte) (int, bool, bool) {
	p = r.ws(p)
	if p >= len(r.buf) {
		return p, false, false
	}
	switch r.buf[p] {
	case ',':
		return r.ws(p + 1), true, true
	case closing:
		return p + 1, false, true
	}
	return p, false, false
}
