package broker

import (
	"context"
	"fmt"
)

// GroupCommit is a consumer group's committed next offset in one topic.
type GroupCommit struct {
	Group  string
	Offset int64
}

// GroupLag is a consumer group's progress in one topic.
type GroupLag struct {
	// Group is the consumer group.
	Group string
	// Offset is the committed next offset: the first event not processed yet.
	Offset int64
	// Lag is how many stored events the group has not processed: events from
	// Offset to the topic's end that retention still keeps. Events trimmed
	// before the group reached them are not counted, since no read returns them.
	Lag int64
}

// TopicGroups returns the consumer groups of a stream with their committed
// offsets and lag, ordered by group name (empty for a queue, which has no
// groups). Errors: ErrTopicNotFound.
func (b *Broker) TopicGroups(ctx context.Context, topic string) ([]GroupLag, error) {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	if t.Kind == Queue {
		return nil, nil
	}
	st, err := b.log.Stats(ctx, topic)
	if err != nil {
		return nil, err
	}
	commits, err := b.log.GroupsOf(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", topic, err)
	}
	out := make([]GroupLag, len(commits))
	for i, c := range commits {
		out[i] = GroupLag{Group: c.Group, Offset: c.Offset, Lag: lag(st, c.Offset)}
	}
	return out, nil
}

// lag is how many stored events lie at or after offset.
func lag(st Stats, offset int64) int64 {
	if st.Events == 0 || offset > st.LastOffset {
		return 0
	}
	if offset <= st.FirstOffset {
		return st.Events
	}
	// Offsets are dense between the first and the last stored event (retention
	// trims only from the front), so the count is a subtraction.
	return st.LastOffset - offset + 1
}

// QueueDepth is what a queue holds.
type QueueDepth struct {
	// Visible messages are ready to be received.
	Visible int64
	// InFlight messages are leased to a consumer, or delayed by a nack, and
	// not yet acknowledged.
	InFlight int64
}

// QueueDepth returns the visible and in-flight messages of a queue.
// Errors: ErrTopicNotFound, ErrWrongKind for a stream.
func (b *Broker) QueueDepth(ctx context.Context, topic string) (QueueDepth, error) {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return QueueDepth{}, err
	}
	if t.Kind != Queue {
		return QueueDepth{}, fmt.Errorf("%w: topic %s is a stream: it has no queue depth", ErrWrongKind, topic)
	}
	vis, hidden, err := b.log.QueueCounts(ctx, topic, b.now())
	if err != nil {
		return QueueDepth{}, err
	}
	return QueueDepth{Visible: vis, InFlight: hidden}, nil
}
