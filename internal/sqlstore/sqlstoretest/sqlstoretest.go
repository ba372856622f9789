// Package sqlstoretest helps the stores' tests check their migrations.
package sqlstoretest

import (
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
	rows, err := db.Query(`SELECT type, name, COALESCE(sql, '') FROM sqlite_master WHERE name <> 'schema_migrations' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		out = append(out, typ+" "+name+": "+text)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
