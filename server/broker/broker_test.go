package broker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/server/broker"
)

func TestBrokerPutTopic(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "orders-value", orderSchema)
	e.reg.register(t, "orders-value", orderSchema)
	ctx := context.Background()

	first := e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	again := e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("idempotent PUT changed the topic (-first +again):\n%s", diff)
	}
	updated := e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value", FirstVersion: 2})
	if !updated.CreatedAt.Equal(first.CreatedAt) || updated.FirstVersion != 2 {
		t.Errorf("update: got %+v", updated)
	}
	e.topic(broker.Topic{Name: "orders.dlq", ValueSubject: "orders-value"})

	tests := []struct {
		name  string
		topic broker.Topic
		want  error
		msg   string
	}{
		{"ErrSubjectNotFound", broker.Topic{Name: "x", ValueSubject: "missing"}, broker.ErrSubjectNotFound, `subject "missing"`},
		{"ErrSubjectNotFoundKey", broker.Topic{Name: "x", ValueSubject: "orders-value", KeySubject: "nokey"}, broker.ErrSubjectNotFound, "key subject"},
		{"ErrInvalidTopicName", broker.Topic{Name: "a b", ValueSubject: "orders-value"}, broker.ErrInvalidTopic, "name"},
		{"ErrInvalidTopicNoSubject", broker.Topic{Name: "x"}, broker.ErrInvalidTopic, "valueSubject is required"},
		{"ErrInvalidTopicRange", broker.Topic{Name: "x", ValueSubject: "orders-value", FirstVersion: 3, LastVersion: 2}, broker.ErrInvalidTopic, "after lastVersion"},
		{"ErrInvalidTopicNoVersionInRange", broker.Topic{Name: "x", ValueSubject: "orders-value", FirstVersion: 5}, broker.ErrInvalidTopic, "no live version"},
		{"ErrInvalidTopicDeadLetterMissing", broker.Topic{Name: "x", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "nope"}, broker.ErrInvalidTopic, "create it first"},
		{"ErrInvalidTopicDeadLetterUnset", broker.Topic{Name: "x", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter}, broker.ErrInvalidTopic, "needs deadLetterTopic"},
		{"ErrInvalidTopicMaxDeliveriesStream", broker.Topic{Name: "x", ValueSubject: "orders-value", MaxDeliveries: 3, DeadLetterTopic: "orders.dlq"}, broker.ErrInvalidTopic, "queues only"},
		{"ErrInvalidTopicSelfDeadLetter", broker.Topic{Name: "x", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "x"}, broker.ErrInvalidTopic, "another topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.b.PutTopic(ctx, tt.topic)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("PutTopic = %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}

	e.publish("orders", order(1))
	if _, err := e.b.PutTopic(ctx, broker.Topic{Name: "orders", Kind: broker.Queue, ValueSubject: "orders-value"}); !errors.Is(err, broker.ErrInvalidTopic) {
		t.Errorf("kind change of a topic with events = %v, want ErrInvalidTopic", err)
	}

	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "orders.dlq"})
	if err := e.b.DeleteTopic(ctx, "orders.dlq"); !errors.Is(err, broker.ErrTopicInUse) {
		t.Errorf("delete a dead-letter topic in use = %v, want ErrTopicInUse", err)
	}
	if err := e.b.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Topic(ctx, "orders"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("Topic after delete = %v, want ErrTopicNotFound", err)
	}
	if err := e.b.DeleteTopic(ctx, "orders"); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("second delete = %v, want ErrTopicNotFound", err)
	}
	// A new topic of the same name starts at offset 0.
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	if res := e.publish("orders", order(1)); res[0].Offset != 0 {
		t.Errorf("recreated topic offset = %d, want 0", res[0].Offset)
	}

	// Topics survive a restart.
	e.reopen()
	infos, err := e.b.Topics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, i := range infos {
		names = append(names, i.Name)
	}
	if diff := cmp.Diff([]string{"orders", "orders.dlq"}, names); diff != "" {
		t.Errorf("topics after restart (-want +got):\n%s", diff)
	}
}

func TestPublishValidates(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "orders-value", orderSchema)
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value"})
	ctx := context.Background()

	res := e.publish("orders", order(1), order(2))
	if diff := cmp.Diff([]broker.Result{{Offset: 0}, {Offset: 1}}, res); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	_, err := e.b.Publish(ctx, "orders", []broker.Event{
		{Value: []byte(order(3))},
		{Value: []byte(`{"id":"o-4","amount":"ten"}`)},
		{Value: []byte(`{"id":"o-5"}`)},
		{Value: []byte(`{not json`)},
	}, broker.PublishOptions{})
	var ee *broker.EventsError
	if !errors.As(err, &ee) || !errors.Is(err, broker.ErrInvalidEvent) {
		t.Fatalf("Publish = %v, want an *EventsError wrapping ErrInvalidEvent", err)
	}
	got := map[int]string{}
	for _, p := range ee.Problems {
		if p.Field != "value" {
			t.Errorf("problem field = %q, want value", p.Field)
		}
		got[p.Index] += p.Path + ";"
	}
	if got[1] != "/amount;" || got[2] != ";" || got[3] != ";" || got[0] != "" {
		t.Errorf("problem paths by index = %v; want 1:/amount 2:(root) 3:(root)", got)
	}
	if !strings.Contains(ee.Error(), "3 events") {
		t.Errorf("message %q does not count the bad events", ee.Error())
	}
	st := e.topicInfo("orders")
	if st.Events != 2 || st.LastOffset != 1 {
		t.Errorf("after a refused batch: %d events, last offset %d; want 2, 1 (atomic batch)", st.Events, st.LastOffset)
	}

	if _, err := e.b.Publish(ctx, "nope", []broker.Event{{Value: []byte(order(1))}}, broker.PublishOptions{}); !errors.Is(err, broker.ErrTopicNotFound) {
		t.Errorf("publish to unknown topic = %v, want ErrTopicNotFound", err)
	}
}

func TestPublishVersionRange(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "v", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`)
	e.reg.register(t, "v", `{"type":"object","properties":{"b":{"type":"string"}},"required":["b"]}`)
	e.reg.register(t, "v", `{"type":"object","properties":{"c":{"type":"string"}},"required":["c"]}`)
	e.topic(broker.Topic{Name: "t", ValueSubject: "v", FirstVersion: 2, LastVersion: 2})
	ctx := context.Background()

	res := e.publish("t", `{"b":"x"}`)
	if res[0].Offset != 0 {
		t.Fatalf("offset %d", res[0].Offset)
	}
	for _, tc := range []struct{ payload, want string }{
		{`{"a":"x"}`, "matches version 1 of subject v, outside the topic's allowed version 2"},
		{`{"c":"x"}`, "matches version 3 of subject v, outside the topic's allowed version 2"},
		{`{"d":"x"}`, "(version 2 of v)"},
	} {
		_, err := e.b.Publish(ctx, "t", []broker.Event{{Value: []byte(tc.payload)}}, broker.PublishOptions{})
		var ee *broker.EventsError
		if !errors.As(err, &ee) || !strings.Contains(ee.Problems[0].Message, tc.want) {
			t.Errorf("Publish(%s) = %v, want a problem containing %q", tc.payload, err, tc.want)
		}
	}
	// The stored event names the schema that validated it.
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "t"})
	if err != nil || len(rr.Records) != 1 || rr.Records[0].SchemaID != 2 {
		t.Errorf("Read = %+v, %v; want one record with schema id 2", rr, err)
	}
}

func TestPublishWireFormat(t *testing.T) {
	e := parallelEnv(t)
	v1 := e.reg.register(t, "pay-value", `{"type":"object","required":["a"]}`)
	v2 := e.reg.register(t, "pay-value", `{"type":"object","required":["b"]}`)
	other := e.reg.register(t, "other", `{}`)
	e.topic(broker.Topic{Name: "pay", ValueSubject: "pay-value", Encoding: broker.EncodingBinary, FirstVersion: 2})
	ctx := context.Background()
	wire := func(id int, p string) []byte { return broker.AppendWire(nil, id, []byte(p)) }

	res, err := e.b.Publish(ctx, "pay", []broker.Event{{Value: wire(v2, `{"b":1}`)}}, broker.PublishOptions{})
	if err != nil || res[0].Offset != 0 {
		t.Fatalf("Publish = %v, %v", res, err)
	}
	for _, tc := range []struct {
		name  string
		value []byte
		want  string
	}{
		{"IDNotInSubject", wire(other, `{}`), fmt.Sprintf("schema id %d is not a live version of subject pay-value", other)},
		{"VersionOutsideRange", wire(v1, `{"a":1}`), "is version 1 of subject pay-value, outside the topic's allowed versions 2 and later"},
		{"PayloadBreaksSchema", wire(v2, `{"a":1}`), fmt.Sprintf("(schema id %d, version 2 of pay-value)", v2)},
		{"BadMagic", append([]byte{1}, wire(v2, `{}`)[1:]...), "magic byte 1"},
		{"Short", []byte{0, 0, 1}, "3 bytes"},
		{"ZeroID", wire(0, `{}`), "schema id 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.b.Publish(ctx, "pay", []broker.Event{{Value: tc.value}}, broker.PublishOptions{})
			var ee *broker.EventsError
			if !errors.As(err, &ee) || !strings.Contains(ee.Problems[0].Message, tc.want) {
				t.Errorf("Publish = %v, want a problem containing %q", err, tc.want)
			}
		})
	}
	// A schema registered after the cache was filled is found at once.
	v3 := e.reg.register(t, "pay-value", `{"type":"object","required":["c"]}`)
	if _, err := e.b.Publish(ctx, "pay", []broker.Event{{Value: wire(v3, `{"c":1}`)}}, broker.PublishOptions{}); err != nil {
		t.Errorf("publish with a new schema id: %v", err)
	}
}

func TestPublishDeadLetter(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "orders-value", orderSchema)
	e.topic(broker.Topic{Name: "orders.dlq", ValueSubject: "orders-value"})
	e.topic(broker.Topic{Name: "orders", ValueSubject: "orders-value", OnInvalid: broker.DeadLetter, DeadLetterTopic: "orders.dlq"})
	ctx := context.Background()

	res, err := e.b.Publish(ctx, "orders", []broker.Event{
		{Value: []byte(order(1))},
		{Value: []byte(`{"id":"o-2"}`), Headers: map[string]string{"h": "v"}},
		{Value: []byte(order(3))},
	}, broker.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Offset != 0 || res[2].Offset != 1 || res[1].Offset != -1 || res[1].DeadLetter == nil {
		t.Fatalf("results = %+v", res)
	}
	if dl := res[1].DeadLetter; dl.Topic != "orders.dlq" || dl.Offset != 0 || len(dl.Problems) == 0 || dl.Problems[0].Index != 1 {
		t.Errorf("dead letter = %+v", dl)
	}
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "orders.dlq"})
	if err != nil || len(rr.Records) != 1 {
		t.Fatalf("read dlq: %+v %v", rr, err)
	}
	h := rr.Records[0].Headers
	if h["h"] != "v" || h[broker.HeaderSourceTopic] != "orders" || !strings.Contains(h[broker.HeaderDeadLetterReason], "amount") {
		t.Errorf("dead-letter headers = %v", h)
	}
}

func TestPublishTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *broker.Config) { c.MaxEventBytes = 100 })
	e.anyTopic("t")
	big := `"` + strings.Repeat("x", 200) + `"`
	_, err := e.b.Publish(context.Background(), "t", []broker.Event{{Value: []byte(`1`)}, {Value: []byte(big)}}, broker.PublishOptions{})
	var ee *broker.EventsError
	if !errors.As(err, &ee) || !errors.Is(err, broker.ErrEventTooLarge) || ee.Problems[0].Index != 1 || !strings.Contains(ee.Problems[0].Message, "limit is 100") {
		t.Errorf("Publish = %v, want ErrEventTooLarge for event 1", err)
	}
}

func TestPublishTooManyEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *broker.Config) { c.MaxPublishEvents = 3 })
	e.anyTopic("t")
	evs := []broker.Event{{Value: []byte(`1`)}, {Value: []byte(`2`)}, {Value: []byte(`3`)}}
	if _, err := e.b.Publish(context.Background(), "t", evs, broker.PublishOptions{}); err != nil {
		t.Fatalf("3 events with a limit of 3: %v", err)
	}
	_, err := e.b.Publish(context.Background(), "t", append(evs, broker.Event{Value: []byte(`4`)}), broker.PublishOptions{})
	if !errors.Is(err, broker.ErrTooManyEvents) || !strings.Contains(err.Error(), "4 events in one publish; the limit is 3") {
		t.Fatalf("4 events with a limit of 3: %v, want ErrTooManyEvents", err)
	}
	if st := e.topicInfo("t"); st.Events != 3 {
		t.Errorf("%d events stored, want the first batch's 3 only", st.Events)
	}
}

// TestPagesBoundedByBytes: reads and receives end after the event that
// reaches Config.MaxPageBytes (events of 1 byte, a bound of 3).
func TestPagesBoundedByBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *broker.Config) { c.MaxPageBytes = 3 })
	e.anyTopic("s")
	e.topic(broker.Topic{Name: "q", Kind: broker.Queue, ValueSubject: "s"})
	ctx := context.Background()
	evs := []broker.Event{{Value: []byte(`1`)}, {Value: []byte(`2`)}, {Value: []byte(`3`)}, {Value: []byte(`4`)}, {Value: []byte(`5`)}}
	for _, topic := range []string{"s", "q"} {
		if _, err := e.b.Publish(ctx, topic, evs, broker.PublishOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s", Limit: 100})
	if err != nil || len(rr.Records) != 3 || rr.Next != 3 {
		t.Errorf("Read = %d records, next %d, %v; want 3 and next 3", len(rr.Records), rr.Next, err)
	}
	recs, err := e.b.Receive(ctx, broker.ReceiveRequest{Topic: "q", Max: 100})
	if err != nil || len(recs) != 3 {
		t.Errorf("Receive = %d messages, %v; want 3", len(recs), err)
	}
}

// TestPublishListsProblemsUpToTheBound: 5 events of 30 problems each. A
// refusal lists the first MaxListedProblems and counts the rest; on a topic
// that dead-letters them, each result keeps the problems the bound leaves,
// and at least its first.
func TestPublishListsProblemsUpToTheBound(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "strings", `{"type":"array","items":{"type":"string"}}`)
	e.topic(broker.Topic{Name: "strict", ValueSubject: "strings"})
	e.topic(broker.Topic{Name: "dlq", ValueSubject: "strings"})
	e.topic(broker.Topic{Name: "lenient", ValueSubject: "strings", OnInvalid: broker.DeadLetter, DeadLetterTopic: "dlq"})
	bad := "[" + strings.TrimSuffix(strings.Repeat("1,", 30), ",") + "]"
	evs := make([]broker.Event, 5)
	for i := range evs {
		evs[i] = broker.Event{Value: []byte(bad)}
	}
	ctx := context.Background()

	_, err := e.b.Publish(ctx, "strict", evs, broker.PublishOptions{})
	var ee *broker.EventsError
	if !errors.As(err, &ee) {
		t.Fatalf("Publish = %v, want an *EventsError", err)
	}
	if len(ee.Problems) != broker.MaxListedProblems || ee.Events != 5 || ee.Unlisted != 50 {
		t.Errorf("refusal lists %d problems of %d events, %d unlisted; want %d, 5, 50", len(ee.Problems), ee.Events, ee.Unlisted, broker.MaxListedProblems)
	}
	if want := "5 events break the contract of topic strict, nothing was stored (the details list the first 100 problems of 150)"; !strings.HasPrefix(ee.Error(), want) {
		t.Errorf("message %q, want it to start %q", ee.Error(), want)
	}

	res, err := e.b.Publish(ctx, "lenient", evs, broker.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var listed []int
	for _, r := range res {
		if r.DeadLetter == nil {
			t.Fatalf("results = %+v, want every event dead-lettered", res)
		}
		listed = append(listed, len(r.DeadLetter.Problems))
	}
	if diff := cmp.Diff([]int{30, 30, 30, 10, 1}, listed); diff != "" {
		t.Errorf("problems listed per dead-lettered event (-want +got):\n%s", diff)
	}
	rr, err := e.b.Read(ctx, broker.ReadRequest{Topic: "dlq"})
	if err != nil || len(rr.Records) != 5 {
		t.Fatalf("read dlq: %d records, %v", len(rr.Records), err)
	}
	if reason := rr.Records[4].Headers[broker.HeaderDeadLetterReason]; strings.Count(reason, "; ") != 29 {
		t.Errorf("the last event's stored reason %q does not keep its 30 problems", reason)
	}
}

func TestPublishDedup(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	ctx := context.Background()
	pub := func(evs ...broker.Event) []broker.Result {
		t.Helper()
		res, err := e.b.Publish(ctx, "t", evs, broker.PublishOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ev := func(id string) broker.Event { return broker.Event{ID: id, Value: []byte(`{}`)} }
	ce := func(src, id string) broker.Event {
		return broker.Event{ID: id, Value: []byte(`{}`), Headers: map[string]string{"ce-source": src}}
	}

	want := []broker.Result{{Offset: 0}, {Offset: 1}, {Offset: 0, Duplicate: true}, {Offset: 2}, {Offset: 3}, {Offset: 4}}
	got := pub(ev("a"), ev("b"), ev("a"), ev(""), ce("/x", "a"), ce("/y", "a"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("in-batch dedup (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]broker.Result{{Offset: 1, Duplicate: true}, {Offset: 3, Duplicate: true}, {Offset: 5}}, pub(ev("b"), ce("/x", "a"), ev("c"))); diff != "" {
		t.Errorf("later dedup (-want +got):\n%s", diff)
	}
	// The window survives a restart.
	e.reopen()
	if diff := cmp.Diff([]broker.Result{{Offset: 5, Duplicate: true}}, pub(ev("c"))); diff != "" {
		t.Errorf("dedup after restart (-want +got):\n%s", diff)
	}
	// After the window, the id is new again.
	e.clock.Advance(3 * 60e9)
	if diff := cmp.Diff([]broker.Result{{Offset: 6}}, pub(ev("c"))); diff != "" {
		t.Errorf("dedup after the window (-want +got):\n%s", diff)
	}
}

// TestPublishGroupCommit publishes from many goroutines at once: every event
// gets a unique offset, offsets have no gaps, and each publisher's events are in
// its own order.
func TestPublishGroupCommit(t *testing.T) {
	e := parallelEnv(t)
	e.reg.register(t, "s", `{"type":"object","required":["p","n"]}`)
	e.topic(broker.Topic{Name: "t", ValueSubject: "s"})
	const publishers, each = 16, 40
	var wg sync.WaitGroup
	offsets := make([][]int64, publishers)
	errs := make(chan error, publishers)
	for p := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				v := fmt.Sprintf(`{"p":%d,"n":%d}`, p, n)
				res, err := e.b.Publish(context.Background(), "t", []broker.Event{{Value: []byte(v)}, {Value: []byte(v)}}, broker.PublishOptions{Producer: fmt.Sprintf("p%d", p)})
				if err != nil {
					errs <- err
					return
				}
				offsets[p] = append(offsets[p], res[0].Offset, res[1].Offset)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for p, offs := range offsets {
		for i, o := range offs {
			if seen[o] {
				t.Fatalf("offset %d given twice", o)
			}
			seen[o] = true
			if i > 0 && o <= offs[i-1] {
				t.Fatalf("publisher %d: offset %d after %d", p, o, offs[i-1])
			}
		}
	}
	for o := range int64(publishers * each * 2) {
		if !seen[o] {
			t.Fatalf("offset %d missing", o)
		}
	}
	obs, err := e.b.Lineage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != publishers || obs[0].Count != each*2 || obs[0].Role != broker.Producer {
		t.Errorf("lineage = %+v", obs)
	}
}

func TestBrokerLineage(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("s1")
	e.topic(broker.Topic{Name: "q1", ValueSubject: "s", Kind: broker.Queue})
	ctx := context.Background()
	for range 2 {
		if _, err := e.b.Publish(ctx, "s1", []broker.Event{{Value: []byte(`1`)}, {Value: []byte(`2`)}}, broker.PublishOptions{Producer: "orders-svc"}); err != nil {
			t.Fatal(err)
		}
	}
	e.publish("q1", "1")
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s1", Group: "billing"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s1", Group: "g", Client: "audit-svc", Limit: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.b.Read(ctx, broker.ReadRequest{Topic: "s1"}); err != nil { // no group: not a consumer
		t.Fatal(err)
	}
	if _, err := e.b.Receive(ctx, broker.ReceiveRequest{Topic: "q1", Client: "worker"}); err != nil {
		t.Fatal(err)
	}
	e.reopen() // flushed on Close, loaded from the log
	obs, err := e.b.Lineage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []broker.Observation{
		{Topic: "q1", Role: broker.Consumer, Client: "worker", Count: 1},
		{Topic: "s1", Role: broker.Producer, Client: "orders-svc", Count: 4},
		{Topic: "s1", Role: broker.Consumer, Client: "audit-svc", Count: 1},
		{Topic: "s1", Role: broker.Consumer, Client: "billing", Count: 4},
	}
	if diff := cmp.Diff(want, obs, cmpopts.IgnoreFields(broker.Observation{}, "FirstSeen", "LastSeen"), cmpopts.SortSlices(func(a, b broker.Observation) bool {
		return a.Topic+a.Role.String()+a.Client < b.Topic+b.Role.String()+b.Client
	})); diff != "" {
		t.Errorf("lineage (-want +got):\n%s", diff)
	}
	for _, o := range obs {
		if o.FirstSeen.IsZero() || o.LastSeen.Before(o.FirstSeen) {
			t.Errorf("seen times of %+v", o)
		}
	}
	info := e.topicInfo("s1")
	if len(info.Producers) != 1 || len(info.Consumers) != 2 || info.Events != 4 || info.FirstOffset != 0 || info.LastOffset != 3 {
		t.Errorf("topic info = %+v", info)
	}
}

func TestBrokerCachesSchemas(t *testing.T) {
	e := parallelEnv(t)
	e.anyTopic("t")
	before := e.reg.versionCalls()
	for range 20 {
		e.publish("t", "1")
	}
	if n := e.reg.versionCalls() - before; n > 1 {
		t.Errorf("20 publishes asked the validator for versions %d times, want at most 1", n)
	}
}
