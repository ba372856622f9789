// Package registrydb is the gorm implementation of registry.Store: SQLite by
// default (one file, zero set-up), or PostgreSQL, which several Herald
// instances share. It holds the rows, the queries and the migrations, and
// translates driver errors into registry's sentinels; the rules live in
// package registry.
//
// The queries (queries.go) are gorm's and the same on both engines. What is
// an engine's own (its DDL and migration runner, its driver and error codes,
// how a write transaction excludes others) is in dialect.go for SQLite and
// postgres.go for PostgreSQL, behind the small dialect interface below.
package registrydb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/internal/sqlstore"
	"github.com/heraldhq/herald/registry"
)

// Store is a registry.Store on a SQLite or PostgreSQL database.
type Store struct {
	queries
	sqlDB   *sql.DB
	dialect dialect
	// listenPing and onListenError tune Listen (see notify.go).
	listenPing    time.Duration
	onListenError func(error)
}

var _ registry.Store = (*Store)(nil)

// dialect is what differs between the engines once a Store is open.
type dialect interface {
	// lockWrites runs first in every Update transaction and holds, until it
	// ends, whatever excludes other writers, in this process or another.
	lockWrites(tx *gorm.DB) error
	// probeWrite checks that the database would accept a small write now.
	probeWrite(ctx context.Context, db *sql.DB) error
	// announce runs last in every Update transaction that is about to commit,
	// telling other processes what it changed (delivered only on commit).
	announce(tx *gorm.DB, changes []registry.Change) error
}

// gormConfig is the gorm configuration of both engines: no logging (errors are
// returned), driver errors translated (a duplicate key becomes
// gorm.ErrDuplicatedKey, then registry.ErrConflict), no transaction around
// single statements (Update opens the ones that matter), and prepared
// statements kept for reuse: a registration runs about fifteen small
// statements under the write lock, and preparing each anew was a tenth of
// its time. The statement cache is bounded (an IN list of another length is
// another statement) and forgets what has not been used for a while.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            true,
		PrepareStmtMaxSize:     preparedStatements,
		PrepareStmtTTL:         preparedStatementTTL,
	}
}

// The prepared-statement cache's bounds: more than the registry's distinct
// statements, so the common ones stay; statements idle this long are closed.
const (
	preparedStatements   = 256
	preparedStatementTTL = 10 * time.Minute
)

// Open opens (creating it if needed) the SQLite database at path and brings its
// schema up to date. Pragmas and the migration runner are the ones every store
// shares (internal/sqlstore): synchronous stays FULL, since an acknowledged
// registration has handed out an id that producers write into data.
func Open(ctx context.Context, path string) (*Store, error) {
	sqlDB, err := sqlstore.Open(ctx, path, sqlstore.Options{Migrations: migrations})
	if err != nil {
		return nil, fmt.Errorf("registrydb: %w", err)
	}
	db, err := gorm.Open(dialector(sqlDB), gormConfig())
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("registrydb: open %s: %w", path, err)
	}
	return &Store{queries: queries{db: db}, sqlDB: sqlDB, dialect: sqliteDialect{}}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Ping checks that the database answers; after Close it fails.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// ProbeWrite checks that the database would accept a small write, keeping
// nothing. Readiness uses it: on SQLite, to notice that a full disk has room
// again; on PostgreSQL, that the server is not a read-only standby.
func (s *Store) ProbeWrite(ctx context.Context) error { return s.dialect.probeWrite(ctx, s.sqlDB) }

// Update runs fn in one transaction that excludes every other writer of the
// database from its start (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory
// lock, see postgresDialect.lockWrites), so fn's reads stay true until it
// commits. On PostgreSQL the transaction also announces what it changed to
// every instance's Listen, in the same transaction, so the announcement is
// delivered exactly when the change is visible.
func (s *Store) Update(ctx context.Context, fn func(tx registry.Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.dialect.lockWrites(tx); err != nil {
			return fmt.Errorf("registrydb: take the write lock: %w", err)
		}
		var changes []registry.Change
		if err := fn(registry.NoteChanges(queries{db: tx}, func(c registry.Change) { changes = append(changes, c) })); err != nil {
			return err
		}
		if err := s.dialect.announce(tx, changes); err != nil {
			return fmt.Errorf("registrydb: announce the changes: %w", err)
		}
		return nil
	})
}
