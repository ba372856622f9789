package registrydb_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/registry/registrytest"
)

// TestOpenPostgresTogetherMigratesOnce: eight instances opening one empty
// database at the same moment all succeed, and each migration is applied
// exactly once (the advisory lock queues them; without it, concurrent CREATEs
// fail or a migration is recorded twice).
func TestOpenPostgresTogetherMigratesOnce(t *testing.T) {
	t.Parallel()
	u := registrytest.PostgresURL(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			st, err := registrydb.OpenPostgres(context.Background(), u)
			if err == nil {
				closeAtEnd(t, st)
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, distinct, top int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version), max(version) FROM ` + registrydb.PostgresSchema + `.schema_migrations`).Scan(&rows, &distinct, &top); err != nil {
		t.Fatal(err)
	}
	if want := len(registrydb.PostgresMigrations); rows != want || distinct != want || top != want {
		t.Fatalf("schema_migrations: %d rows, %d versions, highest %d; want each of the %d migrations once", rows, distinct, top, want)
	}
}
