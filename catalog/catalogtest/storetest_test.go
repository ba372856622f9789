package catalogtest_test

import (
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
)

// TestFakeStore holds the in-memory Store the catalog's tests use to the
// contract the real stores pass.
func TestFakeStore(t *testing.T) {
	t.Parallel()
	catalogtest.RunStore(t, func(*testing.T) catalog.Store { return &catalogtest.Store{} })
	catalogtest.RunSharedStore(t, func(*testing.T) func() catalog.Store {
		st := &catalogtest.Store{}
		return func() catalog.Store { return st }
	})
}
