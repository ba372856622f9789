package server

import (
	"net/http"
	"testing"

	"github.com/heraldhq/herald/server/broker"
)

// The publish body parsers must never panic, and whatever they accept must be
// well formed: one event per input event, values present, CloudEvents with
// their required attributes.

func FuzzPublishEnvelope(f *testing.F) {
	seedEnvelopes(f, []string{
		`{"events":[{"value":{"id":"o-1","amount":1}}]}`,
		`{"events":[{"id":"a","key":"k","value":[1,2],"headers":{"h":"v"}},{"value":null}]}`,
		`{"events":[{"value":"AAAAAAF7fQ==","key":"aw=="}]}`,
		`{"events":[]}`, `{"events":[{}]}`, `{"event":[]}`, `[]`, `{`, ``, `{"events":[{"value":1}]} x`,
	})
	f.Fuzz(func(t *testing.T, body []byte, binary bool) {
		evs, err := decodeEnvelope(body, binary, testMaxEvents)
		if err != nil {
			return
		}
		for i, e := range evs {
			if e.Value == nil {
				t.Fatalf("event %d accepted without a value", i)
			}
		}
	})
}

func FuzzPublishCloudEvent(f *testing.F) {
	for _, s := range []string{
		`{"specversion":"1.0","id":"e1","source":"/s","type":"t","data":{"a":1}}`,
		`{"specversion":"1.0","id":"e1","source":"/s","type":"t","datacontenttype":"application/json","time":"2026-01-02T03:04:05Z","ext1":true,"n":3}`,
		`{"specversion":"0.3","id":"e1","source":"/s","type":"t"}`,
		`{"specversion":"1.0","id":"e1","source":"/s","type":"t","data_base64":"e30="}`,
		`{"specversion":"1.0","id":"","source":"/s","type":"t"}`,
		`null`, `[]`, `{"Bad-Name":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := decodeCloudEvent(body)
		if err != nil {
			return
		}
		checkAccepted(t, ev)
		evs, err := decodeCloudEventBatch(append(append([]byte("["), body...), ']'), testMaxEvents)
		if err != nil || len(evs) != 1 {
			t.Fatalf("a valid CloudEvent failed as a batch of one: %v", err)
		}
	})
}

func FuzzPublishCloudEventBinary(f *testing.F) {
	f.Add("1.0", "e1", "/s", "t", "application/json", []byte(`{"a":1}`))
	f.Add("1.0", "e%20x", "/s", "t", "", []byte(``))
	f.Add("1.0", "e1", "/s", "t", "text/plain", []byte(`x`))
	f.Add("", "e1", "", "t", "application/cloudevents+json", []byte(`{}`))
	f.Fuzz(func(t *testing.T, spec, id, source, typ, ct string, body []byte) {
		h := http.Header{}
		h.Set("ce-specversion", spec)
		h.Set("ce-id", id)
		h.Set("ce-source", source)
		h.Set("ce-type", typ)
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		topic := broker.Topic{Name: "t", Encoding: broker.EncodingCloudEvents}
		evs, err := decodePublish(topic, h, body, testMaxEvents)
		if err != nil {
			return
		}
		if len(evs) != 1 {
			t.Fatalf("%d events from one binary-mode CloudEvent", len(evs))
		}
		checkAccepted(t, evs[0])
	})
}

func checkAccepted(t *testing.T, ev broker.Event) {
	t.Helper()
	if ev.Value == nil {
		t.Fatal("accepted without data")
	}
	for _, a := range ceRequired {
		if ev.Headers["ce-"+a] == "" {
			t.Fatalf("accepted without %s: %v", a, ev.Headers)
		}
	}
	if ev.ID != ev.Headers["ce-id"] {
		t.Fatalf("id %q is not ce-id %q", ev.ID, ev.Headers["ce-id"])
	}
}
