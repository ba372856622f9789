package server_test

import (
	"net/http"
	"path/filepath"
	"testing"
)

func TestReadyzFollowsTheStore(t *testing.T) {
	t.Parallel()
	e, closeStore := openEnvAt(t, filepath.Join(t.TempDir(), "registry.db"))

	wantJSON(t, e.must(http.StatusOK, "GET", "/readyz", ""), `{"status":"ok"}`)
	closeStore()
	// Not ready is one code, whatever the reason (see storage_test.go).
	wantError(t, e.do("GET", "/readyz", ""), http.StatusServiceUnavailable, 50310, "store unavailable")
	// Liveness does not depend on the store.
	wantJSON(t, e.must(http.StatusOK, "GET", "/healthz", ""), `{"status":"ok"}`)
}
