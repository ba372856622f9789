package catalogdb

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/internal/sqlstore/sqlstoretest"
)

// autoMigrated writes a catalog database the way the code before numbered
// migrations did: gorm's AutoMigrate of the row types, then one saved catalog
// (revision 3).
func autoMigrated(t *testing.T, path string) {
	t.Helper()
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_journal_mode=WAL&_busy_timeout=5000&_foreign_keys=on"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&entityRow{}, &revisionRow{}); err != nil {
		t.Fatal(err)
	}
	rows := []entityRow{
		{Kind: "domain", ID: "shop", Position: 0, Body: `{"id":"shop"}`},
		{Kind: "event", ID: "order-placed", Position: 0, Body: `{"id":"order-placed","subject":"orders-value"}`},
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&revisionRow{Key: 1, Number: 3, UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}).Error; err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestFirstMigrationIsTheAutoMigrateSchema: a new database gets exactly the
// tables AutoMigrate made, so the two kinds of database never drift apart.
func TestFirstMigrationIsTheAutoMigrateSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	old, fresh := filepath.Join(dir, "old.db"), filepath.Join(dir, "new.db")
	autoMigrated(t, old)
	s, err := Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(sqlstoretest.Schema(t, old), sqlstoretest.Schema(t, fresh)); d != "" {
		t.Errorf("schema of a new database differs from AutoMigrate's (-auto +new):\n%s", d)
	}
}

// TestOpenKeepsAnAutoMigratedCatalog opens a database AutoMigrate made: it is
// migrated in place and its catalog and revision load unchanged.
func TestOpenKeepsAnAutoMigratedCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	autoMigrated(t, path)
	before := sqlstoretest.Schema(t, path)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if d := cmp.Diff(before, sqlstoretest.Schema(t, path)); d != "" {
		t.Errorf("Open changed the tables (-before +after):\n%s", d)
	}
	doc, rev, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := &catalog.Document{Domains: []catalog.Domain{{ID: "shop"}}, Events: []catalog.Event{{ID: "order-placed", Subject: "orders-value"}}}
	if d := cmp.Diff(want, doc); d != "" {
		t.Errorf("catalog (-want +got):\n%s", d)
	}
	if rev.Number != 3 || !rev.UpdatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("revision = %+v, want 3 at 2026-01-02T03:04:05Z", rev)
	}
	next, err := s.Save(ctx, doc)
	if err != nil || next.Number != 4 {
		t.Fatalf("save after the upgrade = %+v, %v; want revision 4", next, err)
	}
	var v int
	if err := s.sqlDB.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil || v != len(migrations) {
		t.Errorf("schema version = %d, %v; want %d", v, err, len(migrations))
	}
}
