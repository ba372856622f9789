package broker

// Dead letters and their redrive: after the contract (or the consumer) is
// fixed, the events a topic dead-lettered are published to it again, each
// through the same validated publish as any producer's, so an event that is
// still invalid is refused and stays a dead letter.
//
// What was redriven is kept through the Log interface alone, so it survives a
// restart and is the same on every engine: the consumer group
// "herald-redrive:<topic>" commits, on the dead-letter topic, the offset below
// which every dead letter of <topic> was redriven (the mark); a dead letter
// redriven above the mark (because one before it is still refused, or was not
// selected) gets a group of its own, "herald-redrive:<topic>@<offset>". Once
// the mark passes them those groups are only history. A redriven event
// carries the header herald-redriven-from naming the dead letter it came
// from.
//
// Redrives of one topic are serialized within the process. Two Herald
// instances redriving the same topic at the same moment could both publish an
// event; so could a crash between an event's publish and its mark.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// HeaderRedrivenFrom names, on a redriven event, the dead letter it was
// ("<dead-letter topic>@<offset>").
const HeaderRedrivenFrom = "herald-redriven-from"

// Redrive bounds.
const (
	// MaxRedrive is the most dead letters one Redrive publishes; a redrive
	// of all of them that finds more says so (RedriveResult.More).
	MaxRedrive = 1000
	// maxDeadLetterScan bounds the records of the dead-letter topic one call
	// reads: it may hold many other topics' dead letters.
	maxDeadLetterScan = 50 * MaxRedrive
	// deadLetterChunk is how many records each read of the scan asks for.
	deadLetterChunk = 500
)

// RedriveGroup is the consumer group whose committed offset on a topic's
// dead-letter topic marks how far its dead letters were redriven.
func RedriveGroup(topic string) string { return "herald-redrive:" + topic }

// DeadLetterEvent is one event of a topic's dead-letter topic that came from it.
type DeadLetterEvent struct {
	// Record is the event as stored in the dead-letter topic: Offset is its
	// offset there.
	Record
	// Reason is why it was dead-lettered.
	Reason string
	// Redriven reports that it was published to its topic again.
	Redriven bool
}

// DeadLetterPage is a page of a topic's dead letters.
type DeadLetterPage struct {
	// Topic is the topic the dead letters came from; DeadLetterTopic holds them.
	Topic, DeadLetterTopic string
	Letters                []DeadLetterEvent
	// Next is the dead-letter topic offset to continue from.
	Next int64
}

// redriveState is what was redriven: the mark and the dead letters above it.
type redriveState struct {
	mark  int64
	above map[int64]bool
}

func (s redriveState) redriven(off int64) bool { return off < s.mark || s.above[off] }

// deadLetterTopic returns the dead-letter topic of topic.
func (b *Broker) deadLetterTopic(ctx context.Context, topic string) (string, error) {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return "", err
	}
	if t.DeadLetterTopic == "" {
		return "", fmt.Errorf("%w: topic %s has no dead-letter topic", ErrInvalidRequest, topic)
	}
	return t.DeadLetterTopic, nil
}

// redriveState reads the marks of topic's redrives on dlq.
func (b *Broker) redriveState(ctx context.Context, topic, dlq string) (redriveState, error) {
	groups, err := b.log.GroupsOf(ctx, dlq)
	if err != nil {
		return redriveState{}, err
	}
	st := redriveState{above: map[int64]bool{}}
	name := RedriveGroup(topic)
	for _, g := range groups {
		if g.Group == name {
			st.mark = g.Offset
			continue
		}
		if rest, ok := strings.CutPrefix(g.Group, name+"@"); ok {
			if off, err := strconv.ParseInt(rest, 10, 64); err == nil {
				st.above[off] = true
			}
		}
	}
	return st, nil
}

// scanDeadLetters calls f with each record of dlq from offset from that
// came from topic, in offset order, until f returns false, the log ends or
// maxDeadLetterScan records were read. It returns the offset after the last
// record read.
func (b *Broker) scanDeadLetters(ctx context.Context, topic, dlq string, from int64, f func(Record) bool) (int64, error) {
	next := from
	for read := 0; read < maxDeadLetterScan; {
		recs, err := b.log.Read(ctx, dlq, next, deadLetterChunk, b.cfg.MaxPageBytes)
		if err != nil {
			return next, err
		}
		if len(recs) == 0 {
			return next, nil
		}
		for _, r := range recs {
			read++
			next = r.Offset + 1
			if r.Headers[HeaderSourceTopic] == topic && !f(r) {
				return next, nil
			}
		}
	}
	return next, nil
}

// DeadLetters returns up to limit dead letters of topic (from its dead-letter
// topic, the events whose source is topic) at or after offset from, each
// saying whether it was redriven. Errors: ErrTopicNotFound, ErrInvalidRequest
// (a topic without a dead-letter topic, a bad limit).
func (b *Broker) DeadLetters(ctx context.Context, topic string, from int64, limit int) (DeadLetterPage, error) {
	dlq, err := b.deadLetterTopic(ctx, topic)
	if err != nil {
		return DeadLetterPage{}, err
	}
	if limit, err = pageLimit(limit, 100); err != nil {
		return DeadLetterPage{}, err
	}
	if from < 0 {
		return DeadLetterPage{}, fmt.Errorf("%w: from=%d: offsets are not negative", ErrInvalidRequest, from)
	}
	st, err := b.redriveState(ctx, topic, dlq)
	if err != nil {
		return DeadLetterPage{}, err
	}
	page := DeadLetterPage{Topic: topic, DeadLetterTopic: dlq, Letters: []DeadLetterEvent{}}
	size := 0 // a page is bounded by bytes as a read is
	page.Next, err = b.scanDeadLetters(ctx, topic, dlq, from, func(r Record) bool {
		page.Letters = append(page.Letters, DeadLetterEvent{Record: r, Reason: r.Headers[HeaderDeadLetterReason], Redriven: st.redriven(r.Offset)})
		size += r.Size()
		return len(page.Letters) < limit && size < b.cfg.MaxPageBytes
	})
	return page, err
}

// RedriveRequest asks Redrive to publish dead letters again.
type RedriveRequest struct {
	// Topic is the topic whose dead letters are redriven.
	Topic string
	// All redrives every dead letter not redriven yet (up to MaxRedrive);
	// otherwise Offsets lists the dead-letter topic offsets to redrive.
	All     bool
	Offsets []int64
}

// RedriveStatus is what happened to one dead letter.
type RedriveStatus uint8

// The statuses of a redriven dead letter.
const (
	// Redriven: published to its topic again (Offset says where).
	Redriven RedriveStatus = iota + 1
	// StillInvalid: refused by the topic's contract again; it stays.
	StillInvalid
	// AlreadyRedriven: an earlier redrive published it; it was not published twice.
	AlreadyRedriven
	// NotFound: the offset holds no dead letter of the topic.
	NotFound
)

var redriveStatusNames = [...]string{Redriven: "redriven", StillInvalid: "still-invalid", AlreadyRedriven: "already-redriven", NotFound: "not-found"}

// String returns the status's name ("still-invalid").
func (s RedriveStatus) String() string {
	if int(s) < len(redriveStatusNames) && redriveStatusNames[s] != "" {
		return redriveStatusNames[s]
	}
	return "RedriveStatus(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText implements encoding.TextMarshaler.
func (s RedriveStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// RedriveOutcome is what Redrive did with one dead letter.
type RedriveOutcome struct {
	// DeadLetterOffset is the dead letter's offset in the dead-letter topic.
	DeadLetterOffset int64
	Status           RedriveStatus
	// Offset is where a redriven event now is in its topic (Redriven only).
	Offset int64
	// Problems say why a StillInvalid event was refused.
	Problems []EventProblem
}

// RedriveResult is what one Redrive did.
type RedriveResult struct {
	Topic, DeadLetterTopic string
	Outcomes               []RedriveOutcome
	// Redriven and StillInvalid count the outcomes of those statuses.
	Redriven, StillInvalid int
	// More is set when a redrive of all stopped at MaxRedrive (or at the
	// scan bound) with dead letters left to look at: call it again.
	More bool
}

// redriveLocks serializes the redrives of each topic of each broker.
var redriveLocks sync.Map // redriveLockKey -> *sync.Mutex

type redriveLockKey struct {
	b     *Broker
	topic string
}

// Redrive publishes dead letters of req.Topic to it again, oldest first, each
// in its own validated publish (refused, never dead-lettered again, when it
// still breaks the contract), and records which were redriven so that none
// is published twice. Errors: ErrTopicNotFound, ErrInvalidRequest (no
// dead-letter topic, no offsets, too many), and any publish error other than
// an invalid event (the outcomes up to it are recorded).
func (b *Broker) Redrive(ctx context.Context, req RedriveRequest) (RedriveResult, error) {
	dlq, err := b.deadLetterTopic(ctx, req.Topic)
	if err != nil {
		return RedriveResult{}, err
	}
	if !req.All && len(req.Offsets) == 0 {
		return RedriveResult{}, fmt.Errorf("%w: name the dead letters to redrive (offsets) or all of them", ErrInvalidRequest)
	}
	if len(req.Offsets) > MaxRedrive {
		return RedriveResult{}, fmt.Errorf("%w: %d offsets: at most %d per redrive", ErrInvalidRequest, len(req.Offsets), MaxRedrive)
	}
	mu, _ := redriveLocks.LoadOrStore(redriveLockKey{b, req.Topic}, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	// A redrive follows a fix, often a schema registered a moment ago: the
	// version lists are fetched again rather than trusted for SchemaRefresh.
	if err := b.refreshVersions(ctx, req.Topic); err != nil {
		return RedriveResult{}, err
	}
	st, err := b.redriveState(ctx, req.Topic, dlq)
	if err != nil {
		return RedriveResult{}, err
	}
	res := RedriveResult{Topic: req.Topic, DeadLetterTopic: dlq, Outcomes: []RedriveOutcome{}}
	want := map[int64]bool{}
	from := st.mark
	for _, off := range req.Offsets {
		if want[off] {
			continue
		}
		want[off] = true
		if st.redriven(off) {
			status, err := b.redrivenStatus(ctx, req.Topic, dlq, off)
			if err != nil {
				return RedriveResult{}, err
			}
			res.Outcomes = append(res.Outcomes, RedriveOutcome{DeadLetterOffset: off, Status: status})
		}
	}
	var runErr error
	_, err = b.scanDeadLetters(ctx, req.Topic, dlq, from, func(r Record) bool {
		if st.redriven(r.Offset) || (!req.All && !want[r.Offset]) {
			return true
		}
		if req.All && res.Redriven+res.StillInvalid == MaxRedrive {
			res.More = true
			return false
		}
		delete(want, r.Offset)
		out, err := b.redriveOne(ctx, req.Topic, dlq, r)
		if err != nil {
			runErr = err
			return false
		}
		if out.Status == Redriven {
			res.Redriven++
			st.above[r.Offset] = true
			if err := b.markRedriven(ctx, req.Topic, dlq, &st, r.Offset); err != nil {
				runErr = err
				return false
			}
		} else {
			res.StillInvalid++
		}
		res.Outcomes = append(res.Outcomes, out)
		return req.All || len(want) > 0
	})
	if runErr != nil {
		return res, runErr
	}
	if err != nil {
		return res, err
	}
	for off := range want {
		if !st.redriven(off) {
			res.Outcomes = append(res.Outcomes, RedriveOutcome{DeadLetterOffset: off, Status: NotFound})
		}
	}
	if err := b.advanceMark(ctx, req.Topic, dlq, &st); err != nil {
		return res, err
	}
	return res, nil
}

// redrivenStatus is the status of a named offset the marks cover: the mark
// passes other topics' events too, so the record is looked at.
func (b *Broker) redrivenStatus(ctx context.Context, topic, dlq string, off int64) (RedriveStatus, error) {
	recs, err := b.log.Read(ctx, dlq, off, 1, 0)
	if err != nil {
		return 0, err
	}
	if len(recs) == 0 || recs[0].Offset != off || recs[0].Headers[HeaderSourceTopic] != topic {
		return NotFound, nil
	}
	return AlreadyRedriven, nil
}

// refreshVersions fetches the version lists of topic's subjects again.
func (b *Broker) refreshVersions(ctx context.Context, topic string) error {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return err
	}
	for _, sub := range []string{t.ValueSubject, t.KeySubject} {
		if sub == "" {
			continue
		}
		if _, err := b.versions(ctx, sub, true); err != nil {
			return err
		}
	}
	return nil
}

// redriveOne publishes one dead letter to its topic again.
func (b *Broker) redriveOne(ctx context.Context, topic, dlq string, r Record) (RedriveOutcome, error) {
	h := make(map[string]string, len(r.Headers))
	for k, v := range r.Headers {
		switch k {
		case HeaderDeadLetterReason, HeaderSourceTopic, HeaderSourceOffset:
		default:
			h[k] = v
		}
	}
	h[HeaderRedrivenFrom] = dlq + "@" + strconv.FormatInt(r.Offset, 10)
	out := RedriveOutcome{DeadLetterOffset: r.Offset}
	results, err := b.Publish(ctx, topic, []Event{{ID: r.ID, Key: r.Key, Value: r.Value, Headers: h}}, PublishOptions{RejectInvalid: true})
	var ee *EventsError
	switch {
	case errors.As(err, &ee):
		out.Status, out.Problems = StillInvalid, ee.Problems
		for i := range out.Problems {
			out.Problems[i].Index = 0
		}
		return out, nil
	case err != nil:
		return out, fmt.Errorf("redrive %s@%d to %s: %w", dlq, r.Offset, topic, err)
	}
	out.Status, out.Offset = Redriven, results[0].Offset
	return out, nil
}

// markRedriven records that the dead letter at off was redriven: by the mark
// when it is the next one, else by a group of its own.
func (b *Broker) markRedriven(ctx context.Context, topic, dlq string, st *redriveState, off int64) error {
	if off == st.mark {
		return b.advanceMark(ctx, topic, dlq, st)
	}
	return b.log.CommitOffsets(ctx, RedriveGroup(topic)+"@"+strconv.FormatInt(off, 10), []GroupOffset{{Topic: dlq, Offset: off + 1}})
}

// advanceMark moves the mark past every record of dlq that is redriven or
// not topic's, up to the first dead letter of topic that is not redriven.
func (b *Broker) advanceMark(ctx context.Context, topic, dlq string, st *redriveState) error {
	mark := st.mark
	for read := 0; read < maxDeadLetterScan; {
		recs, err := b.log.Read(ctx, dlq, mark, deadLetterChunk, b.cfg.MaxPageBytes)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			break
		}
		stop := false
		for _, r := range recs {
			read++
			if r.Headers[HeaderSourceTopic] == topic && !st.redriven(r.Offset) {
				stop = true
				break
			}
			mark = r.Offset + 1
		}
		if stop {
			break
		}
	}
	if mark == st.mark {
		return nil
	}
	if err := b.log.CommitOffsets(ctx, RedriveGroup(topic), []GroupOffset{{Topic: dlq, Offset: mark}}); err != nil {
		return err
	}
	st.mark = mark
	return nil
}
