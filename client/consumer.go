package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Message is one event read from a stream or leased from a queue.
type Message struct {
	// Topic is the topic it came from.
	Topic string
	// Offset is its position in the topic.
	Offset int64
	// Time is when the broker committed it.
	Time time.Time
	// ID is the producer's event id, if any.
	ID string
	// Key and Value are JSON text on json and cloudevents topics, and the bytes
	// as published (the value in the Confluent wire format: see Serde.Decode) on
	// binary topics. Key is nil when the event has none.
	Key, Value []byte
	// Headers are the event's headers (CloudEvents attributes as ce-*).
	Headers map[string]string
	// SchemaID and KeySchemaID are the registry ids that validated the value and
	// the key.
	SchemaID, KeySchemaID int
	// AckID names the lease of a queue message; pass the message to Ack or
	// Nack. Empty for stream events.
	AckID string
	// Deliveries counts how many times a queue message was delivered.
	Deliveries int
	// Raw is the event as the broker answered it (JSON), to print or forward
	// as it is. Only Read and Receive with their Raw field set fill it.
	Raw json.RawMessage
}

// eventJSON is one event as the broker answers reads and receives.
type eventJSON struct {
	Offset      int64             `json:"offset"`
	Time        time.Time         `json:"time"`
	ID          string            `json:"id"`
	Key         json.RawMessage   `json:"key"`
	Value       json.RawMessage   `json:"value"`
	KeyBase64   string            `json:"keyBase64"`
	ValueBase64 string            `json:"valueBase64"`
	Headers     map[string]string `json:"headers"`
	SchemaID    int               `json:"schemaId"`
	KeySchemaID int               `json:"keySchemaId"`
	AckID       string            `json:"ackId"`
	Deliveries  int               `json:"deliveries"`
	// raw is the event's JSON as the broker sent it.
	raw json.RawMessage
}

// eventList is the events of a page. Set raw before decoding to keep each
// event's JSON for Message.Raw: the events are then decoded one by one, which
// costs about seven allocations an event more, so only callers that ask pay.
type eventList struct {
	raw bool
	evs []eventJSON
}

// UnmarshalJSON decodes the events, keeping their JSON when l.raw is set.
func (l *eventList) UnmarshalJSON(b []byte) error {
	if !l.raw {
		return json.Unmarshal(b, &l.evs)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	l.evs = make([]eventJSON, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &l.evs[i]); err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		l.evs[i].raw = raw
	}
	return nil
}

// messages converts the events of a page of topic.
func (l *eventList) messages(topic string) ([]Message, error) {
	msgs := make([]Message, len(l.evs))
	for i := range l.evs {
		m, err := l.evs[i].message(topic)
		if err != nil {
			return nil, err
		}
		msgs[i] = m
	}
	return msgs, nil
}

// message converts an event of topic.
func (e *eventJSON) message(topic string) (Message, error) {
	m := Message{Topic: topic, Offset: e.Offset, Time: e.Time, ID: e.ID, Headers: e.Headers,
		SchemaID: e.SchemaID, KeySchemaID: e.KeySchemaID, AckID: e.AckID, Deliveries: e.Deliveries, Raw: e.raw}
	var err error
	switch {
	case e.ValueBase64 != "":
		if m.Value, err = base64.StdEncoding.DecodeString(e.ValueBase64); err != nil {
			return m, fmt.Errorf("event %d: valueBase64: %w", e.Offset, err)
		}
	default:
		m.Value = []byte(e.Value)
	}
	switch {
	case e.KeyBase64 != "":
		if m.Key, err = base64.StdEncoding.DecodeString(e.KeyBase64); err != nil {
			return m, fmt.Errorf("event %d: keyBase64: %w", e.Offset, err)
		}
	case len(e.Key) > 0:
		m.Key = []byte(e.Key)
	}
	return m, nil
}

// Consumer reads one topic: a stream page by page, optionally as a consumer
// group with committed offsets, or a queue by leasing messages to Ack. Create it
// with Client.NewConsumer. Poll, Commit, Ack and Nack may be called from
// different goroutines, but a stream is read in order only by one Poll at a time.
type Consumer struct {
	c     *Client
	topic Topic
	cfg   consumerConfig

	mu      sync.Mutex // protects next and havePos
	next    int64      // the offset after the last event polled
	havePos bool       // next is set: a Poll has answered
}

// consumerConfig is what the ConsumerOpts set.
type consumerConfig struct {
	group      string
	from       string
	max        int
	wait       time.Duration
	visibility time.Duration
}

// ConsumerOpt configures a Consumer in NewConsumer.
type ConsumerOpt interface{ applyConsumer(*consumerConfig) }

type consumerOptFunc func(*consumerConfig)

func (f consumerOptFunc) applyConsumer(c *consumerConfig) { f(c) }

// Group reads a stream as a named consumer group, overriding the default of no
// group: the first Poll starts at the group's committed offset (else the
// earliest event), Commit records progress, and the catalog shows the group (or
// the ClientName) as an observed consumer. Queues ignore it.
func Group(name string) ConsumerOpt {
	return consumerOptFunc(func(c *consumerConfig) { c.group = name })
}

// From sets where the first Poll of a stream starts: "earliest", "latest", an
// offset, or an RFC 3339 time. It overrides the default: the group's committed
// offset, else the earliest event. Queues ignore it.
func From(position string) ConsumerOpt {
	return consumerOptFunc(func(c *consumerConfig) { c.from = position })
}

// MaxMessages bounds how many events one Poll returns, overriding the server's
// default (100 events of a stream, 10 messages of a queue).
func MaxMessages(n int) ConsumerOpt {
	return consumerOptFunc(func(c *consumerConfig) { c.max = n })
}

// Wait sets how long a Poll waits for a first event when there is none (a long
// poll; the server allows at most 60s), overriding the default of 10 seconds.
// Zero returns at once.
func Wait(d time.Duration) ConsumerOpt {
	return consumerOptFunc(func(c *consumerConfig) { c.wait = d })
}

// Visibility sets how long a queue message leased by Poll stays invisible to
// other consumers before it is delivered again unless acknowledged, overriding
// the default of the topic's visibility. Streams ignore it.
func Visibility(d time.Duration) ConsumerOpt {
	return consumerOptFunc(func(c *consumerConfig) { c.visibility = d })
}

// NewConsumer returns a consumer of a topic. It fetches the topic to learn
// whether it is a stream or a queue.
func (c *Client) NewConsumer(ctx context.Context, topic string, opts ...ConsumerOpt) (*Consumer, error) {
	cfg := consumerConfig{wait: 10 * time.Second}
	for _, o := range opts {
		o.applyConsumer(&cfg)
	}
	if cfg.max < 0 || cfg.wait < 0 || cfg.visibility < 0 {
		return nil, errors.New("client: MaxMessages, Wait and Visibility must not be negative")
	}
	t, err := c.Topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	return &Consumer{c: c, topic: t, cfg: cfg}, nil
}

// Topic returns the topic the consumer reads, as fetched by NewConsumer.
func (cs *Consumer) Topic() Topic { return cs.topic }

// Poll returns the next events of a stream (GET /v1/topics/{topic}/events),
// continuing after the previous Poll, or leases the next messages of a queue
// (POST /v1/topics/{topic}/receive). It waits up to the Wait option for a first
// event and returns an empty slice when none came.
func (cs *Consumer) Poll(ctx context.Context) ([]Message, error) {
	if cs.topic.Kind == KindQueue {
		return cs.receive(ctx)
	}
	r := ReadRequest{Group: cs.cfg.group, Limit: cs.cfg.max, Wait: cs.cfg.wait}
	cs.mu.Lock()
	switch {
	case cs.havePos:
		r.From = strconv.FormatInt(cs.next, 10)
	case cs.cfg.from != "":
		r.From = cs.cfg.from
	}
	cs.mu.Unlock()
	page, err := cs.c.Read(ctx, cs.topic.Name, r)
	if err != nil {
		return nil, err
	}
	cs.mu.Lock()
	cs.next, cs.havePos = page.NextOffset, true
	cs.mu.Unlock()
	return page.Messages, nil
}

// receive leases messages of a queue.
func (cs *Consumer) receive(ctx context.Context) ([]Message, error) {
	return cs.c.Receive(ctx, cs.topic.Name, ReceiveRequest{Max: cs.cfg.max, Wait: cs.cfg.wait, Visibility: cs.cfg.visibility})
}

// Position returns the offset the next Poll of a stream reads from, and false
// before the first Poll has answered.
func (cs *Consumer) Position() (int64, bool) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.next, cs.havePos
}

// Commit records that the consumer group has processed every event returned by
// Poll so far (POST /v1/groups/{group}/offsets): a consumer of the group that
// starts later continues after them. Call it after processing, for
// at-least-once delivery. It needs the Group option and a stream; before the
// first Poll it does nothing.
func (cs *Consumer) Commit(ctx context.Context) error {
	next, ok := cs.Position()
	if !ok {
		if err := cs.needGroup(); err != nil {
			return err
		}
		return nil
	}
	return cs.CommitOffset(ctx, next)
}

// CommitOffset records offset as the next one the consumer group will read:
// the last event processed plus one.
func (cs *Consumer) CommitOffset(ctx context.Context, offset int64) error {
	if err := cs.needGroup(); err != nil {
		return err
	}
	if err := cs.c.CommitOffsets(ctx, cs.cfg.group, Offset{Topic: cs.topic.Name, Offset: offset}); err != nil {
		return fmt.Errorf("commit %s offset %d for group %s: %w", cs.topic.Name, offset, cs.cfg.group, err)
	}
	return nil
}

// needGroup refuses commits without a group or on a queue.
func (cs *Consumer) needGroup() error {
	if cs.topic.Kind == KindQueue {
		return fmt.Errorf("commit: %s is a queue: acknowledge its messages with Ack", cs.topic.Name)
	}
	if cs.cfg.group == "" {
		return errors.New("commit: the consumer has no Group")
	}
	return nil
}

// Ack acknowledges leased queue messages (POST /v1/topics/{topic}/ack): the
// broker deletes them. It returns how many were deleted; a message whose lease
// already ended, or that was already acknowledged, is skipped.
func (cs *Consumer) Ack(ctx context.Context, msgs ...Message) (int, error) {
	return cs.settle(ctx, "ack", 0, msgs)
}

// Nack gives leased queue messages back (POST /v1/topics/{topic}/nack), to be
// delivered again after delay (zero: at once). It returns how many were given
// back.
func (cs *Consumer) Nack(ctx context.Context, delay time.Duration, msgs ...Message) (int, error) {
	return cs.settle(ctx, "nack", delay, msgs)
}

// settle sends an ack or a nack.
func (cs *Consumer) settle(ctx context.Context, op string, delay time.Duration, msgs []Message) (int, error) {
	if cs.topic.Kind != KindQueue {
		return 0, fmt.Errorf("%s: %s is a stream: record progress with Commit", op, cs.topic.Name)
	}
	if len(msgs) == 0 {
		return 0, nil
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		if m.AckID == "" {
			return 0, fmt.Errorf("%s: message %d (offset %d) has no ack id: it was not leased by Poll", op, i, m.Offset)
		}
		ids[i] = m.AckID
	}
	return cs.c.settle(ctx, cs.topic.Name, op, delay, ids)
}
