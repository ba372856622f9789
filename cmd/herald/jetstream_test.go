package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/internal/natstest"
)

// TestServeOnJetStream runs Main with --broker on the shared NATS: a published
// event lands in the topic's JetStream stream and reads back over HTTP.
func TestServeOnJetStream(t *testing.T) {
	t.Parallel()
	url := natstest.URL(t)
	prefix := natstest.Prefix()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	jsc, err := js.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = jsc.DeleteStream(context.Background(), prefix+"_orders") }) // the shared server keeps nothing of a test
	m := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "herald.db"), Logger: discardLogger(), Version: "test",
		broker: &brokerFlags{JetStream: &jetStreamFlags{URLs: " " + url + " ,", Prefix: prefix}}})
	postJSON(t, m.URL()+"/subjects/orders-value/versions", "application/json", `{"schema":"{\"type\":\"object\",\"required\":[\"id\"]}","schemaType":"JSON"}`)
	putTopic(t, m, "orders", `{"valueSubject":"orders-value","retention":{"maxEvents":100}}`)
	postJSON(t, m.URL()+"/v1/topics/orders/events", "application/json", `{"events":[{"value":{"id":"a"}},{"value":{"id":"b"}}]}`)

	s, err := jsc.Stream(context.Background(), prefix+"_orders")
	if err != nil {
		t.Fatalf("the topic's stream: %v", err)
	}
	info := s.CachedInfo()
	if info.State.Msgs != 2 || info.Config.MaxMsgs != 100 || info.Config.Replicas != 1 {
		t.Errorf("stream: %d messages, MaxMsgs %d, replicas %d; want 2, 100, 1", info.State.Msgs, info.Config.MaxMsgs, info.Config.Replicas)
	}
	resp, err := http.Get(m.URL() + "/v1/topics/orders/events?from=earliest")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var page struct {
		Events []struct {
			Value json.RawMessage `json:"value"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Events) != 2 || string(page.Events[1].Value) != `{"id":"b"}` {
		t.Errorf("read back: %s (%v)", body, err)
	}
}

// TestServeBrokerEnvTwin: HERALD_BROKER reaches --broker, and a NATS that does
// not answer stops serve with an error naming the flag.
func TestServeBrokerEnvTwin(t *testing.T) {
	// Not parallel: it sets process environment.
	t.Setenv("HERALD_ADDR", "127.0.0.1:0")
	t.Setenv("HERALD_DB", filepath.Join(t.TempDir(), "h.db"))
	t.Setenv("HERALD_BROKER", "nats://herald:s3cret@127.0.0.1:1")
	code, _, stderr := runCLI("serve")
	if code != exitFailure || !strings.Contains(stderr, "--broker") {
		t.Errorf("serve with an unreachable HERALD_BROKER: code %d, stderr %q", code, stderr)
	}
	if strings.Contains(stderr, "s3cret") {
		t.Errorf("the error shows the NATS password: %q", stderr)
	}
}
