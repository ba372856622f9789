package server_test

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// BenchmarkPublishBatch100Engines publishes batches of 100 × 1 KB JSON events
// through HTTP from concurrent clients (as BenchmarkPublishBatch100),
// validated and durably committed, on each engine of the broker log in the
// same run: SQLite (synchronous=FULL) and PostgreSQL (the shared test server,
// a database of the benchmark's own). The registry is on SQLite in both, so
// the log is the only difference.
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
			ts, _ := benchServerOn(b, reg, brk, schemaBody("JSON", benchSchema), "json")
			bodies := make([]string, 16)
			for i := range bodies {
				bodies[i] = benchBatchBody(i*100, 100)
			}
			b.ReportMetric(benchPostBatches(b, ts, bodies), "events/s")
		})
	}
}
