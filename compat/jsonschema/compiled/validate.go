package compiled

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// result is a subschema's verdict on a value. The fast path keeps "cannot
// tell" apart from "invalid" because "not" and "oneOf" turn an invalid verdict
// into a valid one: only a certain fail may do that.
type result uint8

const (
	pass   result = iota // certainly valid
	fail                 // certainly invalid
	unsure               // the full validator must decide
)

// and combines verdicts that must all pass.
func and(a, b result) result {
	if a == fail || b == fail {
		return fail
	}
	if a == unsure || b == unsure {
		return unsure
	}
	return pass
}

// maxSame bounds how many subschemas apply in a chain to one value without
// descending into it: a $ref cycle such as {"$ref":"#"} would otherwise
// never end. The full validator reports such a cycle as an error.
const maxSame = 256

// maxUnique bounds the items a uniqueItems check compares pairwise; longer
// arrays go to the full validator.
const maxUnique = 256

// run is the state of one Valid call. Runs are pooled: the scratch slices
// keep their capacity, so a warm run allocates nothing.
type run struct {
	buf           []byte
	steps, budget int
	// broken is set on a syntax error, a spent budget or too deep a nesting:
	// the whole answer is then unsure.
	broken  bool
	scratch []byte   // decoded strings, used as a stack
	bits    []uint64 // presence bits of open objects, used as a stack
	keys    []str    // member names of open objects, used as a stack
	items   []item   // items of open uniqueItems arrays, used as a stack
}

// item is one scanned array item, for uniqueItems.
type item struct {
	s str
	n num
	c byte // the item's first byte
}

// maxPooledScratch is the largest scratch a pooled run keeps: a run that
// validated one huge payload does not pin its buffers.
const maxPooledScratch = 64 << 10

// Valid reports whether payload, one JSON text, is certainly valid. False
// means invalid or undecided: the caller then runs the full validator.
func (v *Validator) Valid(payload []byte) bool {
	r, _ := v.runs.Get().(*run)
	if r == nil {
		r = &run{}
	}
	r.buf, r.steps, r.broken = payload, 0, false
	r.budget = BudgetBase + BudgetPerByte*len(payload)
	end, res := r.value(v.root, 0, 0, 0)
	ok := !r.broken && res == pass && r.ws(end) == len(payload)
	r.buf = nil
	if cap(r.scratch) <= maxPooledScratch && cap(r.items) <= maxPooledScratch && cap(r.keys) <= maxPooledScratch {
		r.scratch, r.bits, r.keys, r.items = r.scratch[:0], r.bits[:0], r.keys[:0], r.items[:0]
		v.runs.Put(r)
	}
	return ok
}

// Steps returns the work the last Valid on payload would do, in budget units,
// and whether it stayed within the budget. Tests use it to check that work is
// linear.
func (v *Validator) Steps(payload []byte) (int, bool) {
	r := &run{buf: payload, budget: BudgetBase + BudgetPerByte*len(payload)}
	r.value(v.root, 0, 0, 0)
	return r.steps, r.steps <= r.budget
}

// broke marks the run broken and returns an unsure verdict.
func (r *run) broke(p int) (int, result) {
	r.broken = true
	return p, unsure
}

// value applies n to the value at p (white space allowed before it) and
// returns the offset after the value. depth counts nesting, same the chain of
// subschemas applied to this one value.
func (r *run) value(n *node, p, depth, same int) (int, result) {
	if r.broken {
		return p, unsure
	}
	r.steps++
	if r.steps > r.budget || depth > maxDepth || same > maxSame {
		return r.broke(p)
	}
	if n.always || n.never {
		end, ok := r.skip(p, depth)
		if !ok {
			return r.broke(end)
		}
		if n.never {
			return end, fail
		}
		return end, pass
	}
	p = r.ws(p)
	if p >= len(r.buf) {
		return r.broke(p)
	}
	var (
		end int
		res result
	)
	switch c := r.buf[p]; c {
	case '"':
		end, res = r.stringValue(n, p)
	case '{':
		end, res = r.object(n, p, depth, same)
	case '[':
		end, res = r.array(n, p, depth)
	case 't', 'f', 'n':
		end, res = r.literalValue(n, p, c)
	default:
		end, res = r.number(n, p)
	}
	if r.broken {
		return end, unsure
	}
	if res != pass {
		return end, res
	}
	return end, r.apply(n, p, end, depth, same)
}

// sub applies n to the value at p..end already scanned.
func (r *run) sub(n *node, p, end, depth, same int) result {
	e, res := r.value(n, p, depth, same+1)
	if !r.broken && e != end {
		r.broken = true // cannot happen: one value, one end
	}
	if r.broken {
		return unsure
	}
	return res
}

// apply runs the applicators that apply to the value itself.
func (r *run) apply(n *node, p, end, depth, same int) result {
	if n.ref != nil {
		if res := r.sub(n.ref, p, end, depth, same); res != pass {
			return res
		}
	}
	for _, x := range n.allOf {
		if res := r.sub(x, p, end, depth, same); res != pass {
			return res
		}
	}
	if n.anyOf != nil {
		verdict := fail
		for _, x := range n.anyOf {
			switch r.sub(x, p, end, depth, same) {
			case pass:
				verdict = pass
			case unsure:
				verdict = unsure
			}
			if verdict == pass {
				break
			}
		}
		if verdict != pass {
			return verdict
		}
	}
	if n.oneOf != nil {
		passed, undecided := 0, false
		for _, x := range n.oneOf {
			switch r.sub(x, p, end, depth, same) {
			case pass:
				passed++
			case unsure:
				undecided = true
			}
			if passed > 1 {
				return fail
			}
		}
		switch {
		case undecided:
			return unsure
		case passed == 0:
			return fail
		}
	}
	if n.not != nil {
		switch r.sub(n.not, p, end, depth, same) {
		case pass:
			return fail
		case unsure:
			return unsure
		}
	}
	if n.ifn != nil {
		var branch *node
		switch r.sub(n.ifn, p, end, depth, same) {
		case pass:
			branch = n.then
		case fail:
			branch = n.els
		default:
			return unsure
		}
		if branch != nil {
			return r.sub(branch, p, end, depth, same)
		}
	}
	return pass
}

// skipRest skips the value at p for a verdict already reached.
func (r *run) skipRest(p, depth int, res result) (int, result) {
	end, ok := r.skip(p, depth)
	if !ok {
		return r.broke(end)
	}
	return end, res
}

func (r *run) literalValue(n *node, p int, c byte) (int, result) {
	var (
		end int
		ok  bool
		t   uint8
	)
	switch c {
	case 't':
		end, ok = r.literal(p, "true")
		t = tBool
	case 'f':
		end, ok = r.literal(p, "false")
		t = tBool
	default:
		end, ok = r.literal(p, "null")
		t = tNull
	}
	if !ok {
		return r.broke(end)
	}
	if n.types != 0 && n.types&t == 0 {
		return end, fail
	}
	for i := range n.enums {
		e := &n.enums[i]
		if (c == 't' && !e.tru) || (c == 'f' && !e.fls) || (c == 'n' && !e.null) {
			return end, fail
		}
	}
	return end, pass
}

func (r *run) stringValue(n *node, p int) (int, result) {
	s, ok := r.scanString(p)
	if !ok {
		return r.broke(s.end)
	}
	end := s.end
	if n.types != 0 && n.types&tString == 0 {
		return end, fail
	}
	if !n.stringKw && n.enums == nil {
		return end, pass
	}
	mark := len(r.scratch)
	defer func() { r.scratch = r.scratch[:mark] }()
	t, ok := r.text(s)
	if !ok {
		return end, unsure
	}
	for i := range n.enums {
		if !n.enums[i].strs[string(t)] {
			return end, fail
		}
	}
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := utf8.RuneCount(t)
		if (n.minLen >= 0 && l < n.minLen) || (n.maxLen >= 0 && l > n.maxLen) {
			return end, fail
		}
	}
	if n.pattern != nil && !n.pattern.Match(t) {
		return end, fail
	}
	if n.formatCheck != nil && (n.format == nil || !n.format(t)) && !n.formatCheck(string(t)) {
		return end, fail
	}
	return end, pass
}

func (r *run) number(n *node, p int) (int, result) {
	var x num
	end, ok := r.scanNumber(p, &x)
	if !ok {
		return r.broke(end)
	}
	needInt := n.types != 0 && n.types&tNumber == 0
	if n.types != 0 && n.types&(tNumber|tInteger) == 0 {
		return end, fail
	}
	if !needInt && !n.numberKw && n.enums == nil {
		return end, pass
	}
	if x.huge {
		return end, unsure
	}
	if needInt && !r.isInt(&x) {
		return end, fail
	}
	for i := range n.enums {
		found := false
		for _, b := range n.enums[i].nums {
			if r.cmp(&x, b) == 0 {
				found = true
				break
			}
		}
		if !found {
			return end, fail
		}
	}
	if (n.min != nil && r.cmp(&x, n.min) < 0) || (n.max != nil && r.cmp(&x, n.max) > 0) ||
		(n.exMin != nil && r.cmp(&x, n.exMin) <= 0) || (n.exMax != nil && r.cmp(&x, n.exMax) >= 0) ||
		(n.multipleOf != nil && !r.multipleOf(&x, n.multipleOf)) {
		return end, fail
	}
	return end, pass
}

// compositeEnum is the verdict of enums on an object (obj) or array.
func compositeEnum(n *node, obj bool) result {
	res := pass
	for i := range n.enums {
		e := &n.enums[i]
		if (obj && e.objects) || (!obj && e.arrays) {
			res = unsure // deep equality is left to the full validator
		} else {
			return fail
		}
	}
	return res
}

func (r *run) object(n *node, p, depth, same int) (int, result) {
	res := pass
	if n.types != 0 && n.types&tObject == 0 {
		res = fail
	} else if n.enums != nil {
		res = compositeEnum(n, true)
	}
	if res != pass || (!n.objectKw && n.deps == nil) {
		return r.skipRest(p, depth, res)
	}
	words := (n.nbits + 63) / 64
	bitBase, keyBase := len(r.bits), len(r.keys)
	for range words {
		r.bits = append(r.bits, 0)
	}
	defer func() { r.bits, r.keys = r.bits[:bitBase], r.keys[:keyBase] }()
	set := func(b int) { r.bits[bitBase+b/64] |= 1 << (b % 64) }
	has := func(b int) bool { return r.bits[bitBase+b/64]&(1<<(b%64)) != 0 }

	b := r.buf
	q := r.ws(p + 1)
	var end int
	if q < len(b) && b[q] == '}' {
		end = q + 1
	} else {
		for {
			if q >= len(b) || b[q] != '"' {
				return r.broke(q)
			}
			ks, ok := r.scanString(q)
			if !ok {
				return r.broke(q)
			}
			r.keys = append(r.keys, ks)
			q = r.ws(ks.end)
			if q >= len(b) || b[q] != ':' {
				return r.broke(q)
			}
			q++
			vend := -1
			if res == pass {
				var mr result
				vend, mr = r.member(n, ks, q, depth, set)
				res = and(res, mr)
			}
			if n.propNames != nil && res == pass {
				_, pr := r.value(n.propNames, ks.start, depth+1, 0)
				res = and(res, pr)
			}
			if r.broken {
				return q, unsure
			}
			if vend < 0 {
				if vend, ok = r.skip(q, depth+1); !ok {
					return r.broke(vend)
				}
			}
			var more bool
			if q, more, ok = r.next(vend, '}'); !ok {
				return r.broke(q)
			}
			if !more {
				end = q
				break
			}
		}
	}
	count := len(r.keys) - keyBase
	if count > 1 && r.duplicates(r.keys[keyBase:]) {
		// encoding/json keeps the last of duplicate members; which one a
		// check saw is not worth modelling here.
		return end, unsure
	}
	if res != pass {
		return end, res
	}
	for _, bit := range n.required {
		if !has(bit) {
			return end, fail
		}
	}
	if (n.minProps >= 0 && count < n.minProps) || (n.maxPro >= 0 && count > n.maxPro) {
		return end, fail
	}
	for _, d := range n.deps {
		if !has(d.bit) {
			continue
		}
		for _, bit := range d.need {
			if !has(bit) {
				return end, fail
			}
		}
		if d.schema != nil {
			if dr := r.sub(d.schema, p, end, depth, same); dr != pass {
				return end, dr
			}
		}
	}
	return end, pass
}

// member validates one member's value at q against what n says of its name
// ks, setting its presence bit. vend is -1 when nothing looked at the value.
func (r *run) member(n *node, ks str, q, depth int, set func(int)) (vend int, res result) {
	vend, res = -1, pass
	if n.members == nil && n.patterns == nil && n.additional == nil {
		return vend, res
	}
	mark := len(r.scratch)
	defer func() { r.scratch = r.scratch[:mark] }()
	key, ok := r.text(ks)
	if !ok {
		return vend, unsure
	}
	matched := false
	check := func(x *node) {
		matched = true
		if res != pass {
			return
		}
		var mr result
		vend, mr = r.value(x, q, depth+1, 0)
		res = and(res, mr)
	}
	if m := n.members[string(key)]; m != nil {
		if m.bit >= 0 {
			set(m.bit)
		}
		if m.schema != nil {
			check(m.schema)
		}
	}
	for _, pp := range n.patterns {
		if pp.re.Match(key) {
			check(pp.schema)
		}
	}
	if !matched && n.additional != nil {
		check(n.additional)
	}
	return vend, res
}

// duplicates reports whether keys repeat a name, or might (escaped names
// are not compared).
func (r *run) duplicates(keys []str) bool {
	for _, k := range keys {
		if k.escaped {
			return true
		}
	}
	if len(keys) <= 16 {
		for i := 1; i < len(keys); i++ {
			for j := 0; j < i; j++ {
				if bytes.Equal(keys[i].content(r.buf), keys[j].content(r.buf)) {
					return true
				}
			}
		}
		return false
	}
	slices.SortFunc(keys, func(a, b str) int { return bytes.Compare(a.content(r.buf), b.content(r.buf)) })
	for i := 1; i < len(keys); i++ {
		if bytes.Equal(keys[i].content(r.buf), keys[i-1].content(r.buf)) {
			return true
		}
	}
	return false
}

func (r *run) array(n *node, p, depth int) (int, result) {
	res := pass
	if n.types != 0 && n.types&tArray == 0 {
		res = fail
	} else if n.enums != nil {
		res = compositeEnum(n, false)
	}
	if res != pass || !n.arrayKw {
		return r.skipRest(p, depth, res)
	}
	itemBase := len(r.items)
	defer func() { r.items = r.items[:itemBase] }()
	b := r.buf
	q := r.ws(p + 1)
	count, lo, hi := 0, 0, 0
	var end int
	if q < len(b) && b[q] == ']' {
		end = q + 1
	} else {
		for {
			sch := n.items
			if count < len(n.prefix) {
				sch = n.prefix[count]
			}
			vend := -1
			if sch != nil && res == pass {
				var ir result
				vend, ir = r.value(sch, q, depth+1, 0)
				res = and(res, ir)
			}
			if n.contains != nil && res == pass {
				var cr result
				vend, cr = r.value(n.contains, q, depth+1, 0)
				switch cr {
				case pass:
					lo++
					hi++
				case unsure:
					hi++
				}
			}
			if r.broken {
				return q, unsure
			}
			if vend < 0 {
				var ok bool
				if vend, ok = r.skip(q, depth+1); !ok {
					return r.broke(vend)
				}
			}
			if n.unique && res == pass {
				res = and(res, r.addItem(r.ws(q)))
			}
			count++
			var more, ok bool
			if q, more, ok = r.next(vend, ']'); !ok {
				return r.broke(q)
			}
			if !more {
				end = q
				break
			}
		}
	}
	if res != pass {
		return end, res
	}
	if (n.minItems >= 0 && count < n.minItems) || (n.maxItems >= 0 && count > n.maxItems) {
		return end, fail
	}
	if n.contains != nil {
		need := 1
		if n.minContains >= 0 {
			need = n.minContains
		}
		switch {
		case hi < need:
			return end, fail
		case lo < need:
			return end, unsure
		}
		if n.maxContains >= 0 {
			switch {
			case lo > n.maxContains:
				return end, fail
			case hi > n.maxContains:
				return end, unsure
			}
		}
	}
	return end, pass
}

// addItem records the item at p for uniqueItems and compares it with the
// items before it: fail on a duplicate, unsure for pairs it does not compare
// (two objects, two arrays, strings with escapes or invalid UTF-8, big
// numbers) and for arrays longer than maxUnique.
func (r *run) addItem(p int) result {
	it := item{c: r.buf[p]}
	switch it.c {
	case '{', '[', 't', 'f', 'n':
	case '"':
		it.s, _ = r.scanString(p)
	default:
		r.scanNumber(p, &it.n)
	}
	if len(r.items) >= maxUnique {
		return unsure
	}
	res := pass
	for i := range r.items {
		switch r.items[i].equal(&it, r.buf) {
		case fail:
			return fail
		case unsure:
			res = unsure
		}
	}
	r.items = append(r.items, it)
	return res
}

// equal compares two items: fail when equal, pass when not, unsure when it
// cannot tell.
func (a *item) equal(b *item, buf []byte) result {
	ka, kb := kindOf(a.c), kindOf(b.c)
	switch {
	case ka != kb:
		return pass
	case ka == '{' || ka == '[':
		return unsure
	case ka == '"':
		if a.s.escaped || b.s.escaped || (a.s.nonASCII && !utf8.Valid(a.s.content(buf))) || (b.s.nonASCII && !utf8.Valid(b.s.content(buf))) {
			return unsure
		}
		if bytes.Equal(a.s.content(buf), b.s.content(buf)) {
			return fail
		}
		return pass
	case ka == '0':
		if !a.n.fast || !b.n.fast {
			return unsure
		}
		za, zb := a.n.mant == 0, b.n.mant == 0
		if (za && zb) || (!za && !zb && a.n.neg == b.n.neg && a.n.mant == b.n.mant && a.n.exp == b.n.exp) {
			return fail
		}
		return pass
	}
	if a.c == b.c { // t, f, n
		return fail
	}
	return pass
}

func kindOf(c byte) byte {
	switch c {
	case '"', 't', 'f', 'n', '{', '[':
		return c
	}
	return '0'
}
