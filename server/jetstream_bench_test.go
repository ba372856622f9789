package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/internal/natstest"
)

// BenchmarkPublishBatch100JetStream publishes batches of 100 × 1 KB JSON
// events through HTTP to a topic whose events live in JetStream, each
// validated against a JSON Schema and acknowledged by JetStream, from
// concurrent clients. After the timed loop it publishes as many messages of
// the same pre-encoded bytes straight to a JetStream stream of the same
// configuration, from as many goroutines, 100 at a time waiting for every ack
// (the raw baseline), and reports both rates and their ratio.
// Budget: ratio ≥ 0.5.
func BenchmarkPublishBatch100JetStream(b *testing.B) {
	url := natstest.URL(b)
	e, _ := newJetStreamEnv(b, url)
	e.register("bench-value", schemaBody("JSON", benchSchema))
	e.must(http.StatusOK, "PUT", "/v1/topics/bench", `{"valueSubject":"bench-value"}`, "Content-Type: application/json")
	ts := httptest.NewServer(e.srv)
	b.Cleanup(ts.Close)
	bodies := make([]string, 16)
	values := make([][]byte, 16)
	for i := range bodies {
		bodies[i] = benchBatchBody(i*100, 100)
		values[i] = []byte(benchEvent(i))
	}
	rate := benchPostBatches(b, ts, bodies)
	raw := rawJetStreamRate(b, url, b.N, 100, values)
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(raw, "raw-jetstream-events/s")
	b.ReportMetric(rate/raw, "ratio-raw")
}

// rawJetStreamRate publishes batches × per messages of values (in turn) to a
// fresh file-stored, one-replica stream from 4×GOMAXPROCS goroutines (as many
// as the HTTP clients), each publishing per messages asynchronously and
// waiting for all their acks, and returns messages per second.
func rawJetStreamRate(b *testing.B, url string, batches, per int, values [][]byte) float64 {
	b.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	jsc, err := js.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	name := natstest.Prefix()
	if _, err := jsc.CreateStream(ctx, js.StreamConfig{Name: name + "_raw", Subjects: []string{name + ".raw"}, Storage: js.FileStorage, Replicas: 1}); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = jsc.DeleteStream(ctx, name+"_raw") }() // the shared server keeps nothing of a benchmark
	var left atomic.Int64
	left.Store(int64(batches))
	var wg sync.WaitGroup
	start := time.Now()
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			futures := make([]js.PubAckFuture, 0, per)
			for left.Add(-1) >= 0 {
				futures = futures[:0]
				for i := range per {
					f, err := jsc.PublishMsgAsync(&nats.Msg{Subject: name + ".raw", Data: values[i%len(values)]})
					if err != nil {
						b.Error(err)
						return
					}
					futures = append(futures, f)
				}
				for _, f := range futures {
					select {
					case <-f.Ok():
					case err := <-f.Err():
						b.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return float64(batches*per) / time.Since(start).Seconds()
}
