package jetstream

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/heraldhq/herald/server/broker"
)

// ackWindow bounds the messages published before their acks are awaited, so a
// large group commit never outruns the client's pending-ack limit.
const ackWindow = 4096

// maxAttempts bounds the tries of one batch that other writers keep
// overtaking (each try is also bounded by the call's deadline).
const maxAttempts = 64

// rollback is what undoing one stored (or partly stored) batch deletes.
type rollback struct {
	stream string
	// seqs were acknowledged: they are the batch's.
	seqs []uint64
	// maybe were published but got no answer: each is the batch's only if it
	// carries token.
	maybe []uint64
	token string
}

// errOvertaken is a batch refused because another writer appended first.
var errOvertaken = errors.New("another writer appended to the stream first")

// Append implements broker.Log; see the package comment for how a batch stays
// all-or-nothing.
func (l *Log) Append(ctx context.Context, batches []broker.Batch) ([]int64, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.up(); err != nil {
		return nil, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	l.retryOrphans(ctx)
	firsts := make([]int64, len(batches))
	var done []rollback
	var metaBatches []broker.Batch
	var metaIdx []int
	for i := range batches {
		b := &batches[i]
		t, err := l.topic(ctx, b.Topic)
		if err != nil {
			l.undo(ctx, done)
			return nil, err
		}
		if t.Kind != broker.Stream {
			metaBatches = append(metaBatches, *b)
			metaIdx = append(metaIdx, i)
			continue
		}
		first, rb, err := l.appendStream(ctx, t, b)
		if err != nil {
			l.undo(ctx, done)
			return nil, err
		}
		firsts[i] = first
		done = append(done, rb)
	}
	if len(metaBatches) > 0 {
		f, err := l.meta.Append(ctx, metaBatches)
		if err != nil {
			l.undo(ctx, done)
			return nil, err
		}
		for j, i := range metaIdx {
			firsts[i] = f[j]
		}
	}
	return firsts, nil
}

// appendStream stores one batch in its topic's stream, contiguously, retrying
// while other writers overtake it. It returns the first offset and what would
// undo the batch.
func (l *Log) appendStream(ctx context.Context, t broker.Topic, b *broker.Batch) (int64, rollback, error) {
	name := l.streamName(t.Name)
	if len(b.Records) == 0 {
		st, err := l.state(ctx, t.Name)
		return int64(st.LastSeq), rollback{}, err
	}
	l.mu.Lock()
	last, known := l.last[name]
	l.mu.Unlock()
	if !known {
		st, err := l.state(ctx, t.Name)
		if err != nil {
			return 0, rollback{}, err
		}
		last = st.LastSeq
	}
	created := false
	for attempt := 1; ; attempt++ {
		rb, err := l.publishBatch(ctx, name, l.subject(t.Name), b, last)
		if err == nil {
			l.mu.Lock()
			l.last[name] = last + uint64(len(b.Records))
			l.mu.Unlock()
			return int64(last), rb, nil
		}
		if !l.undo(ctx, []rollback{rb}) {
			return 0, rollback{}, err
		}
		switch {
		case errors.Is(err, js.ErrNoStreamResponse) && !created:
			// No stream captures the subject: it was deleted behind Herald's
			// back, or its creation was interrupted. Make it again.
			created = true
			if err := l.ensureStream(ctx, t); err != nil {
				return 0, rollback{}, err
			}
		case errors.Is(err, errOvertaken) && attempt < maxAttempts:
			l.overtaken.Add(1)
			// Wait a random while, growing with the attempts, so that two
			// writers overtaking each other stop meeting.
			wait := time.Duration(rand.Int64N(int64(min(attempt, 20))*int64(time.Millisecond) + 1))
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return 0, rollback{}, l.fail("append to topic "+t.Name, ctx.Err())
			}
		default:
			return 0, rollback{}, err
		}
		st, err := l.state(ctx, t.Name)
		if err != nil {
			return 0, rollback{}, err
		}
		last = st.LastSeq
	}
}

// publishBatch publishes a batch's messages after sequence last, each
// expecting its predecessor's sequence, and waits for every ack. On an error
// the rollback names what may have been stored.
func (l *Log) publishBatch(ctx context.Context, stream, subject string, b *broker.Batch, last uint64) (rollback, error) {
	rb := rollback{stream: stream, token: nuid.Next()}
	var firstErr error
	futures := make([]js.PubAckFuture, 0, min(len(b.Records), ackWindow))
	for lo := 0; lo < len(b.Records) && firstErr == nil; lo += ackWindow {
		hi := min(lo+ackWindow, len(b.Records))
		futures = futures[:0]
		for j := lo; j < hi; j++ {
			key := ""
			if b.DedupKeys != nil {
				key = b.DedupKeys[j]
			}
			m, err := encodeMsg(subject, &b.Records[j], key, rb.token)
			if err != nil {
				firstErr = err
				break
			}
			if n := msgSize(m); n > l.nc.MaxPayload() {
				firstErr = fmt.Errorf("%w: event %d of the batch to %s is %d bytes with Herald's headers; the NATS server takes at most %d (max_payload)",
					broker.ErrEventTooLarge, j, b.Topic, n, l.nc.MaxPayload())
				break
			}
			f, err := l.js.PublishMsgAsync(m, js.WithExpectLastSequence(last+uint64(j)))
			if err != nil {
				firstErr = l.fail("publish", err)
				break
			}
			futures = append(futures, f)
		}
		for k, f := range futures {
			want := last + uint64(lo+k) + 1
			select {
			case pa := <-f.Ok():
				rb.seqs = append(rb.seqs, pa.Sequence)
				if pa.Sequence != want && firstErr == nil {
					firstErr = fmt.Errorf("jetstream: stored at sequence %d, not %d", pa.Sequence, want)
				}
			case err := <-f.Err():
				if firstErr == nil {
					firstErr = l.publishErr(err)
				}
			case <-ctx.Done():
				rb.maybe = append(rb.maybe, want)
				if firstErr == nil {
					firstErr = l.fail("wait for JetStream's acknowledgement", ctx.Err())
				}
			}
		}
	}
	return rb, firstErr
}

// publishErr classifies an async publish error.
func (l *Log) publishErr(err error) error {
	var api *js.APIError
	if errors.As(err, &api) && (api.ErrorCode == js.JSErrCodeStreamWrongLastSequence || api.ErrorCode == js.JSErrCodeStreamWrongLastSequenceConstant) {
		return errOvertaken
	}
	if errors.Is(err, js.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		if l.nc.IsConnected() {
			return fmt.Errorf("jetstream: no stream answers: %w", js.ErrNoStreamResponse)
		}
	}
	return l.fail("publish", err)
}

// undo deletes what rollbacks name and reports whether all of it is gone.
// What it cannot delete now (NATS is away) is kept and retried before the
// next Append.
func (l *Log) undo(ctx context.Context, rbs []rollback) bool {
	ok := true
	for _, rb := range rbs {
		if left := l.deleteBatch(ctx, rb); left != nil {
			ok = false
			l.mu.Lock()
			l.orphans = append(l.orphans, *left)
			l.mu.Unlock()
		}
	}
	return ok
}

// retryOrphans retries the rollbacks that could not reach NATS before.
func (l *Log) retryOrphans(ctx context.Context) {
	l.mu.Lock()
	todo := l.orphans
	l.orphans = nil
	l.mu.Unlock()
	if len(todo) > 0 {
		l.undo(ctx, todo)
	}
}

// deleteBatch deletes a rollback's messages and returns what is left, nil
// when nothing is.
func (l *Log) deleteBatch(ctx context.Context, rb rollback) *rollback {
	if len(rb.seqs) == 0 && len(rb.maybe) == 0 {
		return nil
	}
	s, err := l.js.Stream(ctx, rb.stream)
	if errors.Is(err, js.ErrStreamNotFound) {
		return nil // the stream went, and the batch with it
	}
	if err != nil {
		l.logger.Warn("jetstream: rollback postponed", "stream", rb.stream, "err", err)
		return &rb
	}
	left := rollback{stream: rb.stream, token: rb.token}
	for _, seq := range rb.seqs {
		err := s.DeleteMsg(ctx, seq)
		switch {
		case err == nil:
			l.rolledBack.Add(1)
		case !errors.Is(err, js.ErrMsgNotFound):
			left.seqs = append(left.seqs, seq)
		}
	}
	for _, seq := range rb.maybe {
		m, err := s.GetMsg(ctx, seq)
		switch {
		case errors.Is(err, js.ErrMsgNotFound):
			continue
		case err != nil:
			left.maybe = append(left.maybe, seq)
			continue
		}
		if m.Header.Get(hdrAppend) != rb.token {
			continue // another writer's message took that sequence
		}
		err = s.DeleteMsg(ctx, seq)
		switch {
		case err == nil:
			l.rolledBack.Add(1)
		case !errors.Is(err, js.ErrMsgNotFound):
			left.maybe = append(left.maybe, seq)
		}
	}
	if len(left.seqs) == 0 && len(left.maybe) == 0 {
		return nil
	}
	l.logger.Warn("jetstream: rollback postponed", "stream", rb.stream, "messages", len(left.seqs)+len(left.maybe))
	return &left
}

// msgSize is what the server counts against max_payload: the data and the
// encoded headers, with room for the expected-sequence header added on publish.
func msgSize(m *nats.Msg) int64 {
	n := len(m.Data) + len("NATS/1.0\r\n\r\n") + len("Nats-Expected-Last-Sequence: 18446744073709551615\r\n")
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return int64(n)
}
