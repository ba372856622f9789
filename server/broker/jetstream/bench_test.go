package jetstream_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/server/broker"
)

// BenchmarkReplayJetStream reads a topic of 1 KB events from JetStream from
// the start, in pages of 1,000, as a consumer replaying the stream does (the
// embedded log's budget is 200,000 events/s; this is the same read on NATS).
func BenchmarkReplayJetStream(b *testing.B) {
	e := newEnvAt(b, natstest.URL(b), natstest.Prefix())
	ctx := context.Background()
	e.put(e.log, broker.Topic{Name: "t"})
	const total = 20000
	batch := make([]broker.Record, 1000)
	for i := range batch {
		head := fmt.Sprintf(`{"n":%d,"pad":"`, i)
		batch[i] = broker.Record{Value: []byte(head + strings.Repeat("x", 1024-len(head)-2) + `"}`), SchemaID: 1}
	}
	for range total / len(batch) {
		e.mustAppend(e.log, "t", batch)
	}
	b.ResetTimer()
	start := time.Now()
	read := 0
	for range b.N {
		next := int64(0)
		for {
			// The broker's page bound (Config.MaxPageBytes), as its reads have.
			rs, err := e.log.Read(ctx, "t", next, 1000, 16<<20)
			if err != nil {
				b.Fatal(err)
			}
			if len(rs) == 0 {
				break
			}
			read += len(rs)
			next = rs[len(rs)-1].Offset + 1
		}
	}
	b.ReportMetric(float64(read)/time.Since(start).Seconds(), "events/s")
	if read != b.N*total {
		b.Fatalf("replayed %d events, want %d", read, b.N*total)
	}
}

// BenchmarkTailReadJetStream is the read a woken long poll or SSE stream
// makes: the one newest event, by message get.
func BenchmarkTailReadJetStream(b *testing.B) {
	e := newEnvAt(b, natstest.URL(b), natstest.Prefix())
	ctx := context.Background()
	e.put(e.log, broker.Topic{Name: "t"})
	e.mustAppend(e.log, "t", recs("v", 10))
	b.ResetTimer()
	for range b.N {
		rs, err := e.log.Read(ctx, "t", 9, 100, 0)
		if err != nil || len(rs) != 1 {
			b.Fatalf("Read = %d records, %v", len(rs), err)
		}
	}
}
