// Package catalogdb stores the catalog with gorm, on SQLite (one file, the
// default) or PostgreSQL (shared by several Herald instances). It implements
// catalog.Store: each entity is one row (kind, id, JSON body), and every save
// replaces the whole catalog in one transaction and bumps the revision.
//
// The tables come from numbered migrations (dialect.go for SQLite, run by
// internal/sqlstore; postgres.go for PostgreSQL, run by internal/pgstore), not
// from gorm's AutoMigrate: a migration says exactly what changes and when, and
// the same runner serves every store. The queries are gorm's and the same on
// both engines; what differs once a store is open is the dialect below.
package catalogdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/internal/sqlstore"
)

// entityRow is one catalog entity.
type entityRow struct {
	Kind string `gorm:"primaryKey;size:16"`
	ID   string `gorm:"primaryKey;size:128"`
	// Position keeps the document order inside a kind.
	Position int
	Body     string
}

func (entityRow) TableName() string { return "catalog_entities" }

// revisionRow is the single row holding the catalog revision.
type revisionRow struct {
	Key    int `gorm:"primaryKey"`
	Number int64
	// UpdatedAt is set by Save, not by gorm (autoUpdateTime), whose clock
	// reading would differ from the one Save returns.
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (revisionRow) TableName() string { return "catalog_revision" }

// Store is the gorm implementation of catalog.Store.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect dialect
}

// dialect is what differs between the engines once a Store is open.
type dialect interface {
	// lockSaves runs first in every Save transaction and holds, until it ends,
	// whatever excludes other saves, in this process or another.
	lockSaves(tx *gorm.DB) error
	// translate marks the errors the server maps (a full disk, an unreachable
	// database); others, and nil, pass unchanged.
	translate(err error) error
	// probeWrite checks that the database would accept a small write now.
	probeWrite(ctx context.Context, db *sql.DB) error
}

// gormConfig is the gorm configuration of both engines: no logging (errors
// are returned) and driver errors translated.
func gormConfig() *gorm.Config { return &gorm.Config{Logger: logger.Discard, TranslateError: true} }

var _ catalog.Store = (*Store)(nil)

// Open opens (creating if needed) the SQLite database at path and migrates it,
// with the pragmas every store shares (internal/sqlstore): WAL lets pages read
// while an apply writes, and the busy timeout queues an apply behind another.
func Open(ctx context.Context, path string) (*Store, error) {
	sqlDB, err := sqlstore.Open(ctx, path, sqlstore.Options{Migrations: migrations})
	if err != nil {
		return nil, fmt.Errorf("catalogdb: %w", err)
	}
	db, err := gorm.Open(dialector(sqlDB), gormConfig())
	if err != nil {
		_ = sqlDB.Close() // error path: gorm's error is the one to report
		return nil, fmt.Errorf("catalogdb: open %s: %w", path, err)
	}
	return &Store{db: db, sqlDB: sqlDB, dialect: sqliteDialect{}}, nil
}

// ProbeWrite checks that the database would accept a small write, keeping
// nothing. Readiness uses it: on SQLite, to notice that a full disk has room
// again; on PostgreSQL, that it is reachable and not a read-only standby.
func (s *Store) ProbeWrite(ctx context.Context) error { return s.dialect.probeWrite(ctx, s.sqlDB) }

// Close closes the database.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Load implements catalog.Store.
func (s *Store) Load(ctx context.Context) (*catalog.Document, catalog.Revision, error) {
	var rows []entityRow
	if err := s.db.WithContext(ctx).Order("kind, position, id").Find(&rows).Error; err != nil {
		return nil, catalog.Revision{}, fmt.Errorf("catalogdb: load: %w", s.dialect.translate(err))
	}
	doc := &catalog.Document{}
	for _, r := range rows {
		var err error
		switch r.Kind {
		case "team":
			err = appendJSON(r.Body, &doc.Teams)
		case "domain":
			err = appendJSON(r.Body, &doc.Domains)
		case "service":
			err = appendJSON(r.Body, &doc.Services)
		case "event":
			err = appendJSON(r.Body, &doc.Events)
		case "flow":
			err = appendJSON(r.Body, &doc.Flows)
		}
		if err != nil {
			return nil, catalog.Revision{}, fmt.Errorf("catalogdb: decode %s %s: %w", r.Kind, r.ID, err)
		}
	}
	var rev revisionRow
	err := s.db.WithContext(ctx).Where("key = ?", 1).Take(&rev).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, catalog.Revision{}, fmt.Errorf("catalogdb: load revision: %w", s.dialect.translate(err))
	}
	return doc, catalog.Revision{Number: rev.Number, UpdatedAt: rev.UpdatedAt}, nil
}

func appendJSON[T any](body string, list *[]T) error {
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return err
	}
	*list = append(*list, v)
	return nil
}

// Save implements catalog.Store.
func (s *Store) Save(ctx context.Context, doc *catalog.Document) (catalog.Revision, error) {
	var rows []entityRow
	add := func(kind, id string, i int, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		rows = append(rows, entityRow{Kind: kind, ID: id, Position: i, Body: string(b)})
		return nil
	}
	var err error
	for i, t := range doc.Teams {
		err = errors.Join(err, add("team", t.ID, i, t))
	}
	for i, d := range doc.Domains {
		err = errors.Join(err, add("domain", d.ID, i, d))
	}
	for i, a := range doc.Services {
		err = errors.Join(err, add("service", a.ID, i, a))
	}
	for i, e := range doc.Events {
		err = errors.Join(err, add("event", e.ID, i, e))
	}
	for i, f := range doc.Flows {
		err = errors.Join(err, add("flow", f.ID, i, f))
	}
	if err != nil {
		return catalog.Revision{}, fmt.Errorf("catalogdb: encode: %w", err)
	}
	var rev revisionRow
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rev = revisionRow{}
		if err := s.dialect.lockSaves(tx); err != nil {
			return fmt.Errorf("take the save lock: %w", err)
		}
		if err := tx.Where("1 = 1").Delete(&entityRow{}).Error; err != nil {
			return err
		}
		if len(rows) > 0 {
			if err := tx.CreateInBatches(rows, 200).Error; err != nil {
				return err
			}
		}
		if err := tx.Where("key = ?", 1).Take(&rev).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		rev.Key = 1
		rev.Number++
		// Microseconds: what PostgreSQL keeps, so Save returns what Load will.
		rev.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
		return tx.Save(&rev).Error
	})
	if err != nil {
		return catalog.Revision{}, fmt.Errorf("catalogdb: save: %w", s.dialect.translate(err))
	}
	return catalog.Revision{Number: rev.Number, UpdatedAt: rev.UpdatedAt}, nil
}
