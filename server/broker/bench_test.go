package broker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
)

// BenchmarkReplay reads a topic of 1 KB events from the embedded log from the
// start, in pages of 1,000, as a consumer replaying the stream does. Budget:
// ≥ 200,000 events/s.
func BenchmarkReplay(b *testing.B) {
	e := newEnv(b, nil)
	e.reg.register(b, "s", `{"type":"object"}`)
	e.topic(broker.Topic{Name: "t", ValueSubject: "s"})
	ctx := context.Background()
	const total = 50000
	evs := make([]broker.Event, 1000)
	for i := range evs {
		head := fmt.Sprintf(`{"n":%d,"pad":"`, i)
		evs[i] = broker.Event{Value: []byte(head + strings.Repeat("x", 1024-len(head)-2) + `"}`)}
	}
	for range total / len(evs) {
		if _, err := e.b.Publish(ctx, "t", evs, broker.PublishOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	start := time.Now()
	read := 0
	for range b.N {
		next := int64(0)
		for {
			rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t", From: broker.Position{Kind: broker.AtOffset, Offset: next}, Limit: 1000})
			if err != nil {
				b.Fatal(err)
			}
			if len(rr.Records) == 0 {
				break
			}
			read += len(rr.Records)
			next = rr.Next
		}
	}
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
	if read != b.N*total {
		b.Fatalf("replayed %d events, want %d", read, b.N*total)
	}
}

// BenchmarkPublishDirect publishes batches of 100 × 1 KB events through the
// broker API (validation and group commit, no HTTP), to separate the broker's
// cost from the HTTP layer's.
func BenchmarkPublishDirect(b *testing.B) {
	e := newEnv(b, nil)
	e.reg.register(b, "s", `{"type":"object","required":["n"]}`)
	e.topic(broker.Topic{Name: "t", ValueSubject: "s"})
	evs := make([]broker.Event, 100)
	for i := range evs {
		head := fmt.Sprintf(`{"n":%d,"pad":"`, i)
		evs[i] = broker.Event{Value: []byte(head + strings.Repeat("x", 1024-len(head)-2) + `"}`)}
	}
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.b.Publish(context.Background(), "t", evs, broker.PublishOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
}
