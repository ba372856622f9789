package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/catalog/demo"
)

// newDemo returns a catalog Service loaded with the demo over in-memory fakes.
func newDemo(t testing.TB) (*catalog.Service, *catalogtest.Registry, *catalogtest.Lineage) {
	t.Helper()
	ctx := context.Background()
	reg := catalogtest.NewRegistry()
	lin := &catalogtest.Lineage{}
	svc, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, Lineage: lin})
	if err != nil {
		t.Fatal(err)
	}
	n, err := svc.RegisterSchemasFS(ctx, demo.FS, "schemas")
	if err != nil {
		t.Fatalf("register demo schemas (%d ok): %v", n, err)
	}
	loaded, err := svc.LoadDemo(ctx, demo.FS)
	if err != nil || !loaded {
		t.Fatalf("LoadDemo = %v, %v", loaded, err)
	}
	return svc, reg, lin
}

func TestDemoLoads(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	c := svc.Counts()
	if c.Domains < 3 || c.Services < 8 || c.Events < 15 || c.Flows < 3 {
		t.Fatalf("demo counts too small: %+v", c)
	}
}

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	files, err := catalog.FilesFromFS(demo.FS, "catalog")
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed {
		t.Fatalf("second apply changed the catalog: %+v", res)
	}
}

func TestExportRoundTrips(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	y, err := catalog.ExportYAML(svc.Document())
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(context.Background(), []catalog.File{{Name: "export.yaml", Data: string(y)}})
	if err != nil {
		t.Fatalf("apply export: %v\n%s", err, y)
	}
	if res.Changed {
		t.Fatalf("applying the export changed the catalog")
	}
}

func TestApplyErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	before := svc.Revision()
	bad := `services:
  - id: billing
    domain: nowhere
    sends: [order-placed]
  - id: billing
events:
  - id: ghost
    subject: ghost-value
flows:
  - id: f
    steps:
      - service: nobody
        sends: order-placed
      - service: billing
        recieves: order-placed
`
	_, err := svc.Apply(context.Background(), []catalog.File{{Name: "bad.yaml", Data: bad}})
	var ae *catalog.ApplyError
	if !errors.As(err, &ae) || !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("err = %v, want *ApplyError", err)
	}
	got := err.Error()
	// Parse errors come first (duplicate id, unknown key); fix those and the
	// reference errors show.
	for _, want := range []string{`bad.yaml:5:5: duplicate service id "billing"`, `bad.yaml:15:9: flow step: unknown field "recieves" (did you mean "receives"?)`} {
		if !strings.Contains(got, want) {
			t.Errorf("error lacks %q:\n%s", want, strings.ReplaceAll(got, "; ", "\n"))
		}
	}
	bad = strings.Replace(strings.Replace(bad, "  - id: billing\nevents", "events", 1), "recieves", "receives", 1)
	_, err = svc.Apply(context.Background(), []catalog.File{{Name: "bad.yaml", Data: bad}})
	if !errors.Is(err, catalog.ErrInvalid) {
		t.Fatalf("second apply: err = %v, want ErrInvalid", err)
	}
	got = err.Error()
	for _, want := range []string{
		`bad.yaml:3:13: unknown domain "nowhere"`,
		`bad.yaml:7:14: subject "ghost-value" does not exist in the registry`,
		`bad.yaml:11:18: unknown service "nobody"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("error lacks %q:\n%s", want, strings.ReplaceAll(got, "; ", "\n"))
		}
	}
	if svc.Revision() != before {
		t.Fatal("a bad apply changed the catalog")
	}
}

func TestFieldsAllFormats(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	ctx := context.Background()
	for id, want := range map[string]string{
		"order-placed":       "shippingAddress.country",
		"payment-authorized": "pspReference",
		"shipment-created":   "address.city",
	} {
		d, err := svc.EventDetail(ctx, id, catalog.Latest)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, f := range d.Fields {
			if f.Path == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no field %s in %+v", id, want, d.Fields)
		}
	}
}

func TestExamplesValidated(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	d, err := svc.EventDetail(context.Background(), "order-placed", catalog.Latest)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Examples) != 2 || !d.Examples[0].Valid || d.Examples[1].Valid {
		t.Fatalf("examples = %+v, want first valid, second invalid", d.Examples)
	}
}

func TestDiffMarksBreakingAndAffectedConsumers(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	d, err := svc.Diff(context.Background(), "order-placed", 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Compatible {
		t.Fatalf("v3 -> v1 should break: %+v", d.Changes)
	}
	var removed *catalog.Change
	for i, c := range d.Changes {
		if c.Kind == "removed" && c.Path == "shippingAddress" {
			removed = &d.Changes[i]
		}
	}
	if removed == nil {
		t.Fatalf("no removed shippingAddress change: %+v", d.Changes)
	}
	if !removed.Breaking {
		t.Errorf("removing shippingAddress is not marked breaking: %+v", *removed)
	}
	// catalog/demo/catalog/services.yaml: fraud-service reads
	// shippingAddress.country; inventory-service reads only orderId and lines.
	if diff := cmp.Diff([]string{"fraud-service"}, removed.Affected); diff != "" {
		t.Errorf("consumers affected by removing shippingAddress (-want +got):\n%s", diff)
	}
	for _, c := range d.Changes {
		if c.Breaking && len(c.Violations) == 0 {
			t.Errorf("change %+v is breaking without a violation", c)
		}
		if !c.Breaking && len(c.Affected) != 0 {
			t.Errorf("compatible change %+v lists affected consumers", c)
		}
	}
}

func TestGraphDeterministic(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	ctx := context.Background()
	for _, scope := range []string{"flow:checkout", "event:order-placed", "service:order-service", "domain:fulfilment"} {
		g1, err := svc.Graph(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		g2, err := svc.Graph(ctx, scope)
		if err != nil {
			t.Fatal(err)
		}
		l1, l2 := catalog.LayoutGraph(g1), catalog.LayoutGraph(g2)
		if len(l1.Nodes) == 0 {
			t.Fatalf("%s: empty graph", scope)
		}
		if catalog.DOT(g1, nil) != catalog.DOT(g2, nil) || len(l1.Nodes) != len(l2.Nodes) {
			t.Fatalf("%s: not deterministic", scope)
		}
		for i := range l1.Nodes {
			if l1.Nodes[i].X != l2.Nodes[i].X || l1.Nodes[i].Y != l2.Nodes[i].Y {
				t.Fatalf("%s: layout differs", scope)
			}
		}
	}
	if _, err := svc.Graph(ctx, "flow:nope"); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("missing flow: %v", err)
	}
}

func TestObservedEdgesAndWarnings(t *testing.T) {
	t.Parallel()
	svc, _, lin := newDemo(t)
	lin.Set(catalog.Observation{Client: "order-service", Topic: "order-placed", Action: catalog.Sends, Count: 3},
		catalog.Observation{Client: "analytics", Topic: "order-placed", Action: catalog.Receives, Count: 1})
	d, err := svc.EventDetail(context.Background(), "order-placed", catalog.Latest)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Producers) == 0 || d.Producers[0].State() != "both" {
		t.Fatalf("producer state = %s", d.Producers[0].State())
	}
	w := strings.Join(d.Warnings, "\n")
	if !strings.Contains(w, "analytics was seen as a consumer but is not declared") || !strings.Contains(w, "fraud-service is a declared consumer but was never seen") {
		t.Fatalf("warnings = %s", w)
	}
}

// TestMostRecent orders by registration time, newest first, breaks a tie by
// the higher id, and keeps n.
func TestMostRecent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	vs := []catalog.SchemaVersion{
		{ID: 1, CreatedAt: at},
		{ID: 3, CreatedAt: at.Add(time.Second)},
		{ID: 2, CreatedAt: at},
		{ID: 4, CreatedAt: at.Add(-time.Second)},
	}
	var ids []int
	for _, v := range catalog.MostRecent(vs, 3) {
		ids = append(ids, v.ID)
	}
	if diff := cmp.Diff([]int{3, 2, 1}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if n := len(catalog.MostRecent(vs[:2], 10)); n != 2 {
		t.Errorf("n past the list kept %d, want 2", n)
	}
}
