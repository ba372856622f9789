package registrydb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/sqlstore"
)

// This file holds what is PostgreSQL's own in the registry store: the DDL, the
// migration runner, and the lock that serializes registry writes across every
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
// database). They are arbitrary constants, chosen once: changing one lets an
// old and a new binary on one database run beside each other unserialized.
const (
	// migrateLockKey serializes migrations of several instances starting at once.
	migrateLockKey int64 = 0x4845_5241_4c44_0001 // "HERALD" 1
	// writeLockKey serializes every registry write transaction (see Update).
	writeLockKey int64 = 0x4845_5241_4c44_0002 // "HERALD" 2
)

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
}

// IsPostgresURL reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns a PostgreSQL URL with its password replaced by "xxxxx", for
// logs and error messages; anything that does not parse as a URL becomes
// "(unparsable database URL)" so that a mistyped secret never reaches a log.
func Redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// OpenPostgres connects to the PostgreSQL database at dbURL
// (postgres://user:password@host:5432/db?sslmode=…) and brings the registry's
// schema up to date. Several instances may open one database at the same time:
// migrations run once, under an advisory lock.
//
// Writes are serialized across every instance by a transaction-scoped advisory
// lock (see Update), as SQLite serializes them by its file lock.
func OpenPostgres(ctx context.Context, dbURL string) (*Store, error) {
	name := Redact(dbURL)
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		// pgx's parse error can quote the URL, password included.
		return nil, fmt.Errorf("registrydb: %s is not a valid PostgreSQL URL", name)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["search_path"] = PostgresSchema
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(postgresMaxConns)
	sqlDB.SetMaxIdleConns(postgresMaxConns)
	// A connection PostgreSQL closed (a restart, a failover) is found broken on
	// first use; recycling them bounds how long a pool holds stale ones.
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close() // error path: the connect error is the one to report
		return nil, fmt.Errorf("registrydb: connect to %s: %w", name, err)
	}
	if err := migratePostgres(ctx, sqlDB, postgresMigrations); err != nil {
		_ = sqlDB.Close() // error path: the migration error is the one to report
		return nil, fmt.Errorf("registrydb: migrate %s: %w", name, err)
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("registrydb: open %s: %w", name, err)
	}
	return &Store{queries: queries{db: db}, sqlDB: sqlDB, dialect: postgresDialect{}}, nil
}

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
	var readOnly string
	if err := db.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&readOnly); err != nil {
		return fmt.Errorf("registry database: %w", err)
	}
	if readOnly == "on" {
		return errors.New("registry database: PostgreSQL accepts no writes (a standby, or read-only)")
	}
	return nil
}

// migratePostgres applies the pending migrations, each in its own transaction
// with its row in schema_migrations. Every transaction first takes
// migrateLockKey, then reads the version: instances starting together queue on
// the lock, and each finds the work of those before it done. The lock also
// covers creating the namespace and schema_migrations, whose IF NOT EXISTS is
// not safe against a concurrent CREATE in PostgreSQL.
func migratePostgres(ctx context.Context, db *sql.DB, migrations []string) error {
	for {
		done, err := postgresStep(ctx, db, migrations)
		if err != nil || done {
			return err
		}
	}
}

func postgresStep(ctx context.Context, db *sql.DB, migrations []string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // error path: err is the one to report
		}
	}()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+PostgresSchema+`;
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`); err != nil {
		return false, fmt.Errorf("schema_migrations: %w", err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("%w: version %d, this binary knows %d", sqlstore.ErrSchemaTooNew, v, len(migrations))
	case v == len(migrations):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}
