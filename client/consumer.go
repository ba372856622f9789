package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
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
}

// message converts an event of topic.
func (e *eventJSON) message(topic string) (Message, error) {
	m := Message{Topic: topic, Offset: e.Offset, Time: e.Time, ID: e.ID, Headers: e.Headers,
		SchemaID: e.SchemaID, KeySchemaID: e.KeySchemaID, AckID: e.AckID, Deliveries: e.Deliveries}
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
	q := url.Values{}
	if cs.cfg.group != "" {
		q.Set("group", cs.cfg.group)
	}
	cs.mu.Lock()
	switch {
	case cs.havePos:
		q.Set("from", strconv.FormatInt(cs.next, 10))
	case cs.cfg.from != "":
		q.Set("from", cs.cfg.from)
	}
	cs.mu.Unlock()
	cs.setCommon(q, "limit")
	var out struct {
		Events     []eventJSON `json:"events"`
		NextOffset int64       `json:"nextOffset"`
	}
	r := request{method: "GET", path: topicPath(cs.topic.Name) + "/events", query: q, native: true, wait: cs.cfg.wait}
	if err := cs.c.do(ctx, r, &out); err != nil {
		return nil, fmt.Errorf("poll %s: %w", cs.topic.Name, err)
	}
	msgs, err := cs.messages(out.Events)
	if err != nil {
		return nil, err
	}
	cs.mu.Lock()
	cs.next, cs.havePos = out.NextOffset, true
	cs.mu.Unlock()
	return msgs, nil
}

// setCommon sets the count (named countParam) and wait parameters.
func (cs *Consumer) setCommon(q url.Values, countParam string) {
	if cs.cfg.max > 0 {
		q.Set(countParam, strconv.Itoa(cs.cfg.max))
	}
	if cs.cfg.wait > 0 {
		q.Set("wait", cs.cfg.wait.String())
	}
}

// messages converts a page of events.
func (cs *Consumer) messages(evs []eventJSON) ([]Message, error) {
	msgs := make([]Message, len(evs))
	for i := range evs {
		m, err := evs[i].message(cs.topic.Name)
		if err != nil {
			return nil, fmt.Errorf("poll %s: %w", cs.topic.Name, err)
		}
		msgs[i] = m
	}
	return msgs, nil
}

// receive leases messages of a queue.
func (cs *Consumer) receive(ctx context.Context) ([]Message, error) {
	q := url.Values{}
	cs.setCommon(q, "max")
	if cs.cfg.visibility > 0 {
		q.Set("visibility", cs.cfg.visibility.String())
	}
	var out struct {
		Messages []eventJSON `json:"messages"`
	}
	r := request{method: "POST", path: topicPath(cs.topic.Name) + "/receive", query: q, native: true, wait: cs.cfg.wait}
	if err := cs.c.do(ctx, r, &out); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", cs.topic.Name, err)
	}
	return cs.messages(out.Messages)
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
	type offsetJSON struct {
		Topic  string `json:"topic"`
		Offset int64  `json:"offset"`
	}
	body := struct {
		Offsets []offsetJSON `json:"offsets"`
	}{[]offsetJSON{{cs.topic.Name, offset}}}
	r := request{method: "POST", path: "/v1/groups/" + url.PathEscape(cs.cfg.group) + "/offsets", body: body, native: true}
	if err := cs.c.do(ctx, r, nil); err != nil {
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
	body := struct {
		AckIDs []string `json:"ackIds"`
		Delay  string   `json:"delay,omitempty"`
	}{AckIDs: make([]string, len(msgs))}
	for i, m := range msgs {
		if m.AckID == "" {
			return 0, fmt.Errorf("%s: message %d (offset %d) has no ack id: it was not leased by Poll", op, i, m.Offset)
		}
		body.AckIDs[i] = m.AckID
	}
	if delay > 0 {
		body.Delay = delay.String()
	}
	var out struct {
		Acked  int `json:"acked"`
		Nacked int `json:"nacked"`
	}
	r := request{method: "POST", path: topicPath(cs.topic.Name) + "/" + op, body: body, native: true}
	if err := cs.c.do(ctx, r, &out); err != nil {
		return 0, fmt.Errorf("%s on %s: %w", op, cs.topic.Name, err)
	}
	return out.Acked + out.Nacked, nil
}
