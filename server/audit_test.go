package server_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// auditFile is an audit log over a file in a temp dir, synced per batch.
func auditFile(t *testing.T) (*server.AuditLog, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.log")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	l := server.NewAuditLog(f, f.Sync)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return l, path
}

// auditLines reads an audit log, checking that each line is one JSON object,
// and drops each line's time after checking that it parses.
func auditLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		ts, _ := m["time"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("audit line time %q: %v", ts, err)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

func withAudit(l *server.AuditLog) envOption {
	return func(c *server.Config, _ *registry.ServiceConfig) { c.AuditLog = l }
}

// TestAuditLogLines checks the line of an allowed, a denied, an
// unauthenticated and a failed write, that reads are not audited, that a
// refused read is, and that the client's request id is kept and echoed.
func TestAuditLogLines(t *testing.T) {
	t.Parallel()
	l, path := auditFile(t)
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0), withAudit(l))
	dev, reader := "Authorization: Bearer key-developer", "Authorization: Bearer key-reader"
	body := schemaBody("JSON", `{"type":"object"}`)

	r := e.must(http.StatusOK, "POST", "/subjects/orders-value/versions", body, dev, "X-Request-Id: req-1")
	if got := r.header.Get("X-Request-Id"); got != "req-1" {
		t.Errorf("X-Request-Id echoed %q, want req-1", got)
	}
	e.must(http.StatusOK, "GET", "/subjects/orders-value/versions/1", "", reader, "X-Request-Id: req-read")
	e.must(http.StatusForbidden, "POST", "/subjects/orders-value/versions", body, reader, "X-Request-Id: req-2")
	e.must(http.StatusUnauthorized, "POST", "/subjects/orders-value/versions", body, "Authorization: Basic "+basic("platform", "wrong"), "X-Request-Id: req-3")
	e.must(http.StatusUnprocessableEntity, "POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":`), dev, "X-Request-Id: req-4")
	e.must(http.StatusUnauthorized, "GET", "/subjects", "", "X-Request-Id: req-5")
	e.must(http.StatusOK, "DELETE", "/subjects/orders-value/versions/1", "", dev, "X-Request-Id: req-6")

	line := func(id, principal, method, action, route, outcome string, status int, res map[string]any) map[string]any {
		m := map[string]any{"request_id": id, "principal": principal, "auth_method": method, "action": action,
			"method": strings.Fields(route)[0], "route": strings.Fields(route)[1], "outcome": outcome, "status": float64(status), "remote_addr": "192.0.2.1"}
		if res != nil {
			m["resource"] = res
		}
		return m
	}
	subject := map[string]any{"subject": "orders-value"}
	withResult := func(m map[string]any, r map[string]any) map[string]any { m["result"] = r; return m }
	want := []map[string]any{
		withResult(line("req-1", "developer", "apikey", "subject.register", "POST /subjects/:subject/versions", "allowed", 200, subject),
			map[string]any{"version": float64(1), "schema_id": float64(1)}),
		line("req-2", "reader", "apikey", "subject.register", "POST /subjects/:subject/versions", "denied", 403, subject),
		line("req-3", "platform", "basic", "subject.register", "POST /subjects/:subject/versions", "denied", 401, subject),
		line("req-4", "developer", "apikey", "subject.register", "POST /subjects/:subject/versions", "failed", 422, subject),
		line("req-5", "anonymous", "anonymous", "subject.list", "GET /subjects", "denied", 401, nil),
		line("req-6", "developer", "apikey", "subject.delete", "DELETE /subjects/:subject/versions/:version", "allowed", 200,
			map[string]any{"subject": "orders-value", "version": "1"}),
	}
	if diff := cmp.Diff(want, auditLines(t, path)); diff != "" {
		t.Errorf("audit lines (-want +got):\n%s", diff)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"key-developer", "key-reader", "wrong", basic("platform", "wrong")} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the audit log holds the secret %q", secret)
		}
	}
}

// TestAuditLogMakesRequestIDs checks that a request without a usable
// X-Request-Id gets a fresh one, in the response and in its line.
func TestAuditLogMakesRequestIDs(t *testing.T) {
	t.Parallel()
	l, path := auditFile(t)
	e := newEnv(t, withAudit(l))
	body := schemaBody("JSON", `{"type":"object"}`)
	a := e.must(http.StatusOK, "POST", "/subjects/a/versions", body).header.Get("X-Request-Id")
	b := e.must(http.StatusOK, "POST", "/subjects/b/versions", body, "X-Request-Id: has spaces\tand tabs").header.Get("X-Request-Id")
	if a == "" || b == "" || a == b || strings.ContainsAny(b, " \t") {
		t.Fatalf("request ids %q and %q: want two distinct plain ids", a, b)
	}
	lines := auditLines(t, path)
	if len(lines) != 2 || lines[0]["request_id"] != a || lines[1]["request_id"] != b {
		t.Fatalf("audit lines %v: want the ids %q and %q", lines, a, b)
	}
	if lines[0]["principal"] != "anonymous" || lines[0]["auth_method"] != "none" {
		t.Errorf("with auth off the line names %v/%v, want anonymous/none", lines[0]["principal"], lines[0]["auth_method"])
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestAuditFailureFailsTheWrite checks that a write whose line cannot be
// written answers 500, not its success, while a refused read still gets its
// refusal and a read its answer.
func TestAuditFailureFailsTheWrite(t *testing.T) {
	t.Parallel()
	l := server.NewAuditLog(failingWriter{}, nil)
	t.Cleanup(func() { _ = l.Close() })
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0), withAudit(l))
	dev := "Authorization: Bearer key-developer"
	r := e.do("POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":"object"}`), dev)
	wantError(t, r, http.StatusInternalServerError, 50001, "internal error")
	r = e.do("DELETE", "/contexts/.none", "", "Authorization: Bearer key-admin")
	wantError(t, r, http.StatusInternalServerError, 50001, "internal error")
	e.must(http.StatusUnauthorized, "GET", "/subjects", "")
	e.must(http.StatusOK, "GET", "/subjects", "", dev)
}

// TestAuditPublishIsOneLine checks that a publish of several events is one
// line, naming the topic, and that a topic's creation is audited.
func TestAuditPublishIsOneLine(t *testing.T) {
	t.Parallel()
	l, path := auditFile(t)
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil), AuditLog: l})
	do := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer key-admin")
		req.RemoteAddr = "192.0.2.9:5000"
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	do("POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":"integer"}`))
	do("PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`)
	do("POST", "/v1/topics/orders/events", `{"events":[{"value":1},{"value":2},{"value":3}]}`)
	lines := auditLines(t, path)
	if len(lines) != 3 {
		t.Fatalf("%d audit lines, want 3 (register, topic creation, one publish): %v", len(lines), lines)
	}
	lines = lines[1:]
	for i, action := range []string{"topic.write", "topic.publish"} {
		if lines[i]["action"] != action || !cmp.Equal(lines[i]["resource"], map[string]any{"topic": "orders"}) {
			t.Errorf("line %d: %v, want action %s on topic orders", i, lines[i], action)
		}
	}
}

// TestAuditLogConcurrentWritesAllLogged checks that every acknowledged write
// of many concurrent ones has its line, each a whole line.
func TestAuditLogConcurrentWritesAllLogged(t *testing.T) {
	t.Parallel()
	l, path := auditFile(t)
	e := newEnv(t, withAudit(l))
	const n = 40
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]bool{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("PUT", "/config/s"+string(rune('a'+i%26))+"-"+string(rune('a'+i/26)), `{"compatibility":"NONE"}`)
			if r.status == http.StatusOK {
				mu.Lock()
				ids[r.header.Get("X-Request-Id")] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	lines := auditLines(t, path)
	for _, ln := range lines {
		delete(ids, ln["request_id"].(string))
	}
	if len(ids) != 0 || len(lines) != n {
		t.Errorf("%d lines for %d writes; acknowledged but missing: %v", len(lines), n, ids)
	}
}

// basic is the HTTP Basic credential of user and password.
func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// TestAuditLineCarriesResults checks that a registration's line names the
// version and schema id it made, a publish's the first offset and the count
// it stored, and that a refused write carries no result.
func TestAuditLineCarriesResults(t *testing.T) {
	t.Parallel()
	l, path := auditFile(t)
	srv := newFullServer(t, server.Config{AuditLog: l})
	do := func(want int, method, path, body string) {
		t.Helper()
		if w := serve(srv, newRequest(method, path, body)); w.Code != want {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
	}
	do(http.StatusOK, "POST", "/subjects/other-value/versions", schemaBody("JSON", `{"type":"string"}`))
	do(http.StatusOK, "POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":"integer"}`))
	do(http.StatusOK, "POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":["integer","string"]}`))
	do(http.StatusOK, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`)
	do(http.StatusOK, "POST", "/v1/topics/orders/events", `{"events":[{"value":1},{"value":2}]}`)
	do(http.StatusOK, "POST", "/v1/topics/orders/events", `{"events":[{"value":3},{"value":4},{"value":5}]}`)
	do(http.StatusUnprocessableEntity, "POST", "/v1/topics/orders/events", `{"events":[{"value":{}}]}`)
	lines := auditLines(t, path)
	if len(lines) != 7 {
		t.Fatalf("%d audit lines, want 7: %v", len(lines), lines)
	}
	want := []any{
		map[string]any{"version": float64(1), "schema_id": float64(1)},
		map[string]any{"version": float64(1), "schema_id": float64(2)},
		map[string]any{"version": float64(2), "schema_id": float64(3)},
		nil,
		map[string]any{"first_offset": float64(0), "count": float64(2)},
		map[string]any{"first_offset": float64(2), "count": float64(3)},
		nil,
	}
	for i, w := range want {
		if got := lines[i]["result"]; !cmp.Equal(got, w) {
			t.Errorf("line %d (%s %s): result %v, want %v", i, lines[i]["method"], lines[i]["route"], got, w)
		}
	}
}
