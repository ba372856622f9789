package compiled

import (
	"cmp"
	"math/big"
	"math/bits"
)

// Numbers are compared exactly, as the full validator does with big.Rat, but
// without it for the numbers events carry: a literal with at most 19
// significant digits and a modest exponent is mant × 10^exp, and a schema's
// bound p/q with both parts under 2^64 is compared with it in 128-bit
// integer arithmetic. Anything larger goes through big.Rat.

// num is a scanned JSON number.
type num struct {
	start, end int
	neg        bool
	mant       uint64 // significant digits, trailing zeros removed
	exp        int    // value = ±mant × 10^exp
	fast       bool   // mant and exp hold the value exactly
	// huge marks a literal too long or with too large an exponent to turn
	// into a big.Rat cheaply (1e1000000000 would take gigabytes); checks on
	// it are left to the full validator.
	huge bool
}

// maxRatLiteral bounds the digits and the exponent of a literal this package
// turns into a big.Rat.
const maxRatLiteral = 400

// pow10 holds 10^0 … 10^19, all below 2^64.
var pow10 = func() [20]uint64 {
	var p [20]uint64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// maxFastExp bounds |exp| on the fast path: 10^|exp| must fit in 64 bits.
const maxFastExp = 19

// scanNumber scans the number at p into n and returns the offset after it.
func (r *run) scanNumber(p int, n *num) (int, bool) {
	b := r.buf
	*n = num{start: p, fast: true}
	if p < len(b) && b[p] == '-' {
		n.neg = true
		p++
	}
	digit := func(c byte) {
		if !n.fast {
			return
		}
		if n.mant > (1<<64-1-9)/10 {
			n.fast = false
			return
		}
		n.mant = n.mant*10 + uint64(c-'0')
	}
	switch {
	case p < len(b) && b[p] == '0':
		p++
	case p < len(b) && b[p] >= '1' && b[p] <= '9':
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			digit(b[p])
			p++
		}
	default:
		return p, false
	}
	if p < len(b) && b[p] == '.' {
		p++
		if p >= len(b) || b[p] < '0' || b[p] > '9' {
			return p, false
		}
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			digit(b[p])
			n.exp--
			p++
		}
	}
	if p < len(b) && (b[p] == 'e' || b[p] == 'E') {
		p++
		eneg := false
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			eneg = b[p] == '-'
			p++
		}
		if p >= len(b) || b[p] < '0' || b[p] > '9' {
			return p, false
		}
		e := 0
		for p < len(b) && b[p] >= '0' && b[p] <= '9' {
			if e < 1<<20 {
				e = e*10 + int(b[p]-'0')
			}
			p++
		}
		if eneg {
			e = -e
		}
		n.exp += e
	}
	n.end = p
	if n.exp > maxRatLiteral || n.exp < -maxRatLiteral || n.end-n.start > maxRatLiteral {
		n.huge = true
	}
	if n.mant == 0 {
		n.exp = 0
	}
	for n.mant != 0 && n.mant%10 == 0 {
		n.mant /= 10
		n.exp++
	}
	if n.exp > maxFastExp || n.exp < -maxFastExp {
		n.fast = false
	}
	return p, true
}

// rat returns n as a big.Rat (allocating): the path for numbers the fast
// arithmetic cannot hold.
func (r *run) rat(n *num) *big.Rat {
	x, ok := new(big.Rat).SetString(string(r.buf[n.start:n.end]))
	if !ok {
		return new(big.Rat)
	}
	return x
}

// bound is a number from the schema: a limit, a multipleOf or an enum value.
type bound struct {
	rat  *big.Rat
	neg  bool
	p, q uint64 // |rat| = p/q when fast
	fast bool
}

func newBound(x *big.Rat) *bound {
	b := &bound{rat: x, neg: x.Sign() < 0}
	num, den := new(big.Int).Abs(x.Num()), x.Denom()
	if num.IsUint64() && den.IsUint64() {
		b.p, b.q, b.fast = num.Uint64(), den.Uint64(), true
	}
	return b
}

func sign(neg, zero bool) int {
	switch {
	case zero:
		return 0
	case neg:
		return -1
	}
	return 1
}

// cmp compares n with b: -1, 0 or +1.
func (r *run) cmp(n *num, b *bound) int {
	if !n.fast || !b.fast {
		return r.rat(n).Cmp(b.rat)
	}
	sn, sb := sign(n.neg, n.mant == 0), sign(b.neg, b.p == 0)
	if sn != sb || sn == 0 {
		return cmp.Compare(sn, sb)
	}
	c := cmpMag(n.mant, n.exp, b.p, b.q)
	if sn < 0 {
		return -c
	}
	return c
}

// cmpMag compares mant × 10^exp with p/q, all positive, |exp| ≤ maxFastExp.
func cmpMag(mant uint64, exp int, p, q uint64) int {
	// Compare mant × 10^exp × q with p, scaled to integers.
	var lh, ll, rh, rl uint64
	if exp >= 0 {
		th, tl := bits.Mul64(mant, pow10[exp])
		if th != 0 {
			return 1 // at least 2^64 × q > p
		}
		lh, ll = bits.Mul64(tl, q)
		rl = p
	} else {
		lh, ll = bits.Mul64(mant, q)
		rh, rl = bits.Mul64(p, pow10[-exp])
	}
	switch {
	case lh != rh:
		return cmp.Compare(lh, rh)
	default:
		return cmp.Compare(ll, rl)
	}
}

// multipleOf reports whether n / b is an integer (b is positive).
func (r *run) multipleOf(n *num, b *bound) bool {
	if n.fast && b.fast && n.mant == 0 {
		return true
	}
	if n.fast && b.fast {
		// n / b = mant × 10^exp × q / p.
		if n.exp >= 0 {
			th, tl := bits.Mul64(n.mant, pow10[n.exp])
			if th == 0 {
				hi, lo := bits.Mul64(tl, b.q)
				return bits.Rem64(hi, lo, b.p) == 0
			}
		} else {
			dh, d := bits.Mul64(b.p, pow10[-n.exp])
			if dh == 0 {
				hi, lo := bits.Mul64(n.mant, b.q)
				return bits.Rem64(hi, lo, d) == 0
			}
		}
	}
	return new(big.Rat).Quo(r.rat(n), b.rat).IsInt()
}

// isInt reports whether n is an integer (1.0 and 1e2 are).
func (r *run) isInt(n *num) bool {
	if n.fast {
		return n.mant == 0 || n.exp >= 0
	}
	return r.rat(n).IsInt()
}
