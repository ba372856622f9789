package jsonschema_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
)

// adversarialLevels is the depth of the adversarial shapes: a walk that follows
// every path would take 2^60 steps.
const adversarialLevels = 60

func TestCanReadSharedDefinitionsComparedOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		gen  func(levels int, leaf string) string
	}{
		{"FanOutReportsOneViolation", compattest.JSONSchemaFanOut},
		{"OverlapReportsOneViolation", compattest.JSONSchemaOverlap},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := mustParse(t, tt.gen(adversarialLevels, "string"))
			r := mustParse(t, tt.gen(adversarialLevels, "integer"))
			vs, steps, err := jsonschema.CanReadSteps(context.Background(), r, w, compat.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Rule != "TYPE_CHANGED" {
				t.Fatalf("got %v, want one TYPE_CHANGED", vs)
			}
			if want := "#" + strings.Repeat("/properties/a", adversarialLevels); vs[0].Path != want {
				t.Errorf("path %s, want the first path %s", vs[0].Path, want)
			}
			// 2^60 paths reach the leaf: the count saturates.
			if !strings.Contains(vs[0].Message, "other paths") {
				t.Errorf("message %q does not say that other paths reach the definition", vs[0].Message)
			}
			// One pair per level (and a few for the root and the leaf).
			if steps > 2*adversarialLevels+4 {
				t.Errorf("%d node pairs compared, want at most %d", steps, 2*adversarialLevels+4)
			}
		})
	}
}

func TestCanReadSharedDefinitionPathCount(t *testing.T) {
	t.Parallel()
	w := mustParse(t, compattest.JSONSchemaFanOut(3, "string"))
	r := mustParse(t, compattest.JSONSchemaFanOut(3, "integer"))
	vs := compattest.CanRead(t, jsonschema.New(), r, w, compat.Options{})
	if len(vs) != 1 || !strings.Contains(vs[0].Message, "also reached by 7 other paths") {
		t.Errorf("got %v, want one violation reached by 2^3 paths", vs)
	}
}

func TestCanReadFanOutAllocationsLinear(t *testing.T) {
	allocs := func(levels int) float64 {
		return compattest.CanReadAllocs(t, jsonschema.New(), compattest.JSONSchemaFanOut, levels, "integer", "string")
	}
	a20, a60 := allocs(20), allocs(adversarialLevels)
	// Linear: three times the levels costs at most about three times the
	// allocations (the exponential walk allocated 2^levels).
	if a60 > 3.5*a20 || a60 > 3000 {
		t.Errorf("CanRead allocated %.0f at 20 levels and %.0f at 60, want linear growth and at most 3000", a20, a60)
	}
}

// cancelAfter is a context whose Err reports Canceled after its first n calls,
// so that a test can stop a walk midway without a clock.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

func TestCanReadStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	w := mustParse(t, wideSchema(1000, false))
	r := mustParse(t, wideSchema(1000, true))
	_, full, err := jsonschema.CanReadSteps(context.Background(), r, w, compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		checks int // context checks that pass before it ends
	}{
		{"CanceledBeforeStart", 0},
		{"CanceledMidway", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := &cancelAfter{Context: context.Background(), n: tt.checks}
			vs, steps, err := jsonschema.CanReadSteps(ctx, r, w, compat.Options{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			if vs != nil {
				t.Errorf("got violations %v with the error, want none", vs)
			}
			if steps >= full {
				t.Errorf("stopped after %d of %d steps, want earlier", steps, full)
			}
		})
	}
}

func TestCanReadMaxNodes(t *testing.T) {
	t.Parallel()
	w := mustParse(t, compattest.JSONSchemaFanOut(adversarialLevels, "string"))
	r := mustParse(t, compattest.JSONSchemaFanOut(adversarialLevels, "integer"))
	for _, tt := range []struct {
		name     string
		maxNodes int
		wantErr  bool
	}{
		{"LimitErrorBelowTheWalk", 10, true},
		{"VerdictWithinTheLimit", 1000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vs, err := jsonschema.New().CanRead(context.Background(), r, w, compat.Options{Limits: compat.Limits{MaxNodes: tt.maxNodes}})
			var le *compat.LimitError
			if got := errors.As(err, &le); got != tt.wantErr {
				t.Fatalf("err %v, want a *compat.LimitError: %v", err, tt.wantErr)
			}
			if tt.wantErr && (le.Limit != tt.maxNodes || !errors.Is(err, compat.ErrTooComplex) || vs != nil) {
				t.Errorf("got %v, %#v, want limit %d, ErrTooComplex and no violations", vs, le, tt.maxNodes)
			}
			if !tt.wantErr && len(vs) != 1 {
				t.Errorf("got %v, want one violation", vs)
			}
		})
	}
}

func TestCanReadMaxViolations(t *testing.T) {
	t.Parallel()
	f := jsonschema.New()
	w := mustParse(t, wideSchema(1000, false))
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%d":{"type":"boolean"}`, i)
	}
	b.WriteString(`}}`)
	r := mustParse(t, b.String())
	r2 := compattest.Check(t, f, compat.Backward, r, []compat.Previous{{Version: 1, Schema: w}}, compat.Options{Limits: compat.Limits{MaxViolations: 10}})
	if len(r2.Violations) != 10 || !r2.Truncated || r2.Compatible {
		t.Errorf("got %d violations, truncated %v, compatible %v; want 10, true, false", len(r2.Violations), r2.Truncated, r2.Compatible)
	}
}

// EnumWriterAgainstAnyOfReader: the enum shortcut validates each writer value
// against the reader; on an adversarial reader it must give up, not explode.
func TestCanReadEnumWriterAgainstAdversarialReader(t *testing.T) {
	t.Parallel()
	w := mustParse(t, `{"enum":[42, 43]}`)
	r := mustParse(t, compattest.JSONSchemaAnyOf(adversarialLevels, "string"))
	vs, steps, err := jsonschema.CanReadSteps(context.Background(), r, w, compat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Error("an enum of numbers read by a string schema: no violation")
	}
	if steps > 10*adversarialLevels {
		t.Errorf("%d node pairs compared, want at most %d", steps, 10*adversarialLevels)
	}
}

func TestValidateAdversarialSchemas(t *testing.T) {
	t.Parallel()
	tooComplex := "too complex to validate"
	for _, tt := range []struct {
		name    string
		schema  string
		payload string
		want    string // a substring of the one problem; "" for valid
	}{
		{"AnyOfValidPasses", compattest.JSONSchemaAnyOf(adversarialLevels, "string"), `"x"`, ""},
		{"AnyOfInvalidTooComplex", compattest.JSONSchemaAnyOf(adversarialLevels, "string"), `42`, tooComplex},
		{"AnyOfInvalidSmallOneProblem", compattest.JSONSchemaAnyOf(10, "string"), `42`, "want string"},
		{"FanOutValidPasses", compattest.JSONSchemaFanOut(adversarialLevels, "string"), compattest.NestedJSON(adversarialLevels, `"x"`), ""},
		{"FanOutInvalidOneProblem", compattest.JSONSchemaFanOut(adversarialLevels, "string"), compattest.NestedJSON(adversarialLevels, `42`), "want string"},
		{"OverlapTooComplex", compattest.JSONSchemaOverlap(adversarialLevels, "string"), compattest.NestedJSON(adversarialLevels, `"x"`), tooComplex},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, tt.schema)
			err := s.Validate([]byte(tt.payload), compat.EncodingJSON)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("valid payload rejected: %v", err)
				}
				return
			}
			var ie *compat.InvalidPayloadError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v, want *compat.InvalidPayloadError", err)
			}
			if len(ie.Problems) != 1 || !strings.Contains(ie.Problems[0].Message, tt.want) {
				t.Errorf("problems %v, want one containing %q", ie.Problems, tt.want)
			}
		})
	}
}

func TestValidateInvalidAnyOfAllocationsBounded(t *testing.T) {
	s := mustParse(t, compattest.JSONSchemaAnyOf(adversarialLevels, "string"))
	allocs := testing.AllocsPerRun(2, func() {
		if s.Validate([]byte(`42`), compat.EncodingJSON) == nil {
			t.Fatal("42 passed a string schema")
		}
	})
	// The metered validation stops after 2^15 subschemas of about ten
	// allocations each. The unbounded one made 47 million at 20 levels.
	if allocs > 500_000 {
		t.Errorf("validating an invalid payload allocated %.0f times, want at most 500000", allocs)
	}
}

func TestValidateProblemsCapped(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `{"additionalProperties":{"type":"string"}}`)
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"p%03d":%d`, i, i)
	}
	b.WriteString("}")
	var ie *compat.InvalidPayloadError
	if !errors.As(s.Validate([]byte(b.String()), compat.EncodingJSON), &ie) {
		t.Fatal("want *compat.InvalidPayloadError")
	}
	if len(ie.Problems) != 101 || ie.Problems[100].Message != "and 200 more problems" {
		t.Errorf("got %d problems, the last %v; want 100 and a count of the rest", len(ie.Problems), ie.Problems[len(ie.Problems)-1])
	}
}
