package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/pgtest"
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

// TestServeEverythingOnPostgres: with --db a PostgreSQL URL and no other
// store flag, the registry, the broker and the catalog all live in that
// database, and no SQLite file is written: a Main started again on the
// database (its working directory gone) finds the schema, the topics, the
// events, the group's offset, the unacknowledged queue message and the
// catalog.
func TestServeEverythingOnPostgres(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	first := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: dbURL, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if paths := first.dbPaths(); len(paths) != 0 {
		t.Errorf("SQLite files of a Main on PostgreSQL: %v, want none", paths)
	}
	setupOrdersTopic(t, first)
	u := first.URL()
	call(t, http.MethodPut, u+"/v1/topics/jobs", "application/json", `{"kind":"queue","valueSubject":"orders-value"}`)
	call(t, http.MethodPost, u+"/v1/topics/orders/events", "application/json", `{"events":[{"id":"e1","value":{"id":"a"}},{"id":"e2","value":{"id":"b"}}]}`)
	call(t, http.MethodPost, u+"/v1/topics/jobs/events", "application/json", `{"events":[{"value":{"id":"j1"}},{"value":{"id":"j2"}}]}`)
	// Consume: a group reads the stream and commits; a worker takes a job and
	// acknowledges it.
	var page struct {
		Events     []struct{ Offset int64 }
		NextOffset int64 `json:"nextOffset"`
	}
	if err := json.Unmarshal(call(t, http.MethodGet, u+"/v1/topics/orders/events?group=billing&limit=1", "", ""), &page); err != nil || len(page.Events) != 1 {
		t.Fatalf("group read = %+v, %v", page, err)
	}
	call(t, http.MethodPost, u+"/v1/groups/billing/offsets", "application/json", fmt.Sprintf(`{"offsets":[{"topic":"orders","offset":%d}]}`, page.NextOffset))
	var jobs struct {
		Messages []struct {
			AckID string          `json:"ackId"`
			Value json.RawMessage `json:"value"`
		}
	}
	if err := json.Unmarshal(call(t, http.MethodPost, u+"/v1/topics/jobs/receive?max=1&visibility=1s", "application/json", ""), &jobs); err != nil || len(jobs.Messages) != 1 {
		t.Fatalf("receive = %+v, %v", jobs, err)
	}
	call(t, http.MethodPost, u+"/v1/topics/jobs/ack", "application/json", `{"ackIds":["`+jobs.Messages[0].AckID+`"]}`)
	call(t, http.MethodPut, u+"/v1/catalog", "application/yaml", "events:\n  - id: order-placed\n    subject: orders-value\n    topic: orders\n")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: dbURL, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	u = second.URL()
	var events struct {
		Events []struct {
			ID    string          `json:"id"`
			Value json.RawMessage `json:"value"`
		}
	}
	if err := json.Unmarshal(call(t, http.MethodGet, u+"/v1/topics/orders/events?from=earliest", "", ""), &events); err != nil {
		t.Fatal(err)
	}
	if len(events.Events) != 2 || events.Events[0].ID != "e1" || string(events.Events[1].Value) != `{"id":"b"}` {
		t.Errorf("orders after the restart = %+v, want e1 and e2", events)
	}
	if got := string(call(t, http.MethodGet, u+"/v1/groups/billing/offsets", "", "")); !strings.Contains(got, `{"topic":"orders","offset":1}`) {
		t.Errorf("billing's offsets after the restart = %s, want orders at 1", got)
	}
	// j1 was acknowledged: only j2 is left.
	if err := json.Unmarshal(call(t, http.MethodPost, u+"/v1/topics/jobs/receive?max=10", "application/json", ""), &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs.Messages) != 1 || string(jobs.Messages[0].Value) != `{"id":"j2"}` {
		t.Errorf("jobs after the restart = %+v, want only j2", jobs)
	}
	if got := string(call(t, http.MethodGet, u+"/v1/catalog?format=json", "", "")); !strings.Contains(got, `"order-placed"`) {
		t.Errorf("catalog after the restart = %s, want the event order-placed", got)
	}
	if got := string(call(t, http.MethodGet, u+"/subjects", "application/vnd.schemaregistry.v1+json", "")); got != `["orders-value"]` {
		t.Errorf("subjects after the restart = %s", got)
	}
}

// TestServeThroughAPostgresOutage stops the PostgreSQL server under a running
// Herald (immediately, as a crash would) and starts it again. While it is down
// every request that needs the database answers 503 with error_code 50312, and
// /readyz fails; once it is back Herald answers again by itself (no restart),
// from the first request on, and every event acknowledged before the outage is
// there.
func TestServeThroughAPostgresOutage(t *testing.T) {
	t.Parallel()
	srv := pgtest.StartServer(t)
	dbURL := pgtest.Create(t, srv.AdminURL())
	m := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: dbURL, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	u := m.URL()
	setupOrdersTopic(t, m)
	publish := func(id string) (int, string) {
		return send(t, http.MethodPost, u+"/v1/topics/orders/events", "application/json", `{"events":[{"id":"`+id+`","value":{"id":"`+id+`"}}]}`)
	}
	var acked []string
	for i := range 5 {
		id := fmt.Sprintf("before-%d", i)
		if status, body := publish(id); status != http.StatusOK {
			t.Fatalf("publish %s: %d %s", id, status, body)
		}
		acked = append(acked, id)
	}

	srv.Stop()
	const ct = "application/vnd.schemaregistry.v1+json"
	for _, tc := range []struct{ name, method, path, contentType, body string }{
		{"Publish", http.MethodPost, "/v1/topics/orders/events", "application/json", `{"events":[{"value":{"id":"x"}}]}`},
		{"ReadEvents", http.MethodGet, "/v1/topics/orders/events?from=earliest", "", ""},
		{"PutTopic", http.MethodPut, "/v1/topics/other", "application/json", `{"valueSubject":"orders-value"}`},
		{"Register", http.MethodPost, "/subjects/new-value/versions", ct, `{"schemaType":"JSON","schema":"{\"type\":\"string\"}"}`},
		{"ApplyCatalog", http.MethodPut, "/v1/catalog", "application/yaml", "teams:\n  - id: t\n    name: T\n"},
	} {
		status, body := send(t, tc.method, u+tc.path, tc.contentType, tc.body)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, `"error_code":50312`) {
			t.Errorf("%s while PostgreSQL is down = %d %s; want 503 with error_code 50312", tc.name, status, body)
		}
		if strings.Contains(body, "127.0.0.1") || strings.Contains(body, "user=") {
			t.Errorf("%s: the client sees the driver's error: %s", tc.name, body)
		}
	}
	if status, body := send(t, http.MethodGet, u+"/readyz", "", ""); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while PostgreSQL is down = %d %s; want 503", status, body)
	}

	srv.Start()
	// No poisoned state: the pools' connections died with the server, and
	// the first request after it is back already succeeds (dead connections
	// are found by a ping and replaced, see pgstore's shouldPing).
	if status, body := publish("after"); status != http.StatusOK {
		t.Fatalf("first publish after PostgreSQL came back = %d %s; want 200", status, body)
	}
	acked = append(acked, "after")
	waitReady(t, m)
	var page struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	if err := json.Unmarshal(call(t, http.MethodGet, u+"/v1/topics/orders/events?from=earliest", "", ""), &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Events {
		got = append(got, e.ID)
	}
	if strings.Join(got, ",") != strings.Join(acked, ",") {
		t.Errorf("events after the outage = %v, want the acknowledged %v (the refused one not among them)", got, acked)
	}
	body2, _ := json.Marshal(map[string]string{"schemaType": "JSON", "schema": `{"type":"string"}`})
	call(t, http.MethodPost, u+"/subjects/new-value/versions", ct, string(body2))
	call(t, http.MethodPut, u+"/v1/catalog", "application/yaml", "teams:\n  - id: t\n    name: T\n")
}
