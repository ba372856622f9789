package catalogdb

import (
	"context"
	"database/sql"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/sqlitefault"
)

// This file holds what is SQLite's own in the catalog store: the schema's DDL
// and the gorm dialector. Pragmas, the migration runner and the open-error
// diagnosis are shared by every store (internal/sqlstore).

// migrations are applied in order, each once and in its own transaction,
// recorded in schema_migrations (sqlstore.Migrate): migrations[i] is version
// i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	// The tables exactly as gorm's AutoMigrate created them for entityRow and
	// revisionRow before migrations were numbered, so that databases it made
	// (which have these tables but no schema_migrations) open unchanged; IF NOT
	// EXISTS is what lets this migration run on them.
	"CREATE TABLE IF NOT EXISTS `catalog_entities` (`kind` text,`id` text,`position` integer,`body` text,PRIMARY KEY (`kind`,`id`));" +
		"CREATE TABLE IF NOT EXISTS `catalog_revision` (`key` integer PRIMARY KEY AUTOINCREMENT,`number` integer,`updated_at` datetime);",
}

// dialector is gorm's SQLite dialector on the pool sqlstore opened, with the
// error translation below.
func dialector(db *sql.DB) gorm.Dialector {
	return faultDialector{&sqlite.Dialector{Conn: db}}
}

// faultDialector is SQLite's gorm dialector whose error translation (gorm runs
// it on every statement and commit error, with TranslateError) marks storage
// faults: a full disk becomes dbfile.ErrDiskFull, a read-only file
// dbfile.ErrReadOnly, so the server answers 507 rather than 500. Other errors
// pass unchanged: this package matches the driver's own errors where it needs to.
type faultDialector struct{ *sqlite.Dialector }

// Translate implements gorm.ErrorTranslator.
func (faultDialector) Translate(err error) error { return sqlitefault.Translate(err) }

var _ gorm.ErrorTranslator = faultDialector{}

// sqliteDialect is the SQLite side of Store.
type sqliteDialect struct{}

// lockSaves does nothing: the pool begins every transaction IMMEDIATE
// (sqlstore.DSN), which takes SQLite's write lock at BEGIN.
func (sqliteDialect) lockSaves(*gorm.DB) error { return nil }

func (sqliteDialect) translate(err error) error { return sqlitefault.Translate(err) }

// probeWrite checks that the database has room for a small write, keeping
// nothing (see sqlitefault.Probe).
func (sqliteDialect) probeWrite(ctx context.Context, db *sql.DB) error {
	return sqlitefault.Probe(ctx, db)
}
