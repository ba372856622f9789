// Package registrydb is the gorm implementation of registry.Store: SQLite by
// default (one file, zero set-up). It holds the rows, the queries and the
// migrations, and translates driver errors into registry's sentinels; the rules
// live in package registry.
package registrydb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/registry"
)

// Store is a registry.Store on a SQLite database.
type Store struct {
	queries
	sqlDB *sql.DB
}

var _ registry.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("registrydb: empty database path")
	}
	q := url.Values{}
	// WAL lets readers (GET /schemas/ids/{id}, listings) run while a registration
	// writes, and makes a commit one sequential append.
	q.Set("_journal_mode", "WAL")
	// Foreign keys are off by default in SQLite; they keep versions and references
	// pointing at existing schemas.
	q.Set("_foreign_keys", "on")
	// Another connection (or process) holding the write lock makes SQLite fail at
	// once with SQLITE_BUSY; waiting up to 10 s turns that into queueing.
	q.Set("_busy_timeout", "10000")
	// BEGIN IMMEDIATE takes the write lock when a transaction starts. A deferred
	// transaction that reads and then writes can otherwise fail with SQLITE_BUSY
	// (no busy wait applies to a lock upgrade) when another writer got there first.
	q.Set("_txlock", "immediate")
	// synchronous stays at SQLite's default FULL: an acknowledged registration has
	// handed out an id that producers write into data, so it must survive a crash.
	dsn := path + "?" + q.Encode()
	db, err := gorm.Open(faultDialector{&sqlite.Dialector{DSN: dsn}}, &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, fmt.Errorf("registrydb: open %s: %w", path, explainOpen(path, err))
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("registrydb: open %s: %w", path, err)
	}
	if err := migrate(ctx, db); err != nil {
		_ = sqlDB.Close() // error path: the migration error is the one to report
		return nil, fmt.Errorf("registrydb: migrate %s: %w", path, explainOpen(path, err))
	}
	return &Store{queries: queries{db: db}, sqlDB: sqlDB}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Ping checks that the database answers; after Close it fails.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// Update runs fn in one transaction (BEGIN IMMEDIATE: it holds SQLite's write lock
// from the start).
func (s *Store) Update(ctx context.Context, fn func(tx registry.Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(queries{db: tx})
	})
}

// migrations are applied in order, each once, recorded in schema_migrations.
// Never edit one that has shipped: append a new one.
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
}

func migrate(ctx context.Context, db *gorm.DB) error {
	db = db.WithContext(ctx)
	if err := db.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`).Error; err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		var done int
		if err := tx.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&done).Error; err != nil {
			return err
		}
		if done > len(migrations) {
			return fmt.Errorf("database schema version %d is newer than this binary (%d)", done, len(migrations))
		}
		for i := done; i < len(migrations); i++ {
			if err := tx.Exec(migrations[i]).Error; err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
			if err := tx.Exec(`INSERT INTO schema_migrations(version) VALUES (?)`, i+1).Error; err != nil {
				return err
			}
		}
		return nil
	})
}
