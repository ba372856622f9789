package server

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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
	f.Fuzz(func(t *testing.T, body []byte, binary bool) {
		fast, err := scanEnvelope(body, binary)
		if err != nil {
			return
		}
		slow, err := decodeEnvelopeSlow(body, binary)
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
	evs, err := decodeEnvelope(body, false)
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
					if _, err := decodeEnvelope(b, binary); err != nil {
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
