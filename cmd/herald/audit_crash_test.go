package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestAuditLogSurvivesKill9 runs the real binary with --audit-log, makes
// acknowledged writes of every kind (register, topic creation, publish) from
// several goroutines, kills the process with SIGKILL right after, and finds
// the line of every acknowledged write in the audit log.
func TestAuditLogSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test builds the herald binary and kills it; run without -short")
	}
	dir, bin := t.TempDir(), buildHerald(t)
	auditPath := filepath.Join(dir, "audit.log")
	p := startServe(t, bin, "--db", filepath.Join(dir, "h.db"), "--audit-log", auditPath)

	client := &http.Client{Timeout: 30 * time.Second}
	var (
		mu    sync.Mutex
		acked = map[string]string{} // request id -> action
	)
	// send makes one write and records it when acknowledged (2xx, and the
	// whole answer read).
	send := func(id, method, path, body, action string) bool {
		req, err := http.NewRequest(method, p.url+path, strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return false
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", id)
		resp, err := client.Do(req)
		if err != nil {
			return false // the server is gone
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode >= 300 {
			return false
		}
		mu.Lock()
		acked[id] = action
		mu.Unlock()
		return true
	}
	if !send("setup-register", "POST", "/subjects/audit-value/versions", `{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`, "subject.register") ||
		!send("setup-topic", "PUT", "/v1/topics/audit", `{"valueSubject":"audit-value"}`, "topic.write") {
		t.Fatalf("setup writes failed:\n%s", p.logText())
	}

	const workers = 4
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var ok bool
				id := fmt.Sprintf("w%d-%d", g, i)
				switch i % 3 {
				case 0:
					ok = send(id, "POST", fmt.Sprintf("/subjects/s%d-%d-value/versions", g, i), `{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`, "subject.register")
				case 1:
					ok = send(id, "PUT", fmt.Sprintf("/v1/topics/t%d-%d", g, i), `{"valueSubject":"audit-value"}`, "topic.write")
				default:
					ok = send(id, "POST", "/v1/topics/audit/events", `{"events":[{"value":{"n":1}},{"value":{"n":2}}]}`, "topic.publish")
				}
				if !ok {
					return
				}
			}
		}()
	}
	workersDone := make(chan struct{})
	go func() { wg.Wait(); close(workersDone) }()
	// Kill as soon as enough writes are acknowledged, with writes in flight.
	for n := 0; n < 150; {
		select {
		case <-workersDone:
			t.Fatalf("every writer stopped (a write failed) before the kill:\n%s", p.logText())
		case <-time.After(5 * time.Millisecond): // waiting for the workers, not timing them
		}
		mu.Lock()
		n = len(acked)
		mu.Unlock()
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait() // after SIGKILL it always reports "signal: killed"
	close(stop)
	wg.Wait()

	raw, err := os.ReadFile(auditPath)
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]string{}
	for i, line := range bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n")) {
		var l struct {
			RequestID string `json:"request_id"`
			Action    string `json:"action"`
			Outcome   string `json:"outcome"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("audit line %d %q: %v", i+1, line, err)
		}
		if l.Outcome == "allowed" {
			logged[l.RequestID] = l.Action
		}
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d writes acknowledged before kill -9, %d allowed lines in the audit log", len(acked), len(logged))
	for id, action := range acked {
		if got, ok := logged[id]; !ok || got != action {
			t.Errorf("acknowledged write %s (%s) is not in the audit log (found %q)", id, action, got)
		}
	}
}
