package server

import (
	"sync/atomic"
	"time"

	"github.com/heraldhq/herald/server/broker"
)

// Engine is a storage engine Herald reports metrics for.
type Engine uint8

const (
	// EngineSQLite is the embedded SQLite database.
	EngineSQLite Engine = iota
	// EnginePostgres is PostgreSQL.
	EnginePostgres
	// EngineJetStream is NATS JetStream, the broker's event log.
	EngineJetStream
	numEngines
)

// engineNames are the engine label values, in Engine order.
var engineNames = [numEngines]string{"sqlite", "postgres", "jetstream"}

// String returns the engine's label value.
func (e Engine) String() string {
	if e < numEngines {
		return engineNames[e]
	}
	return "unknown"
}

// EngineMetrics are the latency histogram and error counter of every engine
// and operation class (read, write). cmd makes one, hands its Observer to each
// store it opens, and passes it to Config.Engines for /metrics. Every series
// is an array slot with its labels rendered once: an observation touches
// atomics only.
type EngineMetrics struct {
	series [numEngines][2]engineSeries
	// used marks the engines an Observer was made for: only they are shown.
	used [numEngines]atomic.Bool
	// jetStream, when set, reads the JetStream log's retry and rollback
	// counters at scrape time.
	jetStream atomic.Pointer[func() JetStreamCounters]
}

// JetStreamCounters are the JetStream log's counts of what appends had to do
// beyond storing batches (jetstream.Counters).
type JetStreamCounters struct {
	// Overtaken counts batch attempts another writer overtook (retried).
	Overtaken int64
	// RolledBack counts messages deleted to keep batches all-or-nothing.
	RolledBack int64
}

// engineSeries are one engine and operation class's series.
type engineSeries struct {
	labels   string
	duration histogram
	errors   atomic.Uint64
}

// NewEngineMetrics returns empty engine metrics.
func NewEngineMetrics() *EngineMetrics {
	m := &EngineMetrics{}
	for e := range numEngines {
		for op := range m.series[e] {
			m.series[e][op].labels = "engine=" + label(e.String()) + ",op=" + label(broker.EngineOp(op).String())
		}
	}
	return m
}

// Observer returns what an engine's store reports its calls to.
func (m *EngineMetrics) Observer(e Engine) broker.EngineObserver {
	m.used[e].Store(true)
	return engineObserver{&m.series[e]}
}

// StoreObserver returns what a store that times its calls itself (the
// registry's, registry.Observed) reports them to: write for calls that may
// write, err only when the engine failed.
func (m *EngineMetrics) StoreObserver(e Engine) func(write bool, d time.Duration, err error) {
	o := m.Observer(e)
	return func(write bool, d time.Duration, err error) {
		op := broker.EngineRead
		if write {
			op = broker.EngineWrite
		}
		o.ObserveEngine(op, d, err)
	}
}

// SetJetStreamCounters makes /metrics show the JetStream log's counters,
// read by fn at every scrape.
func (m *EngineMetrics) SetJetStreamCounters(fn func() JetStreamCounters) {
	m.used[EngineJetStream].Store(true)
	m.jetStream.Store(&fn)
}

// engineObserver is one engine's broker.EngineObserver: a pointer, so that
// storing it in the interface allocates nothing per call.
type engineObserver struct{ s *[2]engineSeries }

// ObserveEngine implements broker.EngineObserver.
func (o engineObserver) ObserveEngine(op broker.EngineOp, d time.Duration, err error) {
	s := &o.s[op&1]
	s.duration.observe(d)
	if broker.EngineFailed(err) {
		s.errors.Add(1)
	}
}

// active returns the series of the engines in use, in Engine order.
func (m *EngineMetrics) active() []*engineSeries {
	var out []*engineSeries
	for e := range numEngines {
		if m.used[e].Load() {
			for op := range m.series[e] {
				out = append(out, &m.series[e][op])
			}
		}
	}
	return out
}

// write adds the engine series to the exposition.
func (m *EngineMetrics) write(bw *promWriter) {
	active := m.active()
	bw.header("herald_engine_operation_duration_seconds", "histogram", "Time of calls to a storage engine, by engine and operation class (read, write).")
	for _, s := range active {
		s.duration.write(bw, "herald_engine_operation_duration_seconds", s.labels)
	}
	bw.header("herald_engine_errors_total", "counter", "Calls to a storage engine that failed (the engine's failures, not answers such as a missing topic), by engine and operation class.")
	for _, s := range active {
		bw.printf("herald_engine_errors_total{%s} %d\n", s.labels, s.errors.Load())
	}
	if fn := m.jetStream.Load(); fn != nil {
		c := (*fn)()
		bw.header("herald_jetstream_batches_overtaken_total", "counter", "Batch appends another writer overtook, rolled back and retried.")
		bw.printf("herald_jetstream_batches_overtaken_total %d\n", c.Overtaken)
		bw.header("herald_jetstream_messages_rolled_back_total", "counter", "Messages deleted to keep a batch all-or-nothing.")
		bw.printf("herald_jetstream_messages_rolled_back_total %d\n", c.RolledBack)
	}
}
