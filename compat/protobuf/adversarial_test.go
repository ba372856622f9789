package protobuf

import (
	"context"
	"errors"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// fanOutSteps runs the bounded check of reader against writer with no step bound
// and reports the violations and the message, field and enum pairs compared.
func fanOutSteps(t testing.TB, reader, writer *Schema, set RuleSet) ([]compat.Violation, int) {
	t.Helper()
	b := compat.NewBudget(context.Background(), 0, "node pairs compared")
	vs, err := canRead(reader, writer, set, b)
	if err != nil {
		t.Fatalf("canRead: %v", err)
	}
	return vs, b.Steps()
}

// TestCanReadFanOutIsLinear keeps Protobuf linear on shapes that make naive
// walkers exponential: every message pair is compared once, whatever the number
// of paths to it, and the bottom change is reported once.
func TestCanReadFanOutIsLinear(t *testing.T) {
	t.Parallel()
	for _, g := range []struct {
		name string
		gen  func(int, string) string
	}{
		{"ProtobufFanOut", compattest.ProtobufFanOut},
		{"ProtobufMapFanOut", compattest.ProtobufMapFanOut},
	} {
		for _, set := range []RuleSet{Confluent, WireJSON, Wire} {
			t.Run(g.name+"/"+set.String()+"/OneViolationLinearSteps", func(t *testing.T) {
				t.Parallel()
				var steps [2]int
				for i, levels := range []int{30, 60} {
					reader := mustParse(t, g.gen(levels, "string"))
					writer := mustParse(t, g.gen(levels, "int32"))
					vs, n := fanOutSteps(t, reader, writer, set)
					steps[i] = n
					if len(vs) != 1 || vs[0].Path != "#/L0/1" {
						t.Fatalf("%d levels: want one violation at #/L0/1, got %+v", levels, vs)
					}
					// One step per message pair and one per field pair
					// (map entries count as messages).
					if limit := 6*levels + 10; n > limit {
						t.Errorf("%d levels: %d pairs compared, want at most %d", levels, n, limit)
					}
				}
				if steps[1] >= 3*steps[0] {
					t.Errorf("pairs compared grow faster than the levels: %d at 30 levels, %d at 60", steps[0], steps[1])
				}
			})
		}
	}
}

func TestCanReadFanOutAllocsGrowLinearly(t *testing.T) {
	compattest.CanReadAllocsLinear(t, Format{}, compattest.ProtobufFanOut, "string", "int32")
}

func TestCanReadStops(t *testing.T) {
	t.Parallel()
	// 200 levels is about 600 pairs: enough for the budget to look at the
	// context mid-walk.
	reader := mustParse(t, compattest.ProtobufFanOut(200, "string"))
	writer := mustParse(t, compattest.ProtobufFanOut(200, "int32"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, set := range []RuleSet{Confluent, WireJSON, Wire} {
		opts := compat.Options{RuleSet: set.String()}
		t.Run(set.String()+"/ContextCanceled", func(t *testing.T) {
			t.Parallel()
			if _, err := (Format{}).CanRead(cancelled, reader, writer, opts); !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
		})
		t.Run(set.String()+"/LimitError", func(t *testing.T) {
			t.Parallel()
			o := opts
			o.Limits.MaxNodes = 50
			_, err := Format{}.CanRead(context.Background(), reader, writer, o)
			var le *compat.LimitError
			if !errors.As(err, &le) || le.Limit != 50 || !errors.Is(err, compat.ErrTooComplex) {
				t.Fatalf("got %v, want a *compat.LimitError at 50", err)
			}
		})
		t.Run(set.String()+"/DefaultLimitsSuffice", func(t *testing.T) {
			t.Parallel()
			if vs := compattest.CanRead(t, Format{}, reader, writer, opts); len(vs) != 1 {
				t.Fatalf("got %+v, want one violation", vs)
			}
		})
	}
}
