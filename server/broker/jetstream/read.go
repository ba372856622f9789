package jetstream

import (
	"context"
	"errors"
	"fmt"
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
func (l *Log) Read(ctx context.Context, topic string, from int64, limit int) ([]broker.Record, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	if t.Kind != broker.Stream {
		return l.meta.Read(ctx, topic, from, limit)
	}
	if err := l.up(); err != nil {
		return nil, err
	}
	if limit <= 0 || from < 0 {
		return nil, nil
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.handle(ctx, topic)
	if s == nil || err != nil {
		return nil, err
	}
	subject := l.subject(topic)
	seq := uint64(from) + 1
	var out []broker.Record
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
		r, err := decodeRecord(m.Header, m.Data, m.Sequence)
		if err != nil {
			return nil, fmt.Errorf("jetstream: topic %s: %w", topic, err)
		}
		r.Time = m.Time.UTC()
		out = append(out, r)
		seq = m.Sequence + 1
	}
	if len(out) == limit {
		return out, nil
	}
	_, err = l.consume(ctx, s, topic, js.ConsumerConfig{DeliverPolicy: js.DeliverByStartSequencePolicy, OptStartSeq: seq}, limit-len(out), false,
		func(r broker.Record, _ string) { out = append(out, r) })
	return out, err
}

// consume makes an ephemeral consumer with cfg's start and hands up to limit
// records to fn (with their deduplication keys), then deletes the consumer.
// headersOnly asks for headers without the events' values. It returns how many
// records it handed.
func (l *Log) consume(ctx context.Context, s js.Stream, topic string, cfg js.ConsumerConfig, limit int, headersOnly bool, fn func(broker.Record, string)) (int, error) {
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
	n := 0
	for n < limit && uint64(n) < pending {
		batch, err := c.FetchNoWait(min(limit-n, fetchBatch))
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
			r, err := decodeRecord(h, m.Data(), md.Sequence.Stream)
			if err != nil {
				return n, fmt.Errorf("jetstream: topic %s: %w", topic, err)
			}
			if headersOnly {
				r.Value = nil
			}
			r.Time = md.Timestamp.UTC()
			key, err := dedupKeyOf(h)
			if err != nil {
				return n, fmt.Errorf("jetstream: topic %s: message %d: %w", topic, md.Sequence.Stream, err)
			}
			fn(r, key)
			got++
			n++
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

// OffsetAt implements broker.Log: the first event JetStream stored at or after
// t (a consumer started by time finds it), else the next offset.
func (l *Log) OffsetAt(ctx context.Context, topic string, at time.Time) (int64, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return 0, err
	}
	if t.Kind != broker.Stream {
		return l.meta.OffsetAt(ctx, topic, at)
	}
	if err := l.up(); err != nil {
		return 0, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.handle(ctx, topic)
	if err != nil {
		return 0, err
	}
	off := int64(-1)
	if s != nil {
		_, err = l.consume(ctx, s, topic, js.ConsumerConfig{DeliverPolicy: js.DeliverByStartTimePolicy, OptStartTime: &at}, 1, true,
			func(r broker.Record, _ string) { off = r.Offset })
		if err != nil {
			return 0, err
		}
	}
	if off >= 0 {
		return off, nil
	}
	st, err := l.streamStats(ctx, topic)
	return st.NextOffset, err
}

// RecentIDs implements broker.Log: the meta Log's (queue topics) and the
// deduplication keys that stream topics' events stored at or after since
// carry, read headers only.
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
	l.mu.Unlock()
	if len(names) > 0 {
		if err := l.up(); err != nil {
			return nil, err
		}
	}
	for _, topic := range names {
		cctx, cancel := l.bound(ctx)
		s, err := l.handle(cctx, topic)
		if err == nil && s != nil {
			_, err = l.consume(cctx, s, topic, js.ConsumerConfig{DeliverPolicy: js.DeliverByStartTimePolicy, OptStartTime: &since}, int(^uint(0)>>1), true,
				func(r broker.Record, key string) {
					if key != "" {
						out = append(out, broker.DedupEntry{Topic: topic, Key: key, Offset: r.Offset, Time: r.Time})
					}
				})
		}
		cancel()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
