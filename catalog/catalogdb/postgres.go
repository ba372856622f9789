package catalogdb

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/internal/pgstore"
)

// This file holds what is PostgreSQL's own in the catalog store: the DDL and
// the lock that serializes saves across every Herald instance on a database.

// PostgresSchema is the PostgreSQL schema (namespace) the catalog's tables
// live in, beside the registry's and the broker's in one database.
const PostgresSchema = "catalog"

// saveLockKey serializes catalog saves across instances (an advisory lock key:
// an arbitrary constant, chosen once; see registrydb's keys).
const saveLockKey int64 = 0x4845_5241_4c44_0003 // "HERALD" 3

// postgresMigrations are the PostgreSQL schema's versions (postgresMigrations[i]
// is version i+1, never edited once shipped), numbered independently of the
// SQLite ones: PostgreSQL starts at the SQLite schema's current shape. Keys
// are COLLATE "C", which compares bytes as SQLite does; position is BIGINT for
// gorm's int; updated_at keeps its time zone.
var postgresMigrations = []string{
	`CREATE TABLE catalog_entities (
	kind     TEXT COLLATE "C" NOT NULL,
	id       TEXT COLLATE "C" NOT NULL,
	position BIGINT,
	body     TEXT,
	PRIMARY KEY (kind, id)
);
CREATE TABLE catalog_revision (
	key        BIGINT PRIMARY KEY,
	number     BIGINT,
	updated_at TIMESTAMPTZ
);`,
}

// OpenPostgres connects to the PostgreSQL database at dbURL and brings the
// catalog's schema up to date (pgstore.Open: several instances may open one
// database at once).
func OpenPostgres(ctx context.Context, dbURL string) (*Store, error) {
	sqlDB, err := pgstore.Open(ctx, dbURL, pgstore.Options{Schema: PostgresSchema, MaxConns: 4, Migrations: postgresMigrations})
	if err != nil {
		return nil, fmt.Errorf("catalogdb: %w", err)
	}
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("catalogdb: open %s: %w", pgstore.Redact(dbURL), err)
	}
	return &Store{db: db, sqlDB: sqlDB, dialect: postgresDialect{}}, nil
}

// postgresDialect is the PostgreSQL side of Store.
type postgresDialect struct{}

// lockSaves takes the catalog's save lock for the rest of the transaction. A
// save deletes every entity row and inserts the new ones: two saves
// interleaving under READ COMMITTED would collide on the keys or read the same
// revision and both write its successor. The lock queues them instead; it is
// released by commit or rollback, or when a crashed instance's connection
// closes.
func (postgresDialect) lockSaves(tx *gorm.DB) error {
	return tx.Exec("SELECT pg_advisory_xact_lock(?)", saveLockKey).Error
}

func (postgresDialect) translate(err error) error { return pgstore.Translate(err) }

func (postgresDialect) probeWrite(ctx context.Context, db *sql.DB) error {
	return pgstore.ProbeWrite(ctx, db, "catalog")
}
