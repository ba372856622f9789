package jetstream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/brokertest"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// env is a JetStream Log on the shared NATS server with its own prefix and
// its own SQLite meta log; every stream of the prefix is deleted after the test.
type env struct {
	t      testing.TB
	url    string
	prefix string
	meta   *brokerdb.Store
	log    *jetstream.Log
	js     js.JetStream
}

// newEnv is an env on the shared server whose Log has the given topics.
func newEnv(t *testing.T, topics ...broker.Topic) *env {
	t.Helper()
	e := newEnvAt(t, natstest.URL(t), natstest.Prefix())
	for _, tp := range topics {
		e.put(e.log, tp)
	}
	return e
}

func newEnvAt(t testing.TB, url, prefix string) *env {
	t.Helper()
	e := &env{t: t, url: url, prefix: prefix}
	e.meta = openMeta(t)
	e.log = e.open(e.meta)
	e.js = dropStreamsAfter(t, url, prefix)
	return e
}

// dropStreamsAfter connects to the server at url and deletes every stream of
// prefix when the test ends; the connection is the test's to use until then.
func dropStreamsAfter(t testing.TB, url, prefix string) js.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	j, err := js.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		names := j.StreamNames(ctx)
		for n := range names.Name() {
			if strings.HasPrefix(n, prefix+"_") {
				_ = j.DeleteStream(ctx, n) // cleanup: a server killed by the test has nothing to delete
			}
		}
		nc.Close()
	})
	return j
}

func openMeta(t testing.TB) *brokerdb.Store {
	t.Helper()
	st, err := brokerdb.Open(context.Background(), filepath.Join(t.TempDir(), "meta.db"), brokerdb.Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// open opens another Log on the env's server and prefix.
func (e *env) open(meta broker.Log) *jetstream.Log {
	e.t.Helper()
	l, err := jetstream.Open(context.Background(), jetstream.Config{URLs: []string{e.url}, Prefix: e.prefix, Timeout: 5 * time.Second}, meta)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = l.Close() })
	return l
}

func (e *env) put(l broker.Log, t broker.Topic) {
	e.t.Helper()
	if t.ValueSubject == "" {
		t.ValueSubject = "s"
	}
	if err := l.PutTopic(context.Background(), t); err != nil {
		e.t.Fatal(err)
	}
}

// stream returns the JetStream stream that holds topic.
func (e *env) stream(topic string) (js.Stream, error) {
	return e.js.Stream(context.Background(), e.prefix+"_"+topic)
}

// checkNoStream fails the test if topic has a stream; when says at what point
// of the test it should have none.
func (e *env) checkNoStream(topic, when string) {
	e.t.Helper()
	if _, err := e.stream(topic); !errors.Is(err, js.ErrStreamNotFound) {
		e.t.Errorf("%s: stream of %s: %v, want not found", when, topic, err)
	}
}

// mustAppend appends rs to topic on l as one batch and fails the test if the
// append fails.
// readAll reads a whole topic through the test's Log, failing the test on an
// error.
func (e *env) readAll(topic string) []broker.Record {
	e.t.Helper()
	all, err := e.log.Read(context.Background(), topic, 0, broker.MaxReadLimit, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return all
}

func (e *env) mustAppend(l broker.Log, topic string, rs []broker.Record) {
	e.t.Helper()
	if _, err := l.Append(context.Background(), []broker.Batch{{Topic: topic, Records: rs}}); err != nil {
		e.t.Fatal(err)
	}
}

func recs(prefix string, n int) []broker.Record {
	out := make([]broker.Record, n)
	for i := range out {
		out[i] = broker.Record{Value: fmt.Appendf(nil, `{"%s":%d}`, prefix, i)}
	}
	return out
}

func TestAppendReadKeepsOrderAndFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "orders.v1_x"}, broker.Topic{Name: "b"})
	ctx := context.Background()
	full := broker.Record{ID: "id\nwith newline", Key: []byte{0, 1, 2, '\n'}, Value: []byte(`{"x":1}`),
		Headers: map[string]string{"ce-source": "a\r\nb", "h": ""}, SchemaID: 7, KeySchemaID: 9}
	empty := broker.Record{Key: []byte{}, Value: []byte{}}
	firsts, err := e.log.Append(ctx, []broker.Batch{
		{Topic: "orders.v1_x", Records: append([]broker.Record{full, empty}, recs("a", 3)...)},
		{Topic: "b", Records: recs("b", 2)},
		{Topic: "orders.v1_x", Records: recs("c", 10)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{0, 0, 5}, firsts); diff != "" {
		t.Fatalf("first offsets (-want +got):\n%s", diff)
	}
	all, err := e.log.Read(ctx, "orders.v1_x", 0, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 15 {
		t.Fatalf("read %d records, want 15", len(all))
	}
	for i, r := range all {
		if r.Offset != int64(i) || r.Time.IsZero() || (i > 0 && r.Time.Before(all[i-1].Time)) {
			t.Fatalf("record %d: offset %d time %v", i, r.Offset, r.Time)
		}
	}
	got := all[0]
	got.Time, got.Offset = time.Time{}, 0
	if diff := cmp.Diff(full, got); diff != "" {
		t.Errorf("record 0 (-stored +read):\n%s", diff)
	}
	if all[1].Key == nil || len(all[1].Key) != 0 || all[1].ID != "" || all[1].Headers != nil || all[2].Key != nil {
		t.Errorf("empty key came back as %#v, no key as %#v", all[1].Key, all[2].Key)
	}
	if !bytes.Equal(all[14].Value, []byte(`{"c":9}`)) {
		t.Errorf("last value %s", all[14].Value)
	}
	// Pages from the middle, small (message gets) and large (a consumer).
	for _, c := range []struct {
		from  int64
		limit int
		want  []int64
	}{
		{3, 2, []int64{3, 4}},
		{13, 10, []int64{13, 14}},
		{2, 9, []int64{2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{15, 10, []int64{}},
		{99, 1, []int64{}},
	} {
		rs, err := e.log.Read(ctx, "orders.v1_x", c.from, c.limit, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, brokertest.OffsetsOf(rs)); diff != "" {
			t.Errorf("Read(%d, %d) offsets (-want +got):\n%s", c.from, c.limit, diff)
		}
	}
	st, err := e.log.Stats(ctx, "orders.v1_x")
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 15 || st.FirstOffset != 0 || st.LastOffset != 14 || st.NextOffset != 15 || st.Bytes <= 0 {
		t.Errorf("Stats = %+v", st)
	}
	infos, err := e.log.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Name != "b" || infos[0].Events != 2 || infos[1].Events != 15 || infos[1].NextOffset != 15 {
		t.Errorf("Topics = %+v", infos)
	}
	// A topic the Log never heard of.
	if _, err := e.log.Read(ctx, "nope", 0, 1, 0); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("Read of a missing topic: %v, want ErrTopicNotFound", err)
	}
}

// TestReadSkipsDeletedMessages reads across a hole in the sequences (a
// rolled-back batch leaves one), both by message gets and by a consumer.
func TestReadSkipsDeletedMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	e.mustAppend(e.log, "t", recs("v", 12))
	s, err := e.stream("t")
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []uint64{2, 3, 4, 9} { // offsets 1, 2, 3, 8
		if err := s.DeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{2, 100} {
		rs, err := e.log.Read(ctx, "t", 1, limit, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{4, 5, 6, 7, 9, 10, 11}[:min(limit, 7)]
		if diff := cmp.Diff(want, brokertest.OffsetsOf(rs)); diff != "" {
			t.Errorf("Read(1, %d) (-want +got):\n%s", limit, diff)
		}
	}
}

// TestConcurrentAppenders has two Logs (two Herald instances) append batches
// to one topic at once: every acknowledged batch is stored once, contiguous,
// and nothing else is.
func TestConcurrentAppenders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	other := e.open(openMeta(t))
	e.put(e.log, broker.Topic{Name: "t"})
	e.put(other, broker.Topic{Name: "t"})
	var mu sync.Mutex
	var done []acked
	var wg sync.WaitGroup
	for w := range 6 {
		l := e.log
		if w%2 == 1 {
			l = other
		}
		wg.Go(func() {
			for i := range 15 {
				rs := recs(fmt.Sprintf("w%d-%d", w, i), 1+(w+i)%7)
				firsts, err := l.Append(ctx, []broker.Batch{{Topic: "t", Records: rs}})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				done = append(done, acked{firsts[0], brokertest.ValuesOf(rs)})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	all := e.readAll("t")
	checkAcked(t, all, done, 0)
	c1, c2 := e.log.Counters(), other.Counters()
	t.Logf("overtaken %d+%d attempts, rolled back %d+%d messages", c1.Overtaken, c2.Overtaken, c1.RolledBack, c2.RolledBack)
}

// acked is a batch an Append acknowledged: its first offset and its values.
type acked struct {
	first int64
	vals  []string
}

// checkAcked fails the test unless all, a whole topic as read, holds every
// acknowledged batch at its offsets, no offset twice, and exactly extra events
// besides (more would be a half batch or a duplicate that stayed).
func checkAcked(t *testing.T, all []broker.Record, done []acked, extra int) {
	t.Helper()
	byOff := map[int64]string{}
	for _, r := range all {
		if _, dup := byOff[r.Offset]; dup {
			t.Fatalf("offset %d read twice", r.Offset)
		}
		byOff[r.Offset] = string(r.Value)
	}
	total := extra
	for _, a := range done {
		for j, v := range a.vals {
			if got := byOff[a.first+int64(j)]; got != v {
				t.Fatalf("acknowledged batch at %d: offset %d holds %q, want %q", a.first, a.first+int64(j), got, v)
			}
		}
		total += len(a.vals)
	}
	if len(all) != total {
		t.Errorf("the stream holds %d events, %d were acknowledged (a half batch or a duplicate stayed)", len(all), total)
	}
}

// TestLargeGroupCommit appends more records than one ack window holds, in
// several batches of one call: offsets stay consecutive across the windows.
func TestLargeGroupCommit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("a", 6000)}, {Topic: "t", Records: recs("b", 3000)}})
	if err != nil || !cmp.Equal(firsts, []int64{0, 6000}) {
		t.Fatalf("Append = %v, %v", firsts, err)
	}
	rs, err := e.log.Read(ctx, "t", 5999, 2, 0)
	if err != nil || !cmp.Equal(brokertest.ValuesOf(rs), []string{`{"a":5999}`, `{"b":0}`}) {
		t.Errorf("Read across the batches = %v, %v", brokertest.ValuesOf(rs), err)
	}
	if st, err := e.log.Stats(ctx, "t"); err != nil || st.Events != 9000 || st.NextOffset != 9000 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
}

func TestRetentionMaxEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t", Retention: broker.Retention{MaxEvents: 3}})
	ctx := context.Background()
	e.mustAppend(e.log, "t", recs("v", 10))
	st, err := e.log.Stats(ctx, "t")
	if err != nil || st.Events != 3 || st.FirstOffset != 7 || st.LastOffset != 9 || st.NextOffset != 10 {
		t.Errorf("Stats = %+v, %v", st, err)
	}
	rs, err := e.log.Read(ctx, "t", 0, 10, 0)
	if err != nil || !cmp.Equal(brokertest.OffsetsOf(rs), []int64{7, 8, 9}) {
		t.Errorf("Read = %v, %v", brokertest.OffsetsOf(rs), err)
	}
	if n, err := e.log.Trim(ctx, "t", broker.TrimRequest{MaxEvents: 1}); n != 0 || err != nil {
		t.Errorf("Trim = %d, %v; want 0 (JetStream trims streams)", n, err)
	}
	// A configuration change reaches the stream.
	e.put(e.log, broker.Topic{Name: "t", Retention: broker.Retention{MaxEvents: 2}})
	if st, err := e.log.Stats(ctx, "t"); err != nil || st.Events != 2 || st.FirstOffset != 8 {
		t.Errorf("after lowering maxEvents: Stats = %+v, %v", st, err)
	}
}

func TestOffsetAt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	if off, err := e.log.OffsetAt(ctx, "t", time.Now()); off != 0 || err != nil {
		t.Errorf("OffsetAt on an empty topic = %d, %v; want 0", off, err)
	}
	for range 3 {
		e.mustAppend(e.log, "t", recs("v", 4))
	}
	all, err := e.log.Read(ctx, "t", 0, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		// The first record stored at or after r.Time.
		want := r.Offset
		for want > 0 && !all[want-1].Time.Before(r.Time) {
			want--
		}
		if got, err := e.log.OffsetAt(ctx, "t", r.Time); got != want || err != nil {
			t.Errorf("OffsetAt(time of %d) = %d, %v; want %d", r.Offset, got, err, want)
		}
	}
	if got, err := e.log.OffsetAt(ctx, "t", all[11].Time.Add(time.Hour)); got != 12 || err != nil {
		t.Errorf("OffsetAt(after the last) = %d, %v; want 12 (the next offset)", got, err)
	}
	if got, err := e.log.OffsetAt(ctx, "t", time.Unix(0, 0)); got != 0 || err != nil {
		t.Errorf("OffsetAt(1970) = %d, %v; want 0", got, err)
	}
}

func TestDeleteTopicDeletesTheStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	e.mustAppend(e.log, "t", recs("v", 5))
	if err := e.log.DeleteTopic(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	e.checkNoStream("t", "after DeleteTopic")
	if _, err := e.log.Stats(ctx, "t"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("Stats after DeleteTopic: %v, want ErrTopicNotFound", err)
	}
	if err := e.log.DeleteTopic(ctx, "t"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("second DeleteTopic: %v, want ErrTopicNotFound", err)
	}
	e.put(e.log, broker.Topic{Name: "t"})
	if st, err := e.log.Stats(ctx, "t"); err != nil || st.Events != 0 || st.NextOffset != 0 {
		t.Errorf("topic made again: Stats = %+v, %v; want empty", st, err)
	}
	if firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("w", 1)}}); err != nil || firsts[0] != 0 {
		t.Errorf("Append to the new topic = %v, %v; want offset 0", firsts, err)
	}
}

// TestDedupKeysSurviveAReopen: the deduplication keys a batch stored come back
// from RecentIDs on another Log, with their offsets; old ones do not.
func TestDedupKeysSurviveAReopen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"}, broker.Topic{Name: "q", Kind: broker.Queue})
	ctx := context.Background()
	if _, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("old", 1), DedupKeys: []string{"old"}}}); err != nil {
		t.Fatal(err)
	}
	old, err := e.log.Read(ctx, "t", 0, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	since := old[0].Time.Add(time.Nanosecond)
	for time.Now().Before(since.Add(time.Millisecond)) {
		time.Sleep(time.Millisecond) // the next records must be stored after since
	}
	q := recs("q", 1)
	q[0].Time = time.Now() // the meta log keeps the time the broker gives
	if _, err := e.log.Append(ctx, []broker.Batch{
		{Topic: "t", Records: recs("u", 1)}, // no keys, stored back to back with the next
		{Topic: "t", Records: recs("v", 3), DedupKeys: []string{"src\x00a", "", "b"}},
		{Topic: "q", Records: q, DedupKeys: []string{"qk"}, Queue: true},
	}); err != nil {
		t.Fatal(err)
	}
	l2 := e.open(e.meta)
	ids, err := l2.RecentIDs(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, id := range ids {
		if id.Time.Before(since) {
			t.Errorf("id %q stored at %v, before %v", id.Key, id.Time, since)
		}
		got[id.Topic+"/"+id.Key] = id.Offset
	}
	want := map[string]int64{"t/src\x00a": 2, "t/b": 4, "q/qk": 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RecentIDs (-want +got):\n%s", diff)
	}
}

// TestQueuesStayInMetaAndFailuresRollBack: queue topics live in the meta log;
// a group commit whose last batch fails stores nothing in JetStream either.
func TestQueuesStayInMetaAndFailuresRollBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "s"}, broker.Topic{Name: "q", Kind: broker.Queue})
	ctx := context.Background()
	firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "s", Records: recs("s", 2)}, {Topic: "q", Records: recs("q", 2), Queue: true}})
	if err != nil || !cmp.Equal(firsts, []int64{0, 0}) {
		t.Fatalf("Append = %v, %v", firsts, err)
	}
	lr, err := e.log.Lease(ctx, broker.LeaseRequest{Topic: "q", Max: 10, Now: time.Now(), Visibility: time.Minute})
	if err != nil || len(lr.Records) != 2 {
		t.Fatalf("Lease = %+v, %v", lr, err)
	}
	e.checkNoStream("q", "a queue topic")
	// An unknown topic fails the call before anything is stored.
	_, err = e.log.Append(ctx, []broker.Batch{{Topic: "s", Records: recs("x", 5)}, {Topic: "gone", Records: recs("g", 1)}})
	if !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("Append with a missing topic: %v, want ErrTopicNotFound", err)
	}
	// A batch to another stream that NATS cannot take (an event over its
	// max_payload) rolls back the batch already stored in "s".
	e.put(e.log, broker.Topic{Name: "s2"})
	huge := []broker.Record{{Value: make([]byte, 2<<20)}}
	_, err = e.log.Append(ctx, []broker.Batch{{Topic: "s", Records: recs("x", 3)}, {Topic: "s2", Records: huge}})
	if !errors.Is(err, broker.ErrEventTooLarge) {
		t.Fatalf("Append of an event over max_payload: %v, want ErrEventTooLarge", err)
	}
	// And a failing meta append rolls the stream batch back too.
	if err := e.meta.DeleteTopic(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.log.Append(ctx, []broker.Batch{{Topic: "s", Records: recs("y", 4)}, {Topic: "q", Records: recs("q", 1), Queue: true}}); err == nil {
		t.Fatal("Append to a queue the meta log lost succeeded")
	}
	st, err := e.log.Stats(ctx, "s")
	if err != nil || st.Events != 2 {
		t.Errorf("after two failed appends: Stats = %+v, %v; want the first 2 events only", st, err)
	}
	rs, err := e.log.Read(ctx, "s", 0, 100, 0)
	if err != nil || !cmp.Equal(brokertest.ValuesOf(rs), brokertest.ValuesOf(recs("s", 2))) {
		t.Errorf("Read = %v, %v", brokertest.ValuesOf(rs), err)
	}
	// Offsets go on after the rolled-back ones (3, then 4): never reused.
	if firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "s", Records: recs("z", 1)}}); err != nil || firsts[0] != 9 {
		t.Errorf("Append after rollbacks = %v, %v; want offset 9, after the rolled-back ones", firsts, err)
	}
	if c := e.log.Counters(); c.RolledBack != 7 {
		t.Errorf("rolled back %d messages, want 7", c.RolledBack)
	}
}

// TestStreamDeletedBehindHeraldsBack: a topic whose stream someone deleted
// gets a new one on the next append.
func TestStreamDeletedBehindHeraldsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t", Retention: broker.Retention{MaxEvents: 50}})
	ctx := context.Background()
	e.mustAppend(e.log, "t", recs("v", 5))
	if err := e.js.DeleteStream(ctx, e.prefix+"_t"); err != nil {
		t.Fatal(err)
	}
	if st, err := e.log.Stats(ctx, "t"); err != nil || st.Events != 0 || st.FirstOffset != -1 {
		t.Errorf("Stats without a stream = %+v, %v; want an empty topic", st, err)
	}
	firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("w", 2)}})
	if err != nil || firsts[0] != 0 {
		t.Fatalf("Append after the stream went = %v, %v; want offset 0 in a new stream", firsts, err)
	}
	s, err := e.stream("t")
	if err != nil || s.CachedInfo().Config.MaxMsgs != 50 {
		t.Errorf("the new stream: %v; want the topic's retention", err)
	}
}

func TestKindChangeDropsTheStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	e.put(e.log, broker.Topic{Name: "t", Kind: broker.Queue})
	e.checkNoStream("t", "a topic now a queue")
	e.put(e.log, broker.Topic{Name: "t"})
	if firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("v", 2)}}); err != nil || firsts[0] != 0 {
		t.Errorf("Append = %v, %v", firsts, err)
	}
}

// TestTopicsMadeElsewhere: a topic another instance created (in the shared
// meta log) works at once on this one.
func TestTopicsMadeElsewhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	other := e.open(e.meta)
	e.put(other, broker.Topic{Name: "t"})
	e.mustAppend(other, "t", recs("v", 2))
	rs, err := e.log.Read(ctx, "t", 0, 10, 0)
	if err != nil || len(rs) != 2 {
		t.Errorf("Read on the other instance = %d records, %v", len(rs), err)
	}
	if firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("w", 1)}}); err != nil || firsts[0] != 2 {
		t.Errorf("Append on the other instance = %v, %v; want offset 2", firsts, err)
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	t.Parallel()
	meta := openMeta(t)
	for name, cfg := range map[string]jetstream.Config{
		"no URL":      {},
		"bad prefix":  {URLs: []string{"nats://127.0.0.1:1"}, Prefix: "a.b"},
		"underscore":  {URLs: []string{"nats://127.0.0.1:1"}, Prefix: "a_b"},
		"replicas":    {URLs: []string{"nats://127.0.0.1:1"}, Replicas: 6},
		"unreachable": {URLs: []string{"nats://user:secret@127.0.0.1:1"}, Timeout: 200 * time.Millisecond},
	} {
		_, err := jetstream.Open(context.Background(), cfg, meta)
		if err == nil {
			t.Errorf("%s: Open succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
}

// TestRefusedMessageSaysWhyAndStoresNothing has JetStream refuse the middle
// message of a batch for its own reason (the stream's max message size, set
// behind Herald's back): the Append fails with JetStream's reason, not as
// if another writer had overtaken it (the first try asks for one
// acknowledgement per flight, which cannot say why, so the retry asks for
// each), and the batch's first message, stored before the refusal, is rolled
// back, as are those of the batches before it in the same group.
func TestRefusedMessageSaysWhyAndStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, broker.Topic{Name: "t"})
	ctx := context.Background()
	e.mustAppend(e.log, "t", recs("before", 2))
	s, err := e.stream("t")
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxMsgSize = 600 // the small events and Herald's headers fit, the big one does not
	if _, err := e.js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	batch := recs("small", 3)
	batch[1].Value = fmt.Appendf(nil, `{"big":%q}`, strings.Repeat("x", 1000))
	_, err = e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("group", 2)}, {Topic: "t", Records: batch}})
	if err == nil {
		t.Fatal("Append of a batch with a message over the stream's max size succeeded")
	}
	if !strings.Contains(err.Error(), "maximum") {
		t.Errorf("Append = %v; want JetStream's reason (message size exceeds maximum)", err)
	}
	t.Logf("Append = %v", err)
	all := e.readAll("t")
	if diff := cmp.Diff([]string{`{"before":0}`, `{"before":1}`}, brokertest.ValuesOf(all)); diff != "" {
		t.Errorf("stored after the refused append (-want +got):\n%s", diff)
	}
	// The topic takes the next batch, acknowledged at the offset it is
	// stored at (the rolled-back sequences are not used again).
	firsts, err := e.log.Append(ctx, []broker.Batch{{Topic: "t", Records: recs("after", 2)}})
	if err != nil {
		t.Fatal(err)
	}
	all = e.readAll("t")
	if diff := cmp.Diff([]string{`{"before":0}`, `{"before":1}`, `{"after":0}`, `{"after":1}`}, brokertest.ValuesOf(all)); diff != "" {
		t.Errorf("stored after the next append (-want +got):\n%s", diff)
	}
	if got := all[2].Offset; firsts[0] != got {
		t.Errorf("next append's first offset = %d, stored at %d", firsts[0], got)
	}
}
