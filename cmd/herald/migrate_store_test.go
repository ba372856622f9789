package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// migrateSource is a single-node Herald's files, filled with what
// migrate-store must carry, and what they hold, read through the API.
type migrateSource struct {
	db       string
	registry registryState
	events   string // GET /v1/topics/orders/events?from=earliest
	groups   string // GET /v1/groups/billing/offsets
	queue    []string
}

// seedMigrateSource runs a Herald on SQLite files in a temp folder, fills it
// (the registry of seedSource, a catalog, a stream with a consumer group and
// lineage, a queue with one message acknowledged), reads it back and stops
// it, as an operator does before migrate-store.
func seedMigrateSource(t *testing.T) migrateSource {
	t.Helper()
	src := migrateSource{db: filepath.Join(t.TempDir(), "herald.db")}
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: src.db, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, m)
	u := m.URL()
	seedSource(t, u)
	setupOrdersTopic(t, m)
	call(t, http.MethodPut, u+"/v1/catalog", "application/yaml", "events:\n  - id: order-placed\n    subject: orders-value\n    topic: orders\n")
	for i := range 5 {
		req, _ := http.NewRequest(http.MethodPost, u+"/v1/topics/orders/events", strings.NewReader(fmt.Sprintf(`{"events":[{"id":"e%d","value":{"id":"o-%d"}}]}`, i, i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Herald-Client", "checkout")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("publish: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	call(t, http.MethodPost, u+"/v1/groups/billing/offsets", "application/json", `{"offsets":[{"topic":"orders","offset":3}]}`)
	call(t, http.MethodPut, u+"/v1/topics/jobs", "application/json", `{"kind":"queue","valueSubject":"orders-value"}`)
	call(t, http.MethodPost, u+"/v1/topics/jobs/events", "application/json", `{"events":[{"id":"j0","value":{"id":"j0"}},{"id":"j1","value":{"id":"j1"}},{"id":"j2","value":{"id":"j2"}}]}`)
	var got struct {
		Messages []struct {
			AckID string `json:"ackId"`
		} `json:"messages"`
	}
	mustJSON(t, string(call(t, http.MethodPost, u+"/v1/topics/jobs/receive?max=1", "application/json", `{}`)), &got)
	call(t, http.MethodPost, u+"/v1/topics/jobs/ack", "application/json", fmt.Sprintf(`{"ackIds":[%q]}`, got.Messages[0].AckID))

	src.registry = readState(t, u)
	src.events = string(call(t, http.MethodGet, u+"/v1/topics/orders/events?from=earliest", "", ""))
	src.groups = string(call(t, http.MethodGet, u+"/v1/groups/billing/offsets", "", ""))
	src.queue = []string{"j1", "j2"}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return src
}

// TestMigrateStoreSQLiteToPostgres: a single-node installation copied into a
// fresh PostgreSQL database serves the same registry (ids, versions, configs,
// modes), catalog, topics, events, group offsets, queue and lineage; a second
// run copies nothing and verifies again; new ids continue after the old ones.
func TestMigrateStoreSQLiteToPostgres(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	src := seedMigrateSource(t)

	out := wantCLI(t, "first copy", 0, "verified", "migrate-store", "--from", src.db, "--to", pg, "--events")
	for _, want := range []string{"catalog: copied and verified", "2 topics created", "1 group offsets", "7 events copied"} {
		if !strings.Contains(out, want) {
			t.Errorf("first copy's report lacks %q:\n%s", want, out)
		}
	}
	out = wantCLI(t, "second copy", 0, "verified", "migrate-store", "--from", src.db, "--to", pg, "--events")
	for _, want := range []string{"0 schemas, 0 versions, 0 configs and modes copied", "catalog: already there", "0 topics created, 2 already there", "0 events copied"} {
		if !strings.Contains(out, want) {
			t.Errorf("second copy's report lacks %q:\n%s", want, out)
		}
	}

	m := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: pg, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	u := m.URL()
	wantState(t, "registry on PostgreSQL", src.registry, u)
	if got := string(call(t, http.MethodGet, u+"/v1/topics/orders/events?from=earliest", "", "")); !sameEvents(t, src.events, got) {
		t.Errorf("events differ:\nsource %s\ncopy   %s", src.events, got)
	}
	if got := string(call(t, http.MethodGet, u+"/v1/groups/billing/offsets", "", "")); got != src.groups {
		t.Errorf("group offsets = %s; want %s", got, src.groups)
	}
	if got := string(call(t, http.MethodGet, u+"/v1/catalog?format=json", "", "")); !strings.Contains(got, `"order-placed"`) {
		t.Errorf("catalog on PostgreSQL lacks order-placed: %s", got)
	}
	var info struct {
		Producers []broker.Observation `json:"producers"`
	}
	mustJSON(t, string(call(t, http.MethodGet, u+"/v1/topics/orders", "", "")), &info)
	if len(info.Producers) != 1 || info.Producers[0].Client != "checkout" || info.Producers[0].Count != 5 {
		t.Errorf("observed producers = %+v; want checkout with 5 events", info.Producers)
	}
	var msgs struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	mustJSON(t, string(call(t, http.MethodPost, u+"/v1/topics/jobs/receive?max=10", "application/json", `{}`)), &msgs)
	var ids []string
	for _, m := range msgs.Messages {
		ids = append(ids, m.ID)
	}
	if diff := cmp.Diff(src.queue, ids); diff != "" {
		t.Errorf("queue messages (-want +got):\n%s", diff)
	}
	// The id counter came along: a new schema gets an id after every old one,
	// including the hard-deleted first.
	var reg struct{ ID int }
	mustJSON(t, regCall(t, 200, "POST", u+"/subjects/new/versions", schemaJSONBody(t, "JSON", `{"type":"boolean"}`)), &reg)
	if reg.ID <= 5 {
		t.Errorf("a new schema got id %d; want one after the copied ids", reg.ID)
	}
}

// sameEvents compares two pages of events as JSON values, without the
// events' fields named in ignore.
func sameEvents(t *testing.T, a, b string, ignore ...string) bool {
	t.Helper()
	var x, y struct {
		Events     []map[string]any `json:"events"`
		NextOffset int64            `json:"nextOffset"`
	}
	mustJSON(t, a, &x)
	mustJSON(t, b, &y)
	for _, page := range [][]map[string]any{x.Events, y.Events} {
		for _, e := range page {
			for _, f := range ignore {
				delete(e, f)
			}
		}
	}
	return cmp.Equal(x, y)
}

// TestMigrateStoreResumesEvents: a copy made without --events, then one
// with, copies the events once and moves the group to its event.
func TestMigrateStoreResumesEvents(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	src := seedMigrateSource(t)
	out := wantCLI(t, "without events", 0, "events not copied", "migrate-store", "--from", src.db, "--to", pg)
	if !strings.Contains(out, "0 events copied") {
		t.Errorf("a copy without --events copied events:\n%s", out)
	}
	out = wantCLI(t, "with events", 0, "verified", "migrate-store", "--from", src.db, "--to", pg, "--events")
	if !strings.Contains(out, "7 events copied") {
		t.Errorf("the copy with --events did not copy the 7 events:\n%s", out)
	}
	log, err := brokerdb.OpenPostgres(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = log.Close() }() // read only
	offs, err := log.Offsets(context.Background(), "billing")
	if err != nil {
		t.Fatal(err)
	}
	if offs["orders"] != 3 {
		t.Errorf("billing's offset in orders = %d; want 3, before the event it had not read", offs["orders"])
	}
}

// TestMigrateStoreRefusesDifferentData: a target whose topic differs is not
// overwritten, and the error names the topic; bad flags are usage errors.
func TestMigrateStoreRefusesDifferentData(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	src := seedMigrateSource(t)
	log, err := brokerdb.OpenPostgres(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.PutTopic(context.Background(), broker.Topic{Name: "orders", ValueSubject: "other-value"}); err != nil {
		t.Fatal(err)
	}
	_ = log.Close()
	code, stderr := cliErr(t, "migrate-store", "--from", src.db, "--to", pg)
	if code == 0 || !strings.Contains(stderr, "topic orders: the target defines it differently") {
		t.Errorf("copy over a different topic: exit %d, %s", code, stderr)
	}
	lk, err := dbfile.Lock(siblingDBPath("", src.db, "broker"))
	if err != nil {
		t.Fatal(err)
	}
	code, stderr = cliErr(t, "migrate-store", "--from", src.db, "--to", pg)
	if code == 0 || !strings.Contains(stderr, "stop the Herald using it first") {
		t.Errorf("copy from a broker log in use: exit %d, %s", code, stderr)
	}
	_ = lk.Close() // released for the next runs
	for _, args := range [][]string{
		{"--from", src.db},
		{"--from", src.db, "--to", filepath.Join(t.TempDir(), "x.db")},
		{"--from", filepath.Join(t.TempDir(), "missing.db"), "--to", pg},
		{"--from", src.db, "--to", pg, "--broker", "nats://127.0.0.1:1"},
	} {
		if code, stderr := cliErr(t, append([]string{"migrate-store"}, args...)...); code != 2 || stderr == "" {
			t.Errorf("migrate-store %v: exit %d, %q; want a usage error", args, code, stderr)
		}
	}
}

// cliErr runs herald with args and returns the exit code and stderr.
func cliErr(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, _, stderr := runCLI(args...)
	return code, stderr
}

// TestMigrateStoreEventsIntoJetStream: with --broker, stream events go to
// JetStream and a Herald on PostgreSQL and that JetStream serves them, with
// the group where it was.
func TestMigrateStoreEventsIntoJetStream(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	url := natstest.URL(t)
	prefix := natstest.Prefix()
	src := seedMigrateSource(t)
	out := wantCLI(t, "copy into JetStream", 0, "verified", "migrate-store", "--from", src.db, "--to", pg, "--events", "--broker", url, "--broker-prefix", prefix)
	if !strings.Contains(out, "7 events copied") {
		t.Errorf("copy into JetStream:\n%s", out)
	}
	wantCLI(t, "second copy into JetStream", 0, "0 events copied", "migrate-store", "--from", src.db, "--to", pg, "--events", "--broker", url, "--broker-prefix", prefix)
	m := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: pg, Logger: discardLogger(), Version: "test",
		broker: &brokerFlags{JetStream: &jetStreamFlags{URLs: url, Prefix: prefix}}})
	u := m.URL()
	t.Cleanup(func() { // the streams go with the topics; the shared server keeps nothing
		for _, tp := range []string{"orders", "jobs"} {
			send(t, http.MethodDelete, u+"/v1/topics/"+tp, "", "")
		}
	})
	// JetStream stamps each message with the time it stored it: the copy's.
	if got := string(call(t, http.MethodGet, u+"/v1/topics/orders/events?from=earliest", "", "")); !sameEvents(t, src.events, got, "time") {
		t.Errorf("events on JetStream differ:\nsource %s\ncopy   %s", src.events, got)
	}
	if got := string(call(t, http.MethodGet, u+"/v1/groups/billing/offsets", "", "")); got != src.groups {
		t.Errorf("group offsets = %s; want %s", got, src.groups)
	}
}
