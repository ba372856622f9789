package broker

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// PositionKind says how a Position picks the first event of a read.
type PositionKind int

// Position kinds. The zero value, Unset, lets a read choose (a group's committed
// offset, else Earliest).
const (
	Unset PositionKind = iota
	// Earliest is the oldest stored event.
	Earliest
	// Latest is the next event to be published: only new events.
	Latest
	// AtOffset is a given offset (or the oldest stored after it).
	AtOffset
	// AtTime is the first event stored at or after a given time.
	AtTime
)

// Position is where a stream read starts.
type Position struct {
	Kind   PositionKind
	Offset int64
	Time   time.Time
}

// String renders the position the way ParsePosition reads it.
func (p Position) String() string {
	switch p.Kind {
	case Earliest:
		return "earliest"
	case Latest:
		return "latest"
	case AtOffset:
		return strconv.FormatInt(p.Offset, 10)
	case AtTime:
		return p.Time.Format(time.RFC3339Nano)
	}
	return ""
}

// ParsePosition parses "earliest", "latest", an offset (a non-negative integer)
// or an RFC 3339 time; "" is Unset. Errors wrap ErrInvalidRequest.
func ParsePosition(s string) (Position, error) {
	switch s {
	case "":
		return Position{}, nil
	case "earliest":
		return Position{Kind: Earliest}, nil
	case "latest":
		return Position{Kind: Latest}, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < 0 {
			return Position{}, fmt.Errorf("%w: from=%s: offsets are not negative", ErrInvalidRequest, s)
		}
		return Position{Kind: AtOffset, Offset: n}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return Position{Kind: AtTime, Time: t}, nil
	}
	return Position{}, fmt.Errorf("%w: from=%q: want earliest, latest, an offset or an RFC 3339 time", ErrInvalidRequest, s)
}

// ReadRequest asks for events of a stream.
type ReadRequest struct {
	// Topic is the topic read.
	Topic string
	// From is where to start. Unset: the group's committed offset, else Earliest.
	From Position
	// Limit is the most events returned. Zero: 100; at most MaxReadLimit.
	Limit int
	// Wait, when positive, waits up to that long for an event if there is none
	// yet (long poll).
	Wait time.Duration
	// Group, when set, names a consumer group: reading starts at its committed
	// offset and the read is observed as consumption. Streams only.
	Group string
	// Client names the consuming client (Herald-Client); with Group it is
	// recorded as observed lineage (the group name when Client is "").
	Client string
}

// MaxReadLimit bounds ReadRequest.Limit and ReceiveRequest.Max.
const MaxReadLimit = 10000

// ReadResult is a page of events.
type ReadResult struct {
	// Records are the events, ascending by offset.
	Records []Record
	// Next is the offset to read from to continue after this page.
	Next int64
}

// ValidGroupName reports whether name is an acceptable consumer group name:
// 1 to 255 bytes of printable characters in valid UTF-8. Invalid UTF-8 would
// be stored as given and come back with U+FFFD in its place, a group no
// request could then name.
func ValidGroupName(name string) bool {
	if name == "" || len(name) > 255 || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// Read returns events of a topic from a position, waiting up to Wait for the
// first one when there is none. Errors: ErrTopicNotFound, ErrInvalidRequest,
// ErrWrongKind (a group read on a queue), ErrClosed.
func (b *Broker) Read(ctx context.Context, req ReadRequest) (ReadResult, error) {
	t, err := b.topic(ctx, req.Topic)
	if err != nil {
		return ReadResult{}, err
	}
	limit, err := pageLimit(req.Limit, 100)
	if err != nil {
		return ReadResult{}, err
	}
	if req.Group != "" {
		if !ValidGroupName(req.Group) {
			return ReadResult{}, fmt.Errorf("%w: group %q: use 1 to 255 printable characters", ErrInvalidRequest, req.Group)
		}
		if t.Kind == Queue {
			return ReadResult{}, fmt.Errorf("%w: topic %s is a queue: receive from it instead of reading with a group", ErrWrongKind, t.Name)
		}
	}
	from, err := b.resolve(ctx, t, req)
	if err != nil {
		return ReadResult{}, err
	}
	var deadline time.Time
	if req.Wait > 0 {
		deadline = time.Now().Add(req.Wait)
	}
	for {
		changed := t.changed()
		recs, err := b.log.Read(ctx, t.Name, from, limit, b.cfg.MaxPageBytes)
		if err != nil {
			return ReadResult{}, err
		}
		if req.From.Kind == AtTime {
			// Events committed after the position was resolved, but before the
			// time asked for, are not part of the answer: a read from a time
			// to come returns nothing (and waits) until that time.
			n := 0
			for n < len(recs) && recs[n].Time.Before(req.From.Time) {
				n++
			}
			if n > 0 {
				from, recs = recs[n-1].Offset+1, recs[n:]
				if len(recs) == 0 {
					continue // read on past them before waiting
				}
			}
		}
		if len(recs) > 0 || req.Wait <= 0 || !time.Now().Before(deadline) {
			res := ReadResult{Records: recs, Next: from}
			if len(recs) > 0 {
				res.Next = recs[len(recs)-1].Offset + 1
			}
			if req.Group != "" {
				who := req.Client
				if who == "" {
					who = req.Group
				}
				b.observe(t.Name, Consumer, who, int64(len(recs)), 0, b.now().UTC())
			}
			return res, nil
		}
		if err := b.await(ctx, changed, b.pollSlice(time.Until(deadline))); err != nil {
			return ReadResult{}, err
		}
		if t, err = b.topic(ctx, req.Topic); err != nil {
			return ReadResult{}, err
		}
	}
}

// await blocks a long poll until changed is closed or d has passed. It returns
// ctx.Err() when the context ends first and ErrClosed when the broker closes.
func (b *Broker) await(ctx context.Context, changed <-chan struct{}, d time.Duration) error {
	b.waiting.Add(1)
	defer b.waiting.Add(-1)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-changed:
	case <-timer.C:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return ErrClosed
	}
	return nil
}

// minLogTime and maxLogTime bound the times a Log is asked about: logs store
// times as Unix nanoseconds, which wrap outside them (years 1677 and 2262). A
// time outside once wrapped, and from=9999-12-31T23:59:59Z replayed from
// offset 0.
var (
	minLogTime = time.Unix(0, math.MinInt64)
	maxLogTime = time.Unix(0, math.MaxInt64)
)

// resolve turns a read's position into an offset.
func (b *Broker) resolve(ctx context.Context, t *topicState, req ReadRequest) (int64, error) {
	p := req.From
	if p.Kind == Unset && req.Group != "" {
		offs, err := b.log.Offsets(ctx, req.Group)
		if err != nil {
			return 0, err
		}
		if o, ok := offs[t.Name]; ok {
			return o, nil
		}
	}
	switch p.Kind {
	case Unset, Earliest:
		return 0, nil // the log returns the oldest stored at or after 0
	case Latest:
		st, err := b.log.Stats(ctx, t.Name)
		if err != nil {
			return 0, err
		}
		return st.NextOffset, nil
	case AtOffset:
		if p.Offset < 0 {
			return 0, fmt.Errorf("%w: offset %d is negative", ErrInvalidRequest, p.Offset)
		}
		return p.Offset, nil
	case AtTime:
		switch {
		case p.Time.Before(minLogTime):
			return 0, nil // before every event
		case p.Time.After(maxLogTime):
			// After every event there can be: the log finds none at or
			// after maxLogTime and answers its next offset.
			return b.log.OffsetAt(ctx, t.Name, maxLogTime)
		}
		return b.log.OffsetAt(ctx, t.Name, p.Time)
	}
	return 0, fmt.Errorf("%w: unknown position", ErrInvalidRequest)
}

func pageLimit(n, def int) (int, error) {
	switch {
	case n == 0:
		return def, nil
	case n < 0 || n > MaxReadLimit:
		return 0, fmt.Errorf("%w: limit %d: want 1 to %d", ErrInvalidRequest, n, MaxReadLimit)
	}
	return n, nil
}

// CommitOffset commits a consumer group's next offset for a stream: the offset
// of the first event the group has not processed yet. It must be between 0 and
// the topic's next offset. Errors: ErrTopicNotFound, ErrWrongKind,
// ErrInvalidRequest.
func (b *Broker) CommitOffset(ctx context.Context, group, topic string, offset int64) error {
	return b.CommitOffsets(ctx, group, GroupOffset{Topic: topic, Offset: offset})
}

// MaxCommitOffsets bounds the offsets of one CommitOffsets: each is checked
// against its topic.
const MaxCommitOffsets = 1000

// CommitOffsets commits several of a group's offsets as CommitOffset does, all
// or none: every offset is checked first, and the log stores them in one
// transaction. Errors name the first offset refused: ErrTopicNotFound,
// ErrWrongKind, ErrInvalidRequest (also for more than MaxCommitOffsets).
func (b *Broker) CommitOffsets(ctx context.Context, group string, offsets ...GroupOffset) error {
	if !ValidGroupName(group) {
		return fmt.Errorf("%w: group %q: use 1 to 255 printable characters", ErrInvalidRequest, group)
	}
	if len(offsets) == 0 {
		return fmt.Errorf("%w: no offsets to commit", ErrInvalidRequest)
	}
	if len(offsets) > MaxCommitOffsets {
		return fmt.Errorf("%w: %d offsets: at most %d per commit (one per topic the group reads)", ErrInvalidRequest, len(offsets), MaxCommitOffsets)
	}
	for _, o := range offsets {
		if err := b.checkOffset(ctx, o); err != nil {
			return err
		}
	}
	return b.log.CommitOffsets(ctx, group, offsets)
}

// checkOffset checks that o names a stream and lies between 0 and its next
// offset.
func (b *Broker) checkOffset(ctx context.Context, o GroupOffset) error {
	t, err := b.topic(ctx, o.Topic)
	if err != nil {
		return err
	}
	if t.Kind == Queue {
		return fmt.Errorf("%w: topic %s is a queue: acknowledge messages instead of committing offsets", ErrWrongKind, o.Topic)
	}
	st, err := b.log.Stats(ctx, o.Topic)
	if err != nil {
		return err
	}
	if o.Offset < 0 || o.Offset > st.NextOffset {
		return fmt.Errorf("%w: offset %d for topic %s: want 0 to %d (the next offset)", ErrInvalidRequest, o.Offset, o.Topic, st.NextOffset)
	}
	return nil
}

// GroupOffsets returns a group's committed offsets by topic (empty for an
// unknown group). Errors: ErrInvalidRequest.
func (b *Broker) GroupOffsets(ctx context.Context, group string) (map[string]int64, error) {
	if !ValidGroupName(group) {
		return nil, fmt.Errorf("%w: group %q: use 1 to 255 printable characters", ErrInvalidRequest, group)
	}
	return b.log.Offsets(ctx, group)
}
