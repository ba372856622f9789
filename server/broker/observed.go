package broker

import (
	"context"
	"errors"
	"time"
)

// EngineOp is the class of a call to a storage engine, for its metrics.
type EngineOp uint8

const (
	// EngineRead is a call that only reads.
	EngineRead EngineOp = iota
	// EngineWrite is a call that may change what the engine holds.
	EngineWrite
)

// String returns "read" or "write".
func (o EngineOp) String() string {
	if o == EngineWrite {
		return "write"
	}
	return "read"
}

// EngineObserver is told how each call that reached a storage engine went.
// The server's metrics implement it; a Log adapter calls it (or is wrapped by
// Observed). It must not block or allocate: it runs on every call.
type EngineObserver interface {
	ObserveEngine(op EngineOp, d time.Duration, err error)
}

// EngineFailed reports whether err is the engine's failure rather than an
// answer about the data: a missing or busy topic, a refused event and a
// caller's cancellation are not failures of the engine.
func EngineFailed(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, ErrTopicNotFound), errors.Is(err, ErrTopicInUse), errors.Is(err, ErrWrongKind),
		errors.Is(err, ErrInvalidTopic), errors.Is(err, ErrInvalidEvent), errors.Is(err, ErrEventTooLarge),
		errors.Is(err, ErrInvalidRequest), errors.Is(err, context.Canceled):
		return false
	}
	return true
}

// Observed wraps l so that o sees every call: the SQL logs report this way,
// without knowing about metrics.
func Observed(l Log, o EngineObserver) Log {
	if o == nil {
		return l
	}
	return &observedLog{l: l, o: o}
}

var _ Log = (*observedLog)(nil)

// observedLog is a Log that reports each call's class, time and error.
type observedLog struct {
	l Log
	o EngineObserver
}

// done reports a call that started at start and ended with *err.
func (w *observedLog) done(op EngineOp, start time.Time, err *error) {
	w.o.ObserveEngine(op, time.Since(start), *err)
}

// Topics implements Log.
func (w *observedLog) Topics(ctx context.Context) (out []TopicInfo, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.Topics(ctx)
}

// PutTopic implements Log.
func (w *observedLog) PutTopic(ctx context.Context, t Topic) (err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.PutTopic(ctx, t)
}

// DeleteTopic implements Log.
func (w *observedLog) DeleteTopic(ctx context.Context, name string) (err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.DeleteTopic(ctx, name)
}

// Stats implements Log.
func (w *observedLog) Stats(ctx context.Context, topic string) (out Stats, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.Stats(ctx, topic)
}

// Append implements Log.
func (w *observedLog) Append(ctx context.Context, batches []Batch) (firsts []int64, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.Append(ctx, batches)
}

// Read implements Log.
func (w *observedLog) Read(ctx context.Context, topic string, from int64, limit, maxBytes int) (out []Record, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.Read(ctx, topic, from, limit, maxBytes)
}

// OffsetAt implements Log.
func (w *observedLog) OffsetAt(ctx context.Context, topic string, t time.Time) (off int64, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.OffsetAt(ctx, topic, t)
}

// Lease implements Log.
func (w *observedLog) Lease(ctx context.Context, req LeaseRequest) (res LeaseResult, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.Lease(ctx, req)
}

// Ack implements Log.
func (w *observedLog) Ack(ctx context.Context, topic string, ids []AckID) (n int, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.Ack(ctx, topic, ids)
}

// Nack implements Log.
func (w *observedLog) Nack(ctx context.Context, topic string, ids []AckID, visibleAt time.Time) (n int, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.Nack(ctx, topic, ids, visibleAt)
}

// Trim implements Log.
func (w *observedLog) Trim(ctx context.Context, topic string, r TrimRequest) (first int64, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.Trim(ctx, topic, r)
}

// CommitOffsets implements Log.
func (w *observedLog) CommitOffsets(ctx context.Context, group string, offsets []GroupOffset) (err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.CommitOffsets(ctx, group, offsets)
}

// Offsets implements Log.
func (w *observedLog) Offsets(ctx context.Context, group string) (out map[string]int64, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.Offsets(ctx, group)
}

// GroupsOf implements Log.
func (w *observedLog) GroupsOf(ctx context.Context, topic string) (out []GroupCommit, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.GroupsOf(ctx, topic)
}

// QueueCounts implements Log.
func (w *observedLog) QueueCounts(ctx context.Context, topic string, now time.Time) (visible, hidden int64, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.QueueCounts(ctx, topic, now)
}

// RecentIDs implements Log.
func (w *observedLog) RecentIDs(ctx context.Context, since time.Time) (out []DedupEntry, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.RecentIDs(ctx, since)
}

// PruneIDs implements Log.
func (w *observedLog) PruneIDs(ctx context.Context, before time.Time) (err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.PruneIDs(ctx, before)
}

// SaveObservations implements Log.
func (w *observedLog) SaveObservations(ctx context.Context, obs []Observation) (err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.SaveObservations(ctx, obs)
}

// Observations implements Log.
func (w *observedLog) Observations(ctx context.Context) (out []Observation, err error) {
	defer w.done(EngineRead, time.Now(), &err)
	return w.l.Observations(ctx)
}

// PruneObservations implements Log.
func (w *observedLog) PruneObservations(ctx context.Context, p ObservationPrune) (n int64, err error) {
	defer w.done(EngineWrite, time.Now(), &err)
	return w.l.PruneObservations(ctx, p)
}
