package jetstream

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
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
// all-or-nothing. The batches of one topic are stored back to back (a group
// commit's publishes to one topic stay in order), and the messages of every
// topic go out before any acknowledgement is awaited, so a group commit costs
// about one round trip to JetStream, not one per batch.
func (l *Log) Append(ctx context.Context, batches []broker.Batch) ([]int64, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if err := l.upFor(broker.EngineWrite); err != nil {
		return nil, err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	l.retryOrphans(ctx)
	var err error
	firsts := make([]int64, len(batches))
	var runs []*run
	byTopic := map[string]*run{}
	var metaBatches []broker.Batch
	var metaIdx []int
	for i := range batches {
		b := &batches[i]
		t, terr := l.topic(ctx, b.Topic)
		if terr != nil {
			return nil, terr
		}
		if t.Kind != broker.Stream {
			metaBatches = append(metaBatches, *b)
			metaIdx = append(metaIdx, i)
			continue
		}
		r := byTopic[t.Name]
		if r == nil {
			r = &run{topic: t}
			byTopic[t.Name] = r
			runs = append(runs, r)
		}
		r.add(i, b)
	}
	var rbs []rollback
	if len(runs) > 0 {
		start := time.Now()
		rbs, err = l.appendRuns(ctx, runs)
		l.observe(broker.EngineWrite, start, err)
		if err != nil {
			return nil, err
		}
	}
	for _, r := range runs {
		pos := r.first
		for k, i := range r.idx {
			firsts[i] = pos
			pos += int64(r.lens[k])
		}
	}
	if len(metaBatches) > 0 {
		f, err := l.meta.Append(ctx, metaBatches)
		if err != nil {
			l.undo(ctx, rbs)
			return nil, err
		}
		for j, i := range metaIdx {
			firsts[i] = f[j]
		}
	}
	return firsts, nil
}

// run is what one Append stores in one stream: the topic's batches, in order,
// back to back.
type run struct {
	topic broker.Topic
	// batch is the batches' records and deduplication keys (nil when none
	// has keys), concatenated.
	batch broker.Batch
	// idx and lens are each batch's index in the Append and its length.
	idx, lens []int
	// first is the offset the run was stored at.
	first int64
}

// add appends batch i to the run.
func (r *run) add(i int, b *broker.Batch) {
	if len(r.idx) == 0 {
		r.batch = *b // the common case, one batch: no copy
	} else {
		if b.DedupKeys != nil && r.batch.DedupKeys == nil {
			r.batch.DedupKeys = make([]string, len(r.batch.Records), len(r.batch.Records)+len(b.Records))
		}
		if r.batch.DedupKeys != nil {
			if b.DedupKeys != nil {
				r.batch.DedupKeys = append(r.batch.DedupKeys, b.DedupKeys...)
			} else {
				r.batch.DedupKeys = append(r.batch.DedupKeys, make([]string, len(b.Records))...)
			}
		}
		r.batch.Records = append(r.batch.Records[:len(r.batch.Records):len(r.batch.Records)], b.Records...)
	}
	r.idx = append(r.idx, i)
	r.lens = append(r.lens, len(b.Records))
}

// appendRuns stores every run, all or nothing, and returns what would undo
// them. The runs are pipelined together; a run another writer overtook is
// rolled back and stored again alone (appendStream).
func (l *Log) appendRuns(ctx context.Context, runs []*run) ([]rollback, error) {
	total := 0
	for _, r := range runs {
		total += len(r.batch.Records)
	}
	rbs := make([]rollback, 0, len(runs))
	fail := func(err error) ([]rollback, error) {
		l.undo(ctx, rbs)
		return nil, err
	}
	if total > ackWindow || total == 0 {
		// Too many to have in flight at once: one run after the other.
		return l.appendAlone(ctx, runs, rbs)
	}
	lasts := make([]tail, len(runs))
	tls := make([][]tally, len(runs))
	for i, r := range runs {
		last, err := l.tailOf(ctx, r.topic.Name)
		if err != nil {
			return nil, err
		}
		lasts[i] = last
		tls[i] = tallies(r.batch.Records, last.total)
	}
	flights := make([]flight, len(runs))
	for i, r := range runs {
		flights[i] = l.send(r.topic.Name, &r.batch, 0, len(r.batch.Records), lasts[i].seq, tls[i], nuid.Next(), false)
	}
	var again []*run
	var firstErr error
	for i, r := range runs {
		rb, err := l.await(ctx, &flights[i])
		switch {
		case err == nil:
			r.first = int64(lasts[i].seq)
			l.setTail(r.topic.Name, lasts[i].after(tls[i]))
			rbs = append(rbs, rb)
		case firstErr == nil && (errors.Is(err, errOvertaken) || errors.Is(err, js.ErrNoStreamResponse)):
			if !l.undo(ctx, []rollback{rb}) {
				firstErr = err
				continue
			}
			if errors.Is(err, errOvertaken) {
				l.overtaken.Add(1)
			}
			again = append(again, r)
		default:
			rbs = append(rbs, rb)
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if firstErr != nil {
		return fail(firstErr)
	}
	return l.appendAlone(ctx, again, rbs)
}

// appendAlone stores runs one after the other, adding what would undo them to
// rbs; on an error it undoes rbs too.
func (l *Log) appendAlone(ctx context.Context, runs []*run, rbs []rollback) ([]rollback, error) {
	for _, r := range runs {
		first, rb, err := l.appendStream(ctx, r.topic, &r.batch)
		if err != nil {
			l.undo(ctx, rbs)
			return nil, err
		}
		r.first = first
		rbs = append(rbs, rb)
	}
	return rbs, nil
}

// tail is where a stream ends: its last sequence and the running byte count
// (hdrTotal) the next message continues from.
type tail struct {
	seq, total uint64
}

// after is the tail once a batch with tallies tls is stored after t.
func (t tail) after(tls []tally) tail {
	if len(tls) == 0 {
		return t
	}
	return tail{seq: t.seq + uint64(len(tls)), total: tls[len(tls)-1].total}
}

// tailOf is where a topic's stream ends: as this Log last stored or saw it,
// else as the stream says (fetchTail).
func (l *Log) tailOf(ctx context.Context, topic string) (tail, error) {
	l.mu.Lock()
	t, known := l.tails[l.streamName(topic)]
	l.mu.Unlock()
	if known {
		return t, nil
	}
	return l.fetchTail(ctx, topic)
}

// fetchTail asks the stream where it ends. The state is read before the last
// message: a message appended in between makes the next append expect an old
// sequence and be refused (then retried), never count from a stale total.
func (l *Log) fetchTail(ctx context.Context, topic string) (tail, error) {
	st, err := l.state(ctx, topic)
	if err != nil || st.Msgs == 0 {
		return tail{seq: st.LastSeq}, err
	}
	s, err := l.handle(ctx, topic)
	if err != nil || s == nil {
		return tail{seq: st.LastSeq}, err
	}
	m, err := s.GetLastMsgForSubject(ctx, l.subject(topic))
	switch {
	case errors.Is(err, js.ErrMsgNotFound), errors.Is(err, js.ErrStreamNotFound):
		return tail{seq: st.LastSeq}, nil
	case err != nil:
		return tail{}, l.fail("last message of topic "+topic, err)
	}
	tl, _, err := tallyOf(m.Header)
	if err != nil {
		return tail{}, fmt.Errorf("jetstream: topic %s: message %d: %w", topic, m.Sequence, err)
	}
	t := tail{seq: max(st.LastSeq, m.Sequence), total: tl.total}
	if tl.left > 0 {
		// An unfinished batch: the next message overtakes it, and it is
		// rolled back, so its messages do not count.
		t.total = tl.base
	}
	return t, nil
}

// setTail remembers where a topic's stream ends after this Log stored in it.
func (l *Log) setTail(topic string, t tail) {
	l.mu.Lock()
	l.tails[l.streamName(topic)] = t
	l.mu.Unlock()
}

// appendStream stores one batch in its topic's stream, contiguously, retrying
// while other writers overtake it. It returns the first offset and what would
// undo the batch.
func (l *Log) appendStream(ctx context.Context, t broker.Topic, b *broker.Batch) (int64, rollback, error) {
	if len(b.Records) == 0 {
		st, err := l.state(ctx, t.Name)
		return int64(st.LastSeq), rollback{}, err
	}
	last, err := l.tailOf(ctx, t.Name)
	if err != nil {
		return 0, rollback{}, err
	}
	created := false
	for attempt := 1; ; attempt++ {
		tls := tallies(b.Records, last.total)
		// The first try asks for one acknowledgement per flight; a retry
		// asks for one per message, so that a refusal says why (see send).
		rb, err := l.publishBatch(ctx, t.Name, b, last.seq, tls, attempt > 1)
		if err == nil {
			l.setTail(t.Name, last.after(tls))
			return int64(last.seq), rb, nil
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
		if last, err = l.fetchTail(ctx, t.Name); err != nil {
			return 0, rollback{}, err
		}
	}
}

// publishBatch publishes a batch's messages after sequence last, each
// expecting its predecessor's sequence, ackWindow at a time, and waits for
// the acks (every message's with ackEach, else each flight's last). On an
// error the rollback names what may have been stored.
func (l *Log) publishBatch(ctx context.Context, topic string, b *broker.Batch, last uint64, tls []tally, ackEach bool) (rollback, error) {
	token := nuid.Next()
	all := rollback{stream: l.streamName(topic), token: token}
	for lo := 0; lo < len(b.Records); lo += ackWindow {
		f := l.send(topic, b, lo, min(lo+ackWindow, len(b.Records)), last, tls, token, ackEach)
		rb, err := l.await(ctx, &f)
		all.seqs = append(all.seqs, rb.seqs...)
		all.maybe = append(all.maybe, rb.maybe...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}

// flight is a part of a batch published and not yet acknowledged.
type flight struct {
	rb rollback
	// futures are the acknowledgements asked for; wants[k] is the sequence
	// futures[k]'s message must get.
	futures []js.PubAckFuture
	wants   []uint64
	// unacked are the sequences the messages published without asking for
	// an acknowledgement must have, in order; they are the batch's once an
	// acknowledgement of a later message comes.
	unacked []uint64
	// err is why publishing stopped early.
	err error
}

// send publishes records lo to hi of a batch, message j expecting sequence
// last+j before it and carrying tally tls[j], without waiting for acks.
//
// With ackEach false only the flight's last message asks JetStream for an
// acknowledgement; the others are plain publishes on the same connection,
// so they reach the stream first and in order. The expectations make that
// one acknowledgement stand for the whole flight: the last message is stored
// only where the stream's last message is its predecessor (by id), which was
// stored only after its own predecessor, and so on back to the first, which
// was stored right after sequence last. JetStream then sends and Herald reads
// one acknowledgement a flight instead of one a message, which halves the
// server's work per message. What it loses is the reason of a refusal: a
// refused message makes the last one refused as "wrong last message id", so
// a retry asks for every acknowledgement (appendStream) and reports the first
// refusal's own reason.
func (l *Log) send(topic string, b *broker.Batch, lo, hi int, last uint64, tls []tally, token string, ackEach bool) flight {
	subject := l.subject(topic)
	f := flight{rb: rollback{stream: l.streamName(topic), token: token}}
	if ackEach {
		f.futures, f.wants = make([]js.PubAckFuture, 0, hi-lo), make([]uint64, 0, hi-lo)
	} else {
		f.unacked = make([]uint64, 0, hi-lo-1)
	}
	// Every message is built and measured before the first is published, so
	// that a message too large never leaves its predecessors published
	// without an acknowledgement to come.
	msgs := make([]*nats.Msg, hi-lo)
	for j := lo; j < hi; j++ {
		key := ""
		if b.DedupKeys != nil {
			key = b.DedupKeys[j]
		}
		m, err := encodeMsg(subject, &b.Records[j], key, token, tls[j])
		if err != nil {
			f.err = err
			return f
		}
		if n := msgSize(m); n > l.nc.MaxPayload() {
			f.err = fmt.Errorf("%w: event %d of the batch to %s is %d bytes with Herald's headers; the NATS server takes at most %d (max_payload)",
				broker.ErrEventTooLarge, j, b.Topic, n, l.nc.MaxPayload())
			return f
		}
		msgs[j-lo] = m
	}
	for j := lo; j < hi; j++ {
		m := msgs[j-lo]
		seq := last + uint64(j) + 1
		if !ackEach && j < hi-1 {
			expect(m, last+uint64(j), token, j)
			if err := l.nc.PublishMsg(m); err != nil {
				f.err = l.fail("publish", err)
				break
			}
			f.unacked = append(f.unacked, seq)
			continue
		}
		opts := []js.PublishOpt{js.WithExpectLastSequence(last + uint64(j)), js.WithMsgID(msgID(token, j))}
		if j > 0 {
			// The sequence alone lets message j land after another
			// writer's message that took j-1's place; the id chain does not.
			opts = append(opts, js.WithExpectLastMsgID(msgID(token, j-1)))
		}
		fut, err := l.js.PublishMsgAsync(m, opts...)
		if err != nil {
			f.err = l.fail("publish", err)
			break
		}
		f.futures = append(f.futures, fut)
		f.wants = append(f.wants, seq)
	}
	return f
}

// expect sets on m, message j of an append attempt, the expectations that
// PublishMsgAsync's options set: the stream's last sequence before it, its
// own id, and its predecessor's id as the stream's last.
func expect(m *nats.Msg, lastSeq uint64, token string, j int) {
	m.Header.Set(js.ExpectedLastSeqHeader, strconv.FormatUint(lastSeq, 10))
	m.Header.Set(js.MsgIDHeader, msgID(token, j))
	if j > 0 {
		m.Header.Set(js.ExpectedLastMsgIDHeader, msgID(token, j-1))
	}
}

// msgID is the Nats-Msg-Id of message j of an append attempt: unique, so
// JetStream never takes it for a duplicate, and named by the next message's
// Nats-Expected-Last-Msg-Id.
func msgID(token string, j int) string { return token + "." + strconv.Itoa(j) }

// await waits for a flight's acks and returns what was (or may have been)
// stored, and the first error.
func (l *Log) await(ctx context.Context, f *flight) (rollback, error) {
	rb := f.rb
	firstErr := f.err
	stored := false // an acknowledgement came, so every unacked message before it is stored
	for k, fut := range f.futures {
		want := f.wants[k]
		select {
		case pa := <-fut.Ok():
			rb.seqs = append(rb.seqs, pa.Sequence)
			if pa.Sequence != want && firstErr == nil {
				firstErr = fmt.Errorf("jetstream: stored at sequence %d, not %d", pa.Sequence, want)
			}
			stored = pa.Sequence == want
		case err := <-fut.Err():
			if api := (*js.APIError)(nil); !errors.As(err, &api) {
				// No answer from JetStream (the connection went): it may
				// have stored the message all the same.
				rb.maybe = append(rb.maybe, want)
			}
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
	if stored && f.err == nil {
		rb.seqs = append(f.unacked, rb.seqs...)
	} else {
		// Some may be stored (a prefix of them): a rollback checks each
		// one's token before deleting it.
		rb.maybe = append(f.unacked, rb.maybe...)
	}
	return rb, firstErr
}

// errCodeWrongLastMsgID is JetStream's refusal of a message whose
// Nats-Expected-Last-Msg-Id is not the stream's last (nats.go names no
// constant for it).
const errCodeWrongLastMsgID js.ErrorCode = 10070

// publishErr classifies an async publish error.
func (l *Log) publishErr(err error) error {
	var api *js.APIError
	if errors.As(err, &api) && (api.ErrorCode == js.JSErrCodeStreamWrongLastSequence || api.ErrorCode == js.JSErrCodeStreamWrongLastSequenceConstant || api.ErrorCode == errCodeWrongLastMsgID) {
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

// publishHeaderRoom is the most the headers added on publish take: the
// expected sequence, the message id and the expected last message id (a
// 22-character NUID token, a dot and a batch index).
var publishHeaderRoom = len("Nats-Expected-Last-Sequence: 18446744073709551615\r\n") +
	len("Nats-Msg-Id: \r\n") + len("Nats-Expected-Last-Msg-Id: \r\n") + 2*(22+1+19)

// msgSize is what the server counts against max_payload: the data and the
// encoded headers, with room for the headers added on publish.
func msgSize(m *nats.Msg) int64 {
	n := len(m.Data) + len("NATS/1.0\r\n\r\n") + publishHeaderRoom
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return int64(n)
}
