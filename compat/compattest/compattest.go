// Package compattest holds helpers for tests of compatibility checks: calls that
// fail the test on an error, and generators of adversarial schemas whose naive
// comparison or validation takes exponential work.
package compattest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
)

// CanRead calls f.CanRead with a background context and fails tb on an error.
func CanRead(tb testing.TB, f compat.Format, reader, writer compat.Schema, opts compat.Options) []compat.Violation {
	tb.Helper()
	vs, err := f.CanRead(context.Background(), reader, writer, opts)
	if err != nil {
		tb.Fatalf("CanRead: %v", err)
	}
	return vs
}

// Check calls compat.Check with a background context and fails tb on an error.
func Check(tb testing.TB, f compat.Format, level compat.Level, candidate compat.Schema, previous []compat.Previous, opts compat.Options) compat.Report {
	tb.Helper()
	r, err := compat.Check(context.Background(), f, level, candidate, previous, opts)
	if err != nil {
		tb.Fatalf("Check: %v", err)
	}
	return r
}

// MustParse calls parse (a format package's Parse) and fails tb on an error.
func MustParse[S any](tb testing.TB, parse func(string, []compat.Reference) (S, error), text string, refs []compat.Reference) S {
	tb.Helper()
	s, err := parse(text, refs)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", text, err)
	}
	return s
}

// CheckSchemaError fails tb unless err is a *compat.SchemaError whose Message
// contains want.Message and whose other fields are want's: a parse error says
// where it is as well as what.
func CheckSchemaError(tb testing.TB, err error, want compat.SchemaError) {
	tb.Helper()
	var se *compat.SchemaError
	if !errors.As(err, &se) {
		tb.Fatalf("error %v (%T) is not a *compat.SchemaError", err, err)
	}
	if !strings.Contains(se.Message, want.Message) {
		tb.Errorf("message %q does not contain %q", se.Message, want.Message)
	}
	got := *se
	got.Message = want.Message
	if diff := cmp.Diff(want, got); diff != "" {
		tb.Errorf("SchemaError mismatch (-want +got):\n%s\nerror: %v", diff, se)
	}
}

// ParseBoth parses a and b with parse (a format package's Parse); ok is false
// when either does not parse, which a fuzz target comparing the two skips.
func ParseBoth[S any](parse func(string, []compat.Reference) (S, error), a, b string) (sa, sb S, ok bool) {
	sa, err := parse(a, nil)
	if err != nil {
		return sa, sb, false
	}
	sb, err = parse(b, nil)
	if err != nil {
		return sa, sb, false
	}
	return sa, sb, true
}

// CanReadAllocs parses gen(levels, readerLeaf) and gen(levels, writerLeaf) with
// f and returns the allocations of one f.CanRead of the pair, the reader first.
// Tests compare it at two depths to show a walk grows linearly.
func CanReadAllocs(tb testing.TB, f compat.Format, gen func(levels int, leaf string) string, levels int, readerLeaf, writerLeaf string) float64 {
	tb.Helper()
	reader := MustParse(tb, f.Parse, gen(levels, readerLeaf), nil)
	writer := MustParse(tb, f.Parse, gen(levels, writerLeaf), nil)
	return testing.AllocsPerRun(5, func() {
		if _, err := f.CanRead(context.Background(), reader, writer, compat.Options{}); err != nil {
			tb.Fatal(err)
		}
	})
}

// CanReadAllocsLinear fails tb when one f.CanRead of gen's pair at 60 levels
// allocates three times what it allocates at 30 or more: a walk that shares
// its work across paths grows linearly with the levels, where a naive one
// doubles at each.
func CanReadAllocsLinear(tb testing.TB, f compat.Format, gen func(levels int, leaf string) string, readerLeaf, writerLeaf string) {
	tb.Helper()
	a30 := CanReadAllocs(tb, f, gen, 30, readerLeaf, writerLeaf)
	a60 := CanReadAllocs(tb, f, gen, 60, readerLeaf, writerLeaf)
	if a60 >= 3*a30 {
		tb.Errorf("allocations grow faster than the levels: %v at 30 levels, %v at 60", a30, a60)
	}
}

// Concurrently runs step(g, i) for i from 0 to rounds-1 in each of goroutines
// goroutines at once, and fails tb with the first error a step returns; a
// goroutine stops at its own first error. Cache tests use it to hammer one
// process-wide cache from many goroutines (run them with -race).
func Concurrently(tb testing.TB, goroutines, rounds int, step func(g, i int) error) {
	tb.Helper()
	errs := make(chan error, goroutines)
	for g := range goroutines {
		go func() {
			for i := range rounds {
				if err := step(g, i); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range goroutines {
		if err := <-errs; err != nil {
			tb.Fatal(err)
		}
	}
}

// SameReports fails tb when checking a against aPrevious gives another report,
// backward or forward, than checking b against bPrevious. Cache tests use it to
// show that a schema whose compiled forms were dropped and built again gives
// the same verdicts as the forms built at parse time.
func SameReports(tb testing.TB, f compat.Format, a, aPrevious, b, bPrevious compat.Schema, opts compat.Options) {
	tb.Helper()
	for _, level := range []compat.Level{compat.Backward, compat.Forward} {
		ra := Check(tb, f, level, a, []compat.Previous{{Version: 1, Schema: aPrevious}}, opts)
		rb := Check(tb, f, level, b, []compat.Previous{{Version: 1, Schema: bPrevious}}, opts)
		if diff := cmp.Diff(ra, rb); diff != "" {
			tb.Errorf("%s report (-built at parse +built again):\n%s", level, diff)
		}
	}
}
