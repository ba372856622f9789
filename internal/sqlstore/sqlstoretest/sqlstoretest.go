// Package sqlstoretest helps the stores' tests check their migrations and
// read their tables.
package sqlstoretest

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the driver the stores use
)

// Schema lists the tables and indexes of the SQLite database at path with the
// SQL that made them, by type and name, leaving out schema_migrations. Two
// databases with equal lists have the same schema, however they got it (a
// fresh Open, an upgrade of an old file, gorm's AutoMigrate).
func Schema(t testing.TB, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	return Query(t, db, func(rows *sql.Rows) (string, error) {
		var typ, name, text string
		err := rows.Scan(&typ, &name, &text)
		return typ + " " + name + ": " + text, err
	}, `SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name <> 'schema_migrations' ORDER BY type, name`)
}

// Query runs query with args on db and returns its rows, each read by scan;
// any error fails t.
func Query[T any](t testing.TB, db *sql.DB, scan func(*sql.Rows) (T, error), query string, args ...any) []T {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
