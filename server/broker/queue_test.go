package broker_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokertest"
)

func newQueueEnv(t *testing.T, q broker.Topic) *env {
	e := newEnv(t, nil)
	e.anyTopic("dlq")
	q.Name, q.ValueSubject, q.Kind = "q", "s", broker.Queue
	e.topic(q)
	return e
}

func (e *env) receive(max int, vis time.Duration) []broker.Record {
	e.t.Helper()
	recs, err := e.b.Receive(context.Background(), broker.ReceiveRequest{Topic: "q", Max: max, Visibility: vis})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func TestQueueAckDeletes(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	ctx := context.Background()
	e.publish("q", "0", "1", "2")
	recs := e.receive(2, 0)
	if !equal(brokertest.OffsetsOf(recs), []int64{0, 1}) || recs[0].Deliveries != 1 || recs[0].AckID != (broker.AckID{Offset: 0, Delivery: 1}) {
		t.Fatalf("receive = %+v", recs)
	}
	// Leased messages are invisible to the next receive.
	if got := brokertest.OffsetsOf(e.receive(10, 0)); !equal(got, []int64{2}) {
		t.Errorf("second receive = %v, want [2]", got)
	}
	n, err := e.b.Ack(ctx, "q", []broker.AckID{recs[0].AckID, recs[1].AckID, {Offset: 99, Delivery: 1}})
	if err != nil || n != 2 {
		t.Fatalf("Ack = %d, %v; want 2", n, err)
	}
	if n, err := e.b.Ack(ctx, "q", []broker.AckID{recs[0].AckID}); err != nil || n != 0 {
		t.Errorf("second ack of the same id = %d, want 0 (err %v)", n, err)
	}
	info := e.topicInfo("q")
	if info.Events != 1 || info.FirstOffset != 2 {
		t.Errorf("after ack: %+v", info.Stats)
	}
	// Acked messages never come back, even after their lease would expire.
	e.clock.Advance(time.Hour)
	last := e.receive(10, 0)
	if got := brokertest.OffsetsOf(last); !equal(got, []int64{2}) {
		t.Fatalf("after lease expiry = %v, want [2]", got)
	}
	// An emptied queue never reuses offsets, even after a restart.
	if n, err := e.b.Ack(ctx, "q", []broker.AckID{last[0].AckID}); err != nil || n != 1 {
		t.Fatalf("ack = %d (err %v)", n, err)
	}
	e.reopen()
	if res := e.publish("q", "3"); res[0].Offset != 3 {
		t.Errorf("offset after emptying and restarting = %d, want 3", res[0].Offset)
	}
}

func TestQueueLeaseExpiry(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{Visibility: 10 * time.Second})
	ctx := context.Background()
	e.publish("q", "0")
	first := e.receive(1, 0)
	e.clock.Advance(9 * time.Second)
	if got := e.receive(1, 0); len(got) != 0 {
		t.Fatalf("redelivered before the lease expired: %+v", got)
	}
	e.clock.Advance(2 * time.Second)
	second := e.receive(1, 0)
	if len(second) != 1 || second[0].Deliveries != 2 {
		t.Fatalf("after expiry = %+v, want delivery 2", second)
	}
	// The first consumer's ack is stale now: it must not delete the message the
	// second consumer holds.
	if n, err := e.b.Ack(ctx, "q", []broker.AckID{first[0].AckID}); err != nil || n != 0 {
		t.Errorf("stale ack deleted %d (err %v)", n, err)
	}
	if n, err := e.b.Ack(ctx, "q", []broker.AckID{second[0].AckID}); err != nil || n != 1 {
		t.Errorf("current ack deleted %d (err %v)", n, err)
	}
}

func TestQueueNack(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	ctx := context.Background()
	e.publish("q", "0", "1")
	recs := e.receive(2, 0)
	if n, err := e.b.Nack(ctx, "q", []broker.AckID{recs[0].AckID}, 0); n != 1 || err != nil {
		t.Fatalf("Nack = %d, %v", n, err)
	}
	if n, err := e.b.Nack(ctx, "q", []broker.AckID{recs[1].AckID}, 5*time.Second); n != 1 || err != nil {
		t.Fatalf("Nack with delay = %d, %v", n, err)
	}
	got := e.receive(10, 0)
	if !equal(brokertest.OffsetsOf(got), []int64{0}) || got[0].Deliveries != 2 {
		t.Errorf("after nack = %+v, want offset 0 (delivery 2) only", got)
	}
	e.clock.Advance(6 * time.Second)
	if got := e.receive(10, 0); !equal(brokertest.OffsetsOf(got), []int64{1}) {
		t.Errorf("after the nack delay = %v, want [1]", brokertest.OffsetsOf(got))
	}
	if _, err := e.b.Nack(ctx, "q", nil, -time.Second); !errors.Is(err, broker.ErrInvalidRequest) {
		t.Errorf("negative delay = %v", err)
	}
}

func TestQueueMaxDeliveriesDeadLetter(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{MaxDeliveries: 2, DeadLetterTopic: "dlq"})
	ctx := context.Background()
	e.publish("q", `"poison"`, `"fine"`)
	for d := 1; d <= 2; d++ {
		recs := e.receive(1, 0)
		if len(recs) != 1 || recs[0].Offset != 0 || recs[0].Deliveries != d {
			t.Fatalf("delivery %d = %+v", d, recs)
		}
		if _, err := e.b.Nack(ctx, "q", []broker.AckID{recs[0].AckID}, 0); err != nil {
			t.Fatal(err)
		}
	}
	// The third attempt moves it to the dead-letter topic instead.
	recs := e.receive(1, 0)
	if !equal(brokertest.OffsetsOf(recs), []int64{1}) {
		t.Fatalf("after max deliveries = %v, want [1]", brokertest.OffsetsOf(recs))
	}
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "dlq"})
	if err != nil || len(rr.Records) != 1 {
		t.Fatalf("dlq = %+v, %v", rr, err)
	}
	r := rr.Records[0]
	if string(r.Value) != `"poison"` || r.Headers[broker.HeaderSourceTopic] != "q" || r.Headers[broker.HeaderSourceOffset] != "0" || r.Headers[broker.HeaderDeadLetterReason] == "" {
		t.Errorf("dead letter = %+v", r)
	}
	info := e.topicInfo("q")
	if info.Events != 1 {
		t.Errorf("queue still holds %d events, want 1", info.Events)
	}
}

// receiveAll has a goroutine per broker of bs receive with req(its index),
// acking what it gets, until the topic is empty, and returns every record
// received, in no particular order.
func receiveAll(t *testing.T, bs []*broker.Broker, req func(i int) broker.ReceiveRequest) []broker.Record {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var got []broker.Record
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() {
			r := req(i)
			for {
				recs, err := b.Receive(ctx, r)
				if err != nil {
					t.Error(err)
					return
				}
				if len(recs) == 0 {
					return
				}
				mu.Lock()
				got = append(got, recs...)
				mu.Unlock()
				if k, err := b.Ack(ctx, r.Topic, brokertest.AckIDsOf(recs)); err != nil || k != len(recs) {
					t.Errorf("Ack = %d, %v; want %d", k, err, len(recs))
					return
				}
			}
		})
	}
	wg.Wait()
	return got
}

// TestQueueCompetingConsumers runs consumers in parallel: every message is
// delivered exactly once (leases are long), and none goes to two at once.
func TestQueueCompetingConsumers(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{Visibility: time.Hour})
	const total = 300
	for i := 0; i < total; i += 50 {
		vals := make([]string, 50)
		for j := range vals {
			vals[j] = strconv.Itoa(i + j)
		}
		e.publish("q", vals...)
	}
	consumers := []*broker.Broker{e.b, e.b, e.b, e.b, e.b, e.b}
	got := map[string]int{}
	for _, r := range receiveAll(t, consumers, func(c int) broker.ReceiveRequest {
		return broker.ReceiveRequest{Topic: "q", Max: 7, Client: fmt.Sprintf("c%d", c)}
	}) {
		got[string(r.Value)]++
	}
	if len(got) != total {
		t.Errorf("%d distinct messages delivered, want %d", len(got), total)
	}
	for v, n := range got {
		if n != 1 {
			t.Errorf("message %s delivered %d times", v, n)
		}
	}
	info := e.topicInfo("q")
	if info.Events != 0 || info.Bytes != 0 {
		t.Errorf("queue after acking everything: %+v", info.Stats)
	}
}

func TestQueueReceiveWaits(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	done := make(chan []broker.Record, 1)
	go func() {
		recs, err := e.b.Receive(context.Background(), broker.ReceiveRequest{Topic: "q", Wait: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- recs
	}()
	// Publish only once the receive waits: the message it returns arrived
	// during the wait.
	awaitWaiter(t, e.b)
	e.publish("q", "1")
	select {
	case recs := <-done:
		if len(recs) != 1 || recs[0].Offset != 0 || string(recs[0].Value) != "1" || recs[0].Deliveries != 1 {
			t.Errorf("receive = %+v; want the message published while it waited", recs)
		}
	case <-time.After(time.Minute):
		t.Fatal("receive never woke")
	}
}

func TestQueueWrongKind(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	ctx := context.Background()
	if _, err := e.b.Receive(ctx, broker.ReceiveRequest{Topic: "dlq"}); !errors.Is(err, broker.ErrWrongKind) {
		t.Errorf("receive from a stream = %v", err)
	}
	if _, err := e.b.Ack(ctx, "dlq", nil); !errors.Is(err, broker.ErrWrongKind) {
		t.Errorf("ack on a stream = %v", err)
	}
	if _, err := e.b.Receive(ctx, broker.ReceiveRequest{Topic: "nope"}); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("receive from unknown = %v", err)
	}
}

func TestBrokerAckIDText(t *testing.T) {
	t.Parallel()
	a := broker.AckID{Offset: 42, Delivery: 3}
	got, err := broker.ParseAckID(a.String())
	if err != nil || got != a {
		t.Errorf("round trip = %v, %v", got, err)
	}
	for _, bad := range []string{"", "42", "a-1", "1-0", "-1-1", "1-x"} {
		if _, err := broker.ParseAckID(bad); !errors.Is(err, broker.ErrInvalidRequest) {
			t.Errorf("ParseAckID(%q) = %v", bad, err)
		}
	}
}

func TestQueueAckListCapped(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	ctx := context.Background()
	tooMany := make([]broker.AckID, broker.MaxAckIDs+1)
	for i := range tooMany {
		tooMany[i] = broker.AckID{Offset: int64(i), Delivery: 1}
	}
	for name, call := range map[string]func() (int, error){
		"AckOverLimitIsErrInvalidRequest":  func() (int, error) { return e.b.Ack(ctx, "q", tooMany) },
		"NackOverLimitIsErrInvalidRequest": func() (int, error) { return e.b.Nack(ctx, "q", tooMany, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			n, err := call()
			if !errors.Is(err, broker.ErrInvalidRequest) || n != 0 {
				t.Fatalf("= %d, %v; want 0, ErrInvalidRequest", n, err)
			}
			if want := strconv.Itoa(broker.MaxAckIDs); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name the limit %s", err, want)
			}
		})
	}
	t.Run("AckAtLimitSpanningChunksDeletesEveryMessage", func(t *testing.T) {
		vals := make([]string, 1234) // more than two of the log's ack chunks
		for i := range vals {
			vals[i] = strconv.Itoa(i)
		}
		e.publish("q", vals...)
		recs := e.receive(broker.MaxReadLimit, 0)
		ids := make([]broker.AckID, 0, broker.MaxAckIDs)
		for _, r := range recs {
			ids = append(ids, r.AckID)
		}
		for len(ids) < broker.MaxAckIDs { // unknown ids are skipped
			ids = append(ids, broker.AckID{Offset: int64(len(ids)) + 1<<20, Delivery: 1})
		}
		n, err := e.b.Ack(ctx, "q", ids)
		if err != nil || n != len(vals) {
			t.Fatalf("Ack = %d, %v; want %d", n, err, len(vals))
		}
		info, err := e.b.Topic(ctx, "q")
		if err != nil || info.Events != 0 {
			t.Errorf("after ack: %+v, %v; want no events", info.Stats, err)
		}
	})
}

// TestReceiveVisibilityOverMaxRefused: a receive called on the broker directly
// (not only over HTTP) cannot lease past MaxVisibility.
func TestReceiveVisibilityOverMaxRefused(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	e.publish("q", "0")
	_, err := e.b.Receive(context.Background(), broker.ReceiveRequest{Topic: "q", Max: 1, Visibility: broker.MaxVisibility + time.Second})
	if !errors.Is(err, broker.ErrInvalidRequest) || !strings.Contains(err.Error(), "at most 12h0m0s") {
		t.Fatalf("Receive over MaxVisibility = %v, want ErrInvalidRequest naming the limit", err)
	}
	if recs := e.receive(1, broker.MaxVisibility); len(recs) != 1 {
		t.Fatalf("Receive at MaxVisibility leased %d messages, want 1 (the refused one leased nothing)", len(recs))
	}
}
