package client_test

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

func TestProducerRefusesInvalidEventLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.orderTopic(t, "orders-value", "orders", `{"valueSubject":"orders-value"}`)
	_, err := p.Publish(ctx,
		client.Event{Value: []byte(`{"id":"o1","amount":1}`)},
		client.Event{Value: []byte(`{"id":"o2"}`)})
	var ip *compat.InvalidPayloadError
	if !errors.As(err, &ip) || len(ip.Problems) == 0 {
		t.Fatalf("Publish of an invalid event: %v, want *compat.InvalidPayloadError", err)
	}
	var ee *client.EventError
	if !errors.As(err, &ee) || ee.Index != 1 || ee.Field != "value" {
		t.Errorf("EventError = %+v", ee)
	}
	if !client.IsInvalidEvent(err) {
		t.Error("IsInvalidEvent = false")
	}
	if n := e.rt.count("POST", "/v1/topics/"); n != 0 {
		t.Errorf("an invalid event sent %d publish requests, want none", n)
	}
}

func TestProducerPublishes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.orderTopic(t, "orders-value", "orders", `{"valueSubject":"orders-value"}`)
	offs, err := p.Publish(ctx,
		client.Event{ID: "e1", Key: []byte(`"o1"`), Value: []byte(`{"id":"o1","amount":1}`), Headers: map[string]string{"source": "test"}},
		client.Event{Value: []byte(`{"id":"o2","amount":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(offs, []int64{0, 1}) {
		t.Errorf("offsets = %v, want [0 1]", offs)
	}
	// A duplicate id gets the first event's offset.
	offs, err = p.Publish(ctx, client.Event{ID: "e1", Value: []byte(`{"id":"o1","amount":1}`)}, client.Event{Value: []byte(`{"id":"o3","amount":3}`)})
	if err != nil || !slices.Equal(offs, []int64{0, 2}) {
		t.Errorf("second Publish = %v, %v; want [0 2]", offs, err)
	}
	// The broker's own refusals are APIErrors.
	if _, err := e.c.NewProducer(ctx, "nope"); !client.IsNotFound(err) {
		t.Errorf("NewProducer of an unknown topic: %v, want not found", err)
	}
}

func TestProducerBinaryTopic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	id := e.register(t, "orders-value", client.Schema{Type: compat.Avro, Text: orderAvro})
	e.putTopic(t, "orders-bin", `{"valueSubject":"orders-value","encoding":"binary"}`)
	p := e.producer(t, "orders-bin")
	if _, err := p.Publish(ctx, client.Event{Value: avroOrder("o1", 1)[:3]}); !client.IsInvalidEvent(err) {
		t.Fatalf("Publish of a truncated datum: %v, want invalid", err)
	}
	offs, err := p.Publish(ctx, client.Event{Value: avroOrder("o1", 1)})
	if err != nil || !slices.Equal(offs, []int64{0}) {
		t.Fatalf("Publish = %v, %v", offs, err)
	}
	cs := e.consumer(t, "orders-bin", client.Wait(0))
	msgs, err := cs.Poll(ctx)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Poll = %v, %v", msgs, err)
	}
	gotID, payload, _, err := client.NewSerde(e.c).Decode(ctx, msgs[0].Value)
	if err != nil || gotID != id || string(payload) != string(avroOrder("o1", 1)) {
		t.Errorf("Decode of the consumed value = %d, % x, %v", gotID, payload, err)
	}
	if binary.BigEndian.Uint32(msgs[0].Value[1:5]) != uint32(msgs[0].SchemaID) {
		t.Errorf("message schema id %d does not match the frame", msgs[0].SchemaID)
	}
}

func TestProducerPinnedVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: `{"type":"object","properties":{"id":{"type":"string"}}}`})
	v2 := e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: `{"type":"object","properties":{"id":{"type":["string","number"]}}}`})
	e.putTopic(t, "orders", `{"valueSubject":"orders-value"}`)
	latest := e.producer(t, "orders")
	if id, err := latest.SchemaID(ctx); err != nil || id != v2 {
		t.Errorf("SchemaID = %d, %v; want %d", id, err, v2)
	}
	if _, err := latest.Publish(ctx, client.Event{Value: []byte(`{"id":1}`)}); err != nil {
		t.Errorf("version 2 takes a numeric id: %v", err)
	}
	pinned := e.producer(t, "orders", client.PinVersion(1))
	if _, err := pinned.Publish(ctx, client.Event{Value: []byte(`{"id":1}`)}); !client.IsInvalidEvent(err) {
		t.Errorf("version 1 refuses a numeric id: %v", err)
	}
}

func TestProducerAcceptsAnyAllowedVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// Three unrelated versions; the topic allows 1 and 2.
	e.put(t, "/config/orders-value", `{"compatibility":"NONE"}`)
	v1 := e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: `{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}`})
	v2 := e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: `{"type":"object","properties":{"ref":{"type":"string"}},"required":["ref"]}`})
	e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: `{"type":"object","properties":{"code":{"type":"integer"}},"required":["code"]}`})
	e.putTopic(t, "orders", `{"valueSubject":"orders-value","lastVersion":2}`)
	p := e.producer(t, "orders")
	if id, err := p.SchemaID(ctx); err != nil || id != v2 {
		t.Errorf("SchemaID = %d, %v; want %d (the newest allowed version)", id, err, v2)
	}

	// Valid under version 1 only: accepted here and by the broker, which
	// records version 1's schema.
	offs, err := p.Publish(ctx, client.Event{Value: []byte(`{"id":"o1"}`)})
	if err != nil || !slices.Equal(offs, []int64{0}) {
		t.Fatalf("Publish of a version 1 event = %v, %v; want [0]", offs, err)
	}
	cs := e.consumer(t, "orders", client.Wait(0))
	if msgs, err := cs.Poll(ctx); err != nil || len(msgs) != 1 || msgs[0].SchemaID != v1 {
		t.Errorf("Poll = %+v, %v; want one event validated by schema %d", msgs, err, v1)
	}

	// Valid under version 3 only, outside the range: refused locally, with the
	// problems of the newest allowed version (2: "ref" is required).
	sent := e.rt.count("POST", "/v1/topics/")
	_, err = p.Publish(ctx, client.Event{Value: []byte(`{"code":1}`)})
	var ip *compat.InvalidPayloadError
	if !errors.As(err, &ip) {
		t.Fatalf("Publish of an event no allowed version accepts: %v, want *compat.InvalidPayloadError", err)
	}
	if !slices.ContainsFunc(ip.Problems, func(p compat.Problem) bool { return strings.Contains(p.Message, "ref") }) {
		t.Errorf("problems = %+v; want version 2's missing \"ref\"", ip.Problems)
	}
	if n := e.rt.count("POST", "/v1/topics/") - sent; n != 0 {
		t.Errorf("a refused event sent %d publish requests, want none", n)
	}
}

func TestConsumerGroupCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.orderTopic(t, "orders-value", "orders", `{"valueSubject":"orders-value"}`)
	if _, err := p.Publish(ctx,
		client.Event{Key: []byte(`"k1"`), Value: []byte(`{"id":"o1","amount":1}`)},
		client.Event{Value: []byte(`{"id":"o2","amount":2}`)},
		client.Event{Value: []byte(`{"id":"o3","amount":3}`)}); err != nil {
		t.Fatal(err)
	}

	cs := e.consumer(t, "orders", client.Group("billing"), client.MaxMessages(2), client.Wait(0))
	msgs, err := cs.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Offset != 0 || string(msgs[0].Key) != `"k1"` || string(msgs[0].Value) != `{"id":"o1","amount":1}` || msgs[0].SchemaID == 0 || msgs[0].Topic != "orders" {
		t.Fatalf("Poll = %+v", msgs)
	}
	if err := cs.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// A new consumer of the group continues after the committed events.
	again := e.consumer(t, "orders", client.Group("billing"), client.Wait(0))
	msgs, err = again.Poll(ctx)
	if err != nil || len(msgs) != 1 || msgs[0].Offset != 2 {
		t.Fatalf("Poll after commit = %+v, %v", msgs, err)
	}
	if err := again.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs, err := again.Poll(ctx); err != nil || len(msgs) != 0 {
		t.Errorf("Poll at the end = %+v, %v", msgs, err)
	}
	if pos, ok := again.Position(); !ok || pos != 3 {
		t.Errorf("Position = %d, %v", pos, ok)
	}
	// Streams are not acknowledged; group-less consumers do not commit.
	if _, err := cs.Ack(ctx, msgs...); err == nil {
		t.Error("Ack on a stream: no error")
	}
	plain := e.consumer(t, "orders", client.From("latest"), client.Wait(0))
	if err := plain.Commit(ctx); err == nil {
		t.Error("Commit without a group: no error")
	}
}

func TestConsumerQueueReceiveAck(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.orderTopic(t, "jobs-value", "jobs", `{"kind":"queue","valueSubject":"jobs-value"}`)
	if _, err := p.Publish(ctx, client.Event{Value: []byte(`{"id":"j1","amount":1}`)}, client.Event{Value: []byte(`{"id":"j2","amount":2}`)}); err != nil {
		t.Fatal(err)
	}
	cs := e.consumer(t, "jobs", client.Wait(0), client.Visibility(time.Hour))
	msgs, err := cs.Poll(ctx)
	if err != nil || len(msgs) != 2 || msgs[0].AckID == "" || msgs[0].Deliveries != 1 {
		t.Fatalf("Poll = %+v, %v", msgs, err)
	}
	// Leased: nothing more to receive.
	if more, err := cs.Poll(ctx); err != nil || len(more) != 0 {
		t.Errorf("second Poll = %+v, %v", more, err)
	}
	if n, err := cs.Ack(ctx, msgs[0]); err != nil || n != 1 {
		t.Errorf("Ack = %d, %v", n, err)
	}
	if n, err := cs.Nack(ctx, 0, msgs[1]); err != nil || n != 1 {
		t.Errorf("Nack = %d, %v", n, err)
	}
	again, err := cs.Poll(ctx)
	if err != nil || len(again) != 1 || string(again[0].Value) != `{"id":"j2","amount":2}` || again[0].Deliveries != 2 {
		t.Fatalf("Poll after nack = %+v, %v", again, err)
	}
	if n, err := cs.Ack(ctx, again...); err != nil || n != 1 {
		t.Errorf("Ack = %d, %v", n, err)
	}
	if err := cs.Commit(ctx); err == nil {
		t.Error("Commit on a queue: no error")
	}
}

func TestProducerCloudEventsTopic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.orderTopic(t, "orders-value", "orders-ce", `{"valueSubject":"orders-value","encoding":"cloudevents"}`)
	ce := map[string]string{"ce-source": "/orders", "ce-type": "order.created"}
	if _, err := p.Publish(ctx, client.Event{Value: []byte(`{"id":"o1","amount":1}`)}); err == nil {
		t.Error("a CloudEvent without ce-id, ce-source and ce-type was sent")
	}
	offs, err := p.Publish(ctx, client.Event{ID: "c1", Value: []byte(`{"id":"o1","amount":1}`), Headers: ce})
	if err != nil || !slices.Equal(offs, []int64{0}) {
		t.Fatalf("Publish = %v, %v", offs, err)
	}
	cs := e.consumer(t, "orders-ce", client.Wait(0))
	msgs, err := cs.Poll(ctx)
	if err != nil || len(msgs) != 1 || msgs[0].Headers["ce-type"] != "order.created" || msgs[0].ID != "c1" {
		t.Errorf("Poll = %+v, %v", msgs, err)
	}
}
