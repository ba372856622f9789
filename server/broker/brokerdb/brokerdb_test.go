package brokerdb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// TestBrokerDBOpen checks what is SQLite's own in opening a log: a
// synchronous mode that could lose acknowledged events is refused, and what was
// appended is in the file after Close, whatever the mode it is reopened with.
// The Log contract itself is brokertest's (store_test.go).
func TestBrokerDBOpen(t *testing.T) {
	t.Parallel()
	if _, err := brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), brokerdb.Options{Synchronous: "OFF"}); err == nil {
		t.Error("Open with synchronous OFF succeeded; want an error (acknowledged events must survive a crash)")
	}
	path := filepath.Join(t.TempDir(), "b.db")
	st, err := brokerdb.Open(context.Background(), path, brokerdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now().UTC()
	if err := st.PutTopic(ctx, broker.Topic{Name: "t", ValueSubject: "s", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, []broker.Batch{
		{Topic: "t", Records: make([]broker.Record, 70)},
		{Topic: "t", Records: []broker.Record{{Value: []byte("x"), Headers: map[string]string{"a": "b"}, Time: now}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st, err = brokerdb.Open(context.Background(), path, brokerdb.Options{Synchronous: "normal"})
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
		t.Errorf("Stats after reopening = %+v, %v", s, err)
	}
	recs, err := st.Read(ctx, "t", 70, 10, 0)
	if err != nil || len(recs) != 1 || recs[0].Headers["a"] != "b" || !recs[0].Time.Equal(now) {
		t.Errorf("Read after reopening = %+v, %v", recs, err)
	}
}

// TestAckLongListLetsOtherTopicsPublish acks a list spanning many chunks and,
// between two chunks, appends to another topic: the append must complete while
// the ack is still running, so a long ack never holds the writer for its whole
// list.
func TestAckLongListLetsOtherTopicsPublish(t *testing.T) {
	st, err := brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "b.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	ctx := context.Background()
	now := time.Now().UTC()
	for _, name := range []string{"q", "other"} {
		if err := st.PutTopic(ctx, broker.Topic{Name: name, Kind: broker.Queue, ValueSubject: "s", CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	const n = 3000
	if _, err := st.Append(ctx, []broker.Batch{{Topic: "q", Records: make([]broker.Record, n), Queue: true}}); err != nil {
		t.Fatal(err)
	}
	res, err := st.Lease(ctx, broker.LeaseRequest{Topic: "q", Max: n, Now: now, Visibility: time.Hour})
	if err != nil || len(res.Records) != n {
		t.Fatalf("Lease = %d records, %v", len(res.Records), err)
	}
	ids := make([]broker.AckID, n)
	for i, r := range res.Records {
		ids[i] = r.AckID
	}
	var chunks, chunksAtAppend int
	appended := false
	defer brokerdb.SetAckChunkHook(func() {
		chunks++
		if appended {
			return
		}
		// The ack's goroutine is here, between two chunks: the writer is free.
		if _, err := st.Append(ctx, []broker.Batch{{Topic: "other", Records: make([]broker.Record, 1)}}); err != nil {
			t.Errorf("append to another topic during the ack: %v", err)
		}
		appended, chunksAtAppend = true, chunks
	})()
	acked, err := st.Ack(ctx, "q", ids)
	if err != nil || acked != n {
		t.Fatalf("Ack = %d, %v; want %d", acked, err, n)
	}
	if !appended || chunksAtAppend != 1 || chunks < 2 {
		t.Errorf("append ran after chunk %d of %d (appended %v); want it between the first and the last chunk", chunksAtAppend, chunks, appended)
	}
	if s, err := st.Stats(ctx, "other"); err != nil || s.Events != 1 {
		t.Errorf("other topic: %+v, %v; want 1 event", s, err)
	}
	if s, err := st.Stats(ctx, "q"); err != nil || s.Events != 0 {
		t.Errorf("queue after ack: %+v, %v; want empty", s, err)
	}
}
