package registrydb

import (
	"context"
	"database/sql"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/sqlitefault"
	"github.com/heraldhq/herald/registry"
)

// This file holds what is SQLite's own in the registry store: the schema's
// DDL, the gorm dialector and how a write transaction excludes others. Pragmas, the migration runner and the open-error
// diagnosis are shared by every store (internal/sqlstore).

// migrations are applied in order, each once and in its own transaction,
// recorded in schema_migrations (sqlstore.Migrate): migrations[i] is version
// i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	`CREATE TABLE contexts (
		name   TEXT PRIMARY KEY,
		max_id INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE schemas (
		context  TEXT    NOT NULL REFERENCES contexts(name),
		id       INTEGER NOT NULL,
		guid     TEXT    NOT NULL,
		hash     TEXT    NOT NULL,
		type     TEXT    NOT NULL,
		text     TEXT    NOT NULL,
		metadata TEXT    NOT NULL DEFAULT '',
		rule_set TEXT    NOT NULL DEFAULT '',
		PRIMARY KEY (context, id)
	);
	CREATE INDEX schemas_by_hash ON schemas(context, hash);
	CREATE INDEX schemas_by_guid ON schemas(guid);
	CREATE TABLE versions (
		context    TEXT    NOT NULL,
		subject    TEXT    NOT NULL,
		version    INTEGER NOT NULL,
		schema_id  INTEGER NOT NULL,
		deleted    BOOLEAN NOT NULL DEFAULT FALSE,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (context, subject, version),
		FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id)
	);
	CREATE INDEX versions_by_schema ON versions(context, schema_id);
	CREATE TABLE schema_refs (
		context        TEXT    NOT NULL,
		schema_id      INTEGER NOT NULL,
		position       INTEGER NOT NULL,
		name           TEXT    NOT NULL,
		subject        TEXT    NOT NULL,
		version        INTEGER NOT NULL,
		target_context TEXT    NOT NULL,
		target_subject TEXT    NOT NULL,
		target_version INTEGER NOT NULL,
		PRIMARY KEY (context, schema_id, position),
		FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id) ON DELETE CASCADE
	);
	CREATE INDEX schema_refs_by_target ON schema_refs(target_context, target_subject, target_version);
	CREATE TABLE configs (
		context              TEXT NOT NULL,
		subject              TEXT NOT NULL,
		compatibility        TEXT,
		normalize            BOOLEAN,
		policy               TEXT,
		rule_set             TEXT,
		alias                TEXT,
		validate_fields      BOOLEAN,
		compatibility_group  TEXT,
		default_metadata     TEXT,
		override_metadata    TEXT,
		default_rule_set     TEXT,
		override_rule_set    TEXT,
		alias_for_deks       TEXT,
		validate_rules       BOOLEAN,
		validate_new_schemas BOOLEAN,
		PRIMARY KEY (context, subject)
	);
	CREATE TABLE modes (
		context TEXT NOT NULL,
		subject TEXT NOT NULL,
		mode    TEXT NOT NULL,
		PRIMARY KEY (context, subject)
	);`,
	// SchemaByHash orders by id and VersionsByID by subject and version: with an
	// index on the filter alone, SQLite preferred the primary key (which gives
	// that order) and scanned every schema or version of the context, making
	// each registration O(schemas). These indexes serve filter and order both;
	// the old ones are their prefixes.
	`CREATE INDEX schemas_by_hash_id ON schemas(context, hash, id);
	DROP INDEX schemas_by_hash;
	CREATE INDEX versions_by_schema_subject ON versions(context, schema_id, subject, version);
	DROP INDEX versions_by_schema;`,
	// Ids were once accepted on import up to 2^63-1, and the id counter then
	// stood at the imported id: the next id (max_id + 1) overflowed and every
	// registration in the context failed, across restarts. Ids are now bounded
	// by 2^31-1 (registry.MaxID); a counter above that goes back to the highest
	// stored id within the bound, so registrations work again. An id above that
	// one which was hard-deleted may be handed out again: the counter that
	// remembered it was overwritten by the import. The rows above the bound
	// stay: they are the user's, and deleting their subjects removes them.
	`UPDATE contexts SET max_id = (
		SELECT COALESCE(MAX(s.id), 0) FROM schemas s WHERE s.context = contexts.name AND s.id <= 2147483647
	) WHERE max_id > 2147483647;`,
	// Who registered a version (registry.VersionRecord.CreatedBy); empty for
	// versions registered before, or without authentication.
	`ALTER TABLE versions ADD COLUMN created_by TEXT NOT NULL DEFAULT '';`,
}

// dialector is gorm's SQLite dialector on the pool sqlstore opened (whose
// transactions prepare statements on the pool, see pool), with the error
// translation below.
func dialector(db *sql.DB) gorm.Dialector {
	return faultDialector{&sqlite.Dialector{Conn: pool{db}}}
}

// faultDialector is SQLite's gorm dialector whose error translation (gorm runs
// it on every statement and commit error, with TranslateError) also marks
// storage faults: a full disk becomes dbfile.ErrDiskFull, a read-only file
// dbfile.ErrReadOnly, so the server answers 507 rather than 500.
type faultDialector struct{ *sqlite.Dialector }

// Translate implements gorm.ErrorTranslator.
func (d faultDialector) Translate(err error) error {
	return sqlitefault.Translate(d.Dialector.Translate(err))
}

var _ gorm.ErrorTranslator = faultDialector{}

// sqliteDialect is the SQLite side of Store.
type sqliteDialect struct{}

// lockWrites does nothing: the pool begins every transaction IMMEDIATE
// (sqlstore.DSN), which takes SQLite's write lock at BEGIN.
func (sqliteDialect) lockWrites(*gorm.DB) error { return nil }

// probeWrite checks that the database has room for a small write, keeping
// nothing (see sqlitefault.Probe).
func (sqliteDialect) probeWrite(ctx context.Context, db *sql.DB) error {
	return sqlitefault.Probe(ctx, db)
}

// announce tells no one: one process writes a SQLite database (a lock file
// enforces it), and its Service invalidates its own caches.
func (sqliteDialect) announce(*gorm.DB, []registry.Change) error { return nil }
