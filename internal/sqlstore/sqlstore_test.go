package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/sqlstore"
	"github.com/heraldhq/herald/internal/sqlstore/sqlstoretest"
)

func open(t *testing.T, path string, o sqlstore.Options) *sql.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func tables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return sqlstoretest.Query(t, db, func(rows *sql.Rows) (string, error) {
		var n string
		err := rows.Scan(&n)
		return n, err
	}, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
}

type applied struct {
	Version   int
	AppliedAt string
}

func history(t *testing.T, db *sql.DB) []applied {
	t.Helper()
	return sqlstoretest.Query(t, db, func(rows *sql.Rows) (applied, error) {
		var a applied
		err := rows.Scan(&a.Version, &a.AppliedAt)
		return a, err
	}, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
}

// versions drops applied_at (a time) after checking that it is set.
func versions(t *testing.T, h []applied) []int {
	t.Helper()
	var out []int
	for _, a := range h {
		if a.AppliedAt == "" {
			t.Errorf("version %d has no applied_at", a.Version)
		}
		out = append(out, a.Version)
	}
	return out
}

func TestMigrateAppliesEachMigrationOnceInOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	// Without IF NOT EXISTS, running a migration twice fails.
	migs := []string{`CREATE TABLE a (x INTEGER)`, `CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1)`}
	db := open(t, path, sqlstore.Options{Migrations: migs[:1]})
	if got := versions(t, history(t, db)); !cmp.Equal(got, []int{1}) {
		t.Fatalf("after 1 migration: versions %v", got)
	}
	if err := sqlstore.Migrate(ctx, db, migs); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, db, migs); err != nil {
		t.Fatalf("second Migrate with nothing to do = %v", err)
	}
	if got := versions(t, history(t, db)); !cmp.Equal(got, []int{1, 2}) {
		t.Errorf("versions %v, want [1 2]", got)
	}
	if v, err := sqlstore.Version(ctx, db); err != nil || v != 2 {
		t.Errorf("Version = %d, %v; want 2", v, err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows of a = %d, %v; want 1 (migration 2 ran once)", n, err)
	}
}

func TestMigrateFailureKeepsTheLastCompleteVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "m.db"), sqlstore.Options{})
	// Migration 2 creates b and then fails: b must not survive.
	bad := []string{`CREATE TABLE a (x INTEGER)`, `CREATE TABLE b (x INTEGER); CREATE TABLE a (x INTEGER)`}
	err := sqlstore.Migrate(ctx, db, bad)
	if err == nil || !strings.Contains(err.Error(), "migration 2") {
		t.Fatalf("Migrate = %v, want an error naming migration 2", err)
	}
	if got := versions(t, history(t, db)); !cmp.Equal(got, []int{1}) {
		t.Errorf("versions %v, want [1]", got)
	}
	if got := tables(t, db); !cmp.Equal(got, []string{"a", "schema_migrations"}) {
		t.Errorf("tables %v: the failed migration left a half", got)
	}
	// The fixed migration applies on the next run.
	good := []string{bad[0], `CREATE TABLE b (x INTEGER)`}
	if err := sqlstore.Migrate(ctx, db, good); err != nil {
		t.Fatal(err)
	}
	if got := versions(t, history(t, db)); !cmp.Equal(got, []int{1, 2}) {
		t.Errorf("after the fix: versions %v, want [1 2]", got)
	}
}

func TestMigrateRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db := open(t, path, sqlstore.Options{Migrations: []string{`CREATE TABLE a (x INTEGER)`, `CREATE TABLE b (x INTEGER)`}})
	err := sqlstore.Migrate(ctx, db, []string{`CREATE TABLE a (x INTEGER)`})
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("Migrate = %v, want ErrSchemaTooNew naming version 2", err)
	}
	_, err = sqlstore.Open(ctx, path, sqlstore.Options{Migrations: []string{`CREATE TABLE a (x INTEGER)`}})
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew naming %s", err, path)
	}
}

// TestMigrateUpgradesTheOldRegistryTable: registry databases of earlier
// versions record migrations in schema_migrations(version) without applied_at.
func TestMigrateUpgradesTheOldRegistryTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "m.db"), sqlstore.Options{})
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`,
		`CREATE TABLE a (x INTEGER)`,
		`INSERT INTO schema_migrations(version) VALUES (1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := sqlstore.Migrate(ctx, db, []string{`CREATE TABLE a (x INTEGER)`, `CREATE TABLE b (x INTEGER)`}); err != nil {
		t.Fatal(err)
	}
	h := history(t, db)
	if len(h) != 2 || h[0] != (applied{1, ""}) || h[1].Version != 2 || h[1].AppliedAt == "" {
		t.Errorf("history %+v, want version 1 with no time and version 2 with one", h)
	}
}

func TestConcurrentOpensMigrateOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	migs := []string{`CREATE TABLE a (x INTEGER)`, `CREATE TABLE b (x INTEGER)`, `INSERT INTO a VALUES (1)`}
	const opens = 4
	dbs := make([]*sql.DB, opens)
	errs := make([]error, opens)
	var wg sync.WaitGroup
	for i := range opens {
		wg.Go(func() { dbs[i], errs[i] = sqlstore.Open(ctx, path, sqlstore.Options{Migrations: migs}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { _ = dbs[i].Close() })
	}
	var n int
	if err := dbs[0].QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows of a = %d, %v; want 1 (each migration ran once)", n, err)
	}
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p.db")
	for _, tc := range []struct {
		name string
		o    sqlstore.Options
		want map[string]string
	}{
		{"DefaultIsDurable", sqlstore.Options{}, map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "2", "query_only": "0"}},
		{"NormalSynchronousIsKept", sqlstore.Options{Synchronous: "normal"}, map[string]string{"synchronous": "1"}},
		{"ReadOnlyPoolIsQueryOnly", sqlstore.Options{ReadOnly: true}, map[string]string{"query_only": "1", "busy_timeout": "10000", "foreign_keys": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := open(t, path, tc.o)
			got := map[string]string{}
			for name := range tc.want {
				var v string
				if err := db.QueryRow(`PRAGMA ` + name).Scan(&v); err != nil {
					t.Fatal(err)
				}
				got[name] = v
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("pragmas (-want +got):\n%s", d)
			}
		})
	}
}

func TestWritePoolTakesTheWriteLockAtBegin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	w := open(t, path, sqlstore.Options{Migrations: []string{`CREATE TABLE a (x INTEGER)`}})
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	// A read pool's deferred transaction still reads beside the writer.
	r := open(t, path, sqlstore.Options{ReadOnly: true})
	var n int
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM a`).Scan(&n); err != nil {
		t.Fatalf("read beside a write transaction: %v", err)
	}
	// Another writer's BEGIN IMMEDIATE asks for the lock at once: with no busy
	// wait (on its one connection) it fails rather than starting a second write
	// transaction that could only fail later.
	other := open(t, path, sqlstore.Options{MaxConns: 1})
	if _, err := other.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		t.Fatal(err)
	}
	if tx2, err := other.BeginTx(ctx, nil); err == nil {
		_ = tx2.Rollback()
		t.Fatal("a second BEGIN took the write lock while the first transaction held it")
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, path string
		o          sqlstore.Options
		msg        string
	}{
		{"EmptyPath", "", sqlstore.Options{}, "empty database path"},
		{"BadSynchronous", filepath.Join(t.TempDir(), "s.db"), sqlstore.Options{Synchronous: "OFF"}, `synchronous "OFF"`},
		{"MissingDirectory", filepath.Join(t.TempDir(), "missing", "x.db"), sqlstore.Options{}, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlstore.Open(ctx, tc.path, tc.o)
			if err == nil {
				_ = db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("Open = %v, want it to say %q", err, tc.msg)
			}
		})
	}
}
