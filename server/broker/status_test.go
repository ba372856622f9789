package broker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/broker"
)

func TestTopicGroupsLag(t *testing.T) {
	e := parallelEnv(t)
	ctx := context.Background()
	e.reg.register(t, "s", `{}`)
	e.topic(broker.Topic{Name: "orders", ValueSubject: "s", Retention: broker.Retention{MaxEvents: 4}})
	e.topic(broker.Topic{Name: "other", ValueSubject: "s"})
	e.publish("orders", "0", "1", "2", "3", "4", "5")
	e.publish("other", "0")
	// Retention keeps offsets 2 to 5.
	if _, err := e.b.EnforceRetention(ctx); err != nil {
		t.Fatal(err)
	}
	for group, off := range map[string]int64{"billing": 6, "audit": 4, "late": 1} {
		if err := e.b.CommitOffset(ctx, group, "orders", off); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.b.CommitOffset(ctx, "elsewhere", "other", 0); err != nil {
		t.Fatal(err)
	}
	got, err := e.b.TopicGroups(ctx, "orders")
	if err != nil {
		t.Fatal(err)
	}
	want := []broker.GroupLag{
		{Group: "audit", Offset: 4, Lag: 2},
		{Group: "billing", Offset: 6, Lag: 0},
		{Group: "late", Offset: 1, Lag: 4}, // offsets 0 and 1 were trimmed: only stored events count
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("TopicGroups (-want +got):\n%s", diff)
	}
	if _, err := e.b.TopicGroups(ctx, "missing"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("TopicGroups(missing) = %v, want ErrTopicNotFound", err)
	}
}

func TestQueueDepthCountsVisibleAndInFlight(t *testing.T) {
	t.Parallel()
	e := newQueueEnv(t, broker.Topic{})
	ctx := context.Background()
	e.publish("q", "0", "1", "2", "3", "4")
	recs := e.receive(2, time.Minute)
	got, err := e.b.QueueDepth(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if want := (broker.QueueDepth{Visible: 3, InFlight: 2}); got != want {
		t.Errorf("after receiving 2: %+v, want %+v", got, want)
	}
	if _, err := e.b.Ack(ctx, "q", []broker.AckID{recs[0].AckID}); err != nil {
		t.Fatal(err)
	}
	// The other lease expires: its message is visible again.
	e.clock.Advance(2 * time.Minute)
	got, err = e.b.QueueDepth(ctx, "q")
	if err != nil {
		t.Fatal(err)
	}
	if want := (broker.QueueDepth{Visible: 4, InFlight: 0}); got != want {
		t.Errorf("after one ack and an expired lease: %+v, want %+v", got, want)
	}
	if _, err := e.b.QueueDepth(ctx, "dlq"); !errors.Is(err, broker.ErrWrongKind) {
		t.Errorf("QueueDepth(stream) = %v, want ErrWrongKind", err)
	}
	if groups, err := e.b.TopicGroups(ctx, "q"); err != nil || groups != nil {
		t.Errorf("TopicGroups(queue) = %v, %v; want none", groups, err)
	}
}
