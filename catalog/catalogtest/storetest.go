package catalogtest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
)

// This file is the conformance suite of catalog.Store: every engine (the
// in-memory Store above, SQLite, PostgreSQL) passes it.

// StoreOpener opens a fresh, empty store for one test and arranges
// (t.Cleanup) for it to be closed.
type StoreOpener func(t *testing.T) catalog.Store

// RunStore runs the single-store conformance tests, each on its own store.
func RunStore(t *testing.T, open StoreOpener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st catalog.Store)
	}{
		{"EmptyStoreLoadsAnEmptyCatalogAtRevision0", testEmptyStore},
		{"SaveLoadRoundTripsEveryKindInOrder", testStoreRoundTrip},
		{"SaveReplacesTheWholeCatalogAndBumpsTheRevision", testStoreReplaces},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// SharedStoreOpener prepares one empty database for a test and returns a
// function that opens a store on it: each call is another Herald instance.
type SharedStoreOpener func(t *testing.T) func() catalog.Store

// RunSharedStore runs the tests of several stores on one database.
func RunSharedStore(t *testing.T, newDB SharedStoreOpener) {
	t.Helper()
	t.Run("ConcurrentSavesGetDistinctRevisionsAndOneWholeCatalog", func(t *testing.T) {
		t.Parallel()
		open := newDB(t)
		testConcurrentSaves(t, open(), open())
	})
}

// sampleDocument has every kind of entity, with nested fields, n of each.
func sampleDocument(tag string, n int) *catalog.Document {
	doc := &catalog.Document{}
	for i := range n {
		id := fmt.Sprintf("%s-%d", tag, i)
		doc.Teams = append(doc.Teams, catalog.Team{ID: "team-" + id, Members: []string{"a@x", "b@x"}})
		doc.Domains = append(doc.Domains, catalog.Domain{ID: "dom-" + id})
		doc.Services = append(doc.Services, catalog.Application{ID: "svc-" + id, Domain: "dom-" + id,
			Sends: []catalog.Message{{Event: "ev-" + id}}, Receives: []catalog.Message{{Event: "ev-" + id, Fields: []string{"a", "b.c"}}}})
		doc.Events = append(doc.Events, catalog.Event{ID: "ev-" + id, Kind: catalog.KindCommand, Subject: "ev-" + id + "-value",
			Examples: []catalog.Example{{Name: "x", Value: []byte(`{"a":1}`)}}, Deprecated: &catalog.Deprecation{Date: "2026-01-01"}})
		doc.Flows = append(doc.Flows, catalog.Flow{ID: "flow-" + id, Steps: []catalog.Step{{ID: "1", Service: "svc-" + id, Action: catalog.Receives,
			Event: "ev-" + id, Next: []catalog.Branch{{Step: "1", Label: "again"}}}}})
	}
	return doc
}

func save(t *testing.T, st catalog.Store, doc *catalog.Document) catalog.Revision {
	t.Helper()
	rev, err := st.Save(t.Context(), doc)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return rev
}

func load(t *testing.T, st catalog.Store) (*catalog.Document, catalog.Revision) {
	t.Helper()
	doc, rev, err := st.Load(t.Context())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc, rev
}

func testEmptyStore(t *testing.T, st catalog.Store) {
	doc, rev := load(t, st)
	if rev.Number != 0 || doc == nil {
		t.Fatalf("Load of an empty store = %+v, %+v; want an empty document at revision 0", doc, rev)
	}
	if d := cmp.Diff(&catalog.Document{}, doc); d != "" {
		t.Errorf("empty document (-want +got):\n%s", d)
	}
}

func testStoreRoundTrip(t *testing.T, st catalog.Store) {
	// Ids out of byte order, and more than one insert batch (200 rows), so the
	// document order, not the id order, is what must come back.
	want := sampleDocument("z", 3)
	big := sampleDocument("b", 60)
	want.Events = append(want.Events, big.Events...)
	want.Services = append(big.Services, want.Services...)
	rev := save(t, st, want)
	if rev.Number != 1 || rev.UpdatedAt.IsZero() {
		t.Errorf("first Save = %+v, want revision 1 with a time", rev)
	}
	got, loaded := load(t, st)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if loaded.Number != 1 || !loaded.UpdatedAt.Equal(rev.UpdatedAt) {
		t.Errorf("loaded revision %+v, want the saved %+v", loaded, rev)
	}
}

func testStoreReplaces(t *testing.T, st catalog.Store) {
	save(t, st, sampleDocument("a", 4))
	want := sampleDocument("b", 1)
	if rev := save(t, st, want); rev.Number != 2 {
		t.Errorf("second Save = revision %d, want 2", rev.Number)
	}
	got, rev := load(t, st)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("after replacing (-want +got):\n%s", d)
	}
	if rev.Number != 2 {
		t.Errorf("loaded revision %d, want 2", rev.Number)
	}
	if rev := save(t, st, &catalog.Document{}); rev.Number != 3 {
		t.Errorf("saving an empty catalog = revision %d, want 3", rev.Number)
	}
	if got, _ := load(t, st); len(got.Events)+len(got.Services)+len(got.Teams)+len(got.Domains)+len(got.Flows) != 0 {
		t.Errorf("after saving an empty catalog: %+v", got)
	}
}

func testConcurrentSaves(t *testing.T, a, b catalog.Store) {
	const saves = 6
	docs := make([]*catalog.Document, saves)
	revs := make([]int64, saves)
	var wg sync.WaitGroup
	for i := range saves {
		docs[i] = sampleDocument(fmt.Sprint(i), 1+i%3)
		st := a
		if i%2 == 1 {
			st = b
		}
		wg.Go(func() {
			rev, err := st.Save(context.Background(), docs[i])
			if err != nil {
				t.Errorf("Save %d: %v", i, err)
				return
			}
			revs[i] = rev.Number
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := map[int64]int{}
	last := -1
	for i, r := range revs {
		if _, dup := seen[r]; dup || r < 1 || r > saves {
			t.Errorf("save %d got revision %d (revisions %v): want each of 1..%d once", i, r, revs, saves)
		}
		seen[r] = i
		if r == saves {
			last = i
		}
	}
	if last < 0 {
		return
	}
	// The catalog is the last save's, whole: never a mix of two saves.
	for _, st := range []catalog.Store{a, b} {
		got, rev := load(t, st)
		if rev.Number != saves {
			t.Errorf("revision %d, want %d", rev.Number, saves)
		}
		if d := cmp.Diff(docs[last], got); d != "" {
			t.Errorf("catalog after concurrent saves is not the last save's (-want +got):\n%s", d)
		}
	}
}
