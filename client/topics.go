package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Topic kinds and encodings.
const (
	KindStream          = "stream"
	KindQueue           = "queue"
	EncodingJSON        = "json"
	EncodingBinary      = "binary"
	EncodingCloudEvents = "cloudevents"
)

// TopicConfig is what PutTopic sets on a topic. The zero value of each field is
// the broker's default.
type TopicConfig struct {
	// Kind is KindStream (the default: retained, replayable) or KindQueue
	// (leased, deleted when acknowledged).
	Kind string `json:"kind,omitempty"`
	// ValueSubject is the registry subject event values are validated against
	// (required); KeySubject, when set, validates keys.
	ValueSubject string `json:"valueSubject"`
	KeySubject   string `json:"keySubject,omitempty"`
	// Encoding is EncodingJSON (the default), EncodingBinary (the Confluent
	// wire format) or EncodingCloudEvents.
	Encoding string `json:"encoding,omitempty"`
	// FirstVersion and LastVersion bound the value subject's versions events may
	// be written with; zero is open.
	FirstVersion int `json:"firstVersion,omitempty"`
	LastVersion  int `json:"lastVersion,omitempty"`
	// Retention bounds what a stream keeps; nil keeps everything.
	Retention *Retention `json:"retention,omitempty"`
	// OnInvalid is "reject" (the default) or "deadletter": what happens to
	// events that break the contract.
	OnInvalid string `json:"onInvalid,omitempty"`
	// DeadLetterTopic receives invalid events and queue messages past
	// MaxDeliveries.
	DeadLetterTopic string `json:"deadLetterTopic,omitempty"`
	// MaxDeliveries (queues) is how many deliveries a message gets before it
	// goes to the dead-letter topic; zero is unlimited.
	MaxDeliveries int `json:"maxDeliveries,omitempty"`
	// Visibility (queues) is the default lease of a received message, as a
	// duration such as "30s"; empty is the broker's default.
	Visibility string `json:"visibility,omitempty"`
}

// Retention bounds what a stream keeps; a zero field is unbounded.
type Retention struct {
	// MaxAge drops older events: a duration such as "90m", "12h" or "7d".
	MaxAge string `json:"maxAge,omitempty"`
	// MaxBytes and MaxEvents drop the oldest events beyond them.
	MaxBytes  int64 `json:"maxBytes,omitempty"`
	MaxEvents int64 `json:"maxEvents,omitempty"`
}

// Topic is a topic of Herald's broker, as GET /v1/topics/{topic} describes it:
// its configuration, what it holds and who was seen using it.
type Topic struct {
	Name string `json:"name"`
	TopicConfig
	// CreatedAt and UpdatedAt are set by the broker.
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Events and Bytes count what is stored (queues: not yet acknowledged).
	// PutTopic leaves them zero.
	Events int64 `json:"events"`
	Bytes  int64 `json:"bytes"`
	// FirstOffset and LastOffset are -1 when the topic is empty.
	FirstOffset int64 `json:"firstOffset"`
	LastOffset  int64 `json:"lastOffset"`
	// NextOffset is the offset the next event published will get.
	NextOffset int64 `json:"nextOffset"`
	// Producers and Consumers are the clients the broker observed.
	Producers []Observation `json:"producers"`
	Consumers []Observation `json:"consumers"`
}

// Observation is a client the broker saw producing to or consuming from a
// topic.
type Observation struct {
	// Client is the Herald-Client header (for a group read without one, the
	// group name).
	Client string `json:"client"`
	// FirstSeen and LastSeen bound the activity seen.
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	// Count is the number of events produced or delivered.
	Count int64 `json:"count"`
}

// topicPath is "/v1/topics/{topic}" with the topic escaped.
func topicPath(topic string) string {
	return "/v1/topics/" + url.PathEscape(topic)
}

// Topic describes a topic of the broker (GET /v1/topics/{topic}).
func (c *Client) Topic(ctx context.Context, name string) (Topic, error) {
	var out Topic
	if err := c.do(ctx, request{method: http.MethodGet, path: topicPath(name), native: true}, &out); err != nil {
		return Topic{}, fmt.Errorf("topic %s: %w", name, err)
	}
	return out, nil
}

// Topics lists the broker's topics (GET /v1/topics).
func (c *Client) Topics(ctx context.Context) ([]Topic, error) {
	var out struct {
		Topics []Topic `json:"topics"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/topics", native: true}, &out); err != nil {
		return nil, fmt.Errorf("topics: %w", err)
	}
	return out.Topics, nil
}

// PutTopic creates a topic or updates its configuration, idempotently (PUT
// /v1/topics/{topic}), and returns it as the broker stored it.
func (c *Client) PutTopic(ctx context.Context, name string, cfg TopicConfig) (Topic, error) {
	var out Topic
	if err := c.do(ctx, request{method: http.MethodPut, path: topicPath(name), body: cfg, native: true}, &out); err != nil {
		return Topic{}, fmt.Errorf("put topic %s: %w", name, err)
	}
	return out, nil
}

// DeleteTopic deletes a topic and every event it holds (DELETE
// /v1/topics/{topic}).
func (c *Client) DeleteTopic(ctx context.Context, name string) error {
	if err := c.do(ctx, request{method: http.MethodDelete, path: topicPath(name), native: true}, nil); err != nil {
		return fmt.Errorf("delete topic %s: %w", name, err)
	}
	return nil
}

// PublishResult is the broker's answer to a publish, given once the events are
// durably committed.
type PublishResult struct {
	// Stored counts events appended, Duplicates those already there, and
	// DeadLettered those sent to the dead-letter topic.
	Stored       int `json:"stored"`
	Duplicates   int `json:"duplicates"`
	DeadLettered int `json:"deadLettered"`
	// Results has one entry per event, in request order.
	Results []EventResult `json:"results"`
}

// EventResult is what became of one published event.
type EventResult struct {
	// Offset is the event's offset (for a duplicate, the first one's); -1 when
	// it was dead-lettered.
	Offset int64
	// Duplicate is set when the event's id was published within the broker's
	// window.
	Duplicate bool
	// DeadLetter says where an invalid event went; nil when it was stored.
	DeadLetter *DeadLetter
}

// DeadLetter is where an invalid event went.
type DeadLetter struct {
	Topic  string `json:"topic"`
	Offset int64  `json:"offset"`
	// Problems say why the event was invalid.
	Problems []EventProblem `json:"problems,omitempty"`
}

// UnmarshalJSON reads a result, whose offset is absent when the event was
// dead-lettered.
func (r *EventResult) UnmarshalJSON(b []byte) error {
	var in struct {
		Offset     *int64      `json:"offset"`
		Duplicate  bool        `json:"duplicate"`
		DeadLetter *DeadLetter `json:"deadLetter"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = EventResult{Offset: -1, Duplicate: in.Duplicate, DeadLetter: in.DeadLetter}
	if in.Offset != nil {
		r.Offset = *in.Offset
	}
	return nil
}

// PublishRaw sends a publish body as it is (POST /v1/topics/{topic}/events),
// without validating it locally: contentType says what it is, as the broker
// takes it: application/json for the envelope {"events":[…]},
// application/cloudevents+json or application/cloudevents-batch+json for
// CloudEvents, application/octet-stream for one event of a binary topic in the
// Confluent wire format. Use a Producer to validate events before they are
// sent. A refusal is an *APIError; see EventProblems.
func (c *Client) PublishRaw(ctx context.Context, topic, contentType string, body []byte) (PublishResult, error) {
	return c.publish(ctx, topic, request{raw: body, contentType: contentType})
}

// publish sends r (its body and content type set) to topic's events.
func (c *Client) publish(ctx context.Context, topic string, r request) (PublishResult, error) {
	r.method, r.path, r.native = http.MethodPost, topicPath(topic)+"/events", true
	var out PublishResult
	if err := c.do(ctx, r, &out); err != nil {
		return PublishResult{}, fmt.Errorf("publish to %s: %w", topic, err)
	}
	return out, nil
}

// ReadRequest says which events of a stream Read returns. The zero value reads
// the first page from the start, without waiting.
type ReadRequest struct {
	// From is where to start: "earliest", "latest", an offset or an RFC 3339
	// time. Empty is the group's committed offset, else the earliest event.
	From string
	// Group reads as a consumer group: it starts at the group's committed
	// offset and the catalog shows the group as an observed consumer.
	Group string
	// Limit bounds the events returned. Zero is the broker's default (100).
	Limit int
	// Wait is how long to wait for a first event when there is none (a long
	// poll; the broker allows at most 60s). Zero answers at once.
	Wait time.Duration
	// Raw keeps each event's JSON in Message.Raw.
	Raw bool
}

// Page is one page of a stream's events.
type Page struct {
	Messages []Message
	// NextOffset is where the next page starts (From: its decimal form).
	NextOffset int64
}

// Read returns a page of a stream's events (GET /v1/topics/{topic}/events).
func (c *Client) Read(ctx context.Context, topic string, r ReadRequest) (Page, error) {
	q := url.Values{}
	if r.From != "" {
		q.Set("from", r.From)
	}
	if r.Group != "" {
		q.Set("group", r.Group)
	}
	setPolling(q, "limit", r.Limit, r.Wait)
	var out struct {
		Events     eventList `json:"events"`
		NextOffset int64     `json:"nextOffset"`
	}
	out.Events.raw = r.Raw
	req := request{method: http.MethodGet, path: topicPath(topic) + "/events", query: q, native: true, wait: r.Wait}
	if err := c.do(ctx, req, &out); err != nil {
		return Page{}, fmt.Errorf("read %s: %w", topic, err)
	}
	msgs, err := out.Events.messages(topic)
	if err != nil {
		return Page{}, fmt.Errorf("read %s: %w", topic, err)
	}
	return Page{Messages: msgs, NextOffset: out.NextOffset}, nil
}

// ReceiveRequest says which messages of a queue Receive leases. The zero value
// leases the broker's default number of messages for the topic's visibility,
// without waiting.
type ReceiveRequest struct {
	// Max bounds the messages leased. Zero is the broker's default (10).
	Max int
	// Wait is how long to wait for a first message when there is none (a long
	// poll; the broker allows at most 60s). Zero answers at once.
	Wait time.Duration
	// Visibility is how long the messages stay leased. Zero is the topic's
	// visibility.
	Visibility time.Duration
	// Raw keeps each message's JSON in Message.Raw.
	Raw bool
}

// Receive leases messages of a queue (POST /v1/topics/{topic}/receive): each
// has an AckID to pass to Ack before its lease ends, or it is delivered again.
func (c *Client) Receive(ctx context.Context, topic string, r ReceiveRequest) ([]Message, error) {
	q := url.Values{}
	setPolling(q, "max", r.Max, r.Wait)
	if r.Visibility > 0 {
		q.Set("visibility", r.Visibility.String())
	}
	var out struct {
		Messages eventList `json:"messages"`
	}
	out.Messages.raw = r.Raw
	req := request{method: http.MethodPost, path: topicPath(topic) + "/receive", query: q, native: true, wait: r.Wait}
	if err := c.do(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("receive from %s: %w", topic, err)
	}
	msgs, err := out.Messages.messages(topic)
	if err != nil {
		return nil, fmt.Errorf("receive from %s: %w", topic, err)
	}
	return msgs, nil
}

// setPolling sets the count (named countParam) and wait parameters of a read
// or a receive. A count other than zero is sent as it is, so the broker
// explains a bad one.
func setPolling(q url.Values, countParam string, count int, wait time.Duration) {
	if count != 0 {
		q.Set(countParam, strconv.Itoa(count))
	}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
}

// Ack acknowledges leased queue messages by their ack ids (POST
// /v1/topics/{topic}/ack): the broker deletes them. It returns how many were
// deleted; an id whose lease already ended, or that was already acknowledged,
// is skipped.
func (c *Client) Ack(ctx context.Context, topic string, ackIDs ...string) (int, error) {
	return c.settle(ctx, topic, "ack", 0, ackIDs)
}

// Nack gives leased queue messages back by their ack ids (POST
// /v1/topics/{topic}/nack), to be delivered again after delay (zero: at once).
// It returns how many were given back.
func (c *Client) Nack(ctx context.Context, topic string, delay time.Duration, ackIDs ...string) (int, error) {
	return c.settle(ctx, topic, "nack", delay, ackIDs)
}

// settle sends an ack or a nack.
func (c *Client) settle(ctx context.Context, topic, op string, delay time.Duration, ackIDs []string) (int, error) {
	if len(ackIDs) == 0 {
		return 0, nil
	}
	body := struct {
		AckIDs []string `json:"ackIds"`
		Delay  string   `json:"delay,omitempty"`
	}{AckIDs: ackIDs}
	if delay > 0 {
		body.Delay = delay.String()
	}
	var out struct {
		Acked  int `json:"acked"`
		Nacked int `json:"nacked"`
	}
	r := request{method: http.MethodPost, path: topicPath(topic) + "/" + op, body: body, native: true}
	if err := c.do(ctx, r, &out); err != nil {
		return 0, fmt.Errorf("%s on %s: %w", op, topic, err)
	}
	return out.Acked + out.Nacked, nil
}

// Offset is a consumer group's position in a stream: the next offset the group
// will read, the last event processed plus one.
type Offset struct {
	Topic  string `json:"topic"`
	Offset int64  `json:"offset"`
}

// CommitOffsets records a consumer group's positions (POST
// /v1/groups/{group}/offsets), all in one request.
func (c *Client) CommitOffsets(ctx context.Context, group string, offsets ...Offset) error {
	if len(offsets) == 0 {
		return nil
	}
	body := struct {
		Offsets []Offset `json:"offsets"`
	}{offsets}
	r := request{method: http.MethodPost, path: "/v1/groups/" + url.PathEscape(group) + "/offsets", body: body, native: true}
	if err := c.do(ctx, r, nil); err != nil {
		return fmt.Errorf("commit offsets of group %s: %w", group, err)
	}
	return nil
}
