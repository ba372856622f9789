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

func TestBrokerReadFromTimesOutsideTheLog(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	e.publish("t", "0", "1", "2")
	ctx := context.Background()
	for _, tc := range []struct {
		name, from string
		want       []int64
	}{
		// Past 2262 a time no longer fits Unix nanoseconds: 9999 wrapped and
		// read from offset 0.
		{"AfterYear2262ReturnsNothing", "9999-12-31T23:59:59Z", []int64{}},
		{"JustAfterYear2262ReturnsNothing", "2262-04-12T00:00:00Z", []int64{}},
		{"BeforeYear1678ReturnsAll", "0001-01-01T00:00:00Z", []int64{0, 1, 2}},
		{"JustBeforeYear1678ReturnsAll", "1677-09-21T00:00:00Z", []int64{0, 1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := broker.ParsePosition(tc.from)
			if err != nil {
				t.Fatal(err)
			}
			rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", From: p})
			if err != nil {
				t.Fatal(err)
			}
			if got := brokertest.OffsetsOf(rr.Records); !equal(got, tc.want) || rr.Next != 3 {
				t.Errorf("Read(from=%s) = %v next %d, want %v next 3", tc.from, got, rr.Next, tc.want)
			}
		})
	}
}

// TestBrokerReadFromFutureTimeWaitsForIt long-polls from a time to come: an
// event published before that time wakes the read but is not returned; the
// read waits on and returns the first event at or after the time.
func TestBrokerReadFromFutureTimeWaitsForIt(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	at := e.clock.Now().Add(time.Hour)
	done := make(chan broker.ReadResult, 1)
	go func() {
		rr, err := e.b.Read(context.Background(), broker.ReadRequest{Topic: "t", From: broker.Position{Kind: broker.AtTime, Time: at}, Wait: time.Minute})
		if err != nil {
			t.Error(err)
		}
		done <- rr
	}()
	awaitWaiter(t, e.b)
	e.publish("t", `"early"`)
	e.clock.Advance(2 * time.Hour)
	e.publish("t", `"late"`)
	select {
	case rr := <-done:
		if len(rr.Records) != 1 || string(rr.Records[0].Value) != `"late"` || rr.Next != 2 {
			t.Errorf("read from %s = %+v; want only the event published after it", at, rr)
		}
	case <-time.After(time.Minute):
		t.Fatal("long poll never returned")
	}
}

func TestBrokerTopicBounds(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("dlq")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		topic broker.Topic
		msg   string
	}{
		{"AcceptedVisibilityAtMax", broker.Topic{Kind: broker.Queue, Visibility: broker.MaxVisibility}, ""},
		{"ErrInvalidTopicVisibilityOverMax", broker.Topic{Kind: broker.Queue, Visibility: broker.MaxVisibility + time.Nanosecond}, "at most 12h0m0s"},
		{"ErrInvalidTopicVisibility114Years", broker.Topic{Kind: broker.Queue, Visibility: 999999 * time.Hour}, "at most 12h0m0s"},
		{"ErrInvalidTopicFirstVersionOverInt32", broker.Topic{FirstVersion: 1 << 31}, "at most 2147483647"},
		{"ErrInvalidTopicLastVersionOverInt32", broker.Topic{LastVersion: 1 << 40}, "at most 2147483647"},
		{"ErrInvalidTopicMaxDeliveriesOverInt32", broker.Topic{Kind: broker.Queue, DeadLetterTopic: "dlq", MaxDeliveries: 1 << 31}, "maxDeliveries"},
		{"AcceptedMaxDeliveriesAtMax", broker.Topic{Kind: broker.Queue, DeadLetterTopic: "dlq", MaxDeliveries: 1<<31 - 1}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := tc.topic
			tp.Name, tp.ValueSubject = "x", "s"
			_, err := e.b.PutTopic(ctx, tp)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("PutTopic = %v", err)
				}
				return
			}
			if !errors.Is(err, broker.ErrInvalidTopic) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("PutTopic = %v, want ErrInvalidTopic containing %q", err, tc.msg)
			}
		})
	}
}

func TestValidGroupName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, group string
		want        bool
	}{
		{"Accepted", "billing", true},
		{"AcceptedUnicode", "facturación-請求", true},
		{"AcceptedAt255Bytes", strings.Repeat("g", 255), true},
		{"RefusedEmpty", "", false},
		{"RefusedOver255Bytes", strings.Repeat("g", 256), false},
		{"RefusedInvalidUTF8", "g\xff", false},
		{"RefusedTruncatedRune", "g\xe2\x82", false},
		{"RefusedControl", "g\x00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := broker.ValidGroupName(tc.group); got != tc.want {
				t.Errorf("ValidGroupName(%q) = %v, want %v", tc.group, got, tc.want)
			}
		})
	}
}
