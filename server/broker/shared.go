package broker

import (
	"context"
	"errors"
	"time"
)

// Defaults of Config.TopicRefresh and Config.TailPoll.
const (
	// DefaultTopicRefresh is issue 11's bound: other instances catch up with
	// a change within one second.
	DefaultTopicRefresh = time.Second
	// DefaultTailPoll keeps a live tail on one instance a fraction of a second
	// behind a publish through another, at four cheap reads a second per
	// waiting reader.
	DefaultTailPoll = 250 * time.Millisecond
)

// topicLoadTimeout bounds a reload of the topics made without a caller's
// context (TopicConfig).
const topicLoadTimeout = 10 * time.Second

// dedupSlack is how far before the last pull the next pull of deduplication
// ids starts: an id is stamped with its commit time before its transaction
// commits, so one committed elsewhere just after a pull can carry a time
// before it. The slack covers that commit latency and clock skew between
// instances.
const dedupSlack = 2 * time.Second

// syncAttempts bounds how often a reload is retried when this broker changed
// its own topics while the reload was reading the Log.
const syncAttempts = 3

// fresh reloads the topics of a shared broker before a topic is created,
// changed or deleted: those decide from memory (is it new, is the
// configuration the same, does the dead-letter topic exist, is the topic
// another's dead-letter topic), and memory may be up to TopicRefresh behind
// another instance's change.
func (b *Broker) fresh(ctx context.Context) error {
	if !b.cfg.Shared {
		return nil
	}
	return b.syncTopics(ctx, time.Now())
}

// syncTopics reloads the topics from the shared Log unless a reload that
// started after asked was already applied (concurrent misses share one).
func (b *Broker) syncTopics(ctx context.Context, asked time.Time) error {
	b.syncMu.Lock()
	defer b.syncMu.Unlock()
	if b.lastSync.After(asked) {
		return nil
	}
	for range syncAttempts {
		start := time.Now()
		b.mu.RLock()
		gen := b.topicGen
		b.mu.RUnlock()
		infos, err := b.log.Topics(ctx)
		if err != nil {
			return err
		}
		gone, applied := b.applyTopics(infos, gen)
		if !applied {
			continue // this broker changed a topic meanwhile: read again
		}
		b.lastSync = start
		for _, name := range gone {
			// Its ids belong to the deleted incarnation; the Log forgot them too.
			if _, err := b.submit(ctx, &commitReq{forget: name, done: make(chan commitRes, 1)}); err != nil && !errors.Is(err, ErrClosed) {
				return err
			}
		}
		return nil
	}
	return nil
}

// applyTopics replaces the cached topics with infos, read from the Log when
// topicGen was gen, and returns the topics that were deleted or deleted and
// created again meanwhile. It applies nothing, and says so, when this broker
// changed a topic since: infos may predate that change.
func (b *Broker) applyTopics(infos []TopicInfo, gen uint64) (gone []string, applied bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, true
	}
	if b.topicGen != gen {
		return nil, false
	}
	seen := make(map[string]bool, len(infos))
	for _, ti := range infos {
		seen[ti.Name] = true
		old, ok := b.topics[ti.Name]
		switch {
		case !ok:
			b.topics[ti.Name] = &topicState{Topic: ti.Topic, notify: make(chan struct{})}
		case !sameTopic(old.Topic, ti.Topic):
			if !old.CreatedAt.Equal(ti.CreatedAt) {
				gone = append(gone, ti.Name)
			}
			// Keep the notify channel: readers waiting on it stay valid.
			old.notifyMu.Lock()
			b.topics[ti.Name] = &topicState{Topic: ti.Topic, notify: old.notify}
			old.notifyMu.Unlock()
		}
	}
	for name, t := range b.topics {
		if !seen[name] {
			delete(b.topics, name)
			t.wake() // its waiting readers find it gone
			gone = append(gone, name)
		}
	}
	return gone, true
}

// sameTopic reports whether two topics have the same configuration and times.
func sameTopic(a, c Topic) bool {
	return sameConfig(a, c) && a.CreatedAt.Equal(c.CreatedAt) && a.UpdatedAt.Equal(c.UpdatedAt)
}

// refreshTopics is the background reload of a shared broker.
func (b *Broker) refreshTopics(ctx context.Context) {
	if err := b.syncTopics(ctx, time.Now()); err != nil && ctx.Err() == nil {
		b.logr.Error("broker: reload topics from the shared log", "err", err)
	}
}

// pullDedup adds to the deduplication index the ids other instances stored
// in the shared Log, when some keyed record of group is not in the index
// (the committer calls it before planning a commit). A failure is logged, not
// returned: the publish still commits, deduplicated against what this
// instance knows.
func (b *Broker) pullDedup(group []*commitReq, now time.Time) {
	if !b.cfg.Shared || b.cfg.DedupWindow <= 0 {
		return
	}
	since := now.Add(-b.cfg.DedupWindow)
	if !b.anyUnknownKey(group, since) {
		return
	}
	from := since
	if s := b.dedupSynced.Add(-dedupSlack); s.After(from) {
		from = s
	}
	ids, err := b.log.RecentIDs(b.life, from)
	if err != nil {
		if b.life.Err() == nil {
			b.logr.Error("broker: read deduplication ids from the shared log", "err", err)
		}
		return
	}
	for _, e := range ids {
		b.dedup.add(e.Topic, e.Key, e.Offset, e.Time)
	}
	b.dedupSynced = now
}

// anyUnknownKey reports whether a record of group has a deduplication key the
// index does not hold since since.
func (b *Broker) anyUnknownKey(group []*commitReq, since time.Time) bool {
	for _, r := range group {
		if r.topic == nil {
			continue
		}
		for _, k := range r.keys {
			if k == "" {
				continue
			}
			if _, ok := b.dedup.get(r.topic.Name, k, since); !ok {
				return true
			}
		}
	}
	return false
}

// pollSlice is how long a long poll with d left waits before reading the Log
// again: all of d when every commit to the Log wakes it (this broker is the
// only writer), at most TailPoll when other instances write too.
func (b *Broker) pollSlice(d time.Duration) time.Duration {
	if b.cfg.Shared {
		return min(d, b.cfg.TailPoll)
	}
	return d
}
