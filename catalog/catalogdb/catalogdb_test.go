package catalogdb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogdb"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	s, err := catalogdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	doc, rev, err := s.Load(ctx)
	if err != nil || rev.Number != 0 || len(doc.Events) != 0 {
		t.Fatalf("empty store: %+v %+v %v", doc, rev, err)
	}
	want := &catalog.Document{
		Teams:    []catalog.Team{{ID: "t", Members: []string{"a@x"}}},
		Domains:  []catalog.Domain{{ID: "d"}, {ID: "e", Parent: "d"}},
		Services: []catalog.Application{{ID: "s", Domain: "d", Sends: []catalog.Message{{Event: "ev"}}, Receives: []catalog.Message{{Event: "ev", Fields: []string{"a"}}}}},
		Events:   []catalog.Event{{ID: "ev", Kind: catalog.KindCommand, Subject: "ev-value", Examples: []catalog.Example{{Name: "x", Value: []byte(`{"a":1}`)}}, Deprecated: &catalog.Deprecation{Date: "2026-01-01"}}},
		Flows:    []catalog.Flow{{ID: "f", Steps: []catalog.Step{{ID: "1", Service: "s", Action: catalog.Receives, Event: "ev", Next: []catalog.Branch{{Step: "1", Label: "again"}}}}}},
	}
	for i := 1; i <= 2; i++ {
		rev, err := s.Save(ctx, want)
		if err != nil || rev.Number != int64(i) {
			t.Fatalf("save %d: %+v %v", i, rev, err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = catalogdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	got, rev, err := s.Load(ctx)
	if err != nil || rev.Number != 2 {
		t.Fatalf("load: %+v %v", rev, err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("round trip (-want +got):\n%s", d)
	}
}
