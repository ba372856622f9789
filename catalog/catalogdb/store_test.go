package catalogdb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogdb"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/internal/pgtest"
)

// closeAtEnd closes st when the test ends, failing it on an error.
func closeAtEnd(t testing.TB, st *catalogdb.Store) *catalogdb.Store {
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

func openSQLite(t *testing.T) catalog.Store {
	t.Helper()
	st, err := catalogdb.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	return closeAtEnd(t, st)
}

func openPostgresAt(t *testing.T, url string) catalog.Store {
	t.Helper()
	st, err := catalogdb.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return closeAtEnd(t, st)
}

func TestStoreSQLite(t *testing.T) {
	t.Parallel()
	catalogtest.RunStore(t, openSQLite)
	// SQLite allows one Herald per file: the second "instance" is the same
	// store, used from several goroutines.
	catalogtest.RunSharedStore(t, func(t *testing.T) func() catalog.Store {
		st := openSQLite(t)
		return func() catalog.Store { return st }
	})
}

func TestStorePostgres(t *testing.T) {
	t.Parallel()
	pgtest.URL(t) // skips the whole suite at once when absent
	catalogtest.RunStore(t, func(t *testing.T) catalog.Store { return openPostgresAt(t, pgtest.URL(t)) })
	catalogtest.RunSharedStore(t, func(t *testing.T) func() catalog.Store {
		url := pgtest.URL(t)
		return func() catalog.Store { return openPostgresAt(t, url) }
	})
}
