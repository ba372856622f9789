package broker_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokertest"
)

func TestBrokerReadPositions(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	ctx := context.Background()
	e.publish("t", "0", "1", "2")
	mid := e.clock.Now().Add(time.Second)
	e.clock.Advance(2 * time.Second)
	e.publish("t", "3", "4")

	for _, tc := range []struct {
		name  string
		from  string
		limit int
		want  []int64
		next  int64
	}{
		{"Earliest", "earliest", 0, []int64{0, 1, 2, 3, 4}, 5},
		{"Unset", "", 2, []int64{0, 1}, 2},
		{"Latest", "latest", 0, []int64{}, 5},
		{"Offset", "3", 0, []int64{3, 4}, 5},
		{"OffsetPastEnd", "9", 0, []int64{}, 9},
		{"Time", mid.Format(time.RFC3339Nano), 0, []int64{3, 4}, 5},
		{"TimeBeforeAll", "2000-01-01T00:00:00Z", 1, []int64{0}, 1},
		{"TimeAfterAll", "2100-01-01T00:00:00Z", 0, []int64{}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := broker.ParsePosition(tc.from)
			if err != nil {
				t.Fatal(err)
			}
			rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", From: p, Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if got := brokertest.OffsetsOf(rr.Records); !equal(got, tc.want) || rr.Next != tc.next {
				t.Errorf("Read(from=%s) = %v next %d, want %v next %d", tc.from, got, rr.Next, tc.want, tc.next)
			}
		})
	}
	for _, bad := range []string{"-1", "yesterday", "12abc"} {
		if _, err := broker.ParsePosition(bad); !errors.Is(err, broker.ErrInvalidRequest) {
			t.Errorf("ParsePosition(%q) = %v, want ErrInvalidRequest", bad, err)
		}
	}
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", Limit: broker.MaxReadLimit + 1}); !errors.Is(err, broker.ErrInvalidRequest) {
		t.Errorf("limit too large = %v", err)
	}
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", Limit: 1})
	if err != nil || len(rr.Records) != 1 {
		t.Fatalf("Read(limit 1) = %+v, %v", rr, err)
	}
	if string(rr.Records[0].Value) != "0" || rr.Records[0].SchemaID != 1 || rr.Records[0].Time.IsZero() {
		t.Errorf("record = %+v", rr.Records[0])
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBrokerReadLongPoll(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")

	done := make(chan broker.ReadResult, 1)
	go func() {
		rr, err := e.b.Read(context.Background(), broker.ReadRequest{Topic: "t", From: broker.Position{Kind: broker.Latest}, Wait: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- rr
	}()
	// Publish only once the read waits: the event it returns arrived during
	// the wait, so the read was woken by the publish.
	awaitWaiter(t, e.b)
	e.publish("t", `"late"`)
	select {
	case rr := <-done:
		if len(rr.Records) != 1 || rr.Records[0].Offset != 0 || string(rr.Records[0].Value) != `"late"` || rr.Next != 1 {
			t.Errorf("long poll = %+v; want the event published while it waited", rr)
		}
	case <-time.After(time.Minute):
		t.Fatal("long poll never woke")
	}
}

// awaitWaiter returns once a long poll of b is blocked waiting for events.
func awaitWaiter(t *testing.T, b *broker.Broker) {
	t.Helper()
	deadline := time.Now().Add(time.Minute) // only to fail instead of hanging
	for b.Waiting() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no long poll started waiting")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestBrokerReadWaitTimesOut(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	rr, err := e.b.Read(context.Background(), broker.ReadRequest{Topic: "t", Wait: 10 * time.Millisecond})
	if err != nil || len(rr.Records) != 0 || rr.Next != 0 {
		t.Errorf("Read = %+v, %v; want empty", rr, err)
	}
}

func TestBrokerConsumerGroups(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	e.topic(broker.Topic{Name: "q", ValueSubject: "s", Kind: broker.Queue})
	ctx := context.Background()
	e.publish("t", "0", "1", "2", "3")

	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", Group: "g", Limit: 2})
	if err != nil || !equal(brokertest.OffsetsOf(rr.Records), []int64{0, 1}) {
		t.Fatalf("first group read = %v, %v", brokertest.OffsetsOf(rr.Records), err)
	}
	if err := e.b.CommitOffset(ctx, "g", "t", rr.Next); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	rr, err = e.b.Read(ctx, broker.ReadRequest{Topic: "t", Group: "g"})
	if err != nil || !equal(brokertest.OffsetsOf(rr.Records), []int64{2, 3}) {
		t.Fatalf("group read after commit and restart = %v, %v", brokertest.OffsetsOf(rr.Records), err)
	}
	// An explicit position wins over the committed offset.
	rr, err = e.b.Read(ctx, broker.ReadRequest{Topic: "t", Group: "g", From: broker.Position{Kind: broker.Earliest}, Limit: 1})
	if err != nil || !equal(brokertest.OffsetsOf(rr.Records), []int64{0}) {
		t.Errorf("explicit from with group = %v, %v", brokertest.OffsetsOf(rr.Records), err)
	}
	offs, err := e.b.GroupOffsets(ctx, "g")
	if err != nil || offs["t"] != 2 || len(offs) != 1 {
		t.Errorf("GroupOffsets = %v, %v", offs, err)
	}
	if offs, err := e.b.GroupOffsets(ctx, "new"); err != nil || len(offs) != 0 {
		t.Errorf("unknown group offsets = %v, %v", offs, err)
	}
	for _, tc := range []struct {
		name  string
		err   error
		group string
		topic string
		off   int64
	}{
		{"ErrInvalidRequestPastEnd", broker.ErrInvalidRequest, "g", "t", 5},
		{"ErrInvalidRequestNegative", broker.ErrInvalidRequest, "g", "t", -1},
		{"ErrInvalidRequestGroup", broker.ErrInvalidRequest, "", "t", 0},
		{"ErrTopicNotFound", broker.ErrTopicNotFound, "g", "nope", 0},
		{"ErrWrongKind", broker.ErrWrongKind, "g", "q", 0},
	} {
		if err := e.b.CommitOffset(ctx, tc.group, tc.topic, tc.off); !errors.Is(err, tc.err) {
			t.Errorf("%s: CommitOffset = %v", tc.name, err)
		}
	}
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "q", Group: "g"}); !errors.Is(err, broker.ErrWrongKind) {
		t.Errorf("group read of a queue = %v, want ErrWrongKind", err)
	}
	many := make([]broker.GroupOffset, broker.MaxCommitOffsets+1)
	for i := range many {
		many[i] = broker.GroupOffset{Topic: "t", Offset: 1}
	}
	if err := e.b.CommitOffsets(ctx, "g", many...); !errors.Is(err, broker.ErrInvalidRequest) || !strings.Contains(err.Error(), "at most 1000 per commit") {
		t.Errorf("CommitOffsets of %d offsets = %v, want ErrInvalidRequest", len(many), err)
	}
	if offs, err := e.b.GroupOffsets(ctx, "g"); err != nil || offs["t"] != 2 {
		t.Errorf("after a refused commit: %v, %v; want t still at 2", offs, err)
	}
}

func TestBrokerRetention(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "s", `{}`)
	ctx := context.Background()
	e.topic(broker.Topic{Name: "count", ValueSubject: "s", Retention: broker.Retention{MaxEvents: 3}})
	e.topic(broker.Topic{Name: "age", ValueSubject: "s", Retention: broker.Retention{MaxAge: time.Hour}})
	e.topic(broker.Topic{Name: "bytes", ValueSubject: "s", Retention: broker.Retention{MaxBytes: 25}})
	e.topic(broker.Topic{Name: "forever", ValueSubject: "s"})
	for _, name := range []string{"count", "age", "bytes", "forever"} {
		e.publish(name, `"aaaaaaaa"`, `"bbbbbbbb"`, `"cccccccc"`) // 10 bytes each
	}
	e.clock.Advance(2 * time.Hour)
	for _, name := range []string{"count", "age", "bytes", "forever"} {
		e.publish(name, `"dddddddd"`, `"eeeeeeee"`)
	}
	n, err := e.b.EnforceRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2+3+3 {
		t.Errorf("dropped %d events, want 8", n)
	}
	for name, want := range map[string][]int64{"count": {2, 3, 4}, "age": {3, 4}, "bytes": {3, 4}, "forever": {0, 1, 2, 3, 4}} {
		rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: name})
		if err != nil || !equal(brokertest.OffsetsOf(rr.Records), want) {
			t.Errorf("%s after retention = %v, %v; want %v", name, brokertest.OffsetsOf(rr.Records), err, want)
		}
		info := e.topicInfo(name)
		if info.Events != int64(len(want)) || info.Bytes != int64(10*len(want)) || info.FirstOffset != want[0] || info.NextOffset != 5 {
			t.Errorf("%s stats = %+v", name, info.Stats)
		}
	}
}
