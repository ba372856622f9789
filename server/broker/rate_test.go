package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
)

// last returns the newest n points of topic's rates.
func last(e *env, topic string, n int) []broker.RatePoint {
	e.t.Helper()
	pts := e.b.Rates(topic)
	if len(pts) != broker.RateMinutes {
		e.t.Fatalf("Rates(%s) has %d points, want %d", topic, len(pts), broker.RateMinutes)
	}
	return pts[len(pts)-n:]
}

func counts(p broker.RatePoint) [3]int64 { return [3]int64{p.Accepted, p.Refused, p.DeadLettered} }

// TestRates checks the per-minute publish counts on an injected clock:
// accepted, refused and dead-lettered events land in the current minute, a
// minute later they move one point back, and past the hour they are gone.
func TestRates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	e.reg.register(t, "orders-value", orderSchema)
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	e.topic(broker.Topic{Name: "orders.dlq", ValueSubject: "orders-value"})
	e.topic(broker.Topic{Name: "payments", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "orders.dlq"})
	bad := broker.Event{Value: []byte(`{"id":"x"}`)}

	if pts := last(e, "orders", broker.RateMinutes); pts[0].Accepted+pts[59].Accepted != 0 {
		t.Fatalf("a topic without publishes has counts: %v", pts)
	}
	e.publish("orders", order(1), order(2))
	if _, err := e.b.Publish(ctx, "orders", []broker.Event{{Value: []byte(order(3))}, bad, bad}, broker.PublishOptions{}); err == nil {
		t.Fatal("an invalid batch was accepted")
	}
	if _, err := e.b.Publish(ctx, "payments", []broker.Event{{Value: []byte(order(4))}, bad}, broker.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now().UTC().Truncate(time.Minute)
	p := last(e, "orders", 1)[0]
	if !p.Minute.Equal(now) || counts(p) != [3]int64{2, 3, 0} {
		t.Errorf("orders this minute = %v %v, want %v [2 3 0] (the refused batch counts all 3 events)", p.Minute, counts(p), now)
	}
	if p := last(e, "payments", 1)[0]; counts(p) != [3]int64{1, 0, 1} {
		t.Errorf("payments this minute = %v, want [1 0 1]", counts(p))
	}

	e.clock.Advance(time.Minute)
	e.publish("orders", order(5))
	pts := last(e, "orders", 2)
	if counts(pts[0]) != [3]int64{2, 3, 0} || counts(pts[1]) != [3]int64{1, 0, 0} {
		t.Errorf("after a minute: %v %v, want [2 3 0] [1 0 0]", counts(pts[0]), counts(pts[1]))
	}
	if !pts[1].Minute.Equal(now.Add(time.Minute)) {
		t.Errorf("newest point is %v, want %v", pts[1].Minute, now.Add(time.Minute))
	}

	// An hour later the same slots count new minutes: the old counts are gone,
	// not added to.
	e.clock.Advance(time.Hour)
	for _, p := range e.b.Rates("orders") {
		if counts(p) != [3]int64{} {
			t.Fatalf("an hour later %v still counts %v", p.Minute, counts(p))
		}
	}
	e.publish("orders", order(6))
	if p := last(e, "orders", 1)[0]; counts(p) != [3]int64{1, 0, 0} {
		t.Errorf("a reused slot counts %v, want [1 0 0]", counts(p))
	}

	// A deleted topic made again starts from zero.
	if err := e.b.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	if p := last(e, "orders", 1)[0]; counts(p) != [3]int64{} {
		t.Errorf("a new topic of an old name counts %v", counts(p))
	}
}
