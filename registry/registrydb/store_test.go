package registrydb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/registry/registrytest"
)

// closeAtEnd closes st when the test ends, failing it on an error.
func closeAtEnd(t testing.TB, st *registrydb.Store) {
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
}

// openTemp opens a store on a fresh file in a temp dir, closed when the test
// ends.
func openTemp(t *testing.T) *registrydb.Store {
	t.Helper()
	st := open(t, filepath.Join(t.TempDir(), "r.db"))
	closeAtEnd(t, st)
	return st
}

func openSQLite(t *testing.T) registry.Store {
	t.Helper()
	return openTemp(t)
}

func openPostgres(t *testing.T) registry.Store {
	t.Helper()
	st, err := registrydb.OpenPostgres(context.Background(), registrytest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st)
	return st
}

// sharedOpener returns stores opened by openAt on one database, closed when
// the test ends (t.Cleanup may be called from several goroutines).
func sharedOpener(t *testing.T, openAt func() (*registrydb.Store, error)) func() (registry.Store, error) {
	return func() (registry.Store, error) {
		st, err := openAt()
		if err != nil {
			return nil, err
		}
		closeAtEnd(t, st)
		return st, nil
	}
}

func TestStoreSQLite(t *testing.T) {
	t.Parallel()
	registrytest.Run(t, openSQLite)
	registrytest.RunShared(t, func(t *testing.T) func() (registry.Store, error) {
		path := filepath.Join(t.TempDir(), "r.db")
		return sharedOpener(t, func() (*registrydb.Store, error) { return registrydb.Open(context.Background(), path) })
	})
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	registrytest.PostgresURL(t) // skips the whole suite at once when absent
	registrytest.Run(t, openPostgres)
	registrytest.RunShared(t, func(t *testing.T) func() (registry.Store, error) {
		u := registrytest.PostgresURL(t)
		return sharedOpener(t, func() (*registrydb.Store, error) { return registrydb.OpenPostgres(context.Background(), u) })
	})
}
