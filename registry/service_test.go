package registry_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	st, err := registrydb.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	for name, tc := range map[string]struct {
		store registry.Store
		cfg   registry.ServiceConfig
	}{
		"NilStore":                 {nil, registry.ServiceConfig{}},
		"NegativeMaxBytes":         {st, registry.ServiceConfig{MaxSchemaBytes: -1}},
		"NegativeParsedCacheSize":  {st, registry.ServiceConfig{ParsedCacheSize: -1}},
		"NegativeParsedCacheBytes": {st, registry.ServiceConfig{ParsedCacheBytes: -1}},
		"UnknownLevel":             {st, registry.ServiceConfig{DefaultCompatibility: compat.Level(99)}},
		"NilFormat":                {st, registry.ServiceConfig{Formats: []compat.Format{nil}}},
		"DuplicateFormat":          {st, registry.ServiceConfig{Formats: []compat.Format{avro.New(), avro.New()}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := registry.New(tc.store, tc.cfg); err == nil {
				t.Fatal("New accepted an invalid config")
			}
		})
	}
	s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	if err != nil {
		t.Fatal(err)
	}
	// a type without a format is refused as Confluent refuses unknown types
	_, err = s.Register(context.Background(), registry.RegisterRequest{Subject: "s", Type: compat.JSON, Text: `{}`})
	wantMsg(t, err, registry.ErrInvalidSchema, "Invalid schema type JSON")
}

// TestSchemaByIDIsServedFromMemory closes the database under the Service: ids read
// once still resolve, as do their parsed forms.
func TestSchemaByIDIsServedFromMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newServiceAndStore(t, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	sc := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	other := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	if _, err := s.SchemaByID(ctx, other.ID, "s"); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := s.SchemaByID(ctx, sc.ID, "")
	if err != nil || got.Text != sc.Text {
		t.Fatalf("cached by id = %+v, %v", got, err)
	}
	got, err = s.SchemaByID(ctx, other.ID, "s")
	if err != nil || got.Version != 2 || got.Subject != "s" {
		t.Fatalf("cached by id with subject = %+v, %v", got, err)
	}
	if _, err := s.Parsed(ctx, sc.ID, ""); err != nil {
		t.Fatalf("cached parsed: %v", err)
	}
	if _, err := s.SchemaByID(ctx, 99, ""); err == nil {
		t.Fatal("unknown id resolved on a closed store")
	}
}

func TestSchemaByIDWithSubjectFollowsDeletes(t *testing.T) {
	ctx, s := parallelService(t)
	sc := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	got, err := s.SchemaByID(ctx, sc.ID, "s")
	if err != nil || got.Deleted || got.Version != 1 {
		t.Fatalf("by id with subject = %+v, %v", got, err)
	}
	if _, err := s.DeleteSubject(ctx, "s", false); err != nil {
		t.Fatal(err)
	}
	got, err = s.SchemaByID(ctx, sc.ID, "s")
	if err != nil || !got.Deleted {
		t.Fatalf("after soft delete = %+v, %v", got, err)
	}
	// an id the subject does not hold still resolves, without subject and version
	got, err = s.SchemaByID(ctx, sc.ID, "unrelated")
	if err != nil || got.Subject != "" || got.Version != 0 {
		t.Fatalf("by id with another subject = %+v, %v", got, err)
	}
}

func TestPingReportsTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st := newServiceAndStore(t, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on a live store = %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping on a closed store = nil, want an error")
	}
}
