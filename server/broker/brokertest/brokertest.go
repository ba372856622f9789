// Package brokertest is the conformance suite of broker.Log: one set of tests,
// written against the interface, that every engine passes (SQLite always,
// PostgreSQL when one is reachable). An engine's test file calls Run with a
// function that opens a fresh, empty log, and RunShared with one that opens two
// logs on one database, as two Herald instances do.
//
// The suite asserts what package broker relies on and the interface's comments
// promise: consecutive offsets, all-or-nothing appends and commits, leases that
// hand a message to one receiver, stale acks skipped, retention, deduplication
// ids and observations. Where an engine truly cannot hold a check as written,
// it passes an Allowance that documents the departure; the SQL engines pass
// none, and the check is unchanged for them.
package brokertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/broker"
)

// Opener opens a fresh, empty log for one test and arranges (t.Cleanup) for it
// to be closed.
type Opener func(t *testing.T) broker.Log

// t0 is the suite's clock: times are explicit, never the wall clock, so
// visibility and retention are decided by the test, not by how fast it runs.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Run runs the single-log conformance tests, each on its own log.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, l broker.Log)
	}{
		{"TopicsAreListedByNameAndReplacedKeepingEvents", testTopics},
		{"MissingTopicGivesErrTopicNotFound", testMissingTopic},
		{"DeleteTopicRemovesEverythingOfIt", testDeleteTopic},
		{"AppendGivesConsecutiveOffsetsPerTopic", testAppendOffsets},
		{"AppendToAMissingTopicStoresNothing", testAppendAllOrNothing},
		{"RecordsRoundTrip", testRoundTrip},
		{"ReadHonoursFromAndLimit", testRead},
		{"OffsetAtFindsTheFirstEventAtOrAfterATime", testOffsetAt},
		{"LeaseHidesMessagesUntilVisibilityEnds", testLeaseVisibility},
		{"LeaseEndsAtMaxBytes", testLeaseMaxBytes},
		{"MaxDeliveriesMovesToTheDeadLetterTopic", testDeadLetter},
		{"AckDeletesCurrentLeasesAndSkipsStaleOnes", testAck},
		{"NackMakesMessagesVisibleAgainAt", testNack},
		{"TrimByAgeCountAndBytes", testTrim},
		{"CommitOffsetsAllOrNothingLastWins", testOffsets},
		{"DedupIDsAreKeptUntilPruned", testDedup},
		{"ObservationsMergeAndPrune", testObservations},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// SharedOpener prepares one empty database for a test and returns a function
// that opens a log on it: each call is another "instance" on the same data.
type SharedOpener func(t *testing.T) func() broker.Log

// Allowance is a documented way an engine departs from the strictest form of
// a shared check, because the engine cannot do otherwise. SQL engines pass
// none.
type Allowance int

const (
	// GapsWhenWritersMeet: when two logs append to one topic at the same
	// moment, offsets stay unique, increasing and contiguous within each
	// acknowledged batch, but a batch one writer had to roll back leaves its
	// offsets unused. JetStream: sequences are never reused, and a batch is
	// kept all-or-nothing by deleting what another writer overtook.
	GapsWhenWritersMeet Allowance = iota + 1
)

// RunShared runs the tests of two logs on one database, used at the same time.
// An engine that allows only one log per database (SQLite) passes an opener
// that returns the same log every time: the tests then check that log's own
// concurrency. allow lists the engine's allowances.
func RunShared(t *testing.T, newDB SharedOpener, allow ...Allowance) {
	t.Helper()
	gaps := slices.Contains(allow, GapsWhenWritersMeet)
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, a, b broker.Log)
	}{
		{"ConcurrentAppendsGetDistinctConsecutiveOffsets", func(t *testing.T, a, b broker.Log) { testConcurrentAppends(t, a, b, gaps) }},
		{"ConcurrentLeasesDeliverEachMessageOnce", testConcurrentLeases},
		{"TopicCreatedOnOneIsSeenByTheOther", testSharedTopics},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			open := newDB(t)
			tc.fn(t, open(), open())
		})
	}
}

// Helpers.

func ctxOf(t *testing.T) context.Context { return t.Context() }

func put(t *testing.T, l broker.Log, tp broker.Topic) {
	t.Helper()
	if tp.ValueSubject == "" {
		tp.ValueSubject = tp.Name + "-value"
	}
	if tp.CreatedAt.IsZero() {
		tp.CreatedAt, tp.UpdatedAt = t0, t0
	}
	if err := l.PutTopic(ctxOf(t), tp); err != nil {
		t.Fatalf("PutTopic %s: %v", tp.Name, err)
	}
}

// values returns n records valued prefix-0, prefix-1 …, stored at t0+i seconds.
func values(prefix string, n int) []broker.Record {
	out := make([]broker.Record, n)
	for i := range out {
		out[i] = broker.Record{Value: fmt.Appendf(nil, "%s-%d", prefix, i), Time: t0.Add(time.Duration(i) * time.Second), SchemaID: 1}
	}
	return out
}

// queued returns n records like values, all stored at t0: queue messages are
// visible from the time they were stored.
func queued(prefix string, n int) []broker.Record {
	out := values(prefix, n)
	for i := range out {
		out[i].Time = t0
	}
	return out
}

func appendOK(t *testing.T, l broker.Log, batches ...broker.Batch) []int64 {
	t.Helper()
	firsts, err := l.Append(ctxOf(t), batches)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return firsts
}

func stats(t *testing.T, l broker.Log, topic string) broker.Stats {
	t.Helper()
	s, err := l.Stats(ctxOf(t), topic)
	if err != nil {
		t.Fatalf("Stats %s: %v", topic, err)
	}
	return s
}

func readAll(t *testing.T, l broker.Log, topic string) []broker.Record {
	t.Helper()
	recs, err := l.Read(ctxOf(t), topic, 0, 1<<20, 0)
	if err != nil {
		t.Fatalf("Read %s: %v", topic, err)
	}
	return recs
}

// OffsetsOf returns the offsets of recs, in order.
func OffsetsOf(recs []broker.Record) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Offset
	}
	return out
}

// ValuesOf returns the values of recs as strings, in order.
func ValuesOf(recs []broker.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
	}
	return out
}

// AckIDsOf returns the ack ids of recs, in order.
func AckIDsOf(recs []broker.Record) []broker.AckID {
	out := make([]broker.AckID, len(recs))
	for i, r := range recs {
		out[i] = r.AckID
	}
	return out
}

func lease(t *testing.T, l broker.Log, req broker.LeaseRequest) broker.LeaseResult {
	t.Helper()
	res, err := l.Lease(ctxOf(t), req)
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	return res
}

// rising reports whether offs strictly increase.
func rising(offs []int64) bool {
	for i := 1; i < len(offs); i++ {
		if offs[i] <= offs[i-1] {
			return false
		}
	}
	return true
}

func span(from, n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)
	}
	return out
}

// Single-log tests.

func testTopics(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "orders"})
	put(t, l, broker.Topic{Name: "audit", Kind: broker.Queue, Visibility: time.Minute})
	appendOK(t, l, broker.Batch{Topic: "orders", Records: values("o", 3)})
	// Replacing the configuration keeps the events and counters.
	want := broker.Topic{
		Name: "orders", Kind: broker.Stream, ValueSubject: "orders-v2", KeySubject: "orders-key",
		Encoding: broker.EncodingBinary, FirstVersion: 2, LastVersion: 5,
		Retention: broker.Retention{MaxAge: time.Hour, MaxBytes: 1 << 20, MaxEvents: 100},
		OnInvalid: broker.DeadLetter, DeadLetterTopic: "audit", MaxDeliveries: 4, Visibility: 90 * time.Second,
		CreatedAt: t0, UpdatedAt: t0.Add(time.Minute),
	}
	put(t, l, want)
	infos, err := l.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
	}
	if d := cmp.Diff([]string{"audit", "orders"}, names); d != "" {
		t.Fatalf("topic names (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, infos[1].Topic); d != "" {
		t.Errorf("replaced topic (-want +got):\n%s", d)
	}
	wantStats := broker.Stats{Events: 3, Bytes: int64(len("o-0") * 3), FirstOffset: 0, LastOffset: 2, NextOffset: 3}
	if d := cmp.Diff(wantStats, infos[1].Stats); d != "" {
		t.Errorf("Topics stats of orders (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantStats, stats(t, l, "orders")); d != "" {
		t.Errorf("Stats of orders (-want +got):\n%s", d)
	}
	if d := cmp.Diff(broker.Stats{FirstOffset: -1, LastOffset: -1}, infos[0].Stats); d != "" {
		t.Errorf("empty topic stats (-want +got):\n%s", d)
	}
	if infos[0].Kind != broker.Queue || infos[0].Visibility != time.Minute {
		t.Errorf("audit = %+v, want a queue with a 1m visibility", infos[0].Topic)
	}
}

func testMissingTopic(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "present"})
	for name, call := range map[string]func() error{
		"DeleteTopic": func() error { return l.DeleteTopic(ctx, "gone") },
		"Stats":       func() error { _, err := l.Stats(ctx, "gone"); return err },
		"Append": func() error {
			_, err := l.Append(ctx, []broker.Batch{{Topic: "gone", Records: values("x", 1)}})
			return err
		},
		"Read":     func() error { _, err := l.Read(ctx, "gone", 0, 10, 0); return err },
		"OffsetAt": func() error { _, err := l.OffsetAt(ctx, "gone", t0); return err },
		"Lease": func() error {
			_, err := l.Lease(ctx, broker.LeaseRequest{Topic: "gone", Max: 1, Now: t0, Visibility: time.Second})
			return err
		},
		"Ack":           func() error { _, err := l.Ack(ctx, "gone", []broker.AckID{{Offset: 0, Delivery: 1}}); return err },
		"Nack":          func() error { _, err := l.Nack(ctx, "gone", []broker.AckID{{Offset: 0, Delivery: 1}}, t0); return err },
		"Trim":          func() error { _, err := l.Trim(ctx, "gone", broker.TrimRequest{MaxEvents: 1}); return err },
		"CommitOffsets": func() error { return l.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "gone", Offset: 1}}) },
		"GroupsOf":      func() error { _, err := l.GroupsOf(ctx, "gone"); return err },
		"QueueCounts":   func() error { _, _, err := l.QueueCounts(ctx, "gone", t0); return err },
	} {
		if err := call(); !errors.Is(err, broker.ErrTopicNotFound) {
			t.Errorf("%s of a missing topic = %v, want ErrTopicNotFound", name, err)
		}
	}
}

func testDeleteTopic(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	put(t, l, broker.Topic{Name: "keep"})
	appendOK(t, l, broker.Batch{Topic: "q", Records: values("a", 3), Queue: true, DedupKeys: []string{"k1", "", "k3"}},
		broker.Batch{Topic: "keep", Records: values("b", 2), DedupKeys: []string{"kb", ""}})
	if err := l.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "q", Offset: 2}, {Topic: "keep", Offset: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteTopic(ctx, "q"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Stats(ctx, "q"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("Stats after delete = %v, want ErrTopicNotFound", err)
	}
	offs, err := l.Offsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int64{"keep": 1}, offs); d != "" {
		t.Errorf("group offsets after delete (-want +got):\n%s", d)
	}
	ids, err := l.RecentIDs(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0].Topic != "keep" || ids[0].Key != "kb" {
		t.Errorf("dedup ids after delete = %+v, want only keep's kb", ids)
	}
	// A topic created again under the name starts empty, at offset 0, with
	// nothing of the old queue.
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	if s := stats(t, l, "q"); s.Events != 0 || s.NextOffset != 0 {
		t.Errorf("recreated topic stats = %+v, want empty at 0", s)
	}
	if v, h, err := l.QueueCounts(ctx, "q", t0.Add(time.Hour)); err != nil || v != 0 || h != 0 {
		t.Errorf("recreated queue counts = %d, %d, %v; want 0, 0", v, h, err)
	}
	if firsts := appendOK(t, l, broker.Batch{Topic: "q", Records: values("c", 1), Queue: true}); firsts[0] != 0 {
		t.Errorf("first offset of the recreated topic = %d, want 0", firsts[0])
	}
	if got := ValuesOf(readAll(t, l, "keep")); !slices.Equal(got, []string{"b-0", "b-1"}) {
		t.Errorf("other topic's events = %v", got)
	}
}

func testAppendOffsets(t *testing.T, l broker.Log) {
	put(t, l, broker.Topic{Name: "a"})
	put(t, l, broker.Topic{Name: "b"})
	firsts := appendOK(t, l,
		broker.Batch{Topic: "a", Records: values("a1", 70)},
		broker.Batch{Topic: "b", Records: values("b1", 2)},
		broker.Batch{Topic: "a", Records: values("a2", 3)},
	)
	if d := cmp.Diff([]int64{0, 0, 70}, firsts); d != "" {
		t.Errorf("firsts (-want +got):\n%s", d)
	}
	firsts = appendOK(t, l, broker.Batch{Topic: "b", Records: values("b2", 1)})
	if firsts[0] != 2 {
		t.Errorf("next batch of b starts at %d, want 2", firsts[0])
	}
	recs := readAll(t, l, "a")
	if d := cmp.Diff(span(0, 73), OffsetsOf(recs)); d != "" {
		t.Errorf("offsets of a (-want +got):\n%s", d)
	}
	if string(recs[69].Value) != "a1-69" || string(recs[70].Value) != "a2-0" {
		t.Errorf("a[69], a[70] = %q, %q; want the batches in order", recs[69].Value, recs[70].Value)
	}
	if s := stats(t, l, "b"); s.Events != 3 || s.NextOffset != 3 || s.LastOffset != 2 {
		t.Errorf("Stats b = %+v", s)
	}
}

func testAppendAllOrNothing(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "t", Kind: broker.Queue})
	appendOK(t, l, broker.Batch{Topic: "t", Records: values("x", 2)})
	_, err := l.Append(ctx, []broker.Batch{
		{Topic: "t", Records: values("y", 5), Queue: true, DedupKeys: []string{"d0", "", "", "", ""}},
		{Topic: "gone", Records: values("z", 1)},
	})
	if !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("Append with a missing topic = %v, want ErrTopicNotFound", err)
	}
	if s := stats(t, l, "t"); s.Events != 2 || s.NextOffset != 2 || s.Bytes != 6 {
		t.Errorf("Stats after a failed append = %+v, want the 2 earlier events only", s)
	}
	if got := ValuesOf(readAll(t, l, "t")); !slices.Equal(got, []string{"x-0", "x-1"}) {
		t.Errorf("events after a failed append = %v", got)
	}
	if v, h, err := l.QueueCounts(ctx, "t", t0.Add(time.Hour)); err != nil || v != 0 || h != 0 {
		t.Errorf("queue after a failed append = %d visible, %d hidden, %v; want none", v, h, err)
	}
	if ids, err := l.RecentIDs(ctx, time.Time{}); err != nil || len(ids) != 0 {
		t.Errorf("dedup ids after a failed append = %+v, %v; want none", ids, err)
	}
	// The offsets the failed append would have taken are handed out next.
	if firsts := appendOK(t, l, broker.Batch{Topic: "t", Records: values("w", 1)}); firsts[0] != 2 {
		t.Errorf("append after the failure starts at %d, want 2", firsts[0])
	}
}

func testRoundTrip(t *testing.T, l broker.Log) {
	put(t, l, broker.Topic{Name: "t"})
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	in := []broker.Record{
		{Time: at, ID: "evt-1", Key: []byte{0, 1, 2, 0xff}, Value: []byte(`{"a":1}`), Headers: map[string]string{"ce-type": "x", "h": ""}, SchemaID: 7, KeySchemaID: 9},
		{Time: at, Value: []byte{0, 0, 0, 0, 1, 0x80}}, // binary, no key, id or headers
		{Time: at}, // an empty value
	}
	appendOK(t, l, broker.Batch{Topic: "t", Records: in})
	got := readAll(t, l, "t")
	want := []broker.Record{in[0], in[1], in[2]}
	for i := range want {
		want[i].Offset = int64(i)
	}
	want[2].Value = []byte{}
	opt := cmp.Comparer(func(a, b []byte) bool { return string(a) == string(b) })
	if d := cmp.Diff(want, got, opt); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}
	if got[2].Value == nil {
		t.Error("an empty value reads back as nil; want an empty, non-nil payload")
	}
	if s := stats(t, l, "t"); s.Bytes != int64(in[0].Size()+in[1].Size()) {
		t.Errorf("Bytes = %d, want the records' sizes %d", s.Bytes, in[0].Size()+in[1].Size())
	}
}

func testRead(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "t"})
	put(t, l, broker.Topic{Name: "other"})
	appendOK(t, l, broker.Batch{Topic: "t", Records: values("v", 10)}, broker.Batch{Topic: "other", Records: values("o", 5)})
	// Each record is 3 bytes ("v-0"): a byte bound ends the page after the
	// record that reaches it.
	for _, tc := range []struct {
		name        string
		from        int64
		limit       int
		maxBytes    int
		wantOffsets []int64
	}{
		{"FromStart", 0, 3, 0, []int64{0, 1, 2}},
		{"FromMiddle", 7, 10, 0, []int64{7, 8, 9}},
		{"NegativeIsStart", -5, 2, 0, []int64{0, 1}},
		{"PastTheEndIsEmpty", 10, 5, 0, []int64{}},
		{"FarPastTheEndIsEmpty", 1 << 50, 5, 0, []int64{}},
		{"BytesEndThePageAfterTheRecordReachingThem", 0, 10, 7, []int64{0, 1, 2}},
		{"BytesReachedExactly", 0, 10, 6, []int64{0, 1}},
		{"BytesPastTheFirstReads", 0, 10, 15, []int64{0, 1, 2, 3, 4}},
		{"ARecordOverTheBoundComesAlone", 4, 10, 1, []int64{4}},
		{"LimitBeforeBytes", 2, 2, 100, []int64{2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := l.Read(ctx, "t", tc.from, tc.limit, tc.maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantOffsets, OffsetsOf(recs)); d != "" {
				t.Errorf("offsets (-want +got):\n%s", d)
			}
			for _, r := range recs {
				if want := fmt.Sprintf("v-%d", r.Offset); string(r.Value) != want {
					t.Errorf("offset %d = %q, want %q (another topic's event?)", r.Offset, r.Value, want)
				}
			}
		})
	}
}

func testOffsetAt(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "t"})
	put(t, l, broker.Topic{Name: "empty"})
	appendOK(t, l, broker.Batch{Topic: "t", Records: values("v", 5)}) // at t0 … t0+4s
	for _, tc := range []struct {
		name string
		at   time.Time
		want int64
	}{
		{"BeforeAll", t0.Add(-time.Hour), 0},
		{"Exact", t0.Add(2 * time.Second), 2},
		{"Between", t0.Add(2500 * time.Millisecond), 3},
		{"AfterAllIsNext", t0.Add(time.Hour), 5},
	} {
		if got, err := l.OffsetAt(ctx, "t", tc.at); err != nil || got != tc.want {
			t.Errorf("%s: OffsetAt = %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	if got, err := l.OffsetAt(ctx, "empty", t0); err != nil || got != 0 {
		t.Errorf("OffsetAt of an empty topic = %d, %v; want 0", got, err)
	}
}

func testLeaseVisibility(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	appendOK(t, l, broker.Batch{Topic: "q", Records: queued("m", 5), Queue: true})
	if v, h, err := l.QueueCounts(ctx, "q", t0); err != nil || v != 5 || h != 0 {
		t.Fatalf("QueueCounts before leasing = %d, %d, %v; want 5 visible", v, h, err)
	}
	req := broker.LeaseRequest{Topic: "q", Max: 3, Now: t0, Visibility: time.Minute}
	first := lease(t, l, req)
	if d := cmp.Diff([]int64{0, 1, 2}, OffsetsOf(first.Records)); d != "" {
		t.Fatalf("first lease offsets (-want +got):\n%s", d)
	}
	for _, r := range first.Records {
		if r.Deliveries != 1 || r.AckID != (broker.AckID{Offset: r.Offset, Delivery: 1}) || string(r.Value) != fmt.Sprintf("m-%d", r.Offset) {
			t.Errorf("leased %+v, want delivery 1 with its value", r)
		}
	}
	if v, h, err := l.QueueCounts(ctx, "q", t0); err != nil || v != 2 || h != 3 {
		t.Errorf("QueueCounts while leased = %d, %d, %v; want 2 visible, 3 hidden", v, h, err)
	}
	// Before the lease ends, only the two others are left.
	req.Max, req.Now = 10, t0.Add(59*time.Second)
	if got := OffsetsOf(lease(t, l, req).Records); !slices.Equal(got, []int64{3, 4}) {
		t.Errorf("second lease = %v, want [3 4]", got)
	}
	if got := lease(t, l, req).Records; len(got) != 0 {
		t.Errorf("lease with everything leased = %v, want none", OffsetsOf(got))
	}
	// When the first lease ends, its messages come back, delivered twice.
	req.Now = t0.Add(time.Minute)
	again := lease(t, l, req)
	if d := cmp.Diff([]int64{0, 1, 2}, OffsetsOf(again.Records)); d != "" {
		t.Fatalf("lease after the visibility ends (-want +got):\n%s", d)
	}
	if again.Records[0].Deliveries != 2 || again.Records[0].AckID.Delivery != 2 {
		t.Errorf("redelivered %+v, want delivery 2", again.Records[0])
	}
	if s := stats(t, l, "q"); s.Events != 5 {
		t.Errorf("leasing removed events: %+v", s)
	}
}

// testLeaseMaxBytes: each message is 3 bytes ("m-0"); a lease ends after the
// message that brings the bytes leased to MaxBytes, the first whatever its
// size, and those after it stay visible for the next.
func testLeaseMaxBytes(t *testing.T, l broker.Log) {
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	appendOK(t, l, broker.Batch{Topic: "q", Records: queued("m", 6), Queue: true})
	req := broker.LeaseRequest{Topic: "q", Max: 10, MaxBytes: 7, Now: t0, Visibility: time.Minute}
	if got := OffsetsOf(lease(t, l, req).Records); !slices.Equal(got, []int64{0, 1, 2}) {
		t.Errorf("lease of 7 bytes = %v, want [0 1 2]", got)
	}
	req.MaxBytes = 1
	if got := OffsetsOf(lease(t, l, req).Records); !slices.Equal(got, []int64{3}) {
		t.Errorf("lease of 1 byte = %v, want [3], the first message whatever its size", got)
	}
	req.MaxBytes = 0
	if got := OffsetsOf(lease(t, l, req).Records); !slices.Equal(got, []int64{4, 5}) {
		t.Errorf("lease without a byte bound = %v, want the two left, [4 5]", got)
	}
}

func testDeadLetter(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "dlq", Kind: broker.Queue})
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue, MaxDeliveries: 2, DeadLetterTopic: "dlq"})
	in := queued("m", 3)
	in[1].Headers = map[string]string{"keep": "me"}
	in[1].ID = "id-1"
	appendOK(t, l, broker.Batch{Topic: "q", Records: in, Queue: true})
	req := broker.LeaseRequest{Topic: "q", Max: 2, Now: t0, Visibility: time.Second, MaxDeliveries: 2, DeadLetterTopic: "dlq", DeadLetterReason: "max deliveries"}
	for i := range 2 {
		req.Now = t0.Add(time.Duration(i) * time.Minute)
		if res := lease(t, l, req); len(res.Records) != 2 || res.DeadLettered != 0 {
			t.Fatalf("lease %d = %v, %d dead-lettered; want 0 and 1 leased", i+1, OffsetsOf(res.Records), res.DeadLettered)
		}
	}
	// 0 and 1 were delivered twice: the third lease moves them and leases 2.
	req.Now = t0.Add(time.Hour)
	res := lease(t, l, req)
	if res.DeadLettered != 2 || !slices.Equal(OffsetsOf(res.Records), []int64{2}) {
		t.Fatalf("lease after max deliveries = %v, %d dead-lettered; want [2] and 2", OffsetsOf(res.Records), res.DeadLettered)
	}
	if s := stats(t, l, "q"); s.Events != 1 || s.Bytes != int64(in[2].Size()) {
		t.Errorf("source queue stats = %+v, want only message 2 left", s)
	}
	dead := readAll(t, l, "dlq")
	if d := cmp.Diff([]string{"m-0", "m-1"}, ValuesOf(dead)); d != "" {
		t.Fatalf("dead-letter values (-want +got):\n%s", d)
	}
	want := map[string]string{"keep": "me", broker.HeaderDeadLetterReason: "max deliveries", broker.HeaderSourceTopic: "q", broker.HeaderSourceOffset: "1"}
	if d := cmp.Diff(want, dead[1].Headers); d != "" {
		t.Errorf("dead-letter headers (-want +got):\n%s", d)
	}
	if dead[1].ID != "id-1" || dead[1].SchemaID != 1 || !dead[1].Time.Equal(req.Now) {
		t.Errorf("dead-lettered record = %+v, want its id and schema kept, stored at the lease time", dead[1])
	}
	if s := stats(t, l, "dlq"); s.Events != 2 || s.NextOffset != 2 || s.Bytes != int64(dead[0].Size()+dead[1].Size()) {
		t.Errorf("dead-letter stats = %+v", s)
	}
	// The dead-letter topic is a queue: the moved messages can be received.
	if v, _, err := l.QueueCounts(ctx, "dlq", req.Now); err != nil || v != 2 {
		t.Errorf("dead-letter queue visible = %d, %v; want 2", v, err)
	}
}

func testAck(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	appendOK(t, l, broker.Batch{Topic: "q", Records: queued("m", 4), Queue: true})
	req := broker.LeaseRequest{Topic: "q", Max: 4, Now: t0, Visibility: time.Minute}
	first := lease(t, l, req)
	// The lease of 0 and 1 ends and they are leased again: the first ack ids
	// of those two are stale.
	req.Now, req.Max = t0.Add(time.Minute), 2
	second := lease(t, l, req)
	if !slices.Equal(OffsetsOf(second.Records), []int64{0, 1}) {
		t.Fatalf("second lease = %v", OffsetsOf(second.Records))
	}
	ids := append(AckIDsOf(first.Records), broker.AckID{Offset: 99, Delivery: 1}, broker.AckID{Offset: 2, Delivery: 1})
	n, err := l.Ack(ctx, "q", ids)
	if err != nil || n != 2 {
		t.Fatalf("Ack = %d, %v; want 2 (offsets 2 and 3; 0 and 1 stale, 99 unknown, 2 repeated)", n, err)
	}
	if got := OffsetsOf(readAll(t, l, "q")); !slices.Equal(got, []int64{0, 1}) {
		t.Errorf("events after ack = %v, want [0 1]", got)
	}
	if n, err := l.Ack(ctx, "q", AckIDsOf(second.Records)); err != nil || n != 2 {
		t.Errorf("Ack of the current leases = %d, %v; want 2", n, err)
	}
	if n, err := l.Ack(ctx, "q", AckIDsOf(second.Records)); err != nil || n != 0 {
		t.Errorf("second Ack of the same ids = %d, %v; want 0", n, err)
	}
	if s := stats(t, l, "q"); s.Events != 0 || s.Bytes != 0 || s.NextOffset != 4 {
		t.Errorf("Stats after acking all = %+v, want empty with next offset 4", s)
	}
	if v, h, err := l.QueueCounts(ctx, "q", t0.Add(time.Hour)); err != nil || v != 0 || h != 0 {
		t.Errorf("QueueCounts after acking all = %d, %d, %v", v, h, err)
	}
}

func testNack(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "q", Kind: broker.Queue})
	appendOK(t, l, broker.Batch{Topic: "q", Records: queued("m", 3), Queue: true})
	res := lease(t, l, broker.LeaseRequest{Topic: "q", Max: 3, Now: t0, Visibility: time.Hour})
	ids := AckIDsOf(res.Records[:2])
	n, err := l.Nack(ctx, "q", append(ids, broker.AckID{Offset: 2, Delivery: 5}), t0.Add(10*time.Second))
	if err != nil || n != 2 {
		t.Fatalf("Nack = %d, %v; want 2 (the stale id skipped)", n, err)
	}
	req := broker.LeaseRequest{Topic: "q", Max: 5, Now: t0.Add(9 * time.Second), Visibility: time.Hour}
	if got := lease(t, l, req).Records; len(got) != 0 {
		t.Errorf("lease before the nack delay = %v, want none", OffsetsOf(got))
	}
	req.Now = t0.Add(10 * time.Second)
	got := lease(t, l, req).Records
	if !slices.Equal(OffsetsOf(got), []int64{0, 1}) || got[0].Deliveries != 2 {
		t.Errorf("lease after the nack delay = %+v, want 0 and 1 on their 2nd delivery", got)
	}
	// A nack with the old delivery number changes nothing.
	if n, err := l.Nack(ctx, "q", ids, t0); err != nil || n != 0 {
		t.Errorf("stale Nack = %d, %v; want 0", n, err)
	}
}

func testTrim(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	for _, tc := range []struct {
		name      string
		req       broker.TrimRequest
		wantFirst int64
	}{
		{"Nothing", broker.TrimRequest{}, 0},
		{"ByAge", broker.TrimRequest{Before: t0.Add(3 * time.Second)}, 3},
		{"ByAgeAll", broker.TrimRequest{Before: t0.Add(time.Hour)}, 10},
		{"ByCount", broker.TrimRequest{MaxEvents: 4}, 6},
		// Each value is 3 bytes ("v-0"): 10 bytes keep the newest three.
		{"ByBytes", broker.TrimRequest{MaxBytes: 10}, 7},
		{"TheStrictestWins", broker.TrimRequest{Before: t0.Add(2 * time.Second), MaxEvents: 5, MaxBytes: 100}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "t-" + tc.name
			put(t, l, broker.Topic{Name: name, Kind: broker.Queue})
			appendOK(t, l, broker.Batch{Topic: name, Records: values("v", 10), Queue: true})
			n, err := l.Trim(ctx, name, tc.req)
			if err != nil || n != tc.wantFirst {
				t.Fatalf("Trim = %d, %v; want %d", n, err, tc.wantFirst)
			}
			if d := cmp.Diff(span(tc.wantFirst, 10-tc.wantFirst), OffsetsOf(readAll(t, l, name))); d != "" {
				t.Errorf("offsets left (-want +got):\n%s", d)
			}
			wantStats := broker.Stats{Events: 10 - tc.wantFirst, Bytes: 3 * (10 - tc.wantFirst), FirstOffset: tc.wantFirst, LastOffset: 9, NextOffset: 10}
			if tc.wantFirst == 10 {
				wantStats.FirstOffset, wantStats.LastOffset = -1, -1
			}
			if d := cmp.Diff(wantStats, stats(t, l, name)); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
			// Trimmed queue messages are gone from the queue too.
			if v, _, err := l.QueueCounts(ctx, name, t0.Add(time.Hour)); err != nil || v != 10-tc.wantFirst {
				t.Errorf("visible after trim = %d, %v; want %d", v, err, 10-tc.wantFirst)
			}
		})
	}
}

func testOffsets(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	for _, n := range []string{"a", "b", "c"} {
		put(t, l, broker.Topic{Name: n})
	}
	if offs, err := l.Offsets(ctx, "g"); err != nil || len(offs) != 0 {
		t.Errorf("Offsets of a new group = %v, %v; want empty", offs, err)
	}
	if err := l.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "a", Offset: 1}, {Topic: "b", Offset: 2}}); err != nil {
		t.Fatal(err)
	}
	err := l.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "a", Offset: 9}, {Topic: "gone", Offset: 9}})
	if !errors.Is(err, broker.ErrTopicNotFound) {
		t.Fatalf("CommitOffsets with a missing topic = %v", err)
	}
	if err := l.CommitOffsets(ctx, "g", []broker.GroupOffset{{Topic: "c", Offset: 3}, {Topic: "a", Offset: 4}, {Topic: "a", Offset: 5}}); err != nil {
		t.Fatal(err)
	}
	if err := l.CommitOffsets(ctx, "other", []broker.GroupOffset{{Topic: "a", Offset: 7}}); err != nil {
		t.Fatal(err)
	}
	offs, err := l.Offsets(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]int64{"a": 5, "b": 2, "c": 3}, offs); d != "" {
		t.Errorf("offsets of g (-want +got):\n%s", d)
	}
	groups, err := l.GroupsOf(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]broker.GroupCommit{{Group: "g", Offset: 5}, {Group: "other", Offset: 7}}, groups); d != "" {
		t.Errorf("GroupsOf a (-want +got):\n%s", d)
	}
	if groups, err := l.GroupsOf(ctx, "b"); err != nil || len(groups) != 1 {
		t.Errorf("GroupsOf b = %v, %v", groups, err)
	}
}

func testDedup(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	put(t, l, broker.Topic{Name: "a"})
	put(t, l, broker.Topic{Name: "b"})
	appendOK(t, l, broker.Batch{Topic: "a", Records: values("x", 3), DedupKeys: []string{"k0", "", "k2"}})
	appendOK(t, l, broker.Batch{Topic: "b", Records: values("y", 1), DedupKeys: []string{"k0"}})
	// A key seen again (after its window) points at the newer event.
	later := values("z", 1)
	later[0].Time = t0.Add(time.Hour)
	appendOK(t, l, broker.Batch{Topic: "a", Records: later, DedupKeys: []string{"k0"}})
	ids, err := l.RecentIDs(ctx, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	want := []broker.DedupEntry{
		{Topic: "a", Key: "k2", Offset: 2, Time: t0.Add(2 * time.Second)},
		{Topic: "a", Key: "k0", Offset: 3, Time: t0.Add(time.Hour)},
	}
	if d := cmp.Diff(want, ids); d != "" {
		t.Errorf("RecentIDs since t0+1s (-want +got):\n%s", d)
	}
	if err := l.PruneIDs(ctx, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	ids, err = l.RecentIDs(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want[1:], ids); d != "" {
		t.Errorf("RecentIDs after prune (-want +got):\n%s", d)
	}
}

func testObservations(t *testing.T, l broker.Log) {
	ctx := ctxOf(t)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	if obs, err := l.Observations(ctx); err != nil || len(obs) != 0 {
		t.Fatalf("Observations of a new log = %v, %v", obs, err)
	}
	save := func(obs ...broker.Observation) {
		t.Helper()
		if err := l.SaveObservations(ctx, obs); err != nil {
			t.Fatal(err)
		}
	}
	save(broker.Observation{Topic: "t", Role: broker.Producer, Client: "p1", FirstSeen: at(10), LastSeen: at(20), Count: 2, Refused: 1},
		broker.Observation{Topic: "t", Role: broker.Consumer, Client: "c1", FirstSeen: at(1), LastSeen: at(2), Count: 1},
		broker.Observation{Topic: "t", Role: broker.Consumer, Client: "c2", FirstSeen: at(3), LastSeen: at(30), Count: 1},
		broker.Observation{Topic: "t", Role: broker.Consumer, Client: "c3", FirstSeen: at(3), LastSeen: at(40), Count: 1})
	// Merged: counts add, first seen keeps the earliest, last seen the latest.
	save(broker.Observation{Topic: "t", Role: broker.Producer, Client: "p1", FirstSeen: at(5), LastSeen: at(15), Count: 3, Refused: 4})
	obs, err := l.Observations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Ordered by topic, role name ("consumer" < "producer") and client.
	if len(obs) != 4 || obs[3].Client != "p1" || obs[3].Count != 5 || obs[3].Refused != 5 || !obs[3].FirstSeen.Equal(at(5)) || !obs[3].LastSeen.Equal(at(20)) {
		t.Fatalf("Observations = %+v, want p1 last, merged to 5 events and 5 refused from t0+5s to t0+20s", obs)
	}
	n, err := l.PruneObservations(ctx, broker.ObservationPrune{Before: at(10)})
	if err != nil || n != 1 {
		t.Errorf("prune before t0+10s = %d, %v; want c1 dropped", n, err)
	}
	n, err = l.PruneObservations(ctx, broker.ObservationPrune{Topics: []string{"t"}, Keep: 1})
	if err != nil || n != 1 {
		t.Errorf("prune keeping 1 per role = %d, %v; want c2 dropped", n, err)
	}
	obs, err = l.Observations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var clients []string
	for _, o := range obs {
		clients = append(clients, o.Client)
	}
	if d := cmp.Diff([]string{"c3", "p1"}, clients); d != "" {
		t.Errorf("clients left (-want +got):\n%s", d)
	}
}

// Shared tests.

// testConcurrentAppends: with gaps, offsets need only rise (see
// GapsWhenWritersMeet); everything else is checked alike.
func testConcurrentAppends(t *testing.T, a, b broker.Log, gaps bool) {
	put(t, a, broker.Topic{Name: "t"})
	put(t, a, broker.Topic{Name: "u"})
	const workers, rounds, size = 4, 10, 5
	type got struct {
		worker, round int
		first         int64
	}
	var mu sync.Mutex
	var firsts []got
	var wg sync.WaitGroup
	for w := range workers {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for r := range rounds {
				// Two topics in both orders, so engines that lock per topic
				// meet each other's locks in both orders.
				bs := []broker.Batch{{Topic: "t", Records: values(fmt.Sprintf("w%d-r%d", w, r), size)}, {Topic: "u", Records: values("x", 1)}}
				if w%2 == 1 {
					bs[0], bs[1] = bs[1], bs[0]
				}
				fs, err := l.Append(t.Context(), bs)
				if err != nil {
					t.Errorf("worker %d round %d: %v", w, r, err)
					return
				}
				first := fs[0]
				if w%2 == 1 {
					first = fs[1]
				}
				mu.Lock()
				firsts = append(firsts, got{w, r, first})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	const total = workers * rounds * size
	recs := readAll(t, b, "t")
	offs := OffsetsOf(recs)
	if gaps && len(offs) == total && rising(offs) {
		// Index recs by offset for the batch check below.
		byOff := make([]broker.Record, offs[len(offs)-1]+1)
		for _, r := range recs {
			byOff[r.Offset] = r
		}
		recs = byOff
	} else if d := cmp.Diff(span(0, total), offs); d != "" {
		t.Fatalf("offsets of t (-want +got):\n%s", d)
	}
	// Each acknowledged batch is where its first offset says, contiguous.
	for _, g := range firsts {
		for i := range size {
			want := fmt.Sprintf("w%d-r%d-%d", g.worker, g.round, i)
			if got := string(recs[g.first+int64(i)].Value); got != want {
				t.Fatalf("offset %d = %q, want %q", g.first+int64(i), got, want)
			}
		}
	}
	next := offs[len(offs)-1] + 1
	for _, l := range []broker.Log{a, b} {
		if s := stats(t, l, "t"); s.Events != total || s.NextOffset < next || (!gaps && s.NextOffset != total) || s.Bytes != int64(total*len("w0-r0-0")) {
			t.Errorf("Stats of t = %+v, want %d events", s, total)
		}
		if s := stats(t, l, "u"); s.Events != workers*rounds || (!gaps && s.NextOffset != workers*rounds) {
			t.Errorf("Stats of u = %+v, want %d events", s, workers*rounds)
		}
	}
}

func testConcurrentLeases(t *testing.T, a, b broker.Log) {
	ctx := ctxOf(t)
	put(t, a, broker.Topic{Name: "q", Kind: broker.Queue})
	const n = 200
	appendOK(t, a, broker.Batch{Topic: "q", Records: queued("m", n), Queue: true})
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := range 6 {
		l := a
		if w%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for {
				res, err := l.Lease(ctx, broker.LeaseRequest{Topic: "q", Max: 7, Now: t0, Visibility: time.Hour})
				if err != nil {
					t.Errorf("Lease: %v", err)
					return
				}
				if len(res.Records) == 0 {
					return
				}
				mu.Lock()
				for _, r := range res.Records {
					seen[r.Offset]++
				}
				mu.Unlock()
				if k, err := l.Ack(ctx, "q", AckIDsOf(res.Records)); err != nil || k != len(res.Records) {
					t.Errorf("Ack = %d, %v; want %d", k, err, len(res.Records))
					return
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d distinct messages leased, want %d", len(seen), n)
	}
	for off, k := range seen {
		if k != 1 {
			t.Errorf("offset %d leased %d times, want once", off, k)
		}
	}
	if s := stats(t, b, "q"); s.Events != 0 || s.Bytes != 0 {
		t.Errorf("Stats after everything was acked = %+v, want empty", s)
	}
}

func testSharedTopics(t *testing.T, a, b broker.Log) {
	ctx := ctxOf(t)
	put(t, a, broker.Topic{Name: "t"})
	appendOK(t, b, broker.Batch{Topic: "t", Records: values("v", 2)})
	if got := ValuesOf(readAll(t, b, "t")); !slices.Equal(got, []string{"v-0", "v-1"}) {
		t.Errorf("read on b = %v", got)
	}
	if err := a.DeleteTopic(ctx, "t"); err != nil {
		t.Fatal(err)
	}
	put(t, a, broker.Topic{Name: "t"})
	appendOK(t, a, broker.Batch{Topic: "t", Records: values("w", 1)})
	// b must not keep reading the deleted topic's events under the name.
	if got := ValuesOf(readAll(t, b, "t")); !slices.Equal(got, []string{"w-0"}) {
		t.Errorf("read on b after the topic was recreated on a = %v, want [w-0]", got)
	}
}
