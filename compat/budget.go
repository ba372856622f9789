package compat

import (
	"context"
	"errors"
	"fmt"
)

// Limits bound the work of one compatibility check, so that no schema pair, however
// it is shaped, makes a check use unbounded CPU or memory. The zero value means the
// defaults.
type Limits struct {
	// MaxNodes bounds the (reader, writer) node pairs one CanRead compares. A
	// check that would compare more fails with a *LimitError. Zero:
	// DefaultMaxNodes.
	MaxNodes int
	// MaxViolations bounds the violations one Check reports. Past it the report
	// is cut and Report.Truncated is set; the verdict stays incompatible. Zero:
	// DefaultMaxViolations.
	MaxViolations int
}

// Default limits. A realistic schema pair compares a few thousand node pairs; the
// node bound is a thousand times that, and it is reached in well under a second.
const (
	DefaultMaxNodes      = 1_000_000
	DefaultMaxViolations = 1000
)

// nodes returns MaxNodes or its default.
func (l Limits) nodes() int {
	if l.MaxNodes > 0 {
		return l.MaxNodes
	}
	return DefaultMaxNodes
}

// violations returns MaxViolations or its default.
func (l Limits) violations() int {
	if l.MaxViolations > 0 {
		return l.MaxViolations
	}
	return DefaultMaxViolations
}

// ErrTooComplex is matched (errors.Is) by every *LimitError.
var ErrTooComplex = errors.New("too complex")

// LimitError reports a check or a rendering that stopped at one of its limits.
type LimitError struct {
	// What names the bounded quantity, such as "node pairs compared".
	What string
	// Limit is the bound that was reached.
	Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("too complex: more than %d %s; simplify the schema or raise the limit", e.Limit, e.What)
}

// Is makes errors.Is(err, ErrTooComplex) true for every *LimitError.
func (e *LimitError) Is(target error) bool { return target == ErrTooComplex }

// Budget counts the work of one walk against a bound and watches a context. A
// walker calls Step once per node (or node pair) it visits and stops as soon as
// Step returns false; Err then says why. A Budget is not safe for concurrent use.
type Budget struct {
	ctx  context.Context
	what string
	max  int
	n    int
	err  error
}

// NewBudget returns a budget of max steps (what names them in the error) that
// also ends when ctx is done. A max of zero or less means no step bound.
func NewBudget(ctx context.Context, max int, what string) *Budget {
	return &Budget{ctx: ctx, what: what, max: max}
}

// checkEvery is how many steps pass between two looks at the context: often
// enough to stop within a millisecond, rarely enough to cost nothing.
const checkEvery = 256

// Step counts one unit of work. It returns false once the bound is exceeded or
// the context is done, and keeps returning false after that.
func (b *Budget) Step() bool {
	if b.err != nil {
		return false
	}
	b.n++
	if b.max > 0 && b.n > b.max {
		b.err = &LimitError{What: b.what, Limit: b.max}
		return false
	}
	if b.n%checkEvery == 0 && b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			b.err = err
			return false
		}
	}
	return true
}

// Steps reports how many steps were counted.
func (b *Budget) Steps() int { return b.n }

// Err is nil while the budget lasts, then a *LimitError or the context's error.
func (b *Budget) Err() error { return b.err }

// CheckBudget returns the budget one CanRead call should use under opts.
func CheckBudget(ctx context.Context, opts Options) *Budget {
	return NewBudget(ctx, opts.Limits.nodes(), "node pairs compared")
}
