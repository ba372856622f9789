package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/registry/registrytest"
)

// startPostgresMain runs a Main whose registry is the PostgreSQL database at
// dbURL; its broker and catalog files go to their own temporary directory, as
// each instance of a cluster has its own.
func startPostgresMain(t *testing.T, dbURL string) *Main {
	t.Helper()
	dir := t.TempDir()
	return startMainWith(t, Config{Addr: "127.0.0.1:0", DB: dbURL, Logger: slog.New(slog.DiscardHandler), Version: "test",
		broker:  &brokerFlags{DB: filepath.Join(dir, "broker.db")},
		catalog: &catalogFlags{DB: filepath.Join(dir, "catalog.db")},
	})
}

// TestServeOnPostgres: two instances on one PostgreSQL database; a schema
// registered through one is read through the other at once, with the same id,
// and the same schema registered through the other gets that id again.
func TestServeOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := registrytest.PostgresURL(t)
	a, b := startPostgresMain(t, dbURL), startPostgresMain(t, dbURL)
	const ct = "application/vnd.schemaregistry.v1+json"
	body, _ := json.Marshal(map[string]string{"schemaType": "JSON", "schema": ordersSchema})
	var reg struct{ ID int }
	if err := json.Unmarshal(call(t, http.MethodPost, a.URL()+"/subjects/orders-value/versions", ct, string(body)), &reg); err != nil || reg.ID != 1 {
		t.Fatalf("register on a = %+v, %v; want id 1", reg, err)
	}
	var got struct{ Schema string }
	if err := json.Unmarshal(call(t, http.MethodGet, b.URL()+"/schemas/ids/1", ct, ""), &got); err != nil || got.Schema == "" {
		t.Fatalf("GET /schemas/ids/1 on b = %+v, %v", got, err)
	}
	var again struct{ ID int }
	if err := json.Unmarshal(call(t, http.MethodPost, b.URL()+"/subjects/other-value/versions", ct, string(body)), &again); err != nil || again.ID != 1 {
		t.Fatalf("same schema under another subject on b = %+v, %v; want id 1", again, err)
	}
}

// TestServeOnUnreachablePostgres: Run fails, naming the database without its
// password.
func TestServeOnUnreachablePostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Port 1 on the loopback refuses at once.
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: "postgres://herald:s3cret@127.0.0.1:1/herald?sslmode=disable&connect_timeout=5",
		Logger:  slog.New(slog.DiscardHandler),
		broker:  &brokerFlags{DB: filepath.Join(dir, "broker.db")},
		catalog: &catalogFlags{DB: filepath.Join(dir, "catalog.db")},
	})
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
		t.Fatal("Run succeeded without a database")
	}
	_ = m.Close()
	msg := err.Error()
	if strings.Contains(msg, "s3cret") {
		t.Errorf("error shows the password: %s", msg)
	}
	if !strings.Contains(msg, "open registry database postgres://herald:xxxxx@127.0.0.1:1/herald") {
		t.Errorf("error = %s, want it to name the database, password masked", msg)
	}
}
