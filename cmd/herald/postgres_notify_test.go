package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldhq/herald/registry/registrytest"
)

// startPostgresMainWith is startPostgresMain with --registry-max-staleness.
func startPostgresMainWith(t *testing.T, dbURL string, maxStaleness time.Duration) *Main {
	t.Helper()
	dir := t.TempDir()
	return startMainWith(t, Config{Addr: "127.0.0.1:0", DB: dbURL, Logger: slog.New(slog.DiscardHandler), Version: "test",
		broker:               &brokerFlags{DB: filepath.Join(dir, "broker.db")},
		catalog:              &catalogFlags{DB: filepath.Join(dir, "catalog.db")},
		RegistryMaxStaleness: maxStaleness,
	})
}

// TestServeOnPostgresLatestFollowsOtherInstances: b serves the latest version
// from its cache, trusted for an hour, yet a version registered through a
// shows on b as soon as a's change notification arrives: serve wires the
// registry's LISTEN/NOTIFY listener.
func TestServeOnPostgresLatestFollowsOtherInstances(t *testing.T) {
	t.Parallel()
	dbURL := registrytest.PostgresURL(t)
	a, b := startPostgresMainWith(t, dbURL, time.Hour), startPostgresMainWith(t, dbURL, time.Hour)
	const ct = "application/vnd.schemaregistry.v1+json"
	latest := func() int {
		var v struct{ Version int }
		if err := json.Unmarshal(call(t, http.MethodGet, b.URL()+"/subjects/orders-value/versions/latest", ct, ""), &v); err != nil {
			t.Fatal(err)
		}
		return v.Version
	}
	for i, schema := range []string{ordersSchema, `{"type":"object","description":"An order.","properties":{"id":{"type":"string"}},"required":["id"]}`} {
		body, _ := json.Marshal(map[string]string{"schemaType": "JSON", "schema": schema})
		call(t, http.MethodPost, a.URL()+"/subjects/orders-value/versions", ct, string(body))
		start := time.Now()
		for latest() != i+1 {
			if time.Since(start) > time.Minute { // a hang guard, not a speed bound
				t.Fatalf("b never served version %d as latest", i+1)
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Logf("b served version %d as latest %v after a registered it", i+1, time.Since(start))
	}
}
