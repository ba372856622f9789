package client_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/client"
)

// BenchmarkConsumerPoll reads one page of 100 JSON events from a real server:
// the allocations are the client's decoding plus the HTTP exchange.
func BenchmarkConsumerPoll(b *testing.B) {
	e := ordersEnv(b, [2]string{"orders", `{"valueSubject":"orders-value"}`})
	ctx := context.Background()
	evs := make([]string, 100)
	for i := range evs {
		evs[i] = fmt.Sprintf(`{"key":"o%d","value":{"id":"o%d","amount":%d}}`, i, i, i)
	}
	e.publish(b, "orders", `{"events":[`+strings.Join(evs, ",")+`]}`)
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
