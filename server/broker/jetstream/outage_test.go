package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokertest"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// TestNATSKilledAndBack kills its own nats-server with SIGKILL under a Log:
// calls fail at once with ErrLogUnavailable, and once the server is back on
// the same port and store the Log reconnects by itself, every acknowledged
// event is there and appends go on.
func TestNATSKilledAndBack(t *testing.T) {
	t.Parallel()
	srv, e := newEnvOnOwnServer(t)
	ctx := context.Background()
	e.put(e.log, broker.Topic{Name: "t"})
	var acked []string
	for i := range 20 {
		rs := recs(fmt.Sprintf("b%d", i), 5)
		e.mustAppend(e.log, "t", rs)
		acked = append(acked, brokertest.ValuesOf(rs)...)
	}

	// A second Log reports to an observer, on a topic of its own.
	obs := &countingObserver{}
	ol, err := jetstream.Open(ctx, jetstream.Config{URLs: []string{srv.URL()}, Prefix: e.prefix, Timeout: 5 * time.Second, Observer: obs, Logger: slog.New(slog.DiscardHandler)}, e.meta)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ol.Close() }()
	e.put(ol, broker.Topic{Name: "m"})
	e.mustAppend(ol, "m", recs("m", 2))
	if got := obs.get(); got.calls[broker.EngineWrite] != 2 || got.failed != [2]int{} {
		t.Errorf("observed before the kill: %+v, want 2 writes (stream, append) and no failure", got)
	}

	srv.Kill()
	natstest.WaitFor(t, "the Log to notice", func() bool { return e.log.Ping(ctx) != nil })
	natstest.WaitFor(t, "the observed Log to notice", func() bool { return ol.Ping(ctx) != nil })
	_, aerr := ol.Append(ctx, []broker.Batch{{Topic: "m", Records: recs("m", 1)}})
	_, rerr := ol.Read(ctx, "m", 0, 10, 0)
	if got := obs.get(); aerr == nil || rerr == nil || got.failed[broker.EngineWrite] != 1 || got.failed[broker.EngineRead] < 2 {
		t.Errorf("observed while NATS is down: %+v (append %v, read %v); want the append's and the read's failures, and the pings'", got, aerr, rerr)
	}
	calls := map[string]func() error{
		"Append": func() error {
			_, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("lost", 3)}})
			return err
		},
		"Read":  func() error { _, err := e.log.Read(ctx, "t", 0, 10, 0); return err },
		"Stats": func() error { _, err := e.log.Stats(ctx, "t"); return err },
		"OffsetAt": func() error {
			_, err := e.log.OffsetAt(ctx, "t", time.Now())
			return err
		},
		"Ping": func() error { return e.log.Ping(ctx) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, broker.ErrLogUnavailable) {
			t.Errorf("%s while NATS is down: %v, want ErrLogUnavailable", name, err)
		}
	}

	srv.Restart()
	natstest.WaitFor(t, "the Log to reconnect", func() bool { return e.log.Ping(ctx) == nil })
	var firsts []int64
	natstest.WaitFor(t, "appends to work again", func() bool {
		rs := recs("after", 2)
		f, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: rs}})
		if err == nil {
			firsts = f
			acked = append(acked, brokertest.ValuesOf(rs)...)
		}
		return err == nil
	})
	all, err := e.log.Read(ctx, "t", 0, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := brokertest.ValuesOf(all)
	if len(got) != len(acked) {
		t.Fatalf("after the restart the topic holds %d events, %d were acknowledged: %v", len(got), len(acked), got)
	}
	for i := range acked {
		if got[i] != acked[i] {
			t.Fatalf("event %d is %s, want %s", i, got[i], acked[i])
		}
	}
	if firsts[0] != 100 {
		t.Errorf("first append after the restart got offset %d, want 100", firsts[0])
	}
}

// TestNATSKilledUnderLoad kills NATS while several goroutines append: every
// acknowledged batch is there afterwards at its offsets, and once a rollback
// that NATS missed has run, nothing else is (no half batch, no duplicate).
func TestNATSKilledUnderLoad(t *testing.T) {
	t.Parallel()
	srv, e := newEnvOnOwnServer(t)
	ctx := context.Background()
	e.put(e.log, broker.Topic{Name: "t"})
	var mu sync.Mutex
	var done []acked
	failed := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				rs := recs(fmt.Sprintf("w%d-%d", w, i), 50)
				firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: rs}})
				mu.Lock()
				if err == nil {
					done = append(done, acked{firsts[0], brokertest.ValuesOf(rs)})
				} else {
					failed++
				}
				mu.Unlock()
			}
		})
	}
	natstest.WaitFor(t, "some batches to be stored", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(done) >= 20
	})
	srv.Kill()
	natstest.WaitFor(t, "appends to fail", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed >= 4
	})
	srv.Restart()
	natstest.WaitFor(t, "appends to work again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		n := len(done)
		mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		return len(done) > n+4
	})
	close(stop)
	wg.Wait()
	// One more append runs any rollback NATS missed while it was away.
	e.mustAppend(e.log, "t", recs("last", 1))
	checkAcked(t, readEvery(t, e.log, "t"), done, 1) // and the last event
	t.Logf("%d batches acknowledged, %d failed; counters %+v", len(done), failed, e.log.Counters())
}

// newEnvOnOwnServer is newEnv on a private nats-server, for a test that kills
// it.
func newEnvOnOwnServer(t *testing.T) (*natstest.Server, *env) {
	t.Helper()
	srv := natstest.Start(t)
	return srv, newEnvAt(t, srv.URL(), natstest.Prefix())
}

// readEvery reads a whole topic, MaxReadLimit events at a time: a test that
// appends until something happens may have stored more than one read returns.
func readEvery(t *testing.T, l broker.Log, topic string) []broker.Record {
	t.Helper()
	var all []broker.Record
	for from := int64(0); ; {
		page, err := l.Read(context.Background(), topic, from, broker.MaxReadLimit, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		from = page[len(page)-1].Offset + 1
	}
}

// countingObserver counts the calls a Log reports, and their failures, by
// operation class.
type countingObserver struct {
	mu sync.Mutex // protects c
	c  observed
}

type observed struct{ calls, failed [2]int }

func (o *countingObserver) ObserveEngine(op broker.EngineOp, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.c.calls[op]++
	if broker.EngineFailed(err) {
		o.c.failed[op]++
	}
}

func (o *countingObserver) get() observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.c
}
