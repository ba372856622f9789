package avro

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// fanOutPair parses two schemas of one adversarial shape that differ only in their
// bottom type, so the only incompatibility sits at a definition reached by
// 2^levels paths.
func fanOutPair(t testing.TB, gen func(int, string) string, levels int, readerLeaf, writerLeaf string) (reader, writer *Schema) {
	t.Helper()
	return mustParse(t, gen(levels, readerLeaf)), mustParse(t, gen(levels, writerLeaf))
}

// countSteps runs canRead with an unbounded budget and reports its node-pair steps.
func countSteps(t testing.TB, reader, writer *Schema) ([]compat.Violation, int) {
	t.Helper()
	b := compat.NewBudget(context.Background(), 0, "node pairs compared")
	vs, err := canRead(reader.root, writer.root, b)
	if err != nil {
		t.Fatalf("canRead: %v", err)
	}
	return vs, b.Steps()
}

func TestCanReadFanOut(t *testing.T) {
	t.Parallel()
	// perLevel is how many violations each level adds on top of the bottom
	// one, when the bottom is incompatible: none for plain fields, one
	// MISSING_UNION_BRANCH for the union each level of AvroUnionFanOut reads
	// the level below through.
	gens := []struct {
		name     string
		gen      func(int, string) string
		perLevel int
	}{
		{"AvroFanOut", compattest.AvroFanOut, 0},
		{"AvroUnionFanOut", compattest.AvroUnionFanOut, 1},
	}
	for _, g := range gens {
		for _, tt := range []struct {
			name                   string
			readerLeaf, writerLeaf string
			compatible             bool
		}{
			{"StringReadingIntIsOneViolationPerDefinition", "string", "int", false},
			{"LongReadingIntIsCompatible", "long", "int", true},
		} {
			t.Run(g.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var steps [2]int
				for i, levels := range []int{30, 60} {
					r, w := fanOutPair(t, g.gen, levels, tt.readerLeaf, tt.writerLeaf)
					vs, n := countSteps(t, r, w)
					steps[i] = n
					want := 0
					if !tt.compatible {
						want = 1 + g.perLevel*levels
					}
					if len(vs) != want {
						t.Fatalf("%d levels: %d violations, want %d: %+v", levels, len(vs), want, vs)
					}
					// Every level compares its record pair and its two fields'
					// pairs, and a union or an array a few more.
					if limit := 10*levels + 10; n > limit {
						t.Errorf("%d levels: %d node pairs compared, want at most %d", levels, n, limit)
					}
				}
				if steps[1] >= 3*steps[0] {
					t.Errorf("node pairs grow faster than the levels: %d at 30 levels, %d at 60", steps[0], steps[1])
				}
			})
		}
	}
}

// TestCanReadFanOutReportsFirstPath pins the one violation to the path by which
// the walk first reaches the bottom definition: field "a" at every level.
func TestCanReadFanOutReportsFirstPath(t *testing.T) {
	t.Parallel()
	r, w := fanOutPair(t, compattest.AvroFanOut, 60, "string", "int")
	vs := compattest.CanRead(t, Format{}, r, w, compat.Options{})
	want := compat.Violation{Rule: RuleTypeMismatch, Path: strings.Repeat("/fields/0/type", 61), Message: "reader type string cannot read writer type int"}
	if len(vs) != 1 || vs[0] != want {
		t.Fatalf("got %+v, want [%+v]", vs, want)
	}
}

func TestCanReadFanOutAllocsGrowLinearly(t *testing.T) {
	compattest.CanReadAllocsLinear(t, Format{}, compattest.AvroFanOut, "string", "int")
}

func TestCheckFanOutAt60Levels(t *testing.T) {
	t.Parallel()
	r, w := fanOutPair(t, compattest.AvroFanOut, 60, "string", "int")
	rep := compattest.Check(t, Format{}, compat.Full, r, []compat.Previous{{Version: 1, Schema: w}}, compat.Options{})
	if rep.Compatible || len(rep.Violations) != 2 || rep.Truncated {
		t.Fatalf("want two violations (one per direction), not truncated; got %+v", rep)
	}
}

func TestCanReadStops(t *testing.T) {
	t.Parallel()
	// 200 levels is about 600 node pairs: enough for the budget to look at the
	// context mid-walk.
	r, w := fanOutPair(t, compattest.AvroFanOut, 200, "string", "int")
	_, full := countSteps(t, r, w)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	t.Run("ContextCanceledMidWalk", func(t *testing.T) {
		b := compat.NewBudget(cancelled, 0, "node pairs compared")
		vs, err := canRead(r.root, w.root, b)
		if !errors.Is(err, context.Canceled) || vs != nil {
			t.Fatalf("got %v, %v; want context.Canceled and no violations", vs, err)
		}
		if b.Steps() >= full {
			t.Errorf("walked %d node pairs of %d after the context was done", b.Steps(), full)
		}
	})
	t.Run("ContextCanceledThroughFormat", func(t *testing.T) {
		if _, err := (Format{}).CanRead(cancelled, r, w, compat.Options{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("LimitError", func(t *testing.T) {
		_, err := Format{}.CanRead(context.Background(), r, w, compat.Options{Limits: compat.Limits{MaxNodes: 50}})
		var le *compat.LimitError
		if !errors.As(err, &le) || le.Limit != 50 || !errors.Is(err, compat.ErrTooComplex) {
			t.Fatalf("got %v, want a *compat.LimitError at 50", err)
		}
	})
	t.Run("DefaultLimitsSuffice", func(t *testing.T) {
		if vs := compattest.CanRead(t, Format{}, r, w, compat.Options{}); len(vs) != 1 {
			t.Fatalf("got %d violations, want 1", len(vs))
		}
	})
}

// TestValidateBinaryZeroSizeFanOut: a record built only of zero-size types is
// encoded in no bytes, so validating it must not walk its 2^levels expansion.
func TestValidateBinaryZeroSizeFanOut(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		leaf    string
		payload []byte
		valid   bool
	}{
		{"NullLeavesEmptyPayloadIsValid", "null", nil, true},
		{"NullLeavesExtraByteIsInvalid", "null", []byte{0}, false},
		{"IntLeavesEmptyPayloadIsTruncated", "int", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, levels := range []int{16, 60} {
				s := mustParse(t, compattest.AvroFanOut(levels, tt.leaf))
				d := &binDec{b: tt.payload}
				_ = d.value(s.root)
				if limit := 2*levels + 4; d.steps > limit {
					t.Fatalf("%d levels: visited %d schema nodes, want at most %d", levels, d.steps, limit)
				}
				if err := s.Validate(tt.payload, compat.EncodingBinary); (err == nil) != tt.valid {
					t.Fatalf("%d levels: Validate = %v, want valid %v", levels, err, tt.valid)
				}
			}
		})
	}
}
