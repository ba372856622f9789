package server

import (
	"encoding/base64"
	"errors"
	"fmt"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/heraldhq/herald/internal/jsonlex"
	"github.com/heraldhq/herald/server/broker"
)

// The JSON envelope is read in one pass over the request body. Each event's
// value (and key) stays a slice of the body: it is validated by the topic's
// validator and stored from those bytes, never decoded into Go values nor
// re-encoded. The scanner checks the JSON grammar of everything it slices,
// since a topic without a contract stores the value as given.
//
// Anything the scanner does not take on its fast path (an unknown field, an
// event that is not an object, an error of any kind) is handed to the general
// decoder (decodeEnvelopeSlow), which gives the same answer as before and
// every error message; the fast path only ever accepts what that decoder
// accepts, with the same events (FuzzPublishEnvelopeFastPath checks).

// maxJSONDepth bounds the nesting the scanner follows, as encoding/json does.
const maxJSONDepth = 10000

// errSlowPath sends the body to the general decoder.
var errSlowPath = errors.New("envelope: not on the fast path")

// scanEnvelope reads {"events":[{"id","key","value","headers"},…]} from body.
// Values and keys of JSON topics alias body; base64 ones (binary) are decoded
// into one buffer for the whole batch. ids are copied, as the broker keeps
// them in its deduplication index.
func scanEnvelope(body []byte, binary bool, maxEvents int) ([]broker.Event, error) {
	s := scanner{b: body}
	s.ws()
	if !s.byte('{') {
		return nil, errSlowPath
	}
	var evs []broker.Event
	seen := false
	if !s.empty('}') {
		for {
			key, ok := s.plainString()
			if !ok || string(key) != "events" || seen {
				return nil, errSlowPath
			}
			seen = true
			if !s.colon() {
				return nil, errSlowPath
			}
			var err error
			if evs, err = s.events(binary, maxEvents); err != nil {
				return nil, err
			}
			done, ok := s.next('}')
			if !ok {
				return nil, errSlowPath
			}
			if done {
				break
			}
		}
	}
	s.ws()
	if s.i != len(s.b) || !seen || evs == nil {
		return nil, errSlowPath
	}
	if binary {
		if err := decodeBase64Values(evs); err != nil {
			return nil, err
		}
	}
	return evs, nil
}

// scanner walks a JSON text; i is the next byte to read.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() { s.i = jsonlex.Space(s.b, s.i) }

// empty reads the white space after an opening bracket and reports whether
// close, the matching bracket, follows at once.
func (s *scanner) empty(close byte) bool {
	s.ws()
	return s.byte(close)
}

// colon reads the ':' after an object's key, and the white space around it.
func (s *scanner) colon() bool {
	s.ws()
	ok := s.byte(':')
	s.ws()
	return ok
}

// next reads what follows an element of an array or object: close, which
// ends it (done), or a comma and white space; ok is false on anything else.
func (s *scanner) next(close byte) (done, ok bool) {
	s.ws()
	if s.byte(close) {
		return true, true
	}
	if !s.byte(',') {
		return false, false
	}
	s.ws()
	return false, true
}

// byte consumes c if it is next.
func (s *scanner) byte(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// events reads the events array. On binary topics the values and keys are
// left as the raw JSON strings, decoded afterwards by decodeBase64Values.
func (s *scanner) events(binary bool, maxEvents int) ([]broker.Event, error) {
	if !s.byte('[') {
		return nil, errSlowPath
	}
	// No counting pass first: the slice doubles (log2(n/8) allocations for
	// n events), which costs less than walking a large body twice.
	evs := make([]broker.Event, 0, 8)
	if s.empty(']') {
		return evs, nil
	}
	for {
		ev, err := s.event(binary)
		if err != nil {
			return nil, err
		}
		if len(evs) == maxEvents {
			return nil, tooManyEvents(maxEvents)
		}
		evs = append(evs, ev)
		done, ok := s.next(']')
		if !ok {
			return nil, errSlowPath
		}
		if done {
			return evs, nil
		}
	}
}

// event reads one event object.
func (s *scanner) event(binary bool) (broker.Event, error) {
	var ev broker.Event
	if !s.byte('{') {
		return ev, errSlowPath
	}
	var seen [4]bool // value, key, id, headers: a repeated field goes to the general decoder
	if s.empty('}') {
		return ev, errSlowPath // no value: the general decoder says so
	}
	for {
		name, ok := s.plainString()
		if !ok {
			return ev, errSlowPath
		}
		if !s.colon() {
			return ev, errSlowPath
		}
		start := s.i
		if !s.value(0) {
			return ev, errSlowPath
		}
		raw := s.b[start:s.i:s.i]
		f := fieldIndex(name)
		if f < 0 || seen[f] {
			return ev, errSlowPath
		}
		seen[f] = true
		switch f {
		case 0: // value
			if isNull(raw) || (binary && raw[0] != '"') {
				return ev, errSlowPath
			}
			ev.Value = raw
		case 1: // key
			switch {
			case isNull(raw):
				ev.Key = nil
			case binary && raw[0] != '"':
				return ev, errSlowPath
			default:
				ev.Key = raw
			}
		case 2: // id
			if raw[0] != '"' {
				return ev, errSlowPath
			}
			id, err := decodeString(raw)
			if err != nil {
				return ev, errSlowPath
			}
			ev.ID = id
		case 3: // headers
			if isNull(raw) {
				ev.Headers = nil
				break
			}
			h, err := decodeHeaders(raw)
			if err != nil {
				return ev, errSlowPath
			}
			ev.Headers = h
		}
		done, ok := s.next('}')
		if !ok {
			return ev, errSlowPath
		}
		if done {
			break
		}
	}
	if ev.Value == nil {
		return ev, errSlowPath
	}
	return ev, nil
}

// decodeString and decodeHeaders decode the id and headers as the general
// decoder does. They are functions of their own so that the event being
// built stays on the stack when it has neither.
func decodeString(raw []byte) (string, error) {
	var v string
	err := gojson.Unmarshal(raw, &v)
	return v, err
}

func decodeHeaders(raw []byte) (map[string]string, error) {
	var v map[string]string
	err := gojson.Unmarshal(raw, &v)
	return v, err
}

// fieldIndex is the slot of an event field in event's seen, -1 for an unknown one.
func fieldIndex(name []byte) int {
	switch string(name) {
	case "value":
		return 0
	case "key":
		return 1
	case "id":
		return 2
	case "headers":
		return 3
	}
	return -1
}

func isNull(raw []byte) bool { return len(raw) == 4 && string(raw) == "null" }

// plainString reads a string without escapes (field names), returning its
// bytes; ok is false for anything else. Callers compare it with
// string(name) == "…", which does not allocate.
func (s *scanner) plainString() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == '"' {
			name := s.b[start:s.i]
			s.i++
			return name, true
		}
		if c == '\\' || c < 0x20 {
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// value skips one JSON value, checking its grammar; false when it is not one.
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) || depth > maxJSONDepth {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		s.i++
		if s.empty('}') {
			return true
		}
		for {
			if !s.str() || !s.colon() || !s.value(depth+1) {
				return false
			}
			if done, ok := s.next('}'); done || !ok {
				return ok
			}
		}
	case c == '[':
		s.i++
		if s.empty(']') {
			return true
		}
		for {
			if !s.value(depth + 1) {
				return false
			}
			if done, ok := s.next(']'); done || !ok {
				return ok
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return false
}

func (s *scanner) literal(lit string) bool {
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// str skips a string, checking its escapes and that it holds no control
// character. Invalid UTF-8 is left to the general decoder.
func (s *scanner) str() bool {
	if !s.byte('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 {
					return false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return false
					}
				}
				s.i += 5
			default:
				return false
			}
		case c < 0x20:
			return false
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n <= 1 {
				return false
			}
			s.i += n
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// number skips a JSON number.
func (s *scanner) number() bool {
	end, ok := jsonlex.Number(s.b, s.i)
	s.i = end
	return ok
}

// decodeBase64Values turns the raw JSON strings the scanner left in the
// values and keys of a binary topic's events into their bytes, all in one
// buffer. A string with escapes (a JSON encoder may write "\/") goes to the
// general decoder.
func decodeBase64Values(evs []broker.Event) error {
	total := 0
	for i := range evs {
		for _, raw := range [2][]byte{evs[i].Value, evs[i].Key} {
			if raw == nil {
				continue
			}
			for _, c := range raw[1 : len(raw)-1] {
				if c == '\\' {
					return errSlowPath
				}
			}
			total += base64.StdEncoding.DecodedLen(len(raw) - 2)
		}
	}
	buf := make([]byte, total)
	dec := func(raw []byte) ([]byte, error) {
		n, err := base64.StdEncoding.Decode(buf, raw[1:len(raw)-1])
		if err != nil {
			return nil, errSlowPath
		}
		out := buf[:n:n]
		buf = buf[n:]
		return out, nil
	}
	for i := range evs {
		v, err := dec(evs[i].Value)
		if err != nil {
			return err
		}
		evs[i].Value = v
		if evs[i].Key != nil {
			k, err := dec(evs[i].Key)
			if err != nil {
				return err
			}
			evs[i].Key = k
		}
	}
	return nil
}

// tooManyEvents refuses a publish of more than maxEvents events.
func tooManyEvents(maxEvents int) error {
	return fmt.Errorf("%w: more than %d events in one publish: send them in several batches", broker.ErrTooManyEvents, maxEvents)
}

// countItems counts the items of the JSON arrays that open at nesting level
// (0: the body is the array; 1: an array is a value of the body's object),
// stopping once it passes limit. It reads strings as JSON does and assumes
// nothing else of the text: a malformed body is the decoder's to report, and
// this pass only keeps a huge batch from being decoded at all.
func countItems(b []byte, level, limit int) int {
	// depth is how many containers are open; in says whether the one at
	// depth level+1 is an array whose items count, the only depth counted.
	depth, n := 0, 0
	in, expect := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		counted := in && depth == level+1
		if counted && expect && c != ']' && c != ',' {
			if n++; n > limit {
				return n
			}
			expect = false
		}
		switch c {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth == level {
				in = c == '['
			}
			depth++
			expect = in && depth == level+1
		case ']', '}':
			depth = max(depth-1, 0)
			expect = false
		case ',':
			expect = counted
		}
	}
	return n
}
