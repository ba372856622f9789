package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

// BenchmarkConsumerPoll reads one page of 100 JSON events from a real server:
// the allocations are the client's decoding plus the HTTP exchange.
func BenchmarkConsumerPoll(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	e.register(b, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON})
	e.putTopic(b, "orders", `{"valueSubject":"orders-value"}`)
	p, err := e.c.NewProducer(ctx, "orders")
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]client.Event, 100)
	for i := range evs {
		evs[i] = client.Event{Key: []byte(fmt.Sprintf("%q", fmt.Sprint("o", i))), Value: []byte(fmt.Sprintf(`{"id":"o%d","amount":%d}`, i, i))}
	}
	if _, err := p.Publish(ctx, evs...); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		cs, err := e.c.NewConsumer(ctx, "orders", client.Wait(0), client.MaxMessages(100))
		if err != nil {
			b.Fatal(err)
		}
		msgs, err := cs.Poll(ctx)
		if err != nil || len(msgs) != 100 {
			b.Fatalf("Poll = %d messages, %v", len(msgs), err)
		}
	}
}
