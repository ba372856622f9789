package broker_test

import (
	"context"
	"errors"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// pair is two brokers, as two Herald instances, each with its own connection
// to one PostgreSQL Log, validating through one registry.
type pair struct {
	url  string
	reg  *fakeRegistry
	a, b *broker.Broker
}

// newPair opens two shared brokers on a new PostgreSQL database (skipped
// without PostgreSQL, failed under CI=true) and creates topic orders through
// A. The background topic refresh is left at a minute, so a test sees a
// change elsewhere only through a miss or an explicit SyncTopics.
func newPair(t *testing.T) *pair {
	t.Helper()
	url := pgtest.URL(t)
	p := &pair{url: url, reg: newFakeRegistry()}
	p.reg.register(t, "orders-value", orderSchema)
	open := func() *broker.Broker {
		st, err := brokerdb.OpenPostgres(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		b, err := broker.New(context.Background(), broker.Config{Log: st, Validator: p.reg, RetentionInterval: -1,
			Shared: true, TopicRefresh: time.Minute, TailPoll: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Error(err)
			}
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		return b
	}
	p.a, p.b = open(), open()
	put(t, p.a, broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	return p
}

func put(t *testing.T, b *broker.Broker, tp broker.Topic) broker.Topic {
	t.Helper()
	got, err := b.PutTopic(context.Background(), tp)
	if err != nil {
		t.Fatalf("PutTopic(%s): %v", tp.Name, err)
	}
	return got
}

func publishIDs(t *testing.T, b *broker.Broker, topic string, ids ...string) []broker.Result {
	t.Helper()
	evs := make([]broker.Event, len(ids))
	for i, id := range ids {
		evs[i] = broker.Event{ID: id, Value: []byte(order(i))}
	}
	res, err := b.Publish(context.Background(), topic, evs, broker.PublishOptions{Producer: "checkout"})
	if err != nil {
		t.Fatalf("Publish(%s): %v", topic, err)
	}
	return res
}

// TestSharedTopicMissReloads: a topic created on one instance is published to
// and read through the other at once, without waiting for a refresh.
func TestSharedTopicMissReloads(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	if _, err := p.b.TopicConfig("orders"); err != nil {
		t.Fatalf("B TopicConfig right after A created the topic: %v", err)
	}
	res := publishIDs(t, p.b, "orders", "", "")
	if res[0].Offset != 0 || res[1].Offset != 1 {
		t.Fatalf("offsets through B = %d, %d; want 0, 1", res[0].Offset, res[1].Offset)
	}
	rr, err := p.a.Read(ctx, broker.ReadRequest{Topic: "orders", From: broker.Position{Kind: broker.Earliest}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Records) != 2 {
		t.Fatalf("A read %d events published through B; want 2", len(rr.Records))
	}
	// A dead-letter topic created on A can be named in a topic created on B.
	put(t, p.a, broker.Topic{Name: "orders.dlq", ValueSubject: "orders-value"})
	put(t, p.b, broker.Topic{Name: "payments", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "orders.dlq"})
	// Deleting on B a topic only A had loaded works too.
	put(t, p.a, broker.Topic{Name: "scratch", ValueSubject: "orders-value"})
	if err := p.b.DeleteTopic(ctx, "scratch"); err != nil {
		t.Fatalf("B DeleteTopic of a topic A created: %v", err)
	}
	// An unknown topic stays unknown after the reload.
	if _, err := p.b.TopicConfig("nope"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("TopicConfig(nope) = %v; want ErrTopicNotFound", err)
	}
}

// TestSharedTopicChangesAndDeletes: a refresh brings a configuration change
// and a delete made on the other instance; readers waiting on a deleted topic
// stop waiting.
func TestSharedTopicChangesAndDeletes(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	if _, err := p.b.TopicConfig("orders"); err != nil {
		t.Fatal(err)
	}
	changed := put(t, p.a, broker.Topic{Name: "orders", ValueSubject: "orders-value", Retention: broker.Retention{MaxEvents: 5}})
	if got, _ := p.b.TopicConfig("orders"); got.Retention.MaxEvents != 0 {
		t.Fatalf("B saw the change before any refresh: %+v", got.Retention)
	}
	if err := p.b.SyncTopics(); err != nil {
		t.Fatal(err)
	}
	got, err := p.b.TopicConfig("orders")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(changed, got); diff != "" {
		t.Fatalf("B's topic after a refresh (-A's +B's):\n%s", diff)
	}

	done := make(chan error, 1)
	go func() {
		_, err := p.b.Read(ctx, broker.ReadRequest{Topic: "orders", From: broker.Position{Kind: broker.Latest}, Wait: time.Minute})
		done <- err
	}()
	awaitWaiter(t, p.b)
	if err := p.a.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if err := p.b.SyncTopics(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("B's long poll on a topic A deleted = %v; want ErrTopicNotFound", err)
	}
	if _, err := p.b.Publish(ctx, "orders", []broker.Event{{Value: []byte(order(1))}}, broker.PublishOptions{}); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("B publish to a topic A deleted = %v; want ErrTopicNotFound", err)
	}
}

// TestSharedDedup: an event id published through one instance is a duplicate
// through the other, with the first copy's offset, and a topic deleted and
// made again elsewhere does not keep the old incarnation's ids.
func TestSharedDedup(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	first := publishIDs(t, p.a, "orders", "x", "y")
	again := publishIDs(t, p.b, "orders", "z", "x", "y")
	want := []broker.Result{{Offset: 2}, {Offset: first[0].Offset, Duplicate: true}, {Offset: first[1].Offset, Duplicate: true}}
	if diff := cmp.Diff(want, again); diff != "" {
		t.Fatalf("B's results for ids A stored (-want +got):\n%s", diff)
	}
	// And back: z, stored through B, is a duplicate through A.
	if res := publishIDs(t, p.a, "orders", "z"); !res[0].Duplicate || res[0].Offset != 2 {
		t.Fatalf("A's result for the id B stored = %+v; want a duplicate of offset 2", res[0])
	}
	st, err := p.a.Topic(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 3 {
		t.Fatalf("topic holds %d events; want 3 (no duplicate stored)", st.Events)
	}

	// B deletes and recreates; A, which knew x at offset 0, must not call a
	// new x a duplicate once it reloaded the topics.
	if err := p.b.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	put(t, p.b, broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	if err := p.a.SyncTopics(); err != nil {
		t.Fatal(err)
	}
	res := publishIDs(t, p.a, "orders", "x")
	if res[0].Duplicate {
		t.Fatalf("x after the topic was deleted and made again = %+v; want a new event", res[0])
	}
}

// TestSharedTail: a long poll on one instance returns an event published
// through the other, which wakes nothing here: the poll reads the Log again.
func TestSharedTail(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	type answer struct {
		rr  broker.ReadResult
		err error
	}
	done := make(chan answer, 1)
	go func() {
		rr, err := p.b.Read(ctx, broker.ReadRequest{Topic: "orders", From: broker.Position{Kind: broker.Latest}, Wait: time.Minute})
		done <- answer{rr, err}
	}()
	awaitWaiter(t, p.b)
	publishIDs(t, p.a, "orders", "e1")
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	if len(got.rr.Records) != 1 || got.rr.Records[0].ID != "e1" {
		t.Fatalf("B's long poll returned %+v; want the event A published", got.rr.Records)
	}
}

// TestSharedLineageAndQueue: lineage observed on one instance is reported by
// the other, and queue messages published through one and received
// concurrently through both are each delivered once.
func TestSharedLineageAndQueue(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	put(t, p.a, broker.Topic{Name: "work", Kind: broker.Queue, ValueSubject: "orders-value"})
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	publishIDs(t, p.a, "work", ids...)
	if _, err := p.a.Lineage(ctx); err != nil { // saves A's observations
		t.Fatal(err)
	}
	info, err := p.b.Topic(ctx, "work")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Producers) != 1 || info.Producers[0].Client != "checkout" || info.Producers[0].Count != n {
		t.Fatalf("B's observed producers = %+v; want checkout with %d events", info.Producers, n)
	}

	var got []string
	for _, r := range receiveAll(t, []*broker.Broker{p.a, p.b, p.a, p.b}, func(int) broker.ReceiveRequest {
		return broker.ReceiveRequest{Topic: "work", Max: 3}
	}) {
		got = append(got, r.ID)
	}
	sort.Strings(got)
	want := append([]string(nil), ids...)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("messages received through both instances (-want +got):\n%s", diff)
	}
}

// countingLog counts the full reloads (Topics) a broker asks its Log for.
type countingLog struct {
	broker.Log
	topics atomic.Int64
}

func (l *countingLog) Topics(ctx context.Context) ([]broker.TopicInfo, error) {
	l.topics.Add(1)
	return l.Log.Topics(ctx)
}

// TestSharedUnknownTopicCostsNoReload: names nobody created are answered
// with one lookup each, never a reload of every topic; a stale PutTopic
// still writes (it reloads first), so B cannot skip a change A's change made
// necessary.
func TestSharedUnknownTopicCostsNoReload(t *testing.T) {
	t.Parallel()
	p := newPair(t)
	ctx := context.Background()
	st, err := brokerdb.OpenPostgres(ctx, p.url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }() // the broker is closed first
	cl := &countingLog{Log: st}
	c, err := broker.New(ctx, broker.Config{Log: cl, Validator: p.reg, RetentionInterval: -1, Shared: true, TopicRefresh: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }() // nothing pending
	before := cl.topics.Load()
	for range 20 {
		if _, err := c.TopicConfig("nobody-made-me"); !errors.Is(err, broker.ErrTopicNotFound) {
			t.Fatalf("TopicConfig(nobody-made-me) = %v; want ErrTopicNotFound", err)
		}
	}
	if n := cl.topics.Load() - before; n != 0 {
		t.Fatalf("20 lookups of an unknown topic reloaded the topics %d times; want 0", n)
	}
	put(t, p.a, broker.Topic{Name: "fresh", ValueSubject: "orders-value"})
	if _, err := c.TopicConfig("fresh"); err != nil {
		t.Fatalf("a topic A just created: %v", err)
	}
	if n := cl.topics.Load() - before; n != 1 {
		t.Fatalf("finding a new topic reloaded the topics %d times; want 1", n)
	}

	// B has orders with no retention; A sets one; B puts the old definition
	// back, which must reach the Log rather than match B's stale copy.
	old, err := p.b.TopicConfig("orders")
	if err != nil {
		t.Fatal(err)
	}
	put(t, p.a, broker.Topic{Name: "orders", ValueSubject: "orders-value", Retention: broker.Retention{MaxEvents: 5}})
	put(t, p.b, broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	if err := p.a.SyncTopics(); err != nil {
		t.Fatal(err)
	}
	got, err := p.a.TopicConfig("orders")
	if err != nil {
		t.Fatal(err)
	}
	if got.Retention != old.Retention {
		t.Fatalf("orders' retention after B put it back = %+v; want %+v", got.Retention, old.Retention)
	}
}
