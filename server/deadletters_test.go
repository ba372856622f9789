package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// deadLetterSetup is a server with auth and an audit log, the orders topic
// dead-lettering into orders.dlq, and three dead letters: two that a widened
// amount type (a string) fixes, and one (an object) that no fix here makes
// valid. A second topic, payments, dead-letters into the same topic.
func deadLetterSetup(t *testing.T) (do func(want int, method, path, body, key string) []byte, audit string) {
	t.Helper()
	l, path := auditFile(t)
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil), AuditLog: l})
	do = func(want int, method, path, body, key string) []byte {
		t.Helper()
		req := newRequest(method, path, body)
		req.Header.Set("Authorization", "Bearer "+key)
		w := serve(srv, req)
		if w.Code != want {
			t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, key, w.Code, want, w.Body)
		}
		return w.Body.Bytes()
	}
	do(200, "POST", "/subjects/orders-value/versions", schemaBody("JSON", brokerOrderJSON), "key-admin")
	do(200, "PUT", "/v1/topics/orders.dlq", `{"valueSubject":"orders-value"}`, "key-admin")
	do(200, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"orders.dlq"}`, "key-admin")
	do(200, "PUT", "/v1/topics/payments", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"orders.dlq"}`, "key-admin")
	do(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":"1.5"}},{"value":{"id":"ok","amount":1}}]}`, "key-admin")
	do(200, "POST", "/v1/topics/payments/events", `{"events":[{"value":{"id":"p","amount":"2"}}]}`, "key-admin")
	do(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"b","amount":{}}},{"value":{"id":"c","amount":"3"}}]}`, "key-admin")
	return do, path
}

type deadLettersPage struct {
	DeadLetterTopic string
	DeadLetters     []struct {
		Offset   int64
		Reason   string
		Redriven bool
		Value    json.RawMessage
	}
	NextOffset int64
}

type redriveAnswer struct {
	Redriven, StillInvalid int
	Results                []struct {
		DeadLetterOffset int64
		Status           string
		Offset           *int64
		Problems         []struct{ Path string }
	}
}

// TestDeadLettersRedrive lists a topic's dead letters, redrives them after a
// schema fix (a still-invalid one stays, and says why), checks that a second
// redrive publishes nothing twice, and that the audit line names the topic
// and the count.
func TestDeadLettersRedrive(t *testing.T) {
	t.Parallel()
	do, audit := deadLetterSetup(t)

	var page deadLettersPage
	mustUnmarshal(t, do(200, "GET", "/v1/topics/orders/deadletters", "", "key-consumer"), &page)
	if page.DeadLetterTopic != "orders.dlq" || len(page.DeadLetters) != 3 || page.NextOffset != 4 {
		t.Fatalf("page = %+v: want the 3 dead letters of orders (not payments'), next offset 4", page)
	}
	for i, want := range []int64{0, 2, 3} {
		if dl := page.DeadLetters[i]; dl.Offset != want || dl.Redriven || dl.Reason == "" {
			t.Errorf("dead letter %d = %+v: want offset %d with a reason, not redriven", i, dl, want)
		}
	}
	mustUnmarshal(t, do(200, "GET", "/v1/topics/orders/deadletters?from=1&limit=1", "", "key-consumer"), &page)
	if len(page.DeadLetters) != 1 || page.DeadLetters[0].Offset != 2 || page.NextOffset != 3 {
		t.Fatalf("page from=1 limit=1 = %+v: want offset 2, next 3", page)
	}

	// Before the fix, a redrive redrives nothing and everything stays.
	var res redriveAnswer
	mustUnmarshal(t, do(200, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true}`, "key-admin"), &res)
	if res.Redriven != 0 || res.StillInvalid != 3 {
		t.Fatalf("redrive before the fix = %+v: want 3 still invalid", res)
	}

	// The fix: amounts may be strings.
	do(200, "POST", "/subjects/orders-value/versions", schemaBody("JSON",
		`{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":["number","string"]}},"required":["id","amount"]}`), "key-admin")
	res = redriveAnswer{}
	mustUnmarshal(t, do(200, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true}`, "key-admin"), &res)
	if res.Redriven != 2 || res.StillInvalid != 1 || len(res.Results) != 3 {
		t.Fatalf("redrive after the fix = %+v: want 2 redriven, 1 still invalid", res)
	}
	for i, want := range []struct {
		dl     int64
		status string
		offset int64
	}{{0, "redriven", 1}, {2, "still-invalid", -1}, {3, "redriven", 2}} {
		r := res.Results[i]
		if r.DeadLetterOffset != want.dl || r.Status != want.status {
			t.Errorf("result %d = %+v, want %s for dead letter %d", i, r, want.status, want.dl)
		}
		if want.offset >= 0 && (r.Offset == nil || *r.Offset != want.offset) {
			t.Errorf("result %d offset = %v, want %d", i, r.Offset, want.offset)
		}
		if want.status == "still-invalid" && (len(r.Problems) == 0 || r.Problems[0].Path != "/amount") {
			t.Errorf("result %d problems = %+v, want one at /amount", i, r.Problems)
		}
	}
	var events struct {
		Events []struct {
			Value   json.RawMessage
			Headers map[string]string
		}
	}
	mustUnmarshal(t, do(200, "GET", "/v1/topics/orders/events", "", "key-consumer"), &events)
	if len(events.Events) != 3 || string(events.Events[1].Value) != `{"id":"a","amount":"1.5"}` ||
		events.Events[1].Headers["herald-redriven-from"] != "orders.dlq@0" || events.Events[1].Headers["herald-dead-letter-reason"] != "" {
		t.Fatalf("orders after the redrive = %+v: want ok, then a (from orders.dlq@0, without the dead-letter reason), then c", events)
	}

	// No double redrive: all, and named offsets, publish nothing again.
	res = redriveAnswer{}
	mustUnmarshal(t, do(200, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true}`, "key-admin"), &res)
	if res.Redriven != 0 || res.StillInvalid != 1 {
		t.Fatalf("second redrive = %+v: want only the still-invalid one tried", res)
	}
	res = redriveAnswer{}
	mustUnmarshal(t, do(200, "POST", "/v1/topics/orders/deadletters/redrive", `{"offsets":[0,3,1,99]}`, "key-admin"), &res)
	got := map[int64]string{}
	for _, r := range res.Results {
		got[r.DeadLetterOffset] = r.Status
	}
	if res.Redriven != 0 || got[0] != "already-redriven" || got[3] != "already-redriven" || got[1] != "not-found" || got[99] != "not-found" {
		t.Fatalf("redrive of named offsets = %+v", res)
	}
	mustUnmarshal(t, do(200, "GET", "/v1/topics/orders/events", "", "key-consumer"), &events)
	if len(events.Events) != 3 {
		t.Fatalf("orders holds %d events after the repeated redrives, want 3", len(events.Events))
	}
	mustUnmarshal(t, do(200, "GET", "/v1/topics/orders/deadletters", "", "key-consumer"), &page)
	for i, want := range []bool{true, false, true} {
		if page.DeadLetters[i].Redriven != want {
			t.Errorf("dead letter %d redriven = %t, want %t", page.DeadLetters[i].Offset, page.DeadLetters[i].Redriven, want)
		}
	}
	// payments' dead letter was never touched.
	mustUnmarshal(t, do(200, "GET", "/v1/topics/payments/deadletters", "", "key-consumer"), &page)
	if len(page.DeadLetters) != 1 || page.DeadLetters[0].Redriven {
		t.Fatalf("payments' dead letters = %+v", page)
	}

	lines := auditLines(t, audit)
	var redrives []map[string]any
	for _, l := range lines {
		if l["action"] == "deadletters.redrive" {
			redrives = append(redrives, l)
		}
	}
	if len(redrives) != 4 {
		t.Fatalf("%d redrive audit lines, want 4", len(redrives))
	}
	if r := redrives[1]; r["outcome"] != "allowed" || r["principal"] != "admin" ||
		!equalJSON(r["resource"], map[string]any{"topic": "orders"}) || !equalJSON(r["result"], map[string]any{"count": float64(2), "refused": float64(1)}) {
		t.Errorf("audit line of the redrive = %v: want topic orders, count 2, refused 1", r)
	}
}

// TestDeadLettersAccess checks that only admins redrive, that reading dead
// letters needs a consumer, and the bad requests.
func TestDeadLettersAccess(t *testing.T) {
	t.Parallel()
	do, audit := deadLetterSetup(t)
	do(http.StatusForbidden, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true}`, "key-developer")
	do(http.StatusForbidden, "POST", "/v1/topics/payments/deadletters/redrive", `{"all":true}`, "key-orders-admin")
	do(http.StatusOK, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true}`, "key-orders-admin")
	do(http.StatusForbidden, "GET", "/v1/topics/orders/deadletters", "", "key-reader")
	do(http.StatusBadRequest, "POST", "/v1/topics/orders/deadletters/redrive", `{}`, "key-admin")
	do(http.StatusBadRequest, "POST", "/v1/topics/orders/deadletters/redrive", `{"all":true,"offsets":[1]}`, "key-admin")
	do(http.StatusBadRequest, "POST", "/v1/topics/orders.dlq/deadletters/redrive", `{"all":true}`, "key-admin")
	do(http.StatusBadRequest, "GET", "/v1/topics/orders/deadletters?from=-1", "", "key-admin")
	do(http.StatusNotFound, "GET", "/v1/topics/nope/deadletters", "", "key-admin")
	denied := 0
	for _, l := range auditLines(t, audit) {
		if l["action"] == "deadletters.redrive" && l["outcome"] == "denied" {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d denied redrives audited, want 2", denied)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestDeadLettersPageRedrive checks the dead letters page: the list, the
// Redrive button for admins only, and its form's CSRF checks (token, Origin,
// Sec-Fetch-Site) before the redrive runs and its result is shown.
func TestDeadLettersPageRedrive(t *testing.T) {
	t.Parallel()
	l, _ := auditFile(t)
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil), AuditLog: l})
	send := func(method, path, body, key string, headers ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := newRequest(method, path, body)
		req.Header.Set("Authorization", "Bearer "+key)
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ": ")
			req.Header.Set(k, v)
		}
		return serve(srv, req)
	}
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/subjects/orders-value/versions", schemaBody("JSON", brokerOrderJSON)},
		{"PUT", "/v1/topics/orders.dlq", `{"valueSubject":"orders-value"}`},
		{"PUT", "/v1/topics/orders", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"orders.dlq"}`},
		{"POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":"1.5"}}]}`},
		{"POST", "/subjects/orders-value/versions", schemaBody("JSON", `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":["number","string"]}}}`)},
	} {
		if w := send(r.method, r.path, r.body, "key-admin"); w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", r.method, r.path, w.Code, w.Body)
		}
	}
	w := send("GET", "/ui/topics/orders/deadletters", "", "key-consumer")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `id="dl-0"`) || strings.Contains(w.Body.String(), "redrive-all") {
		t.Fatalf("consumer's page (%d): want the dead letter listed and no Redrive button:\n%s", w.Code, w.Body)
	}
	page := send("GET", "/ui/topics/orders/deadletters", "", "key-admin").Body.String()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `id="redrive-all"`) {
		t.Fatalf("admin's page has no Redrive form:\n%s", page)
	}
	form := func(token string) string { return url.Values{"csrf": {token}, "all": {"true"}}.Encode() }
	post := func(key, body string, headers ...string) *httptest.ResponseRecorder {
		return send("POST", "/ui/topics/orders/deadletters/redrive", body, key, append([]string{"Content-Type: application/x-www-form-urlencoded"}, headers...)...)
	}
	for name, w := range map[string]*httptest.ResponseRecorder{
		"no token":             post("key-admin", "all=true"),
		"another's token":      post("key-orders-admin", form(m[1])),
		"cross-site Origin":    post("key-admin", form(m[1]), "Origin: https://evil.example"),
		"cross-site fetch":     post("key-admin", form(m[1]), "Sec-Fetch-Site: cross-site"),
		"JSON instead of form": send("POST", "/ui/topics/orders/deadletters/redrive", `{"all":true}`, "key-admin"),
	} {
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Cross-site request refused") {
			t.Errorf("%s: %d, want 403 Cross-site request refused:\n%s", name, w.Code, w.Body)
		}
	}
	if w := post("key-consumer", form(m[1])); w.Code != http.StatusForbidden {
		t.Errorf("consumer's redrive: %d, want 403", w.Code)
	}
	var events struct{ Events []json.RawMessage }
	mustUnmarshal(t, send("GET", "/v1/topics/orders/events", "", "key-admin").Body.Bytes(), &events)
	if len(events.Events) != 0 {
		t.Fatalf("a refused form redrove %d events", len(events.Events))
	}
	w = post("key-admin", form(m[1]), "Origin: http://example.com", "Sec-Fetch-Site: same-origin")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "1 redriven, 0 still invalid") {
		t.Fatalf("redrive form: %d, want the result shown:\n%s", w.Code, w.Body)
	}
	mustUnmarshal(t, send("GET", "/v1/topics/orders/events", "", "key-admin").Body.Bytes(), &events)
	if len(events.Events) != 1 {
		t.Fatalf("after the form's redrive orders holds %d events, want 1", len(events.Events))
	}
}
