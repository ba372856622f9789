package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/compat"
)

// Event is one event to publish.
type Event struct {
	// ID deduplicates the event within the broker's window; empty is none.
	ID string
	// Key is optional. Value is required. On json and cloudevents topics they
	// are JSON text; on binary topics the format's binary encoding (Avro binary,
	// bare Protobuf binary, JSON text), which the producer frames in the
	// Confluent wire format.
	Key, Value []byte
	// Headers are kept with the event. On cloudevents topics the ce-* headers
	// are the CloudEvents attributes (ce-source and ce-type are required;
	// ce-specversion and ce-id default to 1.0 and ID).
	Headers map[string]string
}

// EventError is a local refusal of one event of a Publish. Err is the
// *compat.InvalidPayloadError saying what is wrong with it.
type EventError struct {
	// Index is the event's position in the Publish call.
	Index int
	// Field is "value" or "key".
	Field string
	// Err is the validation error.
	Err error
}

// Error names the event and what is wrong.
func (e *EventError) Error() string {
	return fmt.Sprintf("event %d: %s: %v", e.Index, e.Field, e.Err)
}

// Unwrap returns Err, so errors.As finds the *compat.InvalidPayloadError.
func (e *EventError) Unwrap() error { return e.Err }

// Producer publishes events to one topic, validating each locally as the broker
// will before anything is sent. Create it with Client.NewProducer.
type Producer struct {
	c     *Client
	topic Topic
	cfg   producerConfig

	mu         sync.Mutex // protects value, key and fetched
	value, key *boundSchema
	fetched    time.Time
}

// boundSchema is what a part of the events is validated and written with.
type boundSchema struct {
	// id and schema are the newest version allowed (or the pinned one): binary
	// events are framed with it, and refusals are explained against it.
	id     int
	schema compat.Schema
	// older are the other allowed versions, newest first, on json and
	// cloudevents topics: the broker accepts an event that any allowed version
	// accepts, so the producer does too.
	older []compat.Schema
}

// producerConfig is what the ProducerOpts set.
type producerConfig struct {
	version int
	refresh time.Duration
	message string
}

// ProducerOpt configures a Producer in NewProducer.
type ProducerOpt interface{ applyProducer(*producerConfig) }

type producerOptFunc func(*producerConfig)

func (f producerOptFunc) applyProducer(c *producerConfig) { f(c) }

// PinVersion makes the producer write with one version of the topic's value
// subject and accept only values that version accepts, overriding the default
// of the latest version the topic allows (on json and cloudevents topics, of
// any version the topic allows).
func PinVersion(v int) ProducerOpt {
	return producerOptFunc(func(c *producerConfig) { c.version = v })
}

// SchemaRefresh sets how long the producer keeps the schemas it validates with
// before asking the registry for the latest again, overriding the default of one
// minute. It has no effect on a pinned version.
func SchemaRefresh(d time.Duration) ProducerOpt {
	return producerOptFunc(func(c *producerConfig) { c.refresh = d })
}

// ProducerMessage names the Protobuf message event values are (a full name),
// overriding the default of the schema's first top-level message. It matters on
// binary topics only.
func ProducerMessage(fullName string) ProducerOpt {
	return producerOptFunc(func(c *producerConfig) { c.message = fullName })
}

// NewProducer returns a producer for a topic. It fetches the topic and the
// schemas events will be validated with, so a missing topic or subject fails
// here.
func (c *Client) NewProducer(ctx context.Context, topic string, opts ...ProducerOpt) (*Producer, error) {
	cfg := producerConfig{refresh: time.Minute}
	for _, o := range opts {
		o.applyProducer(&cfg)
	}
	t, err := c.Topic(ctx, topic)
	if err != nil {
		return nil, err
	}
	p := &Producer{c: c, topic: t, cfg: cfg}
	if _, _, err := p.schemas(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Topic returns the topic the producer publishes to, as fetched by NewProducer.
func (p *Producer) Topic() Topic { return p.topic }

// SchemaID returns the id of the newest schema event values may be written with
// (the pinned one, if any), fetching it if it is due for a refresh. Binary
// events are framed with it; on json and cloudevents topics the broker records
// the newest allowed version that accepts each event.
func (p *Producer) SchemaID(ctx context.Context) (int, error) {
	v, _, err := p.schemas(ctx)
	if err != nil {
		return 0, err
	}
	return v.id, nil
}

// schemas returns the value and key schemas, refreshing them when stale.
func (p *Producer) schemas(ctx context.Context) (value, key *boundSchema, err error) {
	p.mu.Lock()
	value, key = p.value, p.key
	fresh := value != nil && (p.cfg.version > 0 || time.Since(p.fetched) < p.cfg.refresh)
	p.mu.Unlock()
	if fresh {
		return value, key, nil
	}
	now := time.Now()
	if value, err = p.bind(ctx, p.topic.ValueSubject, true); err != nil {
		return nil, nil, err
	}
	if p.topic.KeySubject != "" {
		if key, err = p.bind(ctx, p.topic.KeySubject, false); err != nil {
			return nil, nil, err
		}
	}
	p.mu.Lock()
	p.value, p.key, p.fetched = value, key, now
	p.mu.Unlock()
	return value, key, nil
}

// bind finds the versions of subject events are validated with: the pinned
// one; else, newest first, those the topic's range allows (ranged; every live
// version for a key), all of them on json and cloudevents topics but only the
// newest on binary topics, which frame events with one schema id.
func (p *Producer) bind(ctx context.Context, subject string, ranged bool) (*boundSchema, error) {
	if ranged && p.cfg.version > 0 {
		return p.fetch(ctx, subject, p.cfg.version)
	}
	hasRange := ranged && (p.topic.FirstVersion > 0 || p.topic.LastVersion > 0)
	if p.topic.Encoding == EncodingBinary && !hasRange {
		return p.fetch(ctx, subject, -1) // latest
	}
	vs, err := p.c.Versions(ctx, subject)
	if err != nil {
		return nil, err
	}
	slices.Sort(vs)
	var b *boundSchema
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if hasRange && (v < p.topic.FirstVersion || (p.topic.LastVersion > 0 && v > p.topic.LastVersion)) {
			continue
		}
		o, err := p.fetch(ctx, subject, v)
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = o
			if p.topic.Encoding == EncodingBinary {
				break
			}
			continue
		}
		b.older = append(b.older, o.schema)
	}
	if b == nil {
		if hasRange {
			return nil, fmt.Errorf("topic %s: subject %s has no live version in the allowed range %d..%d", p.topic.Name, subject, p.topic.FirstVersion, p.topic.LastVersion)
		}
		return nil, fmt.Errorf("topic %s: subject %s has no live version", p.topic.Name, subject)
	}
	return b, nil
}

// fetch returns one version of subject (-1: the latest) with its parsed schema.
func (p *Producer) fetch(ctx context.Context, subject string, version int) (*boundSchema, error) {
	v, err := p.c.Version(ctx, subject, version)
	if err != nil {
		return nil, err
	}
	sch, err := p.c.ParsedByID(ctx, v.ID)
	if err != nil {
		return nil, err
	}
	return &boundSchema{id: v.ID, schema: sch}, nil
}

// prepare validates one part of an event and returns the bytes to send. On
// json and cloudevents topics a part is valid when any of b's versions accepts
// it; when none does, the error is the newest version's.
func (p *Producer) prepare(b *boundSchema, data []byte) ([]byte, error) {
	if p.topic.Encoding == EncodingBinary {
		return encodeWire(b.schema, b.id, data, p.cfg.message, true)
	}
	err := b.schema.Validate(data, compat.EncodingJSON)
	if err == nil {
		return data, nil
	}
	for _, s := range b.older {
		if s.Validate(data, compat.EncodingJSON) == nil {
			return data, nil
		}
	}
	return nil, err
}

// envelopeEvent is one event of the JSON publish envelope; Key and Value are
// JSON values, or []byte (base64 strings) on binary topics.
type envelopeEvent struct {
	ID      string            `json:"id,omitempty"`
	Key     any               `json:"key,omitempty"`
	Value   any               `json:"value"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Publish validates the events and publishes them as one atomic batch, of at
// most the server's --max-publish-events (10,000 by default; more is refused
// with HTTP 413, error_code 41302). It returns each event's offset, in order; an event the topic dead-lettered has
// offset -1, and a duplicate (same ID within the broker's window) the first
// one's offset.
//
// An event that breaks the schema is refused locally, before any request:
// the error joins one *EventError per bad part of an event, and errors.As finds
// the *compat.InvalidPayloadError in it. A refusal from the broker is an
// *APIError.
func (p *Producer) Publish(ctx context.Context, events ...Event) ([]int64, error) {
	if len(events) == 0 {
		return []int64{}, nil
	}
	value, key, err := p.schemas(ctx)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", p.topic.Name, err)
	}
	body := make([]any, len(events))
	var errs []error
	for i, ev := range events {
		if ev.Value == nil {
			errs = append(errs, &EventError{Index: i, Field: "value", Err: &compat.InvalidPayloadError{Problems: []compat.Problem{{Message: "the event has no value"}}}})
			continue
		}
		v, err := p.prepare(value, ev.Value)
		if err != nil {
			errs = append(errs, &EventError{Index: i, Field: "value", Err: err})
			continue
		}
		var k []byte
		if ev.Key != nil && key != nil {
			if k, err = p.prepare(key, ev.Key); err != nil {
				errs = append(errs, &EventError{Index: i, Field: "key", Err: err})
				continue
			}
		} else {
			k = ev.Key
		}
		body[i], err = p.envelope(ev, k, v)
		if err != nil {
			errs = append(errs, &EventError{Index: i, Field: "value", Err: err})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var r request
	if p.topic.Encoding == EncodingCloudEvents {
		r.body, r.contentType = body, "application/cloudevents-batch+json"
	} else {
		r.body = struct {
			Events []any `json:"events"`
		}{body}
	}
	ans, err := p.c.publish(ctx, p.topic.Name, r)
	if err != nil {
		return nil, err
	}
	offs := make([]int64, len(events))
	for i := range offs {
		offs[i] = -1
		if i < len(ans.Results) {
			offs[i] = ans.Results[i].Offset
		}
	}
	return offs, nil
}

// envelope renders one event for the topic's encoding.
func (p *Producer) envelope(ev Event, key, value []byte) (any, error) {
	switch p.topic.Encoding {
	case EncodingBinary:
		e := envelopeEvent{ID: ev.ID, Value: value, Headers: ev.Headers}
		if key != nil {
			e.Key = key
		}
		return e, nil
	case EncodingCloudEvents:
		ce := map[string]any{"specversion": "1.0", "data": json.RawMessage(value)}
		if ev.ID != "" {
			ce["id"] = ev.ID
		}
		for k, v := range ev.Headers {
			if name, ok := strings.CutPrefix(strings.ToLower(k), "ce-"); ok {
				ce[name] = v
			}
		}
		for _, a := range []string{"id", "source", "type"} {
			if ce[a] == nil || ce[a] == "" {
				return nil, fmt.Errorf("a CloudEvent needs the ce-%s header (or ID for ce-id)", a)
			}
		}
		return ce, nil
	}
	e := envelopeEvent{ID: ev.ID, Value: json.RawMessage(value), Headers: ev.Headers}
	if key != nil {
		e.Key = json.RawMessage(key)
	}
	return e, nil
}
