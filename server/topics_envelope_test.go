package server

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/server/broker"
)

var envelopeSeeds = []string{
	`{"events":[{"value":{"id":"o-1","amount":1}}]}`,
	`{"events":[{"id":"a","key":"k","value":[1,2],"headers":{"h":"v"}},{"value":null}]}`,
	`{"events":[{"value":"AAAAAAF7fQ==","key":"aw=="}]}`,
	`{"events":[{"value":"AAAAAAF7fQ==","key":null,"id":"x\u0041"}]}`,
	`{"events":[{"value":"AAAA\/AF7fQ=="}]}`,
	` { "events" : [ { "value" : -1.5e+3 , "key" : { "a" : [ true , false , null ] } } ] } `,
	`{"events":[{"value":"a\"b\\c\u00e9\ud83d\ude00"}]}`,
	`{"events":[{"value":1,"value":2}]}`, `{"events":[{"value":1}],"events":[]}`,
	`{"events":[{"value":01}]}`, `{"events":[{"value":1.}]}`, `{"events":[{"value":"\x"}]}`,
	`{"events":[]}`, `{"events":[{}]}`, `{"event":[]}`, `[]`, `{`, ``, `{"events":[{"value":1}]} x`,
	`{"events":null}`, `{}`, `{"events":[null]}`, `{"events":[{"value":1,"extra":2}]}`,
}

// seedEnvelopes adds each publish body to f's corpus, for a JSON topic and
// for a binary one.
// testMaxEvents is the broker's default Config.MaxPublishEvents.
const testMaxEvents = 10_000

func seedEnvelopes(f *testing.F, bodies []string) {
	for _, s := range bodies {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
}

// FuzzPublishEnvelopeFastPath: whatever the one-pass scanner accepts, the
// general decoder accepts too, with the same events; the scanner never
// accepts what the general decoder refuses.
func FuzzPublishEnvelopeFastPath(f *testing.F) {
	seedEnvelopes(f, envelopeSeeds)
	const maxEvents = 3 // few, for the fuzzer to reach the limit on both paths
	f.Fuzz(func(t *testing.T, body []byte, binary bool) {
		fast, err := scanEnvelope(body, binary, maxEvents)
		if errors.Is(err, broker.ErrTooManyEvents) {
			if _, err := decodeEnvelopeSlow(body, binary, maxEvents); !errors.Is(err, broker.ErrTooManyEvents) {
				t.Fatalf("the scanner refused %q (binary %v) as too many events, the general decoder answers %v", body, binary, err)
			}
			return
		}
		if err != nil {
			return
		}
		slow, err := decodeEnvelopeSlow(body, binary, maxEvents)
		if err != nil {
			t.Fatalf("the scanner accepted %q (binary %v), the general decoder refuses it: %v", body, binary, err)
		}
		if d := cmp.Diff(slow, fast, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("%q (binary %v): scanner and general decoder differ (-slow +fast):\n%s", body, binary, d)
		}
	})
}

// TestEnvelopeValuesAliasTheBody: on a JSON topic each value is a slice of the
// request body, not a copy.
func TestEnvelopeValuesAliasTheBody(t *testing.T) {
	body := []byte(`{"events":[{"value":{"a":1}},{"key":"k","value":[2]}]}`)
	evs, err := decodeEnvelope(body, false, testMaxEvents)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{`{"a":1}`, `[2]`} {
		v := evs[i].Value
		if string(v) != want {
			t.Fatalf("event %d value %s, want %s", i, v, want)
		}
		off := bytes.Index(body, []byte(want))
		if &body[off] != &v[0] {
			t.Errorf("event %d value is a copy, want a slice of the body", i)
		}
		if cap(v) != len(v) {
			t.Errorf("event %d value has room to grow into the body (cap %d, len %d)", i, cap(v), len(v))
		}
	}
}

// TestEnvelopeDecodeAllocationsDoNotGrowWithEvents: decoding a batch costs a
// fixed number of allocations, whatever the number of events, on JSON and
// binary topics.
func TestEnvelopeDecodeAllocationsDoNotGrowWithEvents(t *testing.T) {
	body := func(n int, binary bool) []byte {
		var b strings.Builder
		b.WriteString(`{"events":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			if binary {
				fmt.Fprintf(&b, `{"value":%q}`, base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("\x00\x00\x00\x00\x01payload %d", i))))
			} else {
				fmt.Fprintf(&b, `{"value":{"n":%d,"s":"x\"y","a":[1,2.5,true,null]}}`, i)
			}
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	for _, binary := range []bool{false, true} {
		t.Run(fmt.Sprintf("binary=%v", binary), func(t *testing.T) {
			allocs := func(n int) float64 {
				b := body(n, binary)
				return testing.AllocsPerRun(20, func() {
					if _, err := decodeEnvelope(b, binary, testMaxEvents); err != nil {
						t.Fatal(err)
					}
				})
			}
			a10, a1000 := allocs(10), allocs(1000)
			// The events slice grows by doubling: log2(1000/8) more.
			if a1000 > a10+8 || a1000 > 16 {
				t.Errorf("allocations: %v for 10 events, %v for 1000; want a small constant", a10, a1000)
			}
		})
	}
}

func TestCountItems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		body         string
		level, limit int
		want         int
	}{
		{"EmptyArray", `[ ]`, 0, 10, 0},
		{"TopLevelItems", `[{"a":[1,2]}, "x,y", [3], null]`, 0, 10, 4},
		{"EscapedQuoteInString", `["a\"],[", 1]`, 0, 10, 2},
		{"EnvelopeEvents", `{"events":[{"value":[1,2,3]},{"value":{"k":[4]}}]}`, 1, 10, 2},
		{"EveryArrayOfTheObject", `{"events":[1],"x":[2,3]}`, 1, 10, 3},
		{"NestedArraysNotCounted", `{"events":[[1,2],[3]]}`, 1, 10, 2},
		{"StopsPastTheLimit", `[1,2,3,4,5,6]`, 0, 2, 3},
		{"MalformedCountsWhatItSees", `[1,,2`, 0, 10, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := countItems([]byte(tc.body), tc.level, tc.limit); got != tc.want {
				t.Errorf("countItems(%s, %d, %d) = %d, want %d", tc.body, tc.level, tc.limit, got, tc.want)
			}
		})
	}
}

// TestTooManyEventsRefusedBeforeDecoding: every decoder of a batch refuses
// more than maxEvents events with ErrTooManyEvents, the fast path and the
// general one alike.
func TestTooManyEventsRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	many := func(event string, n int) string {
		return strings.TrimSuffix(strings.Repeat(event+",", n), ",")
	}
	for _, tc := range []struct {
		name string
		run  func(body []byte, maxEvents int) ([]broker.Event, error)
		body func(n int) string
	}{
		{"FastPath", func(b []byte, m int) ([]broker.Event, error) { return decodeEnvelope(b, false, m) },
			func(n int) string { return `{"events":[` + many(`{"value":1}`, n) + `]}` }},
		{"GeneralDecoder", func(b []byte, m int) ([]broker.Event, error) { return decodeEnvelope(b, false, m) },
			func(n int) string { return `{"events":[` + many(`{"value":1,"value":2}`, n) + `]}` }},
		{"CloudEventsBatch", decodeCloudEventBatch,
			func(n int) string {
				return `[` + many(`{"specversion":"1.0","id":"e","source":"/s","type":"t"}`, n) + `]`
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := tc.run([]byte(tc.body(3)), 3); errors.Is(err, broker.ErrTooManyEvents) {
				t.Fatalf("3 events with a limit of 3: %v", err)
			}
			_, err := tc.run([]byte(tc.body(4)), 3)
			if !errors.Is(err, broker.ErrTooManyEvents) || !strings.Contains(err.Error(), "more than 3 events in one publish") {
				t.Fatalf("4 events with a limit of 3: err = %v, want ErrTooManyEvents", err)
			}
		})
	}
}

// TestUnreadableEventsListedUpToTheBound: a batch of 150 events that cannot be
// read lists the first broker.MaxListedProblems of them, and says so.
func TestUnreadableEventsListedUpToTheBound(t *testing.T) {
	t.Parallel()
	body := "[" + strings.TrimSuffix(strings.Repeat("{},", 150), ",") + "]"
	_, err := decodeCloudEventBatch([]byte(body), testMaxEvents)
	var re *rowError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a 400 row error", err)
	}
	probs, _ := re.ErrorDetails().([]bodyProblem)
	if len(probs) != broker.MaxListedProblems || probs[99].Index != 99 {
		t.Errorf("%d details listed (last %+v), want the first %d", len(probs), probs[len(probs)-1], broker.MaxListedProblems)
	}
	if want := "150 events cannot be read"; !strings.Contains(err.Error(), want) || !strings.HasSuffix(err.Error(), "(the details list the first 100)") {
		t.Errorf("message %q, want it to count %q and say the details are the first 100", err, want)
	}
}
