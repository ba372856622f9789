package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// fanOutLevels is the depth of the adversarial schemas: a walk that expands a
// shared type at every use does 2^60 work on them.
const fanOutLevels = 60

// compatRegistry is a catalogtest.Registry whose comparisons can be replaced
// (by fake), and counted (in returned).
type compatRegistry struct {
	*catalogtest.Registry
	// fake, when set, answers CanRead instead of the format.
	fake func(ctx context.Context) ([]compat.Violation, error)
	// returned counts the violations CanRead returned.
	returned int
}

func (r *compatRegistry) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	var vs []compat.Violation
	var err error
	if r.fake != nil {
		vs, err = r.fake(ctx)
	} else {
		vs, err = r.Registry.CanRead(ctx, reader, writer, opts)
	}
	r.returned += len(vs)
	return vs, err
}

// newFanOut returns a catalog with one event "e" on subject "s", whose versions 1
// and 2 are before and after, under compatibility NONE (judged as BACKWARD).
func newFanOut(t testing.TB, typ compat.SchemaType, before, after string, lim catalog.FieldLimits) (*catalog.Service, *compatRegistry) {
	t.Helper()
	ctx := context.Background()
	reg := &compatRegistry{Registry: catalogtest.NewRegistry()}
	reg.SetLevel("s", compat.None)
	for _, text := range []string{before, after} {
		if _, err := reg.Register(ctx, "s", typ, text); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, FieldLimits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApplyDocument(ctx, &catalog.Document{Events: []catalog.Event{{ID: "e", Subject: "s"}}}); err != nil {
		t.Fatal(err)
	}
	return svc, reg
}

// fanOutCase is an adversarial schema pair that differs only in its shared leaf.
type fanOutCase struct {
	name          string
	typ           compat.SchemaType
	before, after func(levels int) string
	// leafPath is the path of the leaf's first use at the given depth.
	leafPath func(levels int) string
}

func fanOutCases() []fanOutCase {
	return []fanOutCase{
		{"JSONSchemaFanOut", compat.JSON,
			func(l int) string { return compattest.JSONSchemaFanOut(l, "string") },
			func(l int) string { return compattest.JSONSchemaFanOut(l, "integer") },
			func(l int) string { return strings.TrimSuffix(strings.Repeat("a.", l), ".") }},
		{"JSONSchemaWide", compat.JSON,
			func(l int) string { return compattest.JSONSchemaWide(l, 4, "string") },
			func(l int) string { return compattest.JSONSchemaWide(l, 4, "integer") },
			func(l int) string { return strings.TrimSuffix(strings.Repeat("f0.", l), ".") }},
		{"AvroFanOut", compat.Avro,
			func(l int) string { return compattest.AvroFanOut(l, "string") },
			func(l int) string { return compattest.AvroFanOut(l, "int") },
			func(l int) string { return strings.Repeat("a.", l) + "v" }},
		{"AvroWide", compat.Avro,
			func(l int) string { return compattest.AvroWide(l, 4, "string") },
			func(l int) string { return compattest.AvroWide(l, 4, "int") },
			func(l int) string { return strings.Repeat("f0.", l) + "v" }},
		{"ProtobufWide", compat.Protobuf,
			func(l int) string { return compattest.ProtobufWide(l, 4, "string") },
			func(l int) string { return compattest.ProtobufWide(l, 4, "int32") },
			func(l int) string { return strings.Repeat("f0.", l) + "v" }},
		{"ProtobufFanOut", compat.Protobuf,
			func(l int) string { return compattest.ProtobufFanOut(l, "string") },
			func(l int) string { return compattest.ProtobufFanOut(l, "int32") },
			// The first message, the one a table shows, is L0.
			func(l int) string { return "v" }},
	}
}

// TestFieldsListSharedTypesOnce is not parallel: it counts allocations.
func TestFieldsListSharedTypesOnce(t *testing.T) {
	ctx := context.Background()
	for _, c := range fanOutCases() {
		t.Run(c.name+"LinearRows", func(t *testing.T) {
			text := c.before(fanOutLevels)
			fs, err := catalog.Fields(ctx, c.typ, text, catalog.FieldLimits{})
			if err != nil {
				t.Fatalf("Fields: %v", err)
			}
			// Each level lists its own fields once (at most 4, plus L0's v):
			// the table grows with the text, not with the paths through it.
			if max := 4*fanOutLevels + 5; len(fs) > max {
				t.Fatalf("%d rows, want at most %d", len(fs), max)
			}
			paths := map[string]bool{"": true}
			leaf := c.leafPath(fanOutLevels)
			for _, f := range fs {
				paths[f.Path] = true
			}
			if !paths[leaf] {
				t.Fatalf("no row for the leaf %s", leaf)
			}
			for _, f := range fs {
				if f.RefTo != "" && !paths[strings.TrimSuffix(f.Ref, "[]")] {
					t.Errorf("row %s refers to %s (%s), which is not a row", f.Path, f.Ref, f.RefTo)
				}
			}
			// Allocations grow linearly with the levels: doubling them at most
			// doubles the cost (and some), where a naive walk squares it.
			half := allocsOfFields(c.typ, c.before(fanOutLevels/2))
			full := allocsOfFields(c.typ, text)
			if full > 2.5*half+100 {
				t.Fatalf("allocations: %.0f at %d levels, %.0f at %d: not linear", half, fanOutLevels/2, full, fanOutLevels)
			}
		})
	}
}

func allocsOfFields(typ compat.SchemaType, text string) float64 {
	return testing.AllocsPerRun(5, func() {
		_, _ = catalog.Fields(context.Background(), typ, text, catalog.FieldLimits{})
	})
}

func TestFieldsLimits(t *testing.T) {
	t.Parallel()
	text := compattest.JSONSchemaWide(fanOutLevels, 4, "string")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name     string
		ctx      context.Context
		lim      catalog.FieldLimits
		wantWhat string
		wantErr  error
		wantRows int
	}{
		{"RowLimitIsLimitError", context.Background(), catalog.FieldLimits{MaxRows: 10}, "rows in a field table", compat.ErrTooComplex, 10},
		{"NodeLimitIsLimitError", context.Background(), catalog.FieldLimits{MaxNodes: 30}, "schema nodes visited", compat.ErrTooComplex, -1},
		{"CancelledContextStops", cancelled, catalog.FieldLimits{}, "", context.Canceled, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fs, err := catalog.Fields(c.ctx, compat.JSON, text, c.lim)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("Fields error = %v, want %v", err, c.wantErr)
			}
			var le *compat.LimitError
			if c.wantWhat != "" && (!errors.As(err, &le) || le.What != c.wantWhat) {
				t.Fatalf("Fields error = %#v, want a *compat.LimitError on %q", err, c.wantWhat)
			}
			if c.wantRows >= 0 && len(fs) != c.wantRows {
				t.Fatalf("%d rows with the error, want %d", len(fs), c.wantRows)
			}
		})
	}
}

func TestDiffShowsSharedChangeOnce(t *testing.T) {
	t.Parallel()
	for _, c := range fanOutCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			svc, reg := newFanOut(t, c.typ, c.before(fanOutLevels), c.after(fanOutLevels), catalog.FieldLimits{})
			// The formats' own comparisons are bounded elsewhere (compat); here
			// a JSON Schema comparison reports the leaf's change once per path,
			// as an unmemoized checker would, on 2,000 of its 2^60 paths.
			reg.fake = func(context.Context) ([]compat.Violation, error) {
				if c.typ != compat.JSON {
					return nil, nil
				}
				names := []string{"a", "b"}
				if c.name == "JSONSchemaWide" {
					names = []string{"f0", "f1", "f2", "f3"}
				}
				var vs []compat.Violation
				for _, p := range compattest.FanOutPaths(fanOutLevels, names, 1000) {
					vs = append(vs, compat.Violation{Rule: "TYPE_CHANGED", Path: p, Message: "type changed"})
				}
				return vs, nil
			}
			d, err := svc.Diff(context.Background(), "e", 1, 2)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			checkSharedChange(t, d, c.leafPath(fanOutLevels), reg.returned)
		})
	}
}

// TestDiffShowsSharedChangeOnceWithRealComparison runs the formats' own
// bounded comparisons at full depth.
func TestDiffShowsSharedChangeOnceWithRealComparison(t *testing.T) {
	t.Parallel()
	for _, c := range fanOutCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			levels := fanOutLevels
			svc, reg := newFanOut(t, c.typ, c.before(levels), c.after(levels), catalog.FieldLimits{})
			d, err := svc.Diff(context.Background(), "e", 1, 2)
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if reg.returned == 0 {
				t.Fatal("the comparison found no violation: the leaf change is compatible?")
			}
			checkSharedChange(t, d, c.leafPath(levels), reg.returned)
		})
	}
}

// checkSharedChange checks that the leaf's type change is one breaking change,
// that every violation returned is on a change (listed or counted), and that the
// diff stays small.
func checkSharedChange(t *testing.T, d *catalog.Diff, leaf string, returned int) {
	t.Helper()
	types, attached := 0, 0
	for _, ch := range d.Changes {
		attached += len(ch.Violations) + ch.Repeats
		if ch.Kind == "type" {
			types++
			if ch.Path != leaf {
				t.Errorf("type change at %s, want it at the leaf's first use %s", ch.Path, leaf)
			}
		}
	}
	if types != 1 {
		t.Fatalf("%d type changes, want 1: %+v", types, d.Changes)
	}
	if attached != returned {
		t.Fatalf("%d violations on changes, want the %d returned", attached, returned)
	}
	// One field change, and at most one change per rule the comparison could
	// not place on a field.
	if len(d.Changes) > 3 {
		t.Fatalf("%d changes, want at most 3: %+v", len(d.Changes), d.Changes)
	}
	if returned > 0 && d.Compatible {
		t.Fatal("diff is compatible despite violations")
	}
}

func TestDiffLimits(t *testing.T) {
	t.Parallel()
	before, after := compattest.JSONSchemaWide(fanOutLevels, 4, "string"), compattest.JSONSchemaWide(fanOutLevels, 4, "integer")
	t.Run("RowLimitIsLimitError", func(t *testing.T) {
		t.Parallel()
		svc, _ := newFanOut(t, compat.JSON, before, after, catalog.FieldLimits{MaxRows: 20})
		_, err := svc.Diff(context.Background(), "e", 1, 2)
		var le *compat.LimitError
		if !errors.As(err, &le) || !errors.Is(err, compat.ErrTooComplex) {
			t.Fatalf("Diff error = %v, want a *compat.LimitError", err)
		}
	})
	t.Run("ViolationsPastChangeLimitIsLimitError", func(t *testing.T) {
		t.Parallel()
		svc, reg := newFanOut(t, compat.JSON, before, after, catalog.FieldLimits{MaxRows: 300})
		reg.fake = func(context.Context) ([]compat.Violation, error) {
			var vs []compat.Violation
			for i := range 1000 {
				vs = append(vs, compat.Violation{Rule: "R", Path: "#/nowhere" + strings.Repeat("x", i)})
			}
			return vs, nil
		}
		_, err := svc.Diff(context.Background(), "e", 1, 2)
		if !errors.Is(err, compat.ErrTooComplex) {
			t.Fatalf("Diff error = %v, want ErrTooComplex", err)
		}
	})
	t.Run("CancelledContextStops", func(t *testing.T) {
		t.Parallel()
		svc, _ := newFanOut(t, compat.JSON, before, after, catalog.FieldLimits{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := svc.Diff(ctx, "e", 1, 2); !errors.Is(err, context.Canceled) {
			t.Fatalf("Diff error = %v, want context.Canceled", err)
		}
	})
	t.Run("ClientLeavingDuringComparisonStops", func(t *testing.T) {
		t.Parallel()
		svc, reg := newFanOut(t, compat.JSON, before, after, catalog.FieldLimits{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The client goes away while the versions are compared; what follows
		// (placing violations, the text diff) must notice.
		reg.fake = func(context.Context) ([]compat.Violation, error) {
			cancel()
			return nil, nil
		}
		if _, err := svc.Diff(ctx, "e", 1, 2); !errors.Is(err, context.Canceled) {
			t.Fatalf("Diff error = %v, want context.Canceled", err)
		}
	})
}

func TestEventDetailFieldLimit(t *testing.T) {
	t.Parallel()
	text := compattest.JSONSchemaWide(fanOutLevels, 4, "string")
	svc, _ := newFanOut(t, compat.JSON, text, text+" ", catalog.FieldLimits{MaxRows: 25})
	d, err := svc.EventDetail(context.Background(), "e", catalog.Latest)
	if err != nil {
		t.Fatalf("EventDetail: %v (a field table past its limit should not fail the page)", err)
	}
	if len(d.Fields) != 25 || !strings.Contains(d.FieldsError, "more than 25 rows") {
		t.Fatalf("%d fields, FieldsError %q; want 25 and the limit named", len(d.Fields), d.FieldsError)
	}
}

func TestDiffAffectsConsumersThroughSharedTypes(t *testing.T) {
	t.Parallel()
	schema := func(country string) string {
		return `{"type":"object","properties":{"billing":{"$ref":"#/$defs/Address"},"shipping":{"$ref":"#/$defs/Address"},"name":{"type":"string"}},` +
			`"$defs":{"Address":{"type":"object","properties":{"country":{"type":"` + country + `"}}}}}`
	}
	svc, _ := newFanOut(t, compat.JSON, schema("string"), schema("integer"), catalog.FieldLimits{})
	ctx := context.Background()
	doc := &catalog.Document{
		Events: []catalog.Event{{ID: "e", Subject: "s"}},
		Services: []catalog.Application{
			{ID: "shipper", Receives: []catalog.Message{{Event: "e", Fields: []string{"shipping.country"}}}},
			{ID: "greeter", Receives: []catalog.Message{{Event: "e", Fields: []string{"name"}}}},
		},
	}
	if _, err := svc.ApplyDocument(ctx, doc); err != nil {
		t.Fatal(err)
	}
	fs, err := catalog.Fields(ctx, compat.JSON, schema("string"), catalog.FieldLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var shipping *catalog.Field
	for i := range fs {
		if fs[i].Path == "shipping" {
			shipping = &fs[i]
		}
		if fs[i].Path == "shipping.country" {
			t.Errorf("shipping.country is listed again: %+v", fs)
		}
	}
	if shipping == nil || shipping.RefTo != "Address" || shipping.Ref != "billing" {
		t.Fatalf("shipping row = %+v, want a reference to Address at billing", shipping)
	}
	d, err := svc.Diff(ctx, "e", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Changes) != 1 || d.Changes[0].Path != "billing.country" || !d.Changes[0].Breaking {
		t.Fatalf("changes = %+v, want one breaking change at billing.country", d.Changes)
	}
	if got := d.Changes[0].Affected; len(got) != 1 || got[0] != "shipper" {
		t.Fatalf("affected = %v, want [shipper]: it reads shipping.country, the same Address", got)
	}
}
