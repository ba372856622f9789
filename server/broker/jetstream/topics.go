package jetstream

import (
	"context"
	"errors"
	"fmt"
	"time"

	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/server/broker"
)

// refresh reloads the topic definitions from the meta Log.
func (l *Log) refresh(ctx context.Context) error {
	infos, err := l.meta.Topics(ctx)
	if err != nil {
		return fmt.Errorf("jetstream: load topics: %w", err)
	}
	m := make(map[string]broker.Topic, len(infos))
	for _, ti := range infos {
		m[ti.Name] = ti.Topic
	}
	l.mu.Lock()
	l.topics = m
	l.mu.Unlock()
	return nil
}

// topic returns a topic's definition: from memory, or from the meta Log when
// memory does not have it (another instance created it). Errors:
// broker.ErrTopicNotFound.
func (l *Log) topic(ctx context.Context, name string) (broker.Topic, error) {
	l.mu.Lock()
	t, ok := l.topics[name]
	l.mu.Unlock()
	if ok {
		return t, nil
	}
	if err := l.refresh(ctx); err != nil {
		return broker.Topic{}, err
	}
	l.mu.Lock()
	t, ok = l.topics[name]
	l.mu.Unlock()
	if !ok {
		return broker.Topic{}, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
	}
	return t, nil
}

// streamConfig is the JetStream stream of a stream topic.
func (l *Log) streamConfig(t broker.Topic) js.StreamConfig {
	c := js.StreamConfig{
		Name:         l.streamName(t.Name),
		Description:  "Herald topic " + t.Name,
		Subjects:     []string{l.subject(t.Name)},
		Retention:    js.LimitsPolicy,
		Discard:      js.DiscardOld,
		Storage:      js.FileStorage,
		Replicas:     l.cfg.Replicas,
		MaxAge:       t.Retention.MaxAge,
		MaxBytes:     -1,
		MaxMsgs:      -1,
		MaxConsumers: -1,
		MaxMsgSize:   -1,
	}
	// Message ids only chain a batch's messages (append.go): a short window
	// keeps JetStream's memory of them small.
	c.Duplicates = time.Second
	if t.Retention.MaxAge > 0 && t.Retention.MaxAge < c.Duplicates {
		c.Duplicates = t.Retention.MaxAge
	}
	if t.Retention.MaxBytes > 0 {
		c.MaxBytes = t.Retention.MaxBytes
	}
	if t.Retention.MaxEvents > 0 {
		c.MaxMsgs = t.Retention.MaxEvents
	}
	return c
}

// ensureStream creates a stream topic's stream or brings its configuration up
// to date.
// NATS 2.9 sometimes fails to create a stream's store while another stream
// is being deleted (code 500, err_code 10049); a moment later it succeeds.
func (l *Log) ensureStream(ctx context.Context, t broker.Topic) error {
	for attempt := 1; ; attempt++ {
		_, err := l.js.CreateOrUpdateStream(ctx, l.streamConfig(t))
		var api *js.APIError
		if err == nil {
			return nil
		}
		if !errors.As(err, &api) || api.Code != 500 || attempt == 5 {
			return l.fail("stream for topic "+t.Name, err)
		}
		select {
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		case <-ctx.Done():
			return l.fail("stream for topic "+t.Name, err)
		}
	}
}

// PutTopic implements broker.Log: a stream topic's stream is created (or
// updated) first, then the definition is stored in the meta Log, so a stored
// stream topic always has its stream. A topic that becomes a queue loses its
// (empty: the broker checks) stream.
func (l *Log) PutTopic(ctx context.Context, t broker.Topic) error {
	if err := l.upFor(broker.EngineWrite); err != nil {
		return err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	if t.Kind == broker.Stream {
		start := time.Now()
		err := l.ensureStream(ctx, t)
		l.observe(broker.EngineWrite, start, err)
		if err != nil {
			return err
		}
	}
	if err := l.meta.PutTopic(ctx, t); err != nil {
		return err
	}
	l.mu.Lock()
	l.topics[t.Name] = t
	l.mu.Unlock()
	if t.Kind == broker.Queue {
		if err := l.deleteStream(ctx, t.Name, "delete the stream of queue "); err != nil {
			return err
		}
		l.forget(t.Name)
	}
	return nil
}

// deleteStream deletes a topic's stream, if it has one.
func (l *Log) deleteStream(ctx context.Context, topic, what string) error {
	start := time.Now()
	err := l.js.DeleteStream(ctx, l.streamName(topic))
	if err != nil && !errors.Is(err, js.ErrStreamNotFound) {
		err = l.fail(what+topic, err)
	} else {
		err = nil
	}
	l.observe(broker.EngineWrite, start, err)
	return err
}

// DeleteTopic implements broker.Log: the stream goes first, so a topic created
// again under that name never finds old events.
func (l *Log) DeleteTopic(ctx context.Context, name string) error {
	if _, err := l.topic(ctx, name); err != nil {
		return err
	}
	if err := l.upFor(broker.EngineWrite); err != nil {
		return err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	if err := l.deleteStream(ctx, name, "delete the stream of topic "); err != nil {
		return err
	}
	if err := l.meta.DeleteTopic(ctx, name); err != nil {
		return err
	}
	l.mu.Lock()
	delete(l.topics, name)
	delete(l.tails, l.streamName(name))
	delete(l.streams, l.streamName(name))
	l.mu.Unlock()
	return nil
}

// Topics implements broker.Log: the meta Log's topics, with the stats of
// stream topics from JetStream.
func (l *Log) Topics(ctx context.Context) ([]broker.TopicInfo, error) {
	infos, err := l.meta.Topics(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]broker.Topic, len(infos))
	for i := range infos {
		m[infos[i].Name] = infos[i].Topic
		if infos[i].Kind != broker.Stream {
			continue
		}
		if infos[i].Stats, err = l.streamStats(ctx, infos[i].Name); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	l.topics = m
	l.mu.Unlock()
	return infos, nil
}

// Stats implements broker.Log.
func (l *Log) Stats(ctx context.Context, topic string) (broker.Stats, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return broker.Stats{}, err
	}
	if t.Kind != broker.Stream {
		return l.meta.Stats(ctx, topic)
	}
	return l.streamStats(ctx, topic)
}

// streamStats reads a stream topic's stats from its stream's state. A stream
// that is missing (deleted behind Herald's back) is an empty topic. Bytes is
// the records' Size(), as on every engine, from the running totals its first
// and last messages carry (recordBytes); for events stored without them (by
// an older Herald) it is JetStream's count, which includes each message's
// subject and headers.
func (l *Log) streamStats(ctx context.Context, topic string) (s broker.Stats, err error) {
	defer func(start time.Time) { l.observe(broker.EngineRead, start, err) }(time.Now())
	st, err := l.state(ctx, topic)
	if err != nil {
		return broker.Stats{}, err
	}
	s = broker.Stats{Events: int64(st.Msgs), Bytes: int64(st.Bytes), FirstOffset: -1, LastOffset: -1, NextOffset: int64(st.LastSeq)}
	if st.Msgs > 0 {
		s.FirstOffset, s.LastOffset = int64(st.FirstSeq)-1, int64(st.LastSeq)-1
		n, ok, err := l.recordBytes(ctx, topic, st.FirstSeq)
		if err != nil {
			return broker.Stats{}, err
		}
		if ok {
			s.Bytes = n
		}
	}
	return s, nil
}

// recordBytes sums Record.Size() over a stream from its first message (at or
// after sequence first) to its last: the last's running total minus the
// first's, plus the first's own size. ok is false when either message has no
// total.
func (l *Log) recordBytes(ctx context.Context, topic string, first uint64) (int64, bool, error) {
	ctx, cancel := l.bound(ctx)
	defer cancel()
	s, err := l.handle(ctx, topic)
	if err != nil || s == nil {
		return 0, false, err
	}
	subject := l.subject(topic)
	fm, err := s.GetMsg(ctx, first, js.WithGetMsgSubject(subject))
	if err == nil {
		var lm *js.RawStreamMsg
		if lm, err = s.GetLastMsgForSubject(ctx, subject); err == nil {
			return bytesBetween(fm, lm)
		}
	}
	if errors.Is(err, js.ErrMsgNotFound) || errors.Is(err, js.ErrStreamNotFound) {
		return 0, false, nil // emptied meanwhile: JetStream's count (0) is right
	}
	return 0, false, l.fail("stats of topic "+topic, err)
}

// bytesBetween is the sum of Record.Size() from message fm to message lm.
func bytesBetween(fm, lm *js.RawStreamMsg) (int64, bool, error) {
	ft, fok, err := tallyOf(fm.Header)
	if err != nil {
		return 0, false, fmt.Errorf("jetstream: message %d: %w", fm.Sequence, err)
	}
	lt, lok, err := tallyOf(lm.Header)
	if err != nil {
		return 0, false, fmt.Errorf("jetstream: message %d: %w", lm.Sequence, err)
	}
	r, err := decodeRecord(fm.Header, fm.Data, fm.Sequence, fm.Time)
	if err != nil {
		return 0, false, fmt.Errorf("jetstream: %w", err)
	}
	before := ft.total - uint64(r.Size())
	if !fok || !lok || ft.total < uint64(r.Size()) || lt.total < before {
		return 0, false, nil
	}
	return int64(lt.total - before), true, nil
}

// state returns a stream topic's stream state (zero for a missing stream) and
// remembers its last sequence.
func (l *Log) state(ctx context.Context, topic string) (js.StreamState, error) {
	if err := l.up(); err != nil {
		return js.StreamState{}, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	name := l.streamName(topic)
	s, err := l.js.Stream(ctx, name)
	if errors.Is(err, js.ErrStreamNotFound) {
		return js.StreamState{}, nil
	}
	if err != nil {
		return js.StreamState{}, l.fail("stream info of topic "+topic, err)
	}
	st := s.CachedInfo().State
	l.mu.Lock()
	if t, ok := l.tails[name]; ok && st.LastSeq != t.seq {
		delete(l.tails, name) // another writer appended: ask the stream next time
	}
	l.mu.Unlock()
	return st, nil
}

// Trim implements broker.Log: JetStream enforces a stream topic's retention
// itself (its stream has the limits), so only queues are trimmed, by the meta
// Log.
func (l *Log) Trim(ctx context.Context, topic string, r broker.TrimRequest) (int64, error) {
	t, err := l.topic(ctx, topic)
	if err != nil {
		return 0, err
	}
	if t.Kind == broker.Stream {
		return 0, nil
	}
	return l.meta.Trim(ctx, topic, r)
}

// The rest is the meta Log's: queues, consumer groups, observed lineage.

// Lease implements broker.Log (queues live in the meta Log).
func (l *Log) Lease(ctx context.Context, req broker.LeaseRequest) (broker.LeaseResult, error) {
	return l.meta.Lease(ctx, req)
}

// Ack implements broker.Log (queues live in the meta Log).
func (l *Log) Ack(ctx context.Context, topic string, ids []broker.AckID) (int, error) {
	return l.meta.Ack(ctx, topic, ids)
}

// Nack implements broker.Log (queues live in the meta Log).
func (l *Log) Nack(ctx context.Context, topic string, ids []broker.AckID, visibleAt time.Time) (int, error) {
	return l.meta.Nack(ctx, topic, ids, visibleAt)
}

// QueueCounts implements broker.Log (queues live in the meta Log).
func (l *Log) QueueCounts(ctx context.Context, topic string, now time.Time) (visible, hidden int64, err error) {
	return l.meta.QueueCounts(ctx, topic, now)
}

// CommitOffsets implements broker.Log: group offsets live in the meta Log.
func (l *Log) CommitOffsets(ctx context.Context, group string, offsets []broker.GroupOffset) error {
	return l.meta.CommitOffsets(ctx, group, offsets)
}

// Offsets implements broker.Log: group offsets live in the meta Log.
func (l *Log) Offsets(ctx context.Context, group string) (map[string]int64, error) {
	return l.meta.Offsets(ctx, group)
}

// GroupsOf implements broker.Log: group offsets live in the meta Log.
func (l *Log) GroupsOf(ctx context.Context, topic string) ([]broker.GroupCommit, error) {
	return l.meta.GroupsOf(ctx, topic)
}

// PruneIDs implements broker.Log: the meta Log forgets queue topics' ids; a
// stream topic's ids are headers of its events, which cannot be removed
// without the events, so RecentIDs skips those stored before the latest cut.
// The cut lives in memory: after a restart the broker asks RecentIDs for its
// own window, which starts after any cut it made.
func (l *Log) PruneIDs(ctx context.Context, before time.Time) error {
	if err := l.meta.PruneIDs(ctx, before); err != nil {
		return err
	}
	l.mu.Lock()
	if before.After(l.prunedBefore) {
		l.prunedBefore = before
	}
	l.mu.Unlock()
	return nil
}

// SaveObservations implements broker.Log: lineage lives in the meta Log.
func (l *Log) SaveObservations(ctx context.Context, obs []broker.Observation) error {
	return l.meta.SaveObservations(ctx, obs)
}

// Observations implements broker.Log: lineage lives in the meta Log.
func (l *Log) Observations(ctx context.Context) ([]broker.Observation, error) {
	return l.meta.Observations(ctx)
}

// PruneObservations implements broker.Log: lineage lives in the meta Log.
func (l *Log) PruneObservations(ctx context.Context, p broker.ObservationPrune) (int64, error) {
	return l.meta.PruneObservations(ctx, p)
}
