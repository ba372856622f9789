package registrydb

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/pgstore"
)

// This file holds what is PostgreSQL's own in the registry store: the DDL and
// the lock that serializes registry writes across every
// Herald instance on one database. The queries (queries.go) are the SQLite
// store's, unchanged.

// PostgresSchema is the PostgreSQL schema (namespace) the registry's tables
// live in. The store sets it as the search_path of its connections, so the
// registry's tables ("schemas", "versions", "configs" …) never meet another
// store's in a database that several stores share.
const PostgresSchema = "registry"

// postgresMaxConns bounds the store's pool. Every Herald instance holds at
// most this many connections, so ten instances stay well below PostgreSQL's
// default max_connections of 100; writes queue on one lock anyway (see
// writeLockKey), so more connections would only serve more concurrent reads.
const postgresMaxConns = 10

// Advisory lock keys (pg_advisory_xact_lock takes a bigint, scoped to the
// database) are arbitrary constants, chosen once: changing one lets an old and
// a new binary on one database run beside each other unserialized.
// writeLockKey serializes every registry write transaction (see Update).
// 0x4845_5241_4c44_0001 is taken: it is pgstore's migration lock.
const writeLockKey int64 = 0x4845_5241_4c44_0002 // "HERALD" 2

// postgresMigrations are the PostgreSQL schema's versions, numbered as the
// SQLite ones are (postgresMigrations[i] is version i+1, never edited once
// shipped) but independently: PostgreSQL starts at the SQLite schema's current
// shape, without its history.
//
// Differences from the SQLite DDL, and why:
//   - text keys are COLLATE "C": queries order by context, subject and guid,
//     and SQLite compares bytes; a database's default collation (en_US.UTF-8,
//     say) would list subjects in another order on PostgreSQL.
//   - numbers are BIGINT: SQLite's INTEGER is 64 bits, and created_at holds
//     Unix milliseconds.
var postgresMigrations = []string{
	`CREATE TABLE contexts (
		name   TEXT COLLATE "C" PRIMARY KEY,
		max_id BIGINT NOT NULL DEFAULT 0
	);
	CREATE TABLE schemas (
		context  TEXT COLLATE "C" NOT NULL REFERENCES contexts(name),
		id       BIGINT NOT NULL,
		guid     TEXT COLLATE "C" NOT NULL,
		hash     TEXT COLLATE "C" NOT NULL,
		type     TEXT NOT NULL,
		text     TEXT NOT NULL,
		metadata TEXT NOT NULL DEFAULT '',
		rule_set TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (context, id)
	);
	CREATE INDEX schemas_by_hash_id ON schemas(context, hash, id);
	CREATE INDEX schemas_by_guid ON schemas(guid);
	CREATE TABLE versions (
		context    TEXT COLLATE "C" NOT NULL,
		subject    TEXT COLLATE "C" NOT NULL,
		version    BIGINT  NOT NULL,
		schema_id  BIGINT  NOT NULL,
		deleted    BOOLEAN NOT NULL DEFAULT FALSE,
		created_at BIGINT  NOT NULL,
		PRIMARY KEY (context, subject, version),
		FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id)
	);
	CREATE INDEX versions_by_schema_subject ON versions(context, schema_id, subject, version);
	CREATE TABLE schema_refs (
		context        TEXT COLLATE "C" NOT NULL,
		schema_id      BIGINT NOT NULL,
		position       BIGINT NOT NULL,
		name           TEXT NOT NULL,
		subject        TEXT NOT NULL,
		version        BIGINT NOT NULL,
		target_context TEXT COLLATE "C" NOT NULL,
		target_subject TEXT COLLATE "C" NOT NULL,
		target_version BIGINT NOT NULL,
		PRIMARY KEY (context, schema_id, position),
		FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id) ON DELETE CASCADE
	);
	CREATE INDEX schema_refs_by_target ON schema_refs(target_context, target_subject, target_version);
	CREATE TABLE configs (
		context              TEXT COLLATE "C" NOT NULL,
		subject              TEXT COLLATE "C" NOT NULL,
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
		context TEXT COLLATE "C" NOT NULL,
		subject TEXT COLLATE "C" NOT NULL,
		mode    TEXT NOT NULL,
		PRIMARY KEY (context, subject)
	);`,
	// Who registered a version (the SQLite schema's version 4 too).
	`ALTER TABLE versions ADD COLUMN created_by TEXT NOT NULL DEFAULT '';`,
}

// IsPostgresURL reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(s string) bool { return pgstore.IsURL(s) }

// Redact returns a PostgreSQL URL with its password masked (pgstore.Redact).
func Redact(dbURL string) string { return pgstore.Redact(dbURL) }

// OpenPostgres connects to the PostgreSQL database at dbURL
// (postgres://user:password@host:5432/db?sslmode=…) and brings the registry's
// schema up to date. Several instances may open one database at the same time:
// migrations run once, under an advisory lock (pgstore.Migrate).
//
// Writes are serialized across every instance by a transaction-scoped advisory
// lock (see Update), as SQLite serializes them by its file lock.
func OpenPostgres(ctx context.Context, dbURL string) (*Store, error) {
	sqlDB, err := pgstore.Open(ctx, dbURL, pgstore.Options{Schema: PostgresSchema, MaxConns: postgresMaxConns, Migrations: postgresMigrations})
	if err != nil {
		return nil, fmt.Errorf("registrydb: %w", err)
	}
	db, err := gorm.Open(pgDialector{postgres.New(postgres.Config{Conn: sqlDB}).(*postgres.Dialector)}, gormConfig())
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("registrydb: open %s: %w", Redact(dbURL), err)
	}
	return &Store{queries: queries{db: db}, sqlDB: sqlDB, dialect: postgresDialect{}}, nil
}

// pgDialector is gorm's PostgreSQL dialector whose error translation (gorm
// runs it on every statement and commit error, with TranslateError) also marks
// a database that cannot be reached with pgstore.ErrUnavailable, so the server
// answers 503 rather than 500.
type pgDialector struct{ *postgres.Dialector }

// Translate implements gorm.ErrorTranslator.
func (d pgDialector) Translate(err error) error {
	return pgstore.Translate(d.Dialector.Translate(err))
}

var _ gorm.ErrorTranslator = pgDialector{}

// postgresDialect is the PostgreSQL side of Store.
type postgresDialect struct{}

// lockWrites takes the registry's write lock for the rest of the transaction.
//
// A registration reads the subject's versions, the configs and modes at three
// scopes and the content by hash, runs a compatibility check, then writes: two
// of them interleaving under READ COMMITTED could give one schema two ids or a
// subject two equal version numbers, and no unique index can forbid either
// (imports legitimately store equal content under two ids). SERIALIZABLE would
// let unrelated subjects write in parallel, but each conflict aborts a
// transaction after its compatibility check and the retry redoes it, so a burst
// on one subject turns into failures. One lock queues writers instead, as
// SQLite's BEGIN IMMEDIATE and Confluent's single leader do; the primary keys
// remain as a backstop (ErrConflict). The lock lives in PostgreSQL and is
// released by commit or rollback, or when a crashed instance's connection
// closes.
func (postgresDialect) lockWrites(tx *gorm.DB) error {
	return tx.Exec("SELECT pg_advisory_xact_lock(?)", writeLockKey).Error
}

// probeWrite checks that PostgreSQL accepts a write transaction: a server in
// recovery (a standby, or read-only after a failover) refuses it.
func (postgresDialect) probeWrite(ctx context.Context, db *sql.DB) error {
	return pgstore.ProbeWrite(ctx, db, "registry")
}
