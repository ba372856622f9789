package broker_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// stuckTrimLog is a real Log whose Trim blocks until its context ends, as a
// trim of a huge topic would run on.
type stuckTrimLog struct {
	broker.Log
	started chan struct{}
}

func (l *stuckTrimLog) Trim(ctx context.Context, topic string, r broker.TrimRequest) (int64, error) {
	select {
	case l.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestCloseCancelsRetention: Close ends a retention trim under way instead of
// waiting for it (before, retention ran on context.Background and Close hung
// until the trim finished).
func TestCloseCancelsRetention(t *testing.T) {
	st, err := brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "broker.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	reg := newFakeRegistry()
	reg.register(t, "orders-value", orderSchema)
	log := &stuckTrimLog{Log: st, started: make(chan struct{}, 1)}
	b, err := broker.New(context.Background(), broker.Config{Log: log, Validator: reg, RetentionInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutTopic(context.Background(), broker.Topic{Name: "orders", Kind: broker.Stream, ValueSubject: "orders-value", Retention: broker.Retention{MaxEvents: 10}}); err != nil {
		t.Fatal(err)
	}
	<-log.started
	if err := b.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
}
