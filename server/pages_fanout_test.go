package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/server"
)

// newFanOutEnv is a server whose catalog has one event "e" whose subject's
// versions 1 and 2 are before and after. The diff runs the formats' real,
// bounded comparisons.
func newFanOutEnv(t *testing.T, typ compat.SchemaType, before, after string, lim catalog.FieldLimits) *catalogEnv {
	t.Helper()
	ctx := context.Background()
	rs := newSQLiteRegistry(t, t.TempDir())
	reg := catalogtest.NewRegistry()
	reg.SetLevel("s", compat.None)
	for _, text := range []string{before, after} {
		if _, err := reg.Register(ctx, "s", typ, text); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, FieldLimits: lim, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.ApplyDocument(ctx, &catalog.Document{Events: []catalog.Event{{ID: "e", Name: "E", Subject: "s"}}}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Registry: rs, Catalog: cat, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &catalogEnv{t: t, srv: srv, cat: cat, reg: reg}
}

// TestPageFanOutBounded is not parallel: it counts allocations.
func TestPageFanOutBounded(t *testing.T) {
	const levels = 60
	for _, c := range []struct {
		name          string
		typ           compat.SchemaType
		before, after string
		// changes is what the diff lists: the leaf's field change once and,
		// for Avro and Protobuf, whose violation paths are field indexes
		// rather than names, the format's rule violation as one more row.
		changes int
	}{
		{"JSONSchemaFanOut", compat.JSON, compattest.JSONSchemaFanOut(levels, "string"), compattest.JSONSchemaFanOut(levels, "integer"), 1},
		{"JSONSchemaWide", compat.JSON, compattest.JSONSchemaWide(levels, 4, "string"), compattest.JSONSchemaWide(levels, 4, "integer"), 1},
		{"AvroFanOut", compat.Avro, compattest.AvroFanOut(levels, "string"), compattest.AvroFanOut(levels, "int"), 2},
		{"AvroWide", compat.Avro, compattest.AvroWide(levels, 4, "string"), compattest.AvroWide(levels, 4, "int"), 2},
		{"ProtobufWide", compat.Protobuf, compattest.ProtobufWide(levels, 4, "string"), compattest.ProtobufWide(levels, 4, "int32"), 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newFanOutEnv(t, c.typ, c.before, c.after, catalog.FieldLimits{})
			doc := e.page("/ui/events/e", http.StatusOK)
			rows := doc.Find("table.fields tbody tr").Length()
			refs := doc.Find("table.fields tbody tr.ref").Length()
			// Each level lists its fields once; later uses are one row each.
			if rows > 4*levels+5 || refs < levels-1 {
				t.Fatalf("event page: %d field rows (%d references), want at most %d rows and at least %d references", rows, refs, 4*levels+5, levels-1)
			}
			doc = e.page("/ui/events/e/diff?from=1&to=2", http.StatusOK)
			if n := doc.Find("tr.change").Length(); n != c.changes {
				t.Fatalf("diff page: %d changes, want %d (the leaf's change once)", n, c.changes)
			}
			// Allocations per page stay within a small multiple of a page's
			// size (a naive walk does 2^60).
			for _, path := range []string{"/ui/events/e", "/ui/events/e/diff?from=1&to=2"} {
				allocs := testing.AllocsPerRun(3, func() {
					rec := httptest.NewRecorder()
					e.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				})
				if allocs > 200_000 {
					t.Errorf("GET %s: %.0f allocations, want at most 200000", path, allocs)
				}
			}
		})
	}
}

func TestPageFanOutLimits(t *testing.T) {
	t.Parallel()
	before, after := compattest.JSONSchemaWide(60, 4, "string"), compattest.JSONSchemaWide(60, 4, "integer")
	t.Run("DiffPastRowLimitIs422Page", func(t *testing.T) {
		t.Parallel()
		e := newFanOutEnv(t, compat.JSON, before, after, catalog.FieldLimits{MaxRows: 20})
		doc := e.page("/ui/events/e/diff?from=1&to=2", http.StatusUnprocessableEntity)
		expect(t, doc, "h1", 1, "Too complex")
		expect(t, doc, "p.lead", 1, "more than 20 rows")
	})
	t.Run("EventPagePastRowLimitShowsWhy", func(t *testing.T) {
		t.Parallel()
		e := newFanOutEnv(t, compat.JSON, before, after, catalog.FieldLimits{MaxRows: 20})
		doc := e.page("/ui/events/e", http.StatusOK)
		expect(t, doc, "#fields-error", 1, "more than 20 rows")
		if n := doc.Find("table.fields tbody tr").Length(); n != 20 {
			t.Fatalf("%d field rows, want the 20 the limit allows", n)
		}
	})
	t.Run("ClientGoneGetsNoPage", func(t *testing.T) {
		t.Parallel()
		e := newFanOutEnv(t, compat.JSON, before, after, catalog.FieldLimits{})
		for _, path := range []string{"/ui/events/e", "/ui/events/e/diff?from=1&to=2"} {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx))
			body, _ := io.ReadAll(rec.Result().Body)
			if rec.Code != 499 || strings.Contains(string(body), "<html") {
				t.Fatalf("GET %s with the client gone = %d (%d bytes), want 499 and no page", path, rec.Code, len(body))
			}
		}
	})
}
