package jetstream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/server/broker"
)

// getReads is how many records a Read takes one by one (a message get, one
// round trip each) before it makes a consumer for the rest (three round trips,
// then a stream of messages): tailing readers ask for the few newest events,
// replays for many.
const getReads = 4

// fetchBatch bounds the messages of one fetch of a Read's consumer.
const fetchBatch = 1000

// firstFetch is the first fetch of a read bounded by bytes, before the
// records' size is known.
const firstFetch = 16

// handle returns the stream of a stream topic (nil, nil when it has none).
func (l *Log) handle(ctx context.Context, topic string) (js.Stream, error) {
	name := l.streamName(topic)
	l.mu.Lock()
	s := l.streams[name]
	l.mu.Unlock()
	if s != nil {
		return s, nil
	}
	s, err := l.js.Stream(ctx, name)
	if errors.Is(err, js.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, l.fail("stream of topic "+topic, err)
	}
	l.mu.Lock()
	l.streams[name] = s
	l.mu.Unlock()
	return s, nil
}

// forget drops a stream handle that turned out stale.
func (l *Log) forget(topic string) {
	l.mu.Lock()
	delete(l.streams, l.streamName(topic))
	l.mu.Unlock()
}

// Read implements broker.Log. A stream topic's first records come from message
// gets (leader reads, so a reader woken by a commit sees it), the rest from an
// ephemeral consumer that streams them.
func (l *Log) Read(ctx context.Context, topic string, from int64, limit, maxBytes int) ([]broker.Record, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	if t.Kind != broker.Stream {
		return l.meta.Read(ctx, topic, from, limit, maxBytes)
	}
	start := time.Now()
	out, err := l.readStream(ctx, topic, from, limit, maxBytes)
	l.observe(broker.EngineRead, start, err)
	return out, err
}

// readStream is Read of a stream topic.
func (l *Log) readStream(ctx context.Context, topic string, from int64, limit, maxBytes int) ([]broker.Record, error) {
	if err := l.up(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nil
	}
	from = max(from, 0) // before the first offset reads from the start
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.handle(ctx, topic)
	if s == nil || err != nil {
		return nil, err
	}
	subject := l.subject(topic)
	seq := uint64(from) + 1
	var out []broker.Record
	size := 0
	full := func(r broker.Record) bool {
		out = append(out, r)
		size += r.Size()
		return maxBytes > 0 && size >= maxBytes
	}
	for len(out) < min(limit, getReads) {
		m, err := s.GetMsg(ctx, seq, js.WithGetMsgSubject(subject))
		if errors.Is(err, js.ErrMsgNotFound) {
			return out, nil
		}
		if errors.Is(err, js.ErrStreamNotFound) {
			l.forget(topic)
			return out, nil
		}
		if err != nil {
			return nil, l.fail("read topic "+topic, err)
		}
		r, err := decodeRecord(m.Header, m.Data, m.Sequence, m.Time)
		if err != nil {
			return nil, fmt.Errorf("jetstream: topic %s: %w", topic, err)
		}
		seq = m.Sequence + 1
		if full(r) {
			return out, nil
		}
	}
	if len(out) == limit {
		return out, nil
	}
	_, err = l.consume(ctx, s, topic, js.ConsumerConfig{DeliverPolicy: js.DeliverByStartSequencePolicy, OptStartSeq: seq}, limit-len(out), maxBytes-size, false,
		func(r broker.Record, _ string) bool { return !full(r) })
	return out, err
}

// consume makes an ephemeral consumer with cfg's start and hands up to limit
// records to fn (with their deduplication keys) until fn returns false, then
// deletes the consumer. With maxBytes > 0, fetches ask for about what the
// bytes left hold (fetchSize). headersOnly asks for headers without the
// events' values. It returns how many records it handed.
func (l *Log) consume(ctx context.Context, s js.Stream, topic string, cfg js.ConsumerConfig, limit, maxBytes int, headersOnly bool, fn func(broker.Record, string) bool) (int, error) {
	cfg.AckPolicy = js.AckNonePolicy
	cfg.MemoryStorage = true
	cfg.HeadersOnly = headersOnly
	// A consumer Herald could not delete (NATS went away) goes by itself.
	cfg.InactiveThreshold = time.Minute
	c, err := s.CreateConsumer(ctx, cfg)
	if errors.Is(err, js.ErrStreamNotFound) {
		l.forget(topic)
		return 0, nil
	}
	if err != nil {
		return 0, l.fail("read topic "+topic, err)
	}
	name := c.CachedInfo().Name
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
		defer cancel()
		_ = s.DeleteConsumer(dctx, name) // best effort: InactiveThreshold cleans up otherwise
	}()
	pending := c.CachedInfo().NumPending
	n, size := 0, 0
	for n < limit && uint64(n) < pending {
		batch, err := c.FetchNoWait(fetchSize(limit-n, maxBytes, size, n))
		if err != nil {
			return n, l.fail("read topic "+topic, err)
		}
		got := 0
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				return n, fmt.Errorf("jetstream: topic %s: %w", topic, err)
			}
			h := m.Headers()
			r, err := decodeRecord(h, m.Data(), md.Sequence.Stream, md.Timestamp)
			if err != nil {
				return n, fmt.Errorf("jetstream: topic %s: %w", topic, err)
			}
			if headersOnly {
				r.Value = nil
			}
			key, err := dedupKeyOf(h)
			if err != nil {
				return n, fmt.Errorf("jetstream: topic %s: message %d: %w", topic, md.Sequence.Stream, err)
			}
			got++
			n++
			size += r.Size()
			if !fn(r, key) {
				return n, nil
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, js.ErrNoMessages) {
			return n, l.fail("read topic "+topic, err)
		}
		if got == 0 {
			break
		}
	}
	return n, nil
}

// fetchSize is how many messages consume's next fetch asks for: at most left
// and fetchBatch; with a byte bound, firstFetch at first, then about what the
// bytes left hold at the size of the n records read so far (size bytes), so
// that large events are not fetched a thousand at a time.
func fetchSize(left, maxBytes, size, n int) int {
	b := min(left, fetchBatch)
	switch {
	case maxBytes <= 0:
		return b
	case n == 0:
		return min(b, firstFetch)
	}
	return max(1, min(b, (maxBytes-size)/max(size/n, 1)))
}

// OffsetAt implements broker.Log: the first event whose Record.Time is at or
// after at, else the next offset. JetStream searches by its own timestamps
// only, so this is a binary search over sequences with message gets (about
// log2(events) round trips). It relies on record times rising with offsets,
// as the broker's single committer stamps them; events stamped by instances
// whose clocks disagree are found to within that disagreement.
func (l *Log) OffsetAt(ctx context.Context, topic string, at time.Time) (int64, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return 0, err
	}
	if t.Kind != broker.Stream {
		return l.meta.OffsetAt(ctx, topic, at)
	}
	start := time.Now()
	off, err := l.offsetAt(ctx, topic, at)
	l.observe(broker.EngineRead, start, err)
	return off, err
}

// offsetAt is OffsetAt of a stream topic.
func (l *Log) offsetAt(ctx context.Context, topic string, at time.Time) (int64, error) {
	if err := l.up(); err != nil {
		return 0, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	st, err := l.state(ctx, topic)
	if err != nil || st.Msgs == 0 {
		return int64(st.LastSeq), err
	}
	s, err := l.handle(ctx, topic)
	if err != nil || s == nil {
		return int64(st.LastSeq), err
	}
	subject := l.subject(topic)
	// next is the time of the first message at or after seq (ok false when
	// there is none).
	next := func(seq uint64) (uint64, time.Time, bool, error) {
		m, err := s.GetMsg(ctx, seq, js.WithGetMsgSubject(subject))
		switch {
		case errors.Is(err, js.ErrMsgNotFound), errors.Is(err, js.ErrStreamNotFound):
			return 0, time.Time{}, false, nil
		case err != nil:
			return 0, time.Time{}, false, l.fail("read topic "+topic, err)
		}
		r, err := decodeRecord(m.Header, nil, m.Sequence, m.Time)
		if err != nil {
			return 0, time.Time{}, false, fmt.Errorf("jetstream: topic %s: %w", topic, err)
		}
		return m.Sequence, r.Time, true, nil
	}
	// Invariant: every message before lo is older than at; the first message
	// at or after hi (if any) is not.
	lo, hi := st.FirstSeq, st.LastSeq+1
	for lo < hi {
		mid := lo + (hi-lo)/2
		seq, tm, ok, err := next(mid)
		switch {
		case err != nil:
			return 0, err
		case !ok || !tm.Before(at):
			hi = mid
		default:
			lo = seq + 1
		}
	}
	seq, tm, ok, err := next(lo)
	if err != nil {
		return 0, err
	}
	if !ok || tm.Before(at) {
		return int64(st.LastSeq), nil
	}
	return int64(seq) - 1, nil
}

// RecentIDs implements broker.Log: the meta Log's (queue topics) and the
// deduplication keys that stream topics' events stored at or after since
// (and not pruned) carry, read headers only from OffsetAt(since), ordered by
// time.
func (l *Log) RecentIDs(ctx context.Context, since time.Time) ([]broker.DedupEntry, error) {
	out, err := l.meta.RecentIDs(ctx, since)
	if err != nil {
		return nil, err
	}
	if err := l.refresh(ctx); err != nil {
		return nil, err
	}
	l.mu.Lock()
	var names []string
	for name, t := range l.topics {
		if t.Kind == broker.Stream {
			names = append(names, name)
		}
	}
	if l.prunedBefore.After(since) {
		since = l.prunedBefore
	}
	l.mu.Unlock()
	slices.Sort(names)
	for _, topic := range names {
		start := time.Now()
		ids, err := l.streamIDs(ctx, topic, since)
		l.observe(broker.EngineRead, start, err)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	slices.SortStableFunc(out, func(a, b broker.DedupEntry) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// streamIDs returns the deduplication keys of a stream topic's events stored
// at or after since.
func (l *Log) streamIDs(ctx context.Context, topic string, since time.Time) ([]broker.DedupEntry, error) {
	from, err := l.offsetAt(ctx, topic, since)
	if err != nil {
		return nil, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.handle(ctx, topic)
	if err != nil || s == nil {
		return nil, err
	}
	var out []broker.DedupEntry
	_, err = l.consume(ctx, s, topic, js.ConsumerConfig{DeliverPolicy: js.DeliverByStartSequencePolicy, OptStartSeq: uint64(from) + 1}, int(^uint(0)>>1), 0, true,
		func(r broker.Record, key string) bool {
			if key != "" && !r.Time.Before(since) {
				out = append(out, broker.DedupEntry{Topic: topic, Key: key, Offset: r.Offset, Time: r.Time})
			}
			return true
		})
	return out, err
}
