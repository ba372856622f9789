package broker

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/heraldhq/herald/internal/enum"
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

// roleText spells the roles; an observation always has one, so "" is refused.
var roleText = enum.Text[Role]{
	Type:    "Role",
	Names:   []string{Producer: "producer", Consumer: "consumer"},
	Unknown: func(s string) error { return fmt.Errorf("unknown role %q: want producer or consumer", s) },
}

// String returns "producer" or "consumer".
func (r Role) String() string { return roleText.String(r) }

// MarshalText implements encoding.TextMarshaler.
func (r Role) MarshalText() ([]byte, error) { return roleText.Marshal(r) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Role) UnmarshalText(b []byte) error { return roleText.Unmarshal(r, b) }

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
	// Count is the number of events produced (accepted) or delivered.
	Count int64 `json:"count"`
	// Refused (producers) is the number of events the producer sent that
	// broke the topic's contract: refused, or dead-lettered. Count and
	// Refused together give its conformance rate.
	Refused int64 `json:"refused"`
}

type obsKey struct {
	topic  string
	role   Role
	client string
}

// topicRole is what Config.MaxObservations counts per.
type topicRole struct {
	topic string
	role  Role
}

// expireEvery is how often, at most, observations older than
// Config.ObservationTTL are dropped.
const expireEvery = time.Hour

// observe records activity in memory; it is saved by the background loop. A
// topic and role already holding Config.MaxObservations pending clients takes
// no new ones until the next flush: the stored rows are capped to that many
// anyway, so memory between flushes stays bounded too.
func (b *Broker) observe(topic string, role Role, client string, n, refused int64, at time.Time) {
	k := obsKey{topic, role, client}
	b.lineageMu.Lock()
	defer b.lineageMu.Unlock()
	o := b.pending[k]
	if o == nil {
		tr := topicRole{topic, role}
		if b.pendingPer[tr] >= b.cfg.MaxObservations {
			return
		}
		b.pendingPer[tr]++
		b.pending[k] = &Observation{Topic: topic, Role: role, Client: client, FirstSeen: at, LastSeen: at, Count: n, Refused: refused}
		return
	}
	o.Count += n
	o.Refused += refused
	if at.After(o.LastSeen) {
		o.LastSeen = at
	}
}

// observeRefused records that producer sent a refused publish with events
// bad events.
func (b *Broker) observeRefused(topic, producer string, events int) {
	if producer == "" {
		return
	}
	b.observe(topic, Producer, producer, 0, int64(events), b.now().UTC())
}

// flushLineage saves pending observations, then keeps only the
// Config.MaxObservations most recently seen clients of each topic and role it
// saved, and (at most every expireEvery) drops those not seen for
// Config.ObservationTTL. On failure to save, the observations are kept for the
// next flush.
func (b *Broker) flushLineage(ctx context.Context) error {
	now := b.now().UTC()
	b.lineageMu.Lock()
	expire := b.cfg.ObservationTTL > 0 && now.Sub(b.lastExpire) >= expireEvery
	if expire {
		b.lastExpire = now
	}
	batch := make([]Observation, 0, len(b.pending))
	topics := map[string]bool{}
	for _, o := range b.pending {
		batch = append(batch, *o)
		topics[o.Topic] = true
	}
	b.pending = map[obsKey]*Observation{}
	clear(b.pendingPer)
	b.lineageMu.Unlock()
	prune := ObservationPrune{Keep: b.cfg.MaxObservations}
	if len(batch) > 0 {
		if err := b.log.SaveObservations(ctx, batch); err != nil {
			for _, o := range batch {
				b.observeMerge(o)
			}
			return fmt.Errorf("save lineage: %w", err)
		}
		prune.Topics = make([]string, 0, len(topics))
		for t := range topics {
			prune.Topics = append(prune.Topics, t)
		}
		sort.Strings(prune.Topics)
	}
	if expire {
		prune.Before = now.Add(-b.cfg.ObservationTTL)
	}
	if len(prune.Topics) == 0 && prune.Before.IsZero() {
		return nil
	}
	if _, err := b.log.PruneObservations(ctx, prune); err != nil {
		return fmt.Errorf("prune lineage: %w", err)
	}
	return nil
}

// observeMerge puts back an observation that failed to save.
func (b *Broker) observeMerge(o Observation) {
	k := obsKey{o.Topic, o.Role, o.Client}
	b.lineageMu.Lock()
	defer b.lineageMu.Unlock()
	p := b.pending[k]
	if p == nil {
		b.pendingPer[topicRole{o.Topic, o.Role}]++
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
// events. Observations of deleted topics are kept as history. Each topic keeps
// at most Config.MaxObservations clients per role, the most recently seen, and
// clients not seen for Config.ObservationTTL are dropped.
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
