package registrydb_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/dbfile/dbfiletest"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

func open(t *testing.T, path string) *registrydb.Store {
	t.Helper()
	st, err := registrydb.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func record(c string, id int, text string) registry.SchemaRecord {
	return registry.SchemaRecord{Context: c, ID: id, GUID: "g-" + text, Hash: "h-" + text, Type: compat.Avro, Text: text}
}

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	st := open(t, path)
	closeAtEnd(t, st)
	now := time.UnixMilli(1700000000123).UTC()
	money := record(".", 1, `"money"`)
	order := record(".", 2, `"order"`)
	order.References = []registry.Reference{{Name: "Money", Subject: "money", Version: 1}}
	order.Targets = []registry.VersionKey{{Context: ".", Subject: "money", Version: 1}}
	order.Metadata = json.RawMessage(`{"properties":{"a":"b"}}`)
	err := st.Update(ctx, func(tx registry.Tx) error {
		for _, r := range []registry.SchemaRecord{money, order} {
			id, err := tx.NextID(ctx, ".")
			if err != nil {
				return err
			}
			if id != r.ID {
				t.Errorf("NextID = %d, want %d", id, r.ID)
			}
			if err := tx.InsertSchema(ctx, r); err != nil {
				return err
			}
		}
		if err := tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "money", Version: 1, ID: 1, CreatedAt: now}); err != nil {
			return err
		}
		return tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "orders", Version: 1, ID: 2, CreatedAt: now})
	})
	if err != nil {
		t.Fatal(err)
	}
	// WAL mode: the write went to the -wal file
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no WAL file: %v", err)
	}
	got, err := st.Schema(ctx, ".", 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(order, got); diff != "" {
		t.Fatalf("schema (-want +got):\n%s", diff)
	}
	got, err = st.SchemaByHash(ctx, ".", money.Hash)
	if err != nil || got.ID != 1 {
		t.Fatalf("by hash = %+v, %v", got, err)
	}
	refs, err := st.Referrers(ctx, registry.VersionKey{Context: ".", Subject: "money", Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.VersionRecord{{Context: ".", Subject: "orders", Version: 1, ID: 2, CreatedAt: now}}
	if diff := cmp.Diff(want, refs); diff != "" {
		t.Fatalf("referrers (-want +got):\n%s", diff)
	}
	vs, err := st.ListVersions(ctx, "", "or")
	if err != nil || len(vs) != 1 || vs[0].Subject != "orders" {
		t.Fatalf("list with prefix = %+v, %v", vs, err)
	}
	// sentinels, never gorm's
	_, err = st.Schema(ctx, ".", 9)
	if !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Fatalf("missing schema: %v", err)
	}
	_, err = st.Config(ctx, registry.Global)
	if !errors.Is(err, registry.ErrSubjectConfigNotFound) {
		t.Fatalf("missing config: %v", err)
	}
	_, err = st.Mode(ctx, registry.Global)
	if !errors.Is(err, registry.ErrSubjectModeNotFound) {
		t.Fatalf("missing mode: %v", err)
	}
	err = st.Update(ctx, func(tx registry.Tx) error {
		return tx.SetDeleted(ctx, registry.VersionKey{Context: ".", Subject: "nope", Version: 1}, true)
	})
	if !errors.Is(err, registry.ErrVersionNotFound) {
		t.Fatalf("SetDeleted on a missing version: %v", err)
	}
}

func TestStoreConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openTemp(t)
	if err := st.Update(ctx, func(tx registry.Tx) error {
		if err := tx.InsertSchema(ctx, record(".", 1, `"a"`)); err != nil {
			return err
		}
		return tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "s", Version: 1, ID: 1, CreatedAt: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	for name, fn := range map[string]func(tx registry.Tx) error{
		"DuplicateID": func(tx registry.Tx) error { return tx.InsertSchema(ctx, record(".", 1, `"b"`)) },
		"DuplicateVersion": func(tx registry.Tx) error {
			return tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "s", Version: 1, ID: 1, CreatedAt: time.Now()})
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := st.Update(ctx, fn)
			if !errors.Is(err, registry.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
	}
	// foreign keys are on: a version cannot point at a missing schema
	err := st.Update(ctx, func(tx registry.Tx) error {
		return tx.InsertVersion(ctx, registry.VersionRecord{Context: ".", Subject: "s", Version: 2, ID: 42, CreatedAt: time.Now()})
	})
	if err == nil {
		t.Fatal("a version of a missing schema was stored: foreign keys are off")
	}
	// a failed transaction leaves nothing behind
	err = st.Update(ctx, func(tx registry.Tx) error {
		if err := tx.InsertSchema(ctx, record(".", 5, `"c"`)); err != nil {
			return err
		}
		return errors.New("boom")
	})
	if err == nil || err.Error() != "boom" {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if _, err := st.Schema(ctx, ".", 5); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Fatalf("rolled-back schema is visible: %v", err)
	}
}

func TestConfigAndModeRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openTemp(t)
	l, p, tr := compat.FullTransitive, compat.Lenient, true
	rs, group := "WIRE", "major"
	cfg := registry.Config{Compatibility: &l, Normalize: &tr, Policy: &p, RuleSet: &rs, CompatibilityGroup: &group,
		DefaultMetadata: json.RawMessage(`{"properties":{"x":"y"}}`), ValidateNewSchemas: &tr}
	scope := registry.Scope{Context: ".staging", Subject: "s"}
	if err := st.Update(ctx, func(tx registry.Tx) error {
		if err := tx.PutConfig(ctx, scope, registry.Config{Alias: &group}); err != nil {
			return err
		}
		if err := tx.PutConfig(ctx, scope, cfg); err != nil { // replaces
			return err
		}
		return tx.PutMode(ctx, scope, registry.ReadOnly)
	}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Config(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(cfg, got); diff != "" {
		t.Fatalf("config (-want +got):\n%s", diff)
	}
	m, err := st.Mode(ctx, scope)
	if err != nil || m != registry.ReadOnly {
		t.Fatalf("mode = %v, %v", m, err)
	}
	if err := st.Update(ctx, func(tx registry.Tx) error { return tx.DeleteContext(ctx, ".staging") }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Config(ctx, scope); !errors.Is(err, registry.ErrSubjectConfigNotFound) {
		t.Fatalf("config after DeleteContext: %v", err)
	}
}

// TestRestartKeepsIDs closes and reopens the database under a Service: ids,
// versions and the id counter survive, and migrations run once.
func TestRestartKeepsIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	newService := func(st *registrydb.Store) *registry.Service {
		s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	st := open(t, path)
	s := newService(st)
	texts := []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}`,
	}
	var before []registry.Schema
	for _, text := range texts {
		sc, err := s.Register(ctx, registry.RegisterRequest{Subject: "s", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, sc)
	}
	if _, err := s.DeleteVersion(ctx, "s", 2, false); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = open(t, path)
	closeAtEnd(t, st)
	s = newService(st)
	for _, want := range before {
		got, err := s.SchemaByID(ctx, want.ID, "")
		if err != nil {
			t.Fatalf("id %d after restart: %v", want.ID, err)
		}
		if got.Text != want.Text || got.GUID != want.GUID {
			t.Fatalf("id %d after restart = %+v, want %+v", want.ID, got, want)
		}
		v, err := s.Version(ctx, "s", want.Version, true)
		if err != nil || v.ID != want.ID || !v.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("version %d after restart = %+v, %v", want.Version, v, err)
		}
	}
	again, err := s.Register(ctx, registry.RegisterRequest{Subject: "other", Text: texts[0]})
	if err != nil || again.ID != before[0].ID {
		t.Fatalf("same schema after restart = %+v, %v", again, err)
	}
	third, err := s.Register(ctx, registry.RegisterRequest{Subject: "s", Text: `{"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"c","type":"int","default":0}]}`})
	if err != nil || third.ID != 3 || third.Version != 3 {
		t.Fatalf("new schema after restart = id %d version %d, %v; want 3 3", third.ID, third.Version, err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	if _, err := registrydb.Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	if _, err := registrydb.Open(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "r.db")); err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}

// TestOpenOnAReadOnlyDiskSaysSo opens an existing database on a read-only
// mount. SQLite's own error was "unable to open database file: no such file
// or directory" (the -wal file it could not create).
func TestOpenOnAReadOnlyDiskSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	disk := dbfiletest.SmallDisk(t, 4<<20)
	path := filepath.Join(disk.Dir, "registry.db")
	s, err := registrydb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dbfiletest.ReadOnly(t, disk)
	_, err = registrydb.Open(ctx, path)
	if !errors.Is(err, dbfile.ErrReadOnly) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("Open = %v, want ErrReadOnly naming %s and the read-only file system", err, path)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "r.db"))
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping on an open store = %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err == nil {
		t.Fatal("Ping on a closed store = nil, want an error")
	}
}
