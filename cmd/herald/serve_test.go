package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ordersSchema is the JSON Schema of the events these tests publish.
const ordersSchema = `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`

// setupOrdersTopic registers orders-value and creates the stream topic orders.
func setupOrdersTopic(t *testing.T, m *Main) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"schemaType": "JSON", "schema": ordersSchema})
	call(t, http.MethodPost, m.URL()+"/subjects/orders-value/versions", "application/vnd.schemaregistry.v1+json", string(body))
	call(t, http.MethodPut, m.URL()+"/v1/topics/orders", "application/json", `{"valueSubject":"orders-value"}`)
}

// call sends a request (through send) and fails unless it answers 200.
func call(t *testing.T, method, url, contentType, body string) []byte {
	t.Helper()
	status, b := send(t, method, url, contentType, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, url, status, b)
	}
	return []byte(b)
}

// TestCloseEndsEventStreams: an open event stream does not hold shutdown for
// its grace period (Close would then fail with the deadline), and it ends.
func TestCloseEndsEventStreams(t *testing.T) {
	t.Parallel()
	m := NewMain(testConfig(t))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, m)
	setupOrdersTopic(t, m)

	resp, err := http.Get(m.URL() + "/v1/topics/orders/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: status %d", resp.StatusCode)
	}
	body := bufio.NewReader(resp.Body)
	// The first batch (a keep-alive comment on an empty topic) has arrived: the
	// stream is open and waiting for events.
	if line, err := body.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("first line %q, %v; want a comment", line, err)
	}

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	if rest, err := io.ReadAll(body); err != nil {
		t.Errorf("the stream ended with %v after %q", err, rest)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := <-m.Done(); err != nil {
		t.Errorf("Done = %v", err)
	}
}

// TestCloseKeepsAcknowledgedPublishes closes a Main while publishers run and
// finds every event it acknowledged after a restart.
func TestCloseKeepsAcknowledgedPublishes(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "herald.db")
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: db, Logger: discardLogger(), Version: "test"})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, m)
	setupOrdersTopic(t, m)
	url := m.URL() + "/v1/topics/orders/events"

	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	started := make(chan struct{}, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("w%d-%d", w, i)
				resp, err := http.Post(url, "application/json", strings.NewReader(`{"events":[{"id":"`+id+`","value":{"id":"`+id+`"}}]}`))
				if err != nil {
					return // the server is gone
				}
				_, _ = io.Copy(io.Discard, resp.Body) // only the status matters
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return // refused: not acknowledged
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
				if i == 0 {
					started <- struct{}{}
				}
			}
		}()
	}
	for range 4 {
		select {
		case <-started:
		case <-time.After(time.Minute): // only so that a refused publisher does not hang the test
			t.Fatal("a publisher never had an event acknowledged before Close")
		}
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	wg.Wait()

	m2 := startMain(t, db)
	var page struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	if err := json.Unmarshal(call(t, http.MethodGet, m2.URL()+"/v1/topics/orders/events?from=earliest&limit=10000", "", ""), &page); err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, e := range page.Events {
		stored[e.ID] = true
	}
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("event %s was acknowledged but is not stored after the restart", id)
		}
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(page.Events))
}

// TestServeAccessLog: with Config.AccessLog a file, every request (readiness
// polls included) becomes a JSON line in it, written out by Close; an
// unwritable path fails Run with the path in the error.
func TestServeAccessLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	cfg := testConfig(t)
	cfg.AccessLog = path
	m := NewMain(cfg)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitReady(t, m)
	call(t, http.MethodGet, m.URL()+"/schemas/types", "", "")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var l struct {
			URI    string `json:"uri"`
			Status int    `json:"status"`
			Route  string `json:"route"`
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		found = found || (l.URI == "/schemas/types" && l.Status == 200 && l.Route == "/schemas/types")
	}
	if !found {
		t.Errorf("no line for GET /schemas/types in:\n%s", data)
	}

	cfg = testConfig(t)
	cfg.AccessLog = filepath.Join(dir, "missing", "access.log")
	bad := NewMain(cfg)
	if err := bad.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Run with an unwritable access log: %v", err)
	}
}

// TestMetricsShowTheEnginesInUse starts serve's Main as `herald serve` does
// without --broker (the JetStream flags present, no servers) and registers a
// schema: /metrics shows the SQLite engine, whose write is the registration's
// transaction, and no JetStream series, since no JetStream is in use.
func TestMetricsShowTheEnginesInUse(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.broker = &brokerFlags{JetStream: &jetStreamFlags{}}
	m := startMainWith(t, cfg)
	resp, err := http.Post(m.URL()+"/subjects/s/versions", "application/vnd.schemaregistry.v1+json", strings.NewReader(`{"schema":"\"string\""}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %s", resp.Status)
	}
	resp, err = http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if !strings.Contains(text, `herald_engine_operation_duration_seconds_count{engine="sqlite",op="write"}`) ||
		strings.Contains(text, `herald_engine_operation_duration_seconds_count{engine="sqlite",op="write"} 0`) {
		t.Errorf("/metrics has no SQLite write for the registration:\n%s", grepEngine(text))
	}
	if strings.Contains(text, `engine="jetstream"`) {
		t.Errorf("/metrics shows JetStream, which is not in use:\n%s", grepEngine(text))
	}
}

// grepEngine returns the engine lines of a /metrics text.
func grepEngine(text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "herald_engine_") && !strings.Contains(line, "_bucket") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
