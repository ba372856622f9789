package server_test

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestReceiveRefusesABody: receive's parameters are query parameters, so a
// body that carries any (here max) is refused, naming them, and leases
// nothing; no body, or {}, is accepted.
func TestReceiveRefusesABody(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("jobs-value", schemaBody("JSON", `{"type":"object"}`))
	e.must(200, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"jobs-value"}`, "Content-Type: application/json")
	for i := range 3 {
		e.must(200, "POST", "/v1/topics/jobs/events", fmt.Sprintf(`{"events":[{"value":{"n":%d}}]}`, i), "Content-Type: application/json")
	}
	leased := func(r result) int {
		t.Helper()
		var m struct{ Messages []json.RawMessage }
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		return len(m.Messages)
	}
	for _, body := range []string{`{"max":1}`, `{"visibility":"1h","wait":"1s"}`, `[]`, `max=1`} {
		wantError(t, e.call("POST", "/v1/topics/jobs/receive", body), 400, 40001, "?max=10&visibility=30s&wait=5s")
	}
	if n := leased(e.must(200, "POST", "/v1/topics/jobs/receive?max=1&visibility=1h", "{}", "Content-Type: application/json")); n != 1 {
		t.Errorf("receive with {} leased %d, want 1 (max=1 from the query)", n)
	}
	// The refused receives leased nothing: both others are still there.
	if n := leased(e.must(200, "POST", "/v1/topics/jobs/receive?visibility=1h", "", "Content-Type: application/json")); n != 2 {
		t.Errorf("receive with no body leased %d, want the 2 left", n)
	}
}

// TestPublishRefusalCountsInGoodEnglish: one bad event "breaks", two "break".
func TestPublishRefusalCountsInGoodEnglish(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", `{"type":"object","required":["id"]}`))
	e.must(200, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":1}},{"value":{}}]}`), 422, 42222,
		"1 event breaks the contract of topic orders")
	wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{}},{"value":{}}]}`), 422, 42222,
		"2 events break the contract of topic orders")
	wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{}},{"id":"x"}]}`), 400, 40001,
		"invalid JSON envelope: 1 event cannot be read")
}
