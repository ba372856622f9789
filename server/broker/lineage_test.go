package broker_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/server/broker"
)

// clients lists the clients of obs with role on topic, in order.
func clients(obs []broker.Observation, topic string, role broker.Role) []string {
	out := []string{}
	for _, o := range obs {
		if o.Topic == topic && o.Role == role {
			out = append(out, o.Client)
		}
	}
	return out
}

// TestBrokerLineageBounded checks that client names taken from requests cannot
// grow the stored lineage without bound: each topic and role keeps the most
// recently seen Config.MaxObservations clients, and clients not seen for
// Config.ObservationTTL are dropped.
func TestBrokerLineageBounded(t *testing.T) {
	t.Parallel()
	// No background flush: the test decides when pending observations are saved.
	e := newEnv(t, func(c *broker.Config) { c.MaxObservations, c.LineageFlush = 3, time.Hour })
	e.anyTopic("s1")
	ctx := context.Background()
	if _, err := e.b.Publish(ctx, "s1", []broker.Event{{Value: []byte(`1`)}}, broker.PublishOptions{Producer: "orders-svc"}); err != nil {
		t.Fatal(err)
	}
	read := func(groups ...string) {
		t.Helper()
		for _, g := range groups {
			e.clock.Advance(time.Minute)
			if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s1", Group: g}); err != nil {
				t.Fatal(err)
			}
		}
	}
	lineage := func() []broker.Observation {
		t.Helper()
		obs, err := e.b.Lineage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return obs
	}
	t.Run("PendingClientsCappedBetweenFlushes", func(t *testing.T) {
		read("g0", "g1", "g2", "g3", "g4")
		obs := lineage()
		if got := fmt.Sprint(clients(obs, "s1", broker.Consumer)); got != "[g0 g1 g2]" {
			t.Errorf("consumers = %s, want [g0 g1 g2]", got)
		}
	})
	t.Run("StoredClientsKeepMostRecentPerRole", func(t *testing.T) {
		read("g3", "g4", "g5")
		obs := lineage()
		if got := fmt.Sprint(clients(obs, "s1", broker.Consumer)); got != "[g3 g4 g5]" {
			t.Errorf("consumers = %s, want [g3 g4 g5]", got)
		}
		if got := fmt.Sprint(clients(obs, "s1", broker.Producer)); got != "[orders-svc]" {
			t.Errorf("producers = %s, want [orders-svc]: consumers must not evict producers", got)
		}
	})
	t.Run("ClientsNotSeenForTTLExpire", func(t *testing.T) {
		e.clock.Advance(31 * 24 * time.Hour)
		read("fresh")
		obs := lineage()
		if got := fmt.Sprint(clients(obs, "s1", broker.Consumer)); got != "[fresh]" {
			t.Errorf("consumers = %s, want [fresh]", got)
		}
		if got := clients(obs, "s1", broker.Producer); len(got) != 0 {
			t.Errorf("producers = %v, want none (last seen 31 days ago)", got)
		}
	})
}

// TestBrokerLineageKeptWithoutTTL checks that a negative ObservationTTL keeps
// old observations.
func TestBrokerLineageKeptWithoutTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *broker.Config) { c.ObservationTTL = -1 })
	e.anyTopic("s1")
	ctx := context.Background()
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s1", Group: "old"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Lineage(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(365 * 24 * time.Hour)
	obs, err := e.b.Lineage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(clients(obs, "s1", broker.Consumer)); got != "[old]" {
		t.Errorf("consumers = %s, want [old]", got)
	}
}

// TestProducerConformance checks that a producer's refused events are
// counted beside its accepted ones, whether the topic refuses a bad batch or
// dead-letters its bad events, and that they survive a reopen.
func TestProducerConformance(t *testing.T) {
	e := parallelEnv(t)
	ctx := context.Background()
	e.reg.register(t, "orders-value", orderSchema)
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	e.topic(broker.Topic{Name: "orders-dlq", ValueSubject: "orders-value"})
	e.topic(broker.Topic{Name: "orders-lenient", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "orders-dlq"})
	good, bad := broker.Event{Value: []byte(order(1))}, broker.Event{Value: []byte(`{"id":1}`)}
	pub := func(topic, producer string, events ...broker.Event) error {
		_, err := e.b.Publish(ctx, topic, events, broker.PublishOptions{Producer: producer})
		return err
	}
	if err := pub("orders", "shop", good, good, good); err != nil {
		t.Fatal(err)
	}
	// A refused batch: its one bad event counts once, its good one not at all.
	if err := pub("orders", "shop", good, bad); !errors.Is(err, broker.ErrInvalidEvent) {
		t.Fatalf("bad batch: %v, want ErrInvalidEvent", err)
	}
	if err := pub("orders", "legacy", bad, bad); !errors.Is(err, broker.ErrInvalidEvent) {
		t.Fatalf("bad batch: %v, want ErrInvalidEvent", err)
	}
	// Dead-lettered events count as refused, the stored one as accepted.
	if err := pub("orders-lenient", "shop", good, bad); err != nil {
		t.Fatal(err)
	}
	if err := pub("orders-lenient", "legacy", bad); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	obs, err := e.b.Lineage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []broker.Observation{
		{Topic: "orders", Role: broker.Producer, Client: "legacy", Count: 0, Refused: 2},
		{Topic: "orders", Role: broker.Producer, Client: "shop", Count: 3, Refused: 1},
		{Topic: "orders-lenient", Role: broker.Producer, Client: "legacy", Count: 0, Refused: 1},
		{Topic: "orders-lenient", Role: broker.Producer, Client: "shop", Count: 1, Refused: 1},
	}
	if diff := cmp.Diff(want, obs, cmpopts.IgnoreFields(broker.Observation{}, "FirstSeen", "LastSeen"), cmpopts.SortSlices(func(a, b broker.Observation) bool {
		return a.Topic+a.Client < b.Topic+b.Client
	})); diff != "" {
		t.Errorf("producers (-want +got):\n%s", diff)
	}
}
