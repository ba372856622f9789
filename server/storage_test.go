package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/server"
)

// fullStore is a catalog store whose disk is full while full is set: Save fails
// the way catalogdb's does (an error wrapping dbfile.ErrDiskFull).
type fullStore struct {
	catalogtest.Store
	full atomic.Bool
}

func (s *fullStore) Save(ctx context.Context, doc *catalog.Document) (catalog.Revision, error) {
	if s.full.Load() {
		return catalog.Revision{}, fmt.Errorf("catalogdb: save: %w: database or disk is full", dbfile.ErrDiskFull)
	}
	return s.Store.Save(ctx, doc)
}

// newFullDiskEnv is a server whose catalog writes to a fullStore. With probe,
// the server's StorageProbe fails while the store is full.
func newFullDiskEnv(t *testing.T, probe bool) (*testEnv, *fullStore) {
	t.Helper()
	ctx := context.Background()
	reg := newSQLiteRegistry(t, t.TempDir())
	fs := &fullStore{}
	cat, err := catalog.New(ctx, catalog.Config{Store: fs, Registry: catalogtest.NewRegistry(), Lineage: &catalogtest.Lineage{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{Registry: reg, Catalog: cat, Logger: slog.New(slog.DiscardHandler)}
	if probe {
		cfg.StorageProbe = func(context.Context) error {
			if fs.full.Load() {
				return fmt.Errorf("%w: 4096 bytes free on the file system of /data", dbfile.ErrDiskFull)
			}
			return nil
		}
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, reg: reg}, fs
}

// applyTeam is a catalog apply that changes the catalog (so that it saves).
func applyTeam(id string) string {
	return `{"files":[{"name":"teams.yaml","content":"teams:\n  - id: ` + id + `\n    name: T\n"}]}`
}

func TestFullDiskAnswers507AndFailsReadiness(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		probe   bool
		recover func(e *testEnv)
	}{
		{"ReadyAgainWhenTheProbeFindsRoom", true, func(*testEnv) {}},
		{"ReadyAgainAfterASuccessfulWrite", false, func(e *testEnv) {
			e.must(http.StatusOK, "PUT", "/v1/catalog?prune=true", applyTeam("after"), "Content-Type: application/json")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, fs := newFullDiskEnv(t, tc.probe)
			e.must(http.StatusOK, "GET", "/readyz", "")

			fs.full.Store(true)
			r := e.do("PUT", "/v1/catalog?prune=true", applyTeam("during"), "Content-Type: application/json")
			wantError(t, r, http.StatusInsufficientStorage, 50701, "disk full")
			wantError(t, e.do("GET", "/readyz", ""), http.StatusServiceUnavailable, 50310, "disk full")
			// A read does not clear the fault.
			e.must(http.StatusOK, "GET", "/v1/catalog", "")
			if r := e.do("GET", "/readyz", ""); r.status != http.StatusServiceUnavailable {
				t.Fatalf("/readyz after a read = %d, want 503", r.status)
			}

			fs.full.Store(false)
			tc.recover(e)
			e.must(http.StatusOK, "GET", "/readyz", "")
			e.must(http.StatusOK, "PUT", "/v1/catalog?prune=true", applyTeam("later"), "Content-Type: application/json")
		})
	}
}

// TestReadyzFollowsTheStore: readiness follows the registry store, liveness
// does not.
func TestReadyzFollowsTheStore(t *testing.T) {
	t.Parallel()
	e, closeStore := openEnvAt(t, filepath.Join(t.TempDir(), "registry.db"))

	wantJSON(t, e.must(http.StatusOK, "GET", "/readyz", ""), `{"status":"ok"}`)
	closeStore()
	// Not ready is one code, whatever the reason (see the full-disk test above).
	wantError(t, e.do("GET", "/readyz", ""), http.StatusServiceUnavailable, 50310, "store unavailable")
	// Liveness does not depend on the store.
	wantJSON(t, e.must(http.StatusOK, "GET", "/healthz", ""), `{"status":"ok"}`)
}
