package registrydb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/sqlstore/sqlstoretest"
	"github.com/heraldhq/herald/registry/registrydb"
)

// oldDatabase writes the database the code before the shared runner left at
// schema version k: its schema_migrations had no applied_at, and it ran all
// pending migrations in one transaction. From version 1 on it holds one schema.
func oldDatabase(t *testing.T, path string, k int) {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	stmts := []string{`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`}
	for i := range k {
		stmts = append(stmts, registrydb.Migrations[i], fmt.Sprintf(`INSERT INTO schema_migrations(version) VALUES (%d)`, i+1))
	}
	if k > 0 {
		stmts = append(stmts,
			`INSERT INTO contexts (name, max_id) VALUES ('.', 1)`,
			`INSERT INTO schemas (context, id, guid, hash, type, text) VALUES ('.', 1, 'g-1', 'h-1', 'AVRO', '"string"')`,
			`INSERT INTO versions (context, subject, version, schema_id, created_at) VALUES ('.', 's', 1, 1, 0)`)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("old schema: %s: %v", q, err)
		}
	}
}

// TestOpenMigratesOldDatabases opens databases the previous code wrote at each
// schema version: each comes up at the latest version, with the schema a new
// database gets, and keeps its rows.
func TestOpenMigratesOldDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	if err := open(t, fresh).Close(); err != nil {
		t.Fatal(err)
	}
	want := sqlstoretest.Schema(t, fresh)
	for k := range len(registrydb.Migrations) + 1 {
		t.Run(fmt.Sprintf("FromVersion%dReachesLatest", k), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "old.db")
			oldDatabase(t, path, k)
			st := open(t, path)
			closeAtEnd(t, st)
			if k > 0 {
				if rec, err := st.Schema(ctx, ".", 1); err != nil || rec.Text != `"string"` {
					t.Errorf("schema 1 after the upgrade = %+v, %v", rec, err)
				}
				if vs, err := st.SubjectVersions(ctx, ".", "s"); err != nil || len(vs) != 1 {
					t.Errorf("versions of s after the upgrade = %+v, %v", vs, err)
				}
			}
			if got := sqlstoretest.Schema(t, path); !cmp.Equal(got, want) {
				t.Errorf("schema differs from a new database's (-want +got):\n%s", cmp.Diff(want, got))
			}
			db, err := sql.Open("sqlite3", path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = db.Close() }()
			type row struct {
				version int
				at      string
			}
			recorded := sqlstoretest.Query(t, db, func(rows *sql.Rows) (row, error) {
				var r row
				err := rows.Scan(&r.version, &r.at)
				return r, err
			}, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
			for i, r := range recorded {
				// Versions the old code applied have no time; new ones do.
				if n := i + 1; r.version != n || (r.version <= k) != (r.at == "") {
					t.Errorf("schema_migrations row %d = version %d applied_at %q", n, r.version, r.at)
				}
			}
			if n := len(recorded); n != len(registrydb.Migrations) {
				t.Errorf("%d migrations recorded, want %d", n, len(registrydb.Migrations))
			}
		})
	}
}
