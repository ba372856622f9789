package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server"
)

func TestReadyzFollowsTheStore(t *testing.T) {
	t.Parallel()
	store, err := registrydb.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(store, registry.ServiceConfig{Formats: formats()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Registry: reg, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, reg: reg}

	wantJSON(t, e.must(http.StatusOK, "GET", "/readyz", ""), `{"status":"ok"}`)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// Not ready is one code, whatever the reason (see storage_test.go).
	wantError(t, e.do("GET", "/readyz", ""), http.StatusServiceUnavailable, 50310, "store unavailable")
	// Liveness does not depend on the store.
	wantJSON(t, e.must(http.StatusOK, "GET", "/healthz", ""), `{"status":"ok"}`)
}
