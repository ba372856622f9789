package server

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
)

// TestEngineObserverCountsFailuresOnly: an engine's failure counts as an
// error, an answer about the data (a missing topic) or a cancellation does
// not; both are timed. Observing allocates nothing (AllocsPerRun's 101
// calls land in the read histogram too).
func TestEngineObserverCountsFailuresOnly(t *testing.T) {
	m := NewEngineMetrics()
	o := m.Observer(EnginePostgres)
	o.ObserveEngine(broker.EngineWrite, 3*time.Millisecond, fmt.Errorf("append: %w", broker.ErrLogUnavailable))
	o.ObserveEngine(broker.EngineWrite, time.Millisecond, errors.New("disk full"))
	o.ObserveEngine(broker.EngineRead, time.Millisecond, fmt.Errorf("read: %w", broker.ErrTopicNotFound))
	o.ObserveEngine(broker.EngineRead, 2*time.Second, nil)
	w, r := &m.series[EnginePostgres][broker.EngineWrite], &m.series[EnginePostgres][broker.EngineRead]
	if w.errors.Load() != 2 || r.errors.Load() != 0 {
		t.Errorf("errors write %d read %d, want 2 and 0", w.errors.Load(), r.errors.Load())
	}
	if w.duration.count.Load() != 2 || r.duration.count.Load() != 2 {
		t.Errorf("counts write %d read %d, want 2 and 2", w.duration.count.Load(), r.duration.count.Load())
	}
	if allocs := testing.AllocsPerRun(100, func() { o.ObserveEngine(broker.EngineRead, time.Millisecond, nil) }); allocs != 0 {
		t.Errorf("ObserveEngine allocates %v times per call, want 0", allocs)
	}
	var b strings.Builder
	bw := &promWriter{w: bufio.NewWriter(&b)}
	m.write(bw)
	if err := bw.w.Flush(); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		`herald_engine_errors_total{engine="postgres",op="write"} 2`,
		`herald_engine_operation_duration_seconds_bucket{engine="postgres",op="read",le="2.5"} 103`,
		`herald_engine_operation_duration_seconds_bucket{engine="postgres",op="read",le="1"} 102`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %s:\n%s", want, text)
		}
	}
	if strings.Contains(text, `engine="sqlite"`) || strings.Contains(text, "herald_jetstream_") {
		t.Errorf("engines not in use are shown:\n%s", text)
	}
}

// TestStoreObserverSortsReadsAndWrites: a store that times its own calls
// (the registry's) reports writes and reads to their series, an error counts
// as a failure, and nil (an answer about the data) does not.
func TestStoreObserverSortsReadsAndWrites(t *testing.T) {
	m := NewEngineMetrics()
	observe := m.StoreObserver(EngineSQLite)
	observe(true, time.Millisecond, nil)
	observe(true, time.Millisecond, errors.New("disk I/O error"))
	observe(false, time.Millisecond, nil)
	w, r := &m.series[EngineSQLite][broker.EngineWrite], &m.series[EngineSQLite][broker.EngineRead]
	if w.duration.count.Load() != 2 || r.duration.count.Load() != 1 {
		t.Errorf("counts write %d read %d, want 2 and 1", w.duration.count.Load(), r.duration.count.Load())
	}
	if w.errors.Load() != 1 || r.errors.Load() != 0 {
		t.Errorf("errors write %d read %d, want 1 and 0", w.errors.Load(), r.errors.Load())
	}
	if !m.used[EngineSQLite].Load() {
		t.Error("the engine a store observer was made for is not shown")
	}
}
