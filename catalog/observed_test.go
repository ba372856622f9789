package catalog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/heraldhq/herald/catalog"
)

// fakeStore answers Load and Save with err.
type fakeStore struct{ err error }

func (f fakeStore) Load(context.Context) (*catalog.Document, catalog.Revision, error) {
	return &catalog.Document{}, catalog.Revision{}, f.err
}

func (f fakeStore) Save(context.Context, *catalog.Document) (catalog.Revision, error) {
	return catalog.Revision{Number: 1}, f.err
}

// TestObservedStoreReportsLoadsAndSaves: Load is a read and Save a write, an
// engine's error is reported, a cancellation is not, and the results pass
// through unchanged.
func TestObservedStoreReportsLoadsAndSaves(t *testing.T) {
	t.Parallel()
	type call struct {
		write  bool
		failed bool
	}
	var got []call
	observe := func(write bool, _ time.Duration, err error) { got = append(got, call{write, err != nil}) }
	ctx := context.Background()
	diskFull := errors.New("disk full")
	for _, tc := range []struct {
		name string
		err  error
		want []call
	}{
		{"SuccessIsNoFailure", nil, []call{{false, false}, {true, false}}},
		{"EngineErrorIsAFailure", diskFull, []call{{false, true}, {true, true}}},
		{"CancellationIsNoFailure", context.Canceled, []call{{false, false}, {true, false}}},
	} {
		got = nil
		st := catalog.ObservedStore(fakeStore{tc.err}, observe)
		if _, _, err := st.Load(ctx); !errors.Is(err, tc.err) {
			t.Errorf("%s: Load = %v, want %v", tc.name, err, tc.err)
		}
		if rev, err := st.Save(ctx, &catalog.Document{}); rev.Number != 1 || !errors.Is(err, tc.err) {
			t.Errorf("%s: Save = %+v, %v; want revision 1, %v", tc.name, rev, err, tc.err)
		}
		if len(got) != len(tc.want) || got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("%s: observed %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if st := catalog.ObservedStore(fakeStore{}, nil); st != catalog.Store(fakeStore{}) {
		t.Errorf("ObservedStore(st, nil) = %T, want st itself", st)
	}
}
