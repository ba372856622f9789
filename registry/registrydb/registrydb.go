// Package registrydb is the gorm implementation of registry.Store: SQLite by
// default (one file, zero set-up). It holds the rows, the queries and the
// migrations, and translates driver errors into registry's sentinels; the rules
// live in package registry.
//
// What is SQLite's own (the migrations' DDL, the driver and its error codes)
// is in dialect.go, so that a PostgreSQL store beside this one changes that
// file's counterpart only; the queries are gorm's and portable.
package registrydb

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/internal/sqlstore"
	"github.com/heraldhq/herald/registry"
)

// Store is a registry.Store on a SQLite database.
type Store struct {
	queries
	sqlDB *sql.DB
}

var _ registry.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path and brings its
// schema up to date. Pragmas and the migration runner are the ones every store
// shares (internal/sqlstore): synchronous stays FULL, since an acknowledged
// registration has handed out an id that producers write into data.
func Open(ctx context.Context, path string) (*Store, error) {
	sqlDB, err := sqlstore.Open(ctx, path, sqlstore.Options{Migrations: migrations})
	if err != nil {
		return nil, fmt.Errorf("registrydb: %w", err)
	}
	db, err := gorm.Open(dialector(sqlDB), &gorm.Config{
		Logger:                 logger.Discard,
		TranslateError:         true,
		SkipDefaultTransaction: true,
	})
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("registrydb: open %s: %w", path, err)
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
