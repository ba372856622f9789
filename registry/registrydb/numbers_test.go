package registrydb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
)

func TestNextIDStopsAtMaxID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openTemp(t)
	err := st.Update(ctx, func(tx registry.Tx) error {
		if err := tx.ReserveID(ctx, ".", registry.MaxID-1); err != nil {
			return err
		}
		id, err := tx.NextID(ctx, ".")
		if err != nil || id != registry.MaxID {
			t.Errorf("NextID below the bound = %d, %v; want %d", id, err, registry.MaxID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx registry.Tx) error {
		id, err := tx.NextID(ctx, ".")
		if err == nil {
			t.Errorf("NextID at the bound = %d, want an error", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if top, err := st.MaxID(ctx, "."); err != nil || top != registry.MaxID {
		t.Fatalf("MaxID after the refused NextID = %d, %v; want %d (unchanged)", top, err, registry.MaxID)
	}
}

// TestMigrationRepairsImportedMaxInt64 builds the state an import of id
// 2^63-1 left before ids were bounded (the counter at 2^63-1, where SQLite's
// max_id + 1 turns into a float and every registration failed), reopens the
// file, and registers.
func TestMigrationRepairsImportedMaxInt64(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	const huge = 1<<63 - 1
	text := func(name string) string {
		return `{"type":"record","name":"` + name + `","fields":[{"name":"a","type":"string"}]}`
	}
	st := open(t, path)
	s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"A", "B"} {
		if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "s" + n, Text: text(n)}); err != nil {
			t.Fatal(err)
		}
	}
	// What the old IMPORT path stored for {"id": 2^63-1}.
	err = st.Update(ctx, func(tx registry.Tx) error {
		rec := record(".", huge, text("Huge"))
		if err := tx.ReserveID(ctx, ".", huge); err != nil {
			return err
		}
		if err := tx.InsertSchema(ctx, rec); err != nil {
			return err
		}
		return tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "imported", Version: 1, ID: huge, CreatedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "sC", Text: text("C")}); err == nil {
		t.Fatal("registering with the counter at 2^63-1 succeeded; the setup does not reproduce the old state")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Roll the file back to before the repair migration (3) and what came
	// after it (4 added versions.created_by), as a database written by an
	// older binary is.
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE versions DROP COLUMN created_by`, `DELETE FROM schema_migrations WHERE version >= 3`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st = open(t, path)
	closeAtEnd(t, st)
	s, err = registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Register(ctx, registry.RegisterRequest{Subject: "sC", Text: text("C")})
	if err != nil || got.ID != 3 {
		t.Fatalf("register after the repair = id %d, %v; want id 3", got.ID, err)
	}
	// The imported row is left alone: its subject still lists and deletes.
	if _, err := s.DeleteSubject(ctx, "imported", false); err != nil {
		t.Fatalf("soft-deleting the imported subject: %v", err)
	}
	if _, err := s.DeleteSubject(ctx, "imported", true); err != nil {
		t.Fatalf("hard-deleting the imported subject: %v", err)
	}
}
