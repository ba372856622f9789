package server_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
)

func TestDrainEndsStreamsAndLongPolls(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	e.must(http.StatusOK, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"orders-value"}`, "Content-Type: application/json")
	srv := e.srv.(*server.Server)
	ts := httptest.NewServer(srv)
	defer ts.Close()

	// An open stream: its first batch (a keep-alive comment on an empty topic)
	// has arrived, so it is waiting for events.
	resp, err := http.Get(ts.URL + "/v1/topics/orders/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: status %d", resp.StatusCode)
	}
	body := bufio.NewReader(resp.Body)
	if line, err := body.ReadString('\n'); err != nil || !strings.HasPrefix(line, ":") {
		t.Fatalf("first line %q, %v; want a comment", line, err)
	}
	// Long polls, in flight or not yet started when Drain comes: either way
	// they answer with what there is.
	read, recv := make(chan result, 1), make(chan result, 1)
	go func() { read <- e.call("GET", "/v1/topics/orders/events?wait=60s", "") }()
	go func() { recv <- e.call("POST", "/v1/topics/jobs/receive?wait=60s", "") }()

	srv.Drain()

	if rest, err := io.ReadAll(body); err != nil {
		t.Fatalf("stream ended with %v after %q", err, rest)
	}
	wantJSON(t, <-read, `{"events":[],"nextOffset":0}`)
	wantJSON(t, <-recv, `{"messages":[]}`)

	// Publishes and reads go on; long polls no longer wait; new streams are
	// refused.
	e.must(http.StatusOK, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"o-1","amount":1}}]}`, "Content-Type: application/json")
	wantJSON(t, e.must(http.StatusOK, "GET", "/v1/topics/orders/events?wait=60s", ""), `{"nextOffset":1}`, "events")
	wantJSON(t, e.must(http.StatusOK, "POST", "/v1/topics/jobs/receive?wait=60s", "", "Content-Type: application/json"), `{"messages":[]}`)
	wantError(t, e.call("GET", "/v1/topics/orders/stream", ""), http.StatusServiceUnavailable, 50320, "shutting down")
	srv.Drain() // again: nothing happens
}
