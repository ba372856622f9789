package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// newJetStreamEnv is a server whose broker keeps stream events in JetStream at
// url (under a fresh prefix) and the rest in SQLite; /readyz checks NATS.
func newJetStreamEnv(t testing.TB, url string) (*testEnv, *jetstream.Log) {
	t.Helper()
	dir := t.TempDir()
	reg := newSQLiteRegistry(t, dir)
	meta, err := brokerdb.Open(context.Background(), filepath.Join(dir, "broker.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	log, err := jetstream.Open(context.Background(), jetstream.Config{URLs: []string{url}, Prefix: natstest.Prefix(), Timeout: 5 * time.Second, Logger: slog.New(slog.DiscardHandler)}, meta)
	if err != nil {
		_ = meta.Close()
		t.Fatal(err)
	}
	brk, err := broker.New(context.Background(), broker.Config{Log: log, Validator: server.NewValidator(reg), RetentionInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Delete the topics (their streams) first: the shared server keeps
		// nothing of a test.
		if infos, err := brk.Topics(context.Background()); err == nil {
			for _, ti := range infos {
				_ = brk.DeleteTopic(context.Background(), ti.Name) // best effort: NATS may be the test's, and dead
			}
		}
		if err := brk.Close(); err != nil {
			t.Error(err)
		}
		_ = log.Close()
		_ = meta.Close()
	})
	srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: slog.New(slog.DiscardHandler), Version: "test",
		ReadyChecks: map[string]server.Pinger{"nats": log}})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, reg: reg}, log
}

// TestTopicsOnJetStream publishes over HTTP to a topic whose events live in
// JetStream, reads them back by page and by SSE, and checks refusals store
// nothing and duplicates are answered with the first offset.
func TestTopicsOnJetStream(t *testing.T) {
	t.Parallel()
	e, _ := newJetStreamEnv(t, natstest.URL(t))
	setupOrders(e, `{"valueSubject":"orders-value","retention":{"maxEvents":1000}}`)
	r := e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":1},"id":"e1"},{"value":{"id":"b","amount":2}},{"value":{"id":"c","amount":3}}]}`, "Content-Type: application/json")
	wantJSON(t, r, `{"stored":3,"duplicates":0,"deadLettered":0,"results":[{"offset":0},{"offset":1},{"offset":2}]}`)
	// One bad event refuses the batch: nothing reaches the stream.
	wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"d","amount":4}},{"value":{"id":"e"}}]}`), 422, 42222, "amount")
	// A duplicate id is not stored again.
	r = e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":1},"id":"e1"},{"value":{"id":"d","amount":4}}]}`, "Content-Type: application/json")
	wantJSON(t, r, `{"stored":1,"duplicates":1,"deadLettered":0,"results":[{"offset":0,"duplicate":true},{"offset":3}]}`)

	r = e.must(200, "GET", "/v1/topics/orders/events?from=earliest&limit=10", "")
	var page struct {
		Events []struct {
			Offset int64           `json:"offset"`
			Value  json.RawMessage `json:"value"`
		} `json:"events"`
		Next int64 `json:"nextOffset"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range page.Events {
		got = append(got, fmt.Sprintf("%d:%s", ev.Offset, ev.Value))
	}
	if want := `0:{"id":"a","amount":1} 1:{"id":"b","amount":2} 2:{"id":"c","amount":3} 3:{"id":"d","amount":4}`; strings.Join(got, " ") != want || page.Next != 4 {
		t.Errorf("read %v next %d, want %s next 4", got, page.Next, want)
	}
	r = e.must(200, "GET", "/v1/topics/orders", "")
	var info struct {
		Events     int64 `json:"events"`
		NextOffset int64 `json:"nextOffset"`
	}
	if err := json.Unmarshal(r.body, &info); err != nil || info.Events != 4 {
		t.Errorf("topic info %s (%v): want 4 events", r.body, err)
	}
	e.must(200, "GET", "/readyz", "")

	// SSE from offset 2 (Last-Event-ID 1), with an event published meanwhile.
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/topics/orders/stream", nil)
	req.Header.Set("Last-Event-ID", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	go e.do("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"live","amount":5}}]}`, "Content-Type: application/json")
	var ids []string
	sc := bufio.NewScanner(resp.Body)
	for len(ids) < 3 && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	if strings.Join(ids, ",") != "2,3,4" {
		t.Errorf("stream ids = %v, want 2,3,4 (4 published while streaming)", ids)
	}
}

// TestJetStreamOutage kills the test's own nats-server: broker routes answer
// 503 50321 and /readyz 503; once NATS is back every acknowledged event is
// there and publishing works again, without restarting Herald.
func TestJetStreamOutage(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	e, _ := newJetStreamEnv(t, srv.URL())
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	for i := range 5 {
		e.must(200, "POST", "/v1/topics/orders/events", fmt.Sprintf(`{"events":[{"value":{"id":"o%d","amount":%d}}]}`, i, i), "Content-Type: application/json")
	}
	srv.Kill()
	natstest.WaitFor(t, "readyz to fail", func() bool { return e.do("GET", "/readyz", "").status == 503 })
	wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"x","amount":1}}]}`), 503, 50321, "NATS")
	wantError(t, e.call("GET", "/v1/topics/orders/events?from=earliest", ""), 503, 50321, "")
	wantError(t, e.call("GET", "/readyz", ""), 503, 50310, "nats")

	srv.Restart()
	natstest.WaitFor(t, "readyz to pass", func() bool { return e.do("GET", "/readyz", "").status == 200 })
	e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"o5","amount":5}}]}`, "Content-Type: application/json")
	r := e.must(200, "GET", "/v1/topics/orders/events?from=earliest", "")
	var page struct {
		Events []struct {
			Offset int64 `json:"offset"`
		} `json:"events"`
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != 6 || page.Events[5].Offset != 5 {
		t.Errorf("after the outage: %s; want offsets 0..5", r.body)
	}
}
