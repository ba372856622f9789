package brokerdb_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/brokertest"
)

// opened returns a function that fails t on an open's error, or else closes
// the store when the test ends: opened(t)(brokerdb.Open(…)).
func opened(t testing.TB) func(st *brokerdb.Store, err error) broker.Log {
	return func(st *brokerdb.Store, err error) broker.Log {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		return st
	}
}

func openSQLite(t *testing.T) broker.Log {
	t.Helper()
	return opened(t)(brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), brokerdb.Options{Synchronous: "NORMAL"}))
}

func openPostgres(t *testing.T) broker.Log {
	t.Helper()
	return openPostgresAt(t, pgtest.URL(t))
}

func openPostgresAt(t *testing.T, url string) broker.Log {
	t.Helper()
	return opened(t)(brokerdb.OpenPostgres(context.Background(), url))
}

func TestLogSQLite(t *testing.T) {
	t.Parallel()
	brokertest.Run(t, openSQLite)
	// SQLite allows one Herald per file (a lock file enforces it): the shared
	// tests run on one log used from many goroutines, the second "instance"
	// being the same store.
	brokertest.RunShared(t, func(t *testing.T) func() broker.Log {
		l := openSQLite(t)
		return func() broker.Log { return l }
	})
}

func TestLogPostgres(t *testing.T) {
	t.Parallel()
	pgtest.URL(t) // skips the whole suite at once when absent
	brokertest.Run(t, openPostgres)
	// The shared tests on two stores on one database, as two Herald
	// instances use it.
	brokertest.RunShared(t, func(t *testing.T) func() broker.Log {
		url := pgtest.URL(t)
		return func() broker.Log { return openPostgresAt(t, url) }
	})
}
