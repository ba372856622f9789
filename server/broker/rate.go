package broker

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// RateMinutes is how many minutes of publish counts the broker keeps per
// topic, the span of the topic pages' sparklines.
const RateMinutes = 60

// RatePoint is one minute of publishes to a topic.
type RatePoint struct {
	// Minute is the start of the minute, UTC.
	Minute time.Time
	// Accepted counts events stored (duplicates of a stored event included);
	// Refused, events of batches refused (invalid with OnInvalid reject, or
	// too large); DeadLettered, invalid events sent to the dead-letter topic.
	Accepted, Refused, DeadLettered int64
}

// Rates returns the last RateMinutes minutes of publishes to topic, oldest
// first, the current minute last. The counts are kept in memory by this
// process since it started: other instances sharing the log count their own,
// and a restart starts from zero. A topic nothing was published to has zeros.
func (b *Broker) Rates(topic string) []RatePoint {
	now := b.now().UTC().Truncate(time.Minute)
	out := make([]RatePoint, RateMinutes)
	r := b.rates.lookup(topic)
	for i := range out {
		m := now.Add(-time.Duration(RateMinutes-1-i) * time.Minute)
		out[i].Minute = m
		if r != nil {
			out[i].Accepted, out[i].Refused, out[i].DeadLettered = r.read(m.Unix() / 60)
		}
	}
	return out
}

// recordPublish counts one publish to a topic: it runs on every publish, so it
// allocates nothing once the topic has its ring.
func (b *Broker) recordPublish(topic string, accepted, refused, dead int) {
	b.rates.get(topic).add(b.now().Unix()/60, int64(accepted), int64(refused), int64(dead))
}

// rateBook holds each topic's ring of per-minute counters. Its zero value is
// ready to use.
type rateBook struct {
	// mu protects byTopic, the map; the counters in the rings are atomics,
	// written under the read lock.
	mu      sync.RWMutex
	byTopic map[string]*rateRing
}

// lookup returns topic's ring, or nil when nothing was recorded for it.
func (rb *rateBook) lookup(topic string) *rateRing {
	rb.mu.RLock()
	defer rb.mu.RUnlock()
	return rb.byTopic[topic]
}

// get returns topic's ring, making it on the topic's first publish. Publishes
// only reach topics that exist, so the book holds one ring (about 2 KiB) per
// topic; forget drops a deleted topic's.
func (rb *rateBook) get(topic string) *rateRing {
	if r := rb.lookup(topic); r != nil {
		return r
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if rb.byTopic == nil {
		rb.byTopic = map[string]*rateRing{}
	}
	r := rb.byTopic[topic]
	if r == nil {
		r = &rateRing{}
		for i := range r.slots {
			r.slots[i].minute.Store(-1)
		}
		rb.byTopic[topic] = r
	}
	return r
}

// forget drops a deleted topic's counts, so that a topic made again under the
// same name starts from zero.
func (rb *rateBook) forget(topic string) {
	rb.mu.Lock()
	delete(rb.byTopic, topic)
	rb.mu.Unlock()
}

// rateRing is one topic's counters: slot m%RateMinutes counts minute m (Unix
// minutes) while its minute field says so; an older minute in it is stale and
// reads as zero.
type rateRing struct {
	slots [RateMinutes]rateSlot
}

// rateSlot is one minute's counters.
type rateSlot struct {
	// minute is the Unix minute the counters belong to, -1 for none, or
	// slotResetting while one writer zeroes them for a new minute.
	minute                  atomic.Int64
	accepted, refused, dead atomic.Int64
	_                       [3]int64 // pads the slot to a cache line, so minutes do not share one
}

// slotResetting marks a slot whose counters one writer is zeroing: others wait
// for the new minute rather than add to counters about to be cleared.
const slotResetting = -2

// add counts into minute m's slot, claiming the slot when it still holds an
// older minute. A count for a minute older than the slot's (a publish that
// read the clock before a minute turned, and reached here after a writer
// claimed the slot an hour later) is dropped: it is past the ring's span.
func (r *rateRing) add(m, accepted, refused, dead int64) {
	s := &r.slots[m%RateMinutes]
	for {
		cur := s.minute.Load()
		switch {
		case cur == m:
			s.accepted.Add(accepted)
			s.refused.Add(refused)
			s.dead.Add(dead)
			return
		case cur == slotResetting:
			runtime.Gosched()
		case cur > m:
			return
		case s.minute.CompareAndSwap(cur, slotResetting):
			s.accepted.Store(0)
			s.refused.Store(0)
			s.dead.Store(0)
			s.minute.Store(m)
		}
	}
}

// read returns minute m's counts, or zeros when its slot holds another minute
// (or was claimed for one while being read).
func (r *rateRing) read(m int64) (accepted, refused, dead int64) {
	s := &r.slots[m%RateMinutes]
	if s.minute.Load() != m {
		return 0, 0, 0
	}
	accepted, refused, dead = s.accepted.Load(), s.refused.Load(), s.dead.Load()
	if s.minute.Load() != m {
		return 0, 0, 0
	}
	return accepted, refused, dead
}
