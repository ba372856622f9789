package server_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// TestEngineMetricsAfterAPublish publishes and reads over HTTP on each engine
// and checks /metrics: the engine's read and write histograms counted the
// calls (+Inf bucket = count, a positive sum), and no error was counted.
func TestEngineMetricsAfterAPublish(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// open returns the broker log to serve, reporting to em, and the
		// engines whose series must show.
		open func(t *testing.T, em *server.EngineMetrics) (broker.Log, []string)
	}{
		{"sqlite", func(t *testing.T, em *server.EngineMetrics) (broker.Log, []string) {
			return broker.Observed(openBrokerSQLite(t), em.Observer(server.EngineSQLite)), []string{"sqlite"}
		}},
		{"postgres", func(t *testing.T, em *server.EngineMetrics) (broker.Log, []string) {
			st, err := brokerdb.OpenPostgres(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return broker.Observed(st, em.Observer(server.EnginePostgres)), []string{"postgres"}
		}},
		{"jetstream", func(t *testing.T, em *server.EngineMetrics) (broker.Log, []string) {
			meta := broker.Observed(openBrokerSQLite(t), em.Observer(server.EngineSQLite))
			l, err := jetstream.Open(context.Background(), jetstream.Config{URLs: []string{natstest.URL(t)}, Prefix: natstest.Prefix(), Timeout: 5 * time.Second,
				Logger: slog.New(slog.DiscardHandler), Observer: em.Observer(server.EngineJetStream)}, meta)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close() })
			em.SetJetStreamCounters(func() server.JetStreamCounters {
				c := l.Counters()
				return server.JetStreamCounters{Overtaken: c.Overtaken, RolledBack: c.RolledBack}
			})
			// The topic definitions are written to the meta log: both show.
			return l, []string{"jetstream", "sqlite"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			em := server.NewEngineMetrics()
			log, engines := tc.open(t, em)
			dir := t.TempDir()
			reg := newSQLiteRegistry(t, dir)
			brk, err := broker.New(context.Background(), broker.Config{Log: log, Validator: server.NewValidator(reg), RetentionInterval: -1, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = brk.DeleteTopic(context.Background(), "orders") // the shared NATS keeps nothing of a test
				_ = brk.Close()
			})
			srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: slog.New(slog.DiscardHandler), Version: "test", Engines: em})
			if err != nil {
				t.Fatal(err)
			}
			e := &testEnv{t: t, srv: srv, reg: reg}
			setupOrders(e, `{"valueSubject":"orders-value"}`)
			e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":1}},{"value":{"id":"b","amount":2}}]}`, "Content-Type: application/json")
			e.must(200, "GET", "/v1/topics/orders/events?from=earliest&limit=10", "")
			text := string(e.must(200, "GET", "/metrics", "").body)
			series := parseSeries(text)
			for _, engine := range engines {
				for _, op := range []string{"read", "write"} {
					l := `engine="` + engine + `",op="` + op + `"`
					count := series[`herald_engine_operation_duration_seconds_count{`+l+`}`]
					if count < 1 {
						t.Errorf("%s %s: count %v, want at least one call", engine, op, count)
					}
					if inf := series[`herald_engine_operation_duration_seconds_bucket{`+l+`,le="+Inf"}`]; inf != count {
						t.Errorf("%s %s: +Inf bucket %v, want the count %v", engine, op, inf, count)
					}
					if sum := series[`herald_engine_operation_duration_seconds_sum{`+l+`}`]; sum <= 0 {
						t.Errorf("%s %s: sum %v, want > 0", engine, op, sum)
					}
					if errs, ok := series[`herald_engine_errors_total{`+l+`}`]; !ok || errs != 0 {
						t.Errorf("%s %s: errors %v (present %v), want 0", engine, op, errs, ok)
					}
				}
			}
			if _, ok := series["herald_jetstream_messages_rolled_back_total"]; ok != (tc.name == "jetstream") {
				t.Errorf("JetStream counters shown = %v, want %v", ok, tc.name == "jetstream")
			}
			if tc.name == "sqlite" && strings.Contains(text, `engine="postgres"`) {
				t.Error("an engine not in use is shown")
			}
		})
	}
}

func openBrokerSQLite(t *testing.T) *brokerdb.Store {
	t.Helper()
	st, err := brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "broker.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// parseSeries maps each sample line of a Prometheus exposition to its value.
func parseSeries(text string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}
