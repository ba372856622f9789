package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// BenchmarkPublishBatch100Engines publishes batches of 100 × 1 KB JSON events
// through HTTP from 4 concurrent clients, validated and durably committed, on
// each engine of the broker log in the same run: SQLite (synchronous=FULL) and
// PostgreSQL (the shared test server, a database of the benchmark's own). The
// registry is on SQLite in both, so the log is the only difference.
func BenchmarkPublishBatch100Engines(b *testing.B) {
	for _, engine := range []struct {
		name string
		open func(b *testing.B) *brokerdb.Store
	}{
		{"SQLite", func(b *testing.B) *brokerdb.Store {
			st, err := brokerdb.Open(context.Background(), b.TempDir()+"/broker.db", brokerdb.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"PostgreSQL", func(b *testing.B) *brokerdb.Store {
			st, err := brokerdb.OpenPostgres(context.Background(), pgtest.URL(b))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(engine.name, func(b *testing.B) {
			reg := newSQLiteRegistry(b, b.TempDir())
			brk := newBrokerOn(b, engine.open(b), reg, nil)
			srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			b.Cleanup(ts.Close)
			e := &testEnv{t: b, srv: srv, reg: reg}
			e.register("bench-value", schemaBody("JSON", benchSchema))
			e.must(http.StatusOK, "PUT", "/v1/topics/bench", `{"valueSubject":"bench-value"}`, "Content-Type: application/json")
			bodies := make([]string, 16)
			for i := range bodies {
				bodies[i] = benchBatchBody(i*100, 100)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			var mu sync.Mutex
			k := 0
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					body := bodies[k%len(bodies)]
					k++
					mu.Unlock()
					if !postBench(b, client, ts.URL, body) {
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*100)/time.Since(start).Seconds(), "events/s")
		})
	}
}
