package catalog

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// appendTerms appends the search terms of s to dst, lower-cased. Terms are split
// at every rune that is neither a letter nor a digit, where lower case turns to
// upper case or a digit to a capital ("orderId": order, id; "v2Api": v2, api),
// and before the last capital of a run that goes on in lower case
// ("HTTPServer": http, server). So "OrderPlaced",
// "order placed", "order-placed" and "order_placed" all give order, placed.
// Letters and digits stay together ("v2", "event35"): splitting them would fill
// the index with one-rune terms.
func appendTerms(dst []string, s string) []string {
	start := -1 // byte offset of the current term, -1 between terms
	var prev rune
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			if start >= 0 {
				dst = append(dst, strings.ToLower(s[start:i]))
				start = -1
			}
			continue
		}
		if start < 0 {
			start, prev = i, r
			continue
		}
		if unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextIsLower(s[i+utf8.RuneLen(r):])) {
			dst = append(dst, strings.ToLower(s[start:i]))
			start = i
		}
		prev = r
	}
	if start >= 0 {
		dst = append(dst, strings.ToLower(s[start:]))
	}
	return dst
}

// nextIsLower reports whether s starts with a lower-case letter.
func nextIsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// Query errors are ErrBadRequest, which the server answers with 400.
func queryError(format string, args ...any) error {
	return fmt.Errorf("search: "+format+": %w", append(args, ErrBadRequest)...)
}

// parseQuery splits a query into its distinct terms, in order. A query longer
// than lim.MaxQueryBytes, or with more than lim.MaxTerms distinct terms, is an
// error that says so: cutting it silently would answer a different question.
func parseQuery(q string, lim SearchLimits) ([]string, error) {
	if n := len(q); n > lim.maxQueryBytes() {
		return nil, queryError("the query is %d bytes long; at most %d are allowed", n, lim.maxQueryBytes())
	}
	terms := appendTerms(nil, q)
	out := terms[:0]
	for _, t := range terms {
		dup := false
		for _, o := range out {
			if o == t {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	if len(out) > lim.maxTerms() {
		return nil, queryError("the query has %d distinct words; at most %d are searched", len(out), lim.maxTerms())
	}
	return out, nil
}

// typoBudget is the edit distance a query term may be from an indexed term:
// none below 4 runes (too many short words are one edit apart), 1 for 4 to 7
// runes, 2 from 8.
func typoBudget(runes int) int {
	switch {
	case runes >= 8:
		return 2
	case runes >= 4:
		return 1
	}
	return 0
}

// editScratch holds the buffers of editDistance so that a query allocates
// them once.
type editScratch struct {
	b                []rune
	prev2, prev, cur []int
}

// editDistance returns the optimal-string-alignment distance between a and b
// (insertions, deletions, substitutions and swaps of neighbours each count 1),
// or k+1 as soon as it is known to exceed k. Its work is len(a)×len(b) steps at
// most, and both are bounded by the callers (the query's length, the index's
// byLen buckets).
func (sc *editScratch) editDistance(a []rune, b string, k int) int {
	sc.b = sc.b[:0]
	for _, r := range b {
		sc.b = append(sc.b, r)
	}
	bs := sc.b
	if d := len(a) - len(bs); d > k || -d > k {
		return k + 1
	}
	n := len(bs) + 1
	sc.prev2 = resize(sc.prev2, n)
	sc.prev = resize(sc.prev, n)
	sc.cur = resize(sc.cur, n)
	for j := range sc.prev {
		sc.prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		sc.cur[0] = i
		rowMin := i
		for j := 1; j < n; j++ {
			cost := 1
			if a[i-1] == bs[j-1] {
				cost = 0
			}
			v := min(sc.prev[j]+1, sc.cur[j-1]+1, sc.prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == bs[j-2] && a[i-2] == bs[j-1] {
				v = min(v, sc.prev2[j-2]+1)
			}
			sc.cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > k {
			return k + 1
		}
		sc.prev2, sc.prev, sc.cur = sc.prev, sc.cur, sc.prev2
	}
	if d := sc.prev[n-1]; d <= k {
		return d
	}
	return k + 1
}

func resize(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
