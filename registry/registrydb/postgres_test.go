package registrydb_test

import (
	"context"
	"database/sql"
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
	registrytest.Concurrently(t, 8, func(int) error {
		st, err := registrydb.OpenPostgres(context.Background(), u)
		if err == nil {
			closeAtEnd(t, st)
		}
		return err
	})
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var rows, distinct, top int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT version), max(version) FROM `+registrydb.PostgresSchema+`.schema_migrations`).Scan(&rows, &distinct, &top); err != nil {
		t.Fatal(err)
	}
	if want := len(registrydb.PostgresMigrations); rows != want || distinct != want || top != want {
		t.Fatalf("schema_migrations: %d rows, %d versions, highest %d; want each of the %d migrations once", rows, distinct, top, want)
	}
}
