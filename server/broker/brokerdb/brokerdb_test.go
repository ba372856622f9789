package brokerdb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

func TestBrokerDBOpen(t *testing.T) {
	t.Parallel()
	if _, err := brokerdb.Open(filepath.Join(t.TempDir(), "x.db"), brokerdb.Options{Synchronous: "OFF"}); err == nil {
		t.Error("Open with synchronous OFF succeeded; want an error (acknowledged events must survive a crash)")
	}
	path := filepath.Join(t.TempDir(), "b.db")
	st, err := brokerdb.Open(path, brokerdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	if err := st.PutTopic(ctx, broker.Topic{Name: "t", ValueSubject: "s", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	firsts, err := st.Append(ctx, []broker.Batch{
		{Topic: "t", Records: make([]broker.Record, 70)},
		{Topic: "t", Records: []broker.Record{{Value: []byte("x"), Headers: map[string]string{"a": "b"}, Time: now}}},
	})
	if err != nil || firsts[0] != 0 || firsts[1] != 70 {
		t.Fatalf("Append = %v, %v", firsts, err)
	}
	if _, err := st.Append(ctx, []broker.Batch{{Topic: "t", Records: make([]broker.Record, 1)}, {Topic: "gone", Records: make([]broker.Record, 1)}}); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("Append to a missing topic = %v, want ErrTopicNotFound", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened: the failed transaction left nothing, the rest is there.
	st, err = brokerdb.Open(path, brokerdb.Options{Synchronous: "normal"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	s, err := st.Stats(ctx, "t")
	if err != nil || s.Events != 71 || s.NextOffset != 71 || s.FirstOffset != 0 || s.LastOffset != 70 || s.Bytes != 1+2 {
		t.Errorf("Stats = %+v, %v", s, err)
	}
	recs, err := st.Read(ctx, "t", 70, 10)
	if err != nil || len(recs) != 1 || recs[0].Headers["a"] != "b" || !recs[0].Time.Equal(now) {
		t.Errorf("Read = %+v, %v", recs, err)
	}
}
