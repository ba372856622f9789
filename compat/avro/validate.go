package avro

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldhq/herald/compat"
)

const (
	// maxProblems caps the problems one payload reports.
	maxProblems = 100
	// maxDepth caps value nesting, so a hostile payload for a recursive schema
	// cannot exhaust the stack.
	maxDepth = 10000
)

// Validate checks one payload. EncodingBinary is an Avro binary datum, which must be
// consumed exactly; EncodingJSON is a JSON document in the natural JSON mapping:
//
//   - records are objects; a missing field is fine when it has a default or is
//     nullable; unknown keys are problems;
//   - a union takes the bare value of one of its branches, or Avro's JSON encoding
//     {"branch name": value};
//   - bytes and fixed are strings of code points 0-255 (a fixed needs exactly size of
//     them); enums are symbol strings; float and double also accept "NaN",
//     "Infinity" and "-Infinity";
//   - logical types also take their natural text: date as "2006-01-02", time-millis
//     and time-micros as "15:04:05.000", timestamps as RFC 3339, local timestamps
//     without an offset, decimals as JSON numbers (checked against precision and
//     scale), uuids as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (checked everywhere).
//
// It returns nil or an *compat.InvalidPayloadError whose problems carry JSON Pointers
// into the payload. A binary payload stops at the first problem that loses track of
// the data; JSON payloads report every problem, up to 100.
func (s *Schema) Validate(payload []byte, enc compat.Encoding) error {
	var probs []compat.Problem
	if enc == compat.EncodingBinary {
		probs = validateBinary(s.root, payload)
	} else if ok, exhausted := jsonValid(s.root, payload); exhausted {
		probs = []compat.Problem{{Message: errTooComplex}}
	} else if !ok {
		// The fast path found a problem; the slower walk explains it. (The walk
		// may still accept the payload: JSON with a repeated key, where the last
		// value wins, as in encoding/json.)
		probs = validateJSON(s.root, payload)
	}
	if len(probs) == 0 {
		return nil
	}
	return &compat.InvalidPayloadError{Problems: probs}
}

// pathSeg is one JSON Pointer token: an array index, or a key when idx < 0.
type pathSeg struct {
	key string
	idx int
}

// pather keeps the current path as segments and renders it only for a problem.
type pather struct{ segs []pathSeg }

func (p *pather) pushKey(k string) { p.segs = append(p.segs, pathSeg{key: k, idx: -1}) }
func (p *pather) pushIdx(i int)    { p.segs = append(p.segs, pathSeg{idx: i}) }
func (p *pather) pop()             { p.segs = p.segs[:len(p.segs)-1] }

func (p *pather) String() string {
	var b strings.Builder
	for _, s := range p.segs {
		b.WriteByte('/')
		if s.idx >= 0 {
			b.WriteString(strconv.Itoa(s.idx))
		} else {
			b.WriteString(compat.EscapePointer(s.key))
		}
	}
	return b.String()
}

// ---- binary ----

// errStop ends a binary decode after a problem that loses the position in the data.
var errStop = errors.New("stop")

type binDec struct {
	b     []byte
	i     int
	depth int
	steps int // schema nodes visited, for tests of the walk's bound
	path  pather
	probs []compat.Problem
}

func validateBinary(root *node, payload []byte) []compat.Problem {
	d := &binDec{b: payload}
	if err := d.value(root); err == nil && d.i != len(d.b) {
		d.add("%d unexpected bytes after the end of the value (the datum ends at byte %d of %d)", len(d.b)-d.i, d.i, len(d.b))
	}
	return d.probs
}

func (d *binDec) add(format string, args ...any) {
	if len(d.probs) < maxProblems {
		d.probs = append(d.probs, compat.Problem{Path: d.path.String(), Message: fmt.Sprintf(format, args...)})
	}
}

func (d *binDec) fail(format string, args ...any) error {
	d.add(format, args...)
	return errStop
}

func (d *binDec) truncated(what string) error {
	return d.fail("the data ends in the middle of %s (at byte %d)", what, d.i)
}

// varlong reads a zig-zag varint of at most 10 bytes.
func (d *binDec) varlong(what string) (int64, error) {
	var u uint64
	for shift := uint(0); ; shift += 7 {
		if d.i >= len(d.b) {
			return 0, d.truncated(what)
		}
		c := d.b[d.i]
		d.i++
		if shift == 63 && c > 1 {
			return 0, d.fail("%s: variable-length integer is longer than 10 bytes", what)
		}
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1), nil
}

// length reads a byte or string length and checks it against what is left.
func (d *binDec) length(what string) (int, error) {
	n, err := d.varlong(what)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, d.fail("%s has negative length %d", strings.TrimSuffix(what, " length"), n)
	}
	if n > int64(len(d.b)-d.i) {
		return 0, d.fail("%s of length %d runs past the end of the data (%d bytes left)", strings.TrimSuffix(what, " length"), n, len(d.b)-d.i)
	}
	return int(n), nil
}

func (d *binDec) value(n *node) error {
	d.steps++
	if n.zero {
		// Nothing to read and nothing that can be wrong. Walking it anyway
		// would cost its whole expansion: a record that uses a zero-size named
		// type twice per level is 2^levels nodes encoded in no bytes at all.
		// Every other node reads at least one byte, so skipping these keeps the
		// walk bounded by the payload's size times the schema's depth.
		return nil
	}
	switch n.kind {
	case kNull:
		return nil
	case kBoolean:
		if d.i >= len(d.b) {
			return d.truncated("a boolean")
		}
		if c := d.b[d.i]; c > 1 {
			d.add("expected boolean byte 0 or 1, got %d", c)
		}
		d.i++
	case kInt:
		v, err := d.varlong("an int")
		if err != nil {
			return err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			d.add("value %d is out of range for int (32-bit)", v)
		}
	case kLong:
		_, err := d.varlong("a long")
		return err
	case kFloat:
		if len(d.b)-d.i < 4 {
			return d.truncated("a float")
		}
		d.i += 4
	case kDouble:
		if len(d.b)-d.i < 8 {
			return d.truncated("a double")
		}
		d.i += 8
	case kBytes:
		l, err := d.length("bytes length")
		if err != nil {
			return err
		}
		d.i += l
	case kString:
		s, valid, err := d.text("a string length", "string")
		if err != nil {
			return err
		}
		if valid && n.logical == "uuid" && !isUUID(string(s)) {
			d.add("expected a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got %q", truncate(string(s)))
		}
	case kFixed:
		if len(d.b)-d.i < n.size {
			return d.truncated(fmt.Sprintf("fixed %q of %d bytes", n.full, n.size))
		}
		d.i += n.size
	case kEnum:
		v, err := d.varlong("an enum index")
		if err != nil {
			return err
		}
		if v < 0 || v >= int64(len(n.symbols)) {
			d.add("enum index %d is out of range: enum %q has %d symbols", v, n.full, len(n.symbols))
		}
	case kUnion:
		v, err := d.varlong("a union branch index")
		if err != nil {
			return err
		}
		if v < 0 || v >= int64(len(n.branches)) {
			return d.fail("union branch index %d is out of range: the union %s has %d branches", v, describe(n), len(n.branches))
		}
		return d.nested(n.branches[v])
	case kRecord:
		for _, f := range n.fields {
			d.path.pushKey(f.name)
			err := d.nested(f.typ)
			d.path.pop()
			if err != nil {
				return err
			}
		}
	case kArray, kMap:
		return d.blocks(n)
	}
	return nil
}

// text reads a length-prefixed string, what naming its length in errors, and
// reports it (as "<name> is not valid UTF-8") unless it is valid UTF-8.
func (d *binDec) text(what, name string) (s []byte, valid bool, err error) {
	l, err := d.length(what)
	if err != nil {
		return nil, false, err
	}
	s = d.b[d.i : d.i+l]
	d.i += l
	if !utf8.Valid(s) {
		d.add("%s is not valid UTF-8", name)
		return s, false, nil
	}
	return s, true, nil
}

func (d *binDec) nested(n *node) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return d.fail("values are nested more than %d deep", maxDepth)
	}
	return d.value(n)
}

// blocks reads the blocks of an array or map.
func (d *binDec) blocks(n *node) error {
	what, countWhat, sizeWhat := "array", "an array block count", "an array block size"
	if n.kind == kMap {
		what, countWhat, sizeWhat = "map", "a map block count", "a map block size"
	}
	idx := 0
	for {
		count, err := d.varlong(countWhat)
		if err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		if count < 0 {
			if count == math.MinInt64 {
				return d.fail("%s block count %d is invalid", what, count)
			}
			count = -count
			size, err := d.varlong(sizeWhat)
			if err != nil {
				return err
			}
			if size < 0 {
				return d.fail("%s block size %d is negative", what, size)
			}
		}
		if n.kind == kArray && n.items.zero {
			// Items that encode to nothing: there is nothing to read or check.
			idx += int(min(count, math.MaxInt32))
			continue
		}
		for ; count > 0; count-- {
			if n.kind == kArray {
				d.path.pushIdx(idx)
				err = d.nested(n.items)
			} else {
				key, _, kerr := d.text("a map key length", "map key")
				if kerr != nil {
					return kerr
				}
				d.path.pushKey(string(key))
				err = d.nested(n.values)
			}
			d.path.pop()
			idx++
			if err != nil {
				return err
			}
		}
	}
}

// ---- JSON ----

// errTooComplex is the problem reported when validation runs out of steps.
const errTooComplex = "the payload is too complex to validate against this schema: matching it against the union branches would take too long"

type jsonVal struct {
	path   pather
	probs  []compat.Problem
	quiet  int // > 0 while probing union branches: record nothing
	depth  int
	steps  int
	budget int // 0: unlimited
}

func validateJSON(root *node, payload []byte) []compat.Problem {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return []compat.Problem{{Message: "invalid JSON: " + err.Error()}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return []compat.Problem{{Message: "invalid JSON: unexpected data after the value"}}
	}
	v := &jsonVal{budget: stepBudget(len(payload))}
	v.check(root, x)
	if v.budget > 0 && v.steps > v.budget {
		return []compat.Problem{{Message: errTooComplex}}
	}
	return v.probs
}

func (v *jsonVal) add(format string, args ...any) {
	if v.quiet == 0 && len(v.probs) < maxProblems {
		v.probs = append(v.probs, compat.Problem{Path: v.path.String(), Message: fmt.Sprintf(format, args...)})
	}
}

// got describes a JSON value for messages.
func got(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return "the number " + truncate(t.String())
	case string:
		return "the string " + strconv.Quote(truncate(t))
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", x)
}

func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	i := 61
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// check validates x against n and reports whether it matched.
func (v *jsonVal) check(n *node, x any) bool {
	v.depth++
	defer func() { v.depth-- }()
	v.steps++
	if v.budget > 0 && v.steps > v.budget {
		return false
	}
	if v.depth > maxDepth {
		v.add("values are nested more than %d deep", maxDepth)
		return false
	}
	switch n.kind {
	case kNull:
		if x != nil {
			v.add("expected null, got %s", got(x))
			return false
		}
		return true
	case kBoolean:
		if _, ok := x.(bool); !ok {
			v.add("expected true or false, got %s", got(x))
			return false
		}
		return true
	case kInt, kLong:
		return v.integer(n, x)
	case kFloat, kDouble:
		return v.float(n, x)
	case kString:
		s, ok := x.(string)
		if !ok {
			v.add("expected %s, got %s", want(n), got(x))
			return false
		}
		if n.logical == "uuid" && !isUUID(s) {
			v.add("expected a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got %s", got(x))
			return false
		}
		return true
	case kBytes, kFixed:
		return v.bytes(n, x)
	case kEnum:
		s, ok := x.(string)
		if !ok {
			v.add("expected a symbol of enum %q (%s), got %s", n.full, symbolList(n.symbols), got(x))
			return false
		}
		if !n.hasSymbol(s) {
			v.add("%q is not a symbol of enum %q; expected one of %s", truncate(s), n.full, symbolList(n.symbols))
			return false
		}
		return true
	case kArray:
		arr, ok := x.([]any)
		if !ok {
			v.add("expected %s, got %s", want(n), got(x))
			return false
		}
		good := true
		for i, e := range arr {
			v.path.pushIdx(i)
			if !v.element(n.items, e, &good) {
				return false
			}
		}
		return good
	case kMap:
		obj, ok := x.(map[string]any)
		if !ok {
			v.add("expected %s (a JSON object), got %s", want(n), got(x))
			return false
		}
		good := true
		for _, k := range sortedKeys(obj) {
			v.path.pushKey(k)
			if !v.element(n.values, obj[k], &good) {
				return false
			}
		}
		return good
	case kRecord:
		return v.record(n, x)
	case kUnion:
		return v.union(n, x)
	}
	return true
}

// element checks x, an array item or map value whose place the caller pushed
// on the path, against n, and pops the place. A failure clears *good; the
// result is false when the walk should stop there (a quiet check only needs to
// know that something failed).
func (v *jsonVal) element(n *node, x any, good *bool) bool {
	if !v.check(n, x) {
		*good = false
	}
	v.path.pop()
	return *good || v.quiet == 0
}

// sortedKeys returns m's keys in byte order. It sizes the slice once, in one
// allocation, where slices.Sorted(maps.Keys(m)) takes 4 to 9 (its iterator and
// a growing slice): validation calls it for every map in a payload.
func sortedKeys(m map[string]any) []string {
	keys := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(keys)
	return keys
}

func symbolList(ss []string) string {
	if len(ss) > 10 {
		return strings.Join(ss[:10], ", ") + ", ..."
	}
	return strings.Join(ss, ", ")
}

// want names what a node takes, for messages.
func want(n *node) string {
	switch n.kind {
	case kArray:
		return "an array of " + describe(n.items)
	case kMap:
		return "a map of " + describe(n.values)
	case kRecord:
		return fmt.Sprintf("record %q (a JSON object)", n.full)
	case kString:
		return "a string"
	}
	return describe(n)
}

func (v *jsonVal) record(n *node, x any) bool {
	obj, ok := x.(map[string]any)
	if !ok {
		v.add("expected %s, got %s", want(n), got(x))
		return false
	}
	good := true
	for _, f := range n.fields {
		val, present := obj[f.name]
		if !present {
			if f.hasDef || nullable(f.typ) {
				continue
			}
			v.path.pushKey(f.name)
			v.add("missing required field %q (%s), which has no default", f.name, describe(f.typ))
			v.path.pop()
			good = false
		} else {
			v.path.pushKey(f.name)
			if !v.check(f.typ, val) {
				good = false
			}
			v.path.pop()
		}
		if !good && v.quiet > 0 {
			return false
		}
	}
	if len(obj) > len(n.fields) || !good {
		for _, k := range sortedKeys(obj) {
			if _, ok := n.field(k); !ok {
				v.path.pushKey(k)
				v.add("unknown field %q: record %q has no such field", truncate(k), n.full)
				v.path.pop()
				good = false
			}
		}
	}
	return good
}

func nullable(n *node) bool {
	if n.kind == kNull {
		return true
	}
	if n.kind == kUnion {
		for _, br := range n.branches {
			if br.kind == kNull {
				return true
			}
		}
	}
	return false
}

// union accepts the bare value of any branch, or Avro's tagged {"branch": value}.
func (v *jsonVal) union(n *node, x any) bool {
	var cands []*node
	for _, br := range n.branches {
		if sameJSONKind(br, x) {
			cands = append(cands, br)
		}
	}
	mark := len(v.probs)
	if len(cands) == 1 && v.quiet == 0 {
		// Only one branch could take this kind of value bare: check it once,
		// keeping its problems unless the tagged form applies.
		if v.check(cands[0], x) {
			return true
		}
	} else {
		for _, br := range n.branches {
			if v.matches(br, x) {
				return true
			}
		}
	}
	if obj, ok := x.(map[string]any); ok && len(obj) == 1 {
		for k, val := range obj {
			if br := branchByName(n, k); br != nil {
				v.probs = v.probs[:mark]
				v.path.pushKey(k)
				ok := v.check(br, val)
				v.path.pop()
				return ok
			}
		}
	}
	if len(cands) == 1 {
		// Its problems, kept above, say most.
		return false
	}
	v.add("expected a value of one of the union's types %s (bare, or as {\"type name\": value}), got %s", describe(n), got(x))
	return false
}

func (v *jsonVal) matches(n *node, x any) bool {
	v.quiet++
	ok := v.check(n, x)
	v.quiet--
	return ok
}

func branchByName(u *node, name string) *node {
	for _, br := range u.branches {
		if br.named() {
			if br.full == name || br.shortName() == name {
				return br
			}
		} else if br.kind.String() == name {
			return br
		}
	}
	return nil
}

// sameJSONKind reports whether x is the kind of JSON value n could take.
func sameJSONKind(n *node, x any) bool {
	switch x.(type) {
	case nil:
		return n.kind == kNull
	case bool:
		return n.kind == kBoolean
	case json.Number:
		return isNumeric(n.kind) || n.logical == "decimal"
	case string:
		return n.kind == kString || n.kind == kBytes || n.kind == kFixed || n.kind == kEnum ||
			n.logical != "" || n.kind == kFloat || n.kind == kDouble
	case []any:
		return n.kind == kArray
	case map[string]any:
		return n.kind == kRecord || n.kind == kMap
	}
	return false
}

func (v *jsonVal) integer(n *node, x any) bool {
	if s, ok := x.(string); ok && n.logical != "" {
		if layout := timeLayout(n.logical); layout != "" {
			if _, err := time.Parse(layout, s); err == nil {
				return true
			}
			v.add("expected %s as a number or as text like %q, got %s", describe(n), timeExample(n.logical), got(x))
			return false
		}
	}
	num, ok := x.(json.Number)
	if !ok {
		v.add("expected %s, got %s", describe(n), got(x))
		return false
	}
	i, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(num.String(), 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			v.add("expected a whole number for %s, got %s", describe(n), got(x))
			return false
		}
		i = int64(f)
	}
	if n.kind == kInt && (i < math.MinInt32 || i > math.MaxInt32) {
		v.add("%s is out of range for int (32-bit); use long", num)
		return false
	}
	return true
}

func timeLayout(logical string) string {
	switch logical {
	case "date":
		return "2006-01-02"
	case "time-millis", "time-micros":
		return "15:04:05.999999999"
	case "timestamp-millis", "timestamp-micros", "timestamp-nanos":
		return time.RFC3339Nano
	case "local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		return "2006-01-02T15:04:05.999999999"
	}
	return ""
}

func timeExample(logical string) string {
	switch logical {
	case "date":
		return "2024-05-01"
	case "time-millis", "time-micros":
		return "13:45:00.000"
	case "timestamp-millis", "timestamp-micros", "timestamp-nanos":
		return "2024-05-01T13:45:00Z"
	}
	return "2024-05-01T13:45:00"
}

func (v *jsonVal) float(n *node, x any) bool {
	switch t := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(t.String(), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			v.add("expected %s, got %s", n.kind, got(x))
			return false
		}
		if math.IsInf(f, 0) || (n.kind == kFloat && math.Abs(f) > math.MaxFloat32) {
			v.add("%s is out of range for %s", truncate(t.String()), n.kind)
			return false
		}
		return true
	case string:
		if t == "NaN" || t == "Infinity" || t == "-Infinity" {
			return true
		}
	}
	v.add("expected a number for %s, got %s", n.kind, got(x))
	return false
}

func (v *jsonVal) bytes(n *node, x any) bool {
	if num, ok := x.(json.Number); ok && n.logical == "decimal" {
		return v.decimal(n, num)
	}
	s, ok := x.(string)
	if !ok {
		v.add("expected %s as a string, got %s", describe(n), got(x))
		return false
	}
	if n.kind == kFixed && n.logical == "uuid" && n.size == 16 && isUUID(s) {
		return true
	}
	count := 0
	for _, r := range s {
		if r > 0xFF {
			v.add("expected %s as a string of code points 0-255 (one per byte), got character %q", describe(n), r)
			return false
		}
		count++
	}
	if n.kind == kFixed && count != n.size {
		v.add("fixed %q needs exactly %d bytes, got %d", n.full, n.size, count)
		return false
	}
	return true
}

func (v *jsonVal) decimal(n *node, num json.Number) bool {
	var r *big.Rat
	ok := len(num) <= 400 && smallExponent(num.String())
	if ok {
		r, ok = new(big.Rat).SetString(num.String())
	}
	if !ok {
		v.add("expected a decimal number, got %s", got(num))
		return false
	}
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.scale)), nil)))
	if !scaled.IsInt() {
		v.add("%s has more than %d digits after the decimal point (decimal(%d,%d))", num, n.scale, n.precision, n.scale)
		return false
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.precision)), nil)
	if new(big.Int).Abs(scaled.Num()).Cmp(limit) >= 0 {
		v.add("%s has more than %d digits in all (decimal(%d,%d))", num, n.precision, n.precision, n.scale)
		return false
	}
	return true
}

// smallExponent reports whether a number's exponent is small enough to expand.
func smallExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return true
	}
	e, err := strconv.Atoi(s[i+1:])
	return err == nil && e > -1000 && e < 1000
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
				return false
			}
		}
	}
	return true
}
