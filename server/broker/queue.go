package broker

import (
	"context"
	"fmt"
	"time"
)

// ReceiveRequest asks for messages of a queue.
type ReceiveRequest struct {
	// Topic is the queue.
	Topic string
	// Max is the most messages leased. Zero: 10; at most MaxReadLimit.
	Max int
	// Visibility is how long the lease lasts: until then no other consumer gets
	// the message. Zero: the topic's Visibility.
	Visibility time.Duration
	// Wait, when positive, waits up to that long for a message (long poll).
	Wait time.Duration
	// Client names the consumer (Herald-Client), recorded as observed lineage.
	Client string
}

// queuePoll is how often a waiting receive looks again for messages whose
// lease expired or whose nack delay passed (those make no commit to wake on).
const queuePoll = 250 * time.Millisecond

// Receive leases up to Max visible messages of a queue, oldest first. Each comes
// with its AckID and delivery count. A message delivered MaxDeliveries times
// goes to the dead-letter topic instead. Errors: ErrTopicNotFound, ErrWrongKind,
// ErrInvalidRequest, ErrClosed.
func (b *Broker) Receive(ctx context.Context, req ReceiveRequest) ([]Record, error) {
	t, err := b.topic(ctx, req.Topic)
	if err != nil {
		return nil, err
	}
	if t.Kind != Queue {
		return nil, fmt.Errorf("%w: topic %s is a stream: read it (with a group to track progress)", ErrWrongKind, t.Name)
	}
	max, err := pageLimit(req.Max, 10)
	if err != nil {
		return nil, err
	}
	if req.Visibility < 0 {
		return nil, fmt.Errorf("%w: visibility must not be negative", ErrInvalidRequest)
	}
	if req.Visibility > MaxVisibility {
		return nil, fmt.Errorf("%w: visibility %s is over the limit: at most %s", ErrInvalidRequest, req.Visibility, MaxVisibility)
	}
	var deadline time.Time
	if req.Wait > 0 {
		deadline = time.Now().Add(req.Wait)
	}
	for {
		vis := req.Visibility
		if vis == 0 {
			vis = t.Visibility
		}
		if vis == 0 {
			vis = DefaultVisibility
		}
		// A topic stored before MaxVisibility existed may hold a longer one.
		vis = min(vis, MaxVisibility)
		changed := t.changed()
		lr := LeaseRequest{Topic: t.Name, Max: max, MaxBytes: b.cfg.MaxPageBytes, Now: b.now().UTC(), Visibility: vis}
		if t.MaxDeliveries > 0 && t.DeadLetterTopic != "" {
			lr.MaxDeliveries = t.MaxDeliveries
			lr.DeadLetterTopic = t.DeadLetterTopic
			lr.DeadLetterReason = fmt.Sprintf("delivered %d times without an ack (maxDeliveries %d)", t.MaxDeliveries, t.MaxDeliveries)
		}
		res, err := b.log.Lease(ctx, lr)
		if err != nil {
			return nil, err
		}
		if res.DeadLettered > 0 {
			b.wakeTopic(t.DeadLetterTopic)
		}
		if len(res.Records) > 0 || req.Wait <= 0 || !time.Now().Before(deadline) {
			if req.Client != "" {
				b.observe(t.Name, Consumer, req.Client, int64(len(res.Records)), 0, b.now().UTC())
			}
			if res.Records == nil {
				res.Records = []Record{}
			}
			return res.Records, nil
		}
		if err := b.await(ctx, changed, min(time.Until(deadline), queuePoll)); err != nil {
			return nil, err
		}
		if t, err = b.topic(ctx, req.Topic); err != nil {
			return nil, err
		}
	}
}

// MaxAckIDs bounds the ack ids of one Ack or Nack: as many as one receive can
// lease (MaxReadLimit). The Log applies them in short transactions, so a long
// list never holds up publishes to other topics.
const MaxAckIDs = MaxReadLimit

// checkAckIDs refuses a list longer than MaxAckIDs.
func checkAckIDs(ids []AckID) error {
	if len(ids) > MaxAckIDs {
		return fmt.Errorf("%w: %d ack ids: at most %d per request (send the rest in another request)", ErrInvalidRequest, len(ids), MaxAckIDs)
	}
	return nil
}

// Ack deletes acknowledged messages and returns how many it deleted; ack ids
// that are stale (the lease expired and the message was delivered again) or
// unknown (already acknowledged) are skipped. Errors: ErrTopicNotFound,
// ErrWrongKind, ErrInvalidRequest (more than MaxAckIDs ids).
func (b *Broker) Ack(ctx context.Context, topic string, ids []AckID) (int, error) {
	if _, err := b.queue(ctx, topic); err != nil {
		return 0, err
	}
	if err := checkAckIDs(ids); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return b.log.Ack(ctx, topic, ids)
}

// Nack gives leased messages back: they become visible again after delay (zero:
// at once) and returns how many it changed; stale or unknown ids are skipped.
// Errors: ErrTopicNotFound, ErrWrongKind, ErrInvalidRequest (a negative delay,
// more than MaxAckIDs ids).
func (b *Broker) Nack(ctx context.Context, topic string, ids []AckID, delay time.Duration) (int, error) {
	t, err := b.queue(ctx, topic)
	if err != nil {
		return 0, err
	}
	if delay < 0 {
		return 0, fmt.Errorf("%w: delay must not be negative", ErrInvalidRequest)
	}
	if err := checkAckIDs(ids); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := b.log.Nack(ctx, topic, ids, b.now().UTC().Add(delay))
	if err == nil && n > 0 && delay == 0 {
		t.wake()
	}
	return n, err
}

func (b *Broker) queue(ctx context.Context, topic string) (*topicState, error) {
	t, err := b.topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	if t.Kind != Queue {
		return nil, fmt.Errorf("%w: topic %s is a stream: only queue messages are acknowledged", ErrWrongKind, topic)
	}
	return t, nil
}

// wakeTopic wakes the readers of a topic, if it exists.
func (b *Broker) wakeTopic(name string) {
	b.mu.RLock()
	t := b.topics[name]
	b.mu.RUnlock()
	if t != nil {
		t.wake()
	}
}
