package broker

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Role is what an observed client did with a topic.
type Role int

// Roles.
const (
	// Producer published events to the topic.
	Producer Role = iota
	// Consumer read the topic with a consumer group or received from the queue.
	Consumer
)

// String returns "producer" or "consumer".
func (r Role) String() string {
	switch r {
	case Producer:
		return "producer"
	case Consumer:
		return "consumer"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Role) UnmarshalText(b []byte) error {
	switch string(b) {
	case "producer":
		*r = Producer
	case "consumer":
		*r = Consumer
	default:
		return fmt.Errorf("unknown role %q: want producer or consumer", b)
	}
	return nil
}

// Observation is one client seen producing to or consuming from one topic: the
// catalog's observed edges.
type Observation struct {
	// Topic is the topic.
	Topic string `json:"topic"`
	// Role is Producer or Consumer.
	Role Role `json:"role"`
	// Client is who: the Herald-Client header (for a group read without one, the
	// group name).
	Client string `json:"client"`
	// FirstSeen and LastSeen bound the activity seen.
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// Count is the number of events produced or delivered.
	Count int64 `json:"count"`
}

type obsKey struct {
	topic  string
	role   Role
	client string
}

// observe records activity in memory; it is saved by the background loop.
func (b *Broker) observe(topic string, role Role, client string, n int64, at time.Time) {
	k := obsKey{topic, role, client}
	b.lineageMu.Lock()
	defer b.lineageMu.Unlock()
	o := b.pending[k]
	if o == nil {
		b.pending[k] = &Observation{Topic: topic, Role: role, Client: client, FirstSeen: at, LastSeen: at, Count: n}
		return
	}
	o.Count += n
	if at.After(o.LastSeen) {
		o.LastSeen = at
	}
}

// flushLineage saves pending observations. On failure they are kept for the
// next flush.
func (b *Broker) flushLineage(ctx context.Context) error {
	b.lineageMu.Lock()
	if len(b.pending) == 0 {
		b.lineageMu.Unlock()
		return nil
	}
	batch := make([]Observation, 0, len(b.pending))
	for _, o := range b.pending {
		batch = append(batch, *o)
	}
	b.pending = map[obsKey]*Observation{}
	b.lineageMu.Unlock()
	if err := b.log.SaveObservations(ctx, batch); err != nil {
		for _, o := range batch {
			b.observeMerge(o)
		}
		return fmt.Errorf("save lineage: %w", err)
	}
	return nil
}

func (b *Broker) observeMerge(o Observation) {
	k := obsKey{o.Topic, o.Role, o.Client}
	b.lineageMu.Lock()
	defer b.lineageMu.Unlock()
	p := b.pending[k]
	if p == nil {
		b.pending[k] = &o
		return
	}
	p.Count += o.Count
	if o.FirstSeen.Before(p.FirstSeen) {
		p.FirstSeen = o.FirstSeen
	}
	if o.LastSeen.After(p.LastSeen) {
		p.LastSeen = o.LastSeen
	}
}

// Lineage returns every observed producer and consumer of every topic, ordered
// by topic, role and client: what the broker actually saw, for the catalog to
// show next to the declared edges. A producer is observed from the Herald-Client
// header of each publish (count: events stored); a consumer from each group read
// (Herald-Client, else the group name) or queue receive (Herald-Client; count:
// events delivered). Observations are kept in memory and saved every
// Config.LineageFlush, so a crash may lose the last few seconds of counts, never
// events. Observations of deleted topics are kept as history.
func (b *Broker) Lineage(ctx context.Context) ([]Observation, error) {
	if err := b.flushLineage(ctx); err != nil {
		return nil, err
	}
	obs, err := b.log.Observations(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(obs, func(i, j int) bool {
		a, c := obs[i], obs[j]
		if a.Topic != c.Topic {
			return a.Topic < c.Topic
		}
		if a.Role != c.Role {
			return a.Role < c.Role
		}
		return a.Client < c.Client
	})
	return obs, nil
}

// splitLineage picks one topic's producers and consumers out of obs.
func splitLineage(obs []Observation, topic string) (producers, consumers []Observation) {
	producers, consumers = []Observation{}, []Observation{}
	for _, o := range obs {
		if o.Topic != topic {
			continue
		}
		if o.Role == Producer {
			producers = append(producers, o)
		} else {
			consumers = append(consumers, o)
		}
	}
	return producers, consumers
}
