package broker_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/internal/fakeclock"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// fakeRegistry is an in-memory broker.Validator: subjects with versions of real
// JSON Schemas (compat/jsonschema), or any compat.Schema.
type fakeRegistry struct {
	mu       sync.Mutex
	subjects map[string][]broker.SchemaVersion
	schemas  map[int]compat.Schema
	next     int
	calls    int // Versions calls, to check caching
}

func newFakeRegistry() *fakeRegistry {
	return &fakeRegistry{subjects: map[string][]broker.SchemaVersion{}, schemas: map[int]compat.Schema{}, next: 1}
}

// register adds a JSON Schema as the next version of subject and returns its id.
func (f *fakeRegistry) register(t testing.TB, subject, text string) int {
	t.Helper()
	s, err := jsonschema.New().Parse(text, nil)
	if err != nil {
		t.Fatalf("parse schema: %v", err)
	}
	return f.add(subject, s)
}

func (f *fakeRegistry) add(subject string, s compat.Schema) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.next
	f.next++
	f.schemas[id] = s
	vs := f.subjects[subject]
	f.subjects[subject] = append(vs, broker.SchemaVersion{Version: len(vs) + 1, ID: id})
	return id
}

// versionCalls returns how many times Versions was called.
func (f *fakeRegistry) versionCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeRegistry) Versions(ctx context.Context, subject string) ([]broker.SchemaVersion, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	vs, ok := f.subjects[subject]
	if !ok {
		return nil, fmt.Errorf("fake: %w: %s", broker.ErrSubjectNotFound, subject)
	}
	return append([]broker.SchemaVersion(nil), vs...), nil
}

func (f *fakeRegistry) Schema(ctx context.Context, subject string, id int) (compat.Schema, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.schemas[id]
	if !ok {
		return nil, fmt.Errorf("fake: %w: %d", broker.ErrSchemaNotFound, id)
	}
	return s, nil
}

// clock is a settable clock for leases, retention and dedup windows.
type clock = fakeclock.Clock

func newClock() *clock { return fakeclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

// env is a broker on a real SQLite log in a temp dir.
type env struct {
	t     testing.TB
	reg   *fakeRegistry
	clock *clock
	path  string
	store *brokerdb.Store
	b     *broker.Broker
	cfg   broker.Config
}

const orderSchema = `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"number"}},"required":["id","amount"]}`

// parallelEnv is the prologue of most broker tests: it marks t parallel and
// returns an env with the default configuration.
func parallelEnv(t *testing.T) *env {
	t.Parallel()
	return newEnv(t, nil)
}

func newEnv(t testing.TB, mod func(*broker.Config)) *env {
	t.Helper()
	e := &env{t: t, reg: newFakeRegistry(), clock: newClock(), path: filepath.Join(t.TempDir(), "broker.db")}
	e.cfg = broker.Config{Validator: e.reg, Now: e.clock.Now, RetentionInterval: -1}
	if mod != nil {
		mod(&e.cfg)
	}
	e.open()
	t.Cleanup(e.close)
	return e
}

func (e *env) open() {
	e.t.Helper()
	st, err := brokerdb.Open(context.Background(), e.path, brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		e.t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Log = st
	b, err := broker.New(context.Background(), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store, e.b = st, b
}

func (e *env) close() {
	if e.b != nil {
		if err := e.b.Close(); err != nil {
			e.t.Error(err)
		}
		if err := e.store.Close(); err != nil {
			e.t.Error(err)
		}
		e.b, e.store = nil, nil
	}
}

func (e *env) reopen() {
	e.close()
	e.open()
}

// anyTopic registers subject "s" with the schema {} (any JSON value) and
// creates the stream topic name bound to it: the setup of tests about reading
// and positions, where the contract does not matter.
func (e *env) anyTopic(name string) broker.Topic {
	e.t.Helper()
	e.reg.register(e.t, "s", `{}`)
	return e.topic(broker.Topic{Name: name, ValueSubject: "s"})
}

func (e *env) topic(t broker.Topic) broker.Topic {
	e.t.Helper()
	got, err := e.b.PutTopic(context.Background(), t)
	if err != nil {
		e.t.Fatalf("PutTopic(%s): %v", t.Name, err)
	}
	return got
}

// topicInfo returns the broker's view of topic name, failing the test on an
// error.
func (e *env) topicInfo(name string) broker.TopicInfo {
	e.t.Helper()
	info, err := e.b.Topic(context.Background(), name)
	if err != nil {
		e.t.Fatal(err)
	}
	return info
}

func (e *env) publish(topic string, values ...string) []broker.Result {
	e.t.Helper()
	evs := make([]broker.Event, len(values))
	for i, v := range values {
		evs[i] = broker.Event{Value: []byte(v)}
	}
	res, err := e.b.Publish(context.Background(), topic, evs, broker.PublishOptions{})
	if err != nil {
		e.t.Fatalf("Publish(%s): %v", topic, err)
	}
	return res
}

func order(i int) string { return fmt.Sprintf(`{"id":"o-%d","amount":%d}`, i, i) }
