package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// startServer runs a real Herald server (registry and broker, each on SQLite in
// a temp dir) behind httptest and returns its URL.
func startServer(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	store, err := registrydb.Open(context.Background(), filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(store, registry.ServiceConfig{Formats: formats.All()})
	if err != nil {
		t.Fatal(err)
	}
	log, err := brokerdb.Open(context.Background(), filepath.Join(dir, "broker.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	brk, err := broker.New(context.Background(), broker.Config{Log: log, Validator: server.NewValidator(reg), RetentionInterval: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: quiet, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		if err := brk.Close(); err != nil {
			t.Error(err)
		}
		if err := log.Close(); err != nil {
			t.Error(err)
		}
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	return hs.URL
}

// counter is a RoundTripper that counts requests by "METHOD path".
type counter struct {
	mu   sync.Mutex
	seen []string
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.seen = append(c.seen, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// count returns how many requests matched method and a path prefix.
func (c *counter) count(method, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.seen {
		if strings.HasPrefix(s, method+" "+prefix) {
			n++
		}
	}
	return n
}

// env is a server and a client counting its requests.
type env struct {
	url string
	c   *client.Client
	rt  *counter
}

func newEnv(t testing.TB, opts ...client.Opt) *env {
	t.Helper()
	url := startServer(t)
	rt := &counter{}
	c, err := client.New(url, append([]client.Opt{client.HTTPClient(&http.Client{Transport: rt}), client.ClientName("client-test")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return &env{url: url, c: c, rt: rt}
}

// register registers a schema and fails the test on error.
func (e *env) register(t testing.TB, subject string, s client.Schema) int {
	t.Helper()
	id, err := e.c.Register(context.Background(), subject, s, false)
	if err != nil {
		t.Fatalf("register %s: %v", subject, err)
	}
	return id
}

// putTopic creates a topic with a raw JSON configuration.
func (e *env) putTopic(t testing.TB, name, body string) {
	t.Helper()
	e.put(t, "/v1/topics/"+name, body)
}

// put sends a JSON body with PUT (not through the counted client) and fails
// the test unless the server answers 200.
func (e *env) put(t testing.TB, path, body string) {
	t.Helper()
	req, err := http.NewRequest("PUT", e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT %s: %s", path, resp.Status)
	}
}

const (
	orderJSON  = `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"number"}},"required":["id","amount"]}`
	orderAvro  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}`
	moneyProto = "syntax = \"proto3\";\npackage acme.money;\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n"
	orderProto = "syntax = \"proto3\";\npackage acme;\nimport \"acme/money.proto\";\nmessage Order {\n  string id = 1;\n  acme.money.Money total = 2;\n  message Line {\n    string sku = 1;\n  }\n}\nmessage Refund {\n  string order_id = 1;\n}\n"
)

// must returns v, or fails t on err: for a call whose error ends the test.
func must[T any](t testing.TB, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// producer returns a producer for topic, failing t if there is none.
func (e *env) producer(t testing.TB, topic string, opts ...client.ProducerOpt) *client.Producer {
	t.Helper()
	p, err := e.c.NewProducer(context.Background(), topic, opts...)
	return must(t, p, err)
}

// consumer returns a consumer of topic, failing t if there is none.
func (e *env) consumer(t testing.TB, topic string, opts ...client.ConsumerOpt) *client.Consumer {
	t.Helper()
	cs, err := e.c.NewConsumer(context.Background(), topic, opts...)
	return must(t, cs, err)
}

// orderTopic registers orderJSON under subject, creates topic with the
// config body (which names subject) and returns a producer for it.
func (e *env) orderTopic(t testing.TB, subject, topic, config string) *client.Producer {
	t.Helper()
	e.register(t, subject, client.Schema{Type: compat.JSON, Text: orderJSON})
	e.putTopic(t, topic, config)
	return e.producer(t, topic)
}
