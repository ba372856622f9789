package broker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
