package server_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// newBrokerEnv is a server with a real registry and a real broker, each on its
// own SQLite file in a temp dir.
func newBrokerEnv(t testing.TB, mod func(*broker.Config)) (*testEnv, *broker.Broker) {
	t.Helper()
	dir := t.TempDir()
	reg := newSQLiteRegistry(t, dir)
	brk := newSQLiteBroker(t, dir, reg, brokerdb.Options{Synchronous: "NORMAL"}, mod)
	srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, reg: reg}, brk
}

// call sends a /v1 request with a JSON body (unless a Content-Type is given).
func (e *testEnv) call(method, path, body string, headers ...string) result {
	e.t.Helper()
	return e.do(method, path, body, append([]string{"Content-Type: application/json"}, headers...)...)
}

const (
	brokerOrderJSON  = `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"number"}},"required":["id","amount"]}`
	brokerOrderAvro  = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}`
	brokerOrderProto = "syntax = \"proto3\";\nmessage Order {\n  string id = 1;\n  double amount = 2;\n}\n"
)

// setupOrders registers the JSON Schema and creates the "orders" topic.
func setupOrders(e *testEnv, topic string) {
	e.t.Helper()
	e.register("orders-value", schemaBody("JSON", brokerOrderJSON))
	e.must(http.StatusOK, "PUT", "/v1/topics/orders", topic, "Content-Type: application/json")
}

func TestTopicAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", brokerOrderJSON))

	r := e.call("PUT", "/v1/topics/orders", `{"valueSubject":"orders-value","retention":{"maxAge":"7d","maxEvents":1000}}`)
	want := `{"name":"orders","kind":"stream","valueSubject":"orders-value","encoding":"json","onInvalid":"reject","retention":{"maxAge":"168h0m0s","maxEvents":1000}}`
	wantJSON(t, r, want, "createdAt", "updatedAt")
	if r.status != http.StatusOK {
		t.Fatalf("PUT status %d", r.status)
	}
	// Idempotent.
	r2 := e.call("PUT", "/v1/topics/orders", `{"name":"orders","valueSubject":"orders-value","retention":{"maxAge":"168h","maxEvents":1000}}`)
	if string(r2.body) != string(r.body) {
		t.Errorf("second PUT changed the topic:\n%s\n%s", r.body, r2.body)
	}
	e.must(http.StatusOK, "PUT", "/v1/topics/orders.dlq", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	e.must(http.StatusOK, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"orders-value","maxDeliveries":3,"deadLetterTopic":"orders.dlq","visibility":"10s"}`, "Content-Type: application/json")

	r = e.call("GET", "/v1/topics/orders", "")
	wantJSON(t, r, `{"name":"orders","kind":"stream","valueSubject":"orders-value","encoding":"json","onInvalid":"reject","retention":{"maxAge":"168h0m0s","maxEvents":1000},
		"events":0,"bytes":0,"firstOffset":-1,"lastOffset":-1,"nextOffset":0,"producers":[],"consumers":[]}`, "createdAt", "updatedAt")
	r = e.call("GET", "/v1/topics", "")
	var list struct{ Topics []struct{ Name, Kind string } }
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Topics) != 3 || list.Topics[0].Name != "jobs" || list.Topics[0].Kind != "queue" {
		t.Errorf("GET /v1/topics = %s", r.body)
	}

	for _, tc := range []struct {
		name, method, path, body, ct string
		status, code                 int
		msg                          string
	}{
		{"ErrTopicNotFound", "GET", "/v1/topics/nope", "", "", 404, 40420, "topic not found"},
		{"ErrTopicNotFoundDelete", "DELETE", "/v1/topics/nope", "", "", 404, 40420, ""},
		{"ErrSubjectNotFound", "PUT", "/v1/topics/x", `{"valueSubject":"missing-value"}`, "", 422, 42220, `"missing-value"`},
		{"ErrInvalidTopicKind", "PUT", "/v1/topics/x", `{"valueSubject":"orders-value","kind":"log"}`, "", 422, 42221, "kind"},
		{"ErrInvalidTopicRange", "PUT", "/v1/topics/x", `{"valueSubject":"orders-value","firstVersion":4}`, "", 422, 42221, "no live version"},
		{"ErrInvalidTopicDuration", "PUT", "/v1/topics/x", `{"valueSubject":"orders-value","retention":{"maxAge":"forever"}}`, "", 422, 42221, "maxAge"},
		{"ErrInvalidTopicName", "PUT", "/v1/topics/a%20b", `{"valueSubject":"orders-value"}`, "", 422, 42221, "name"},
		{"UnknownField", "PUT", "/v1/topics/x", `{"valueSubjet":"orders-value"}`, "", 400, 40001, "valueSubjet"},
		{"InvalidJSON", "PUT", "/v1/topics/x", `{"valueSubject":`, "", 400, 40001, "invalid JSON"},
		{"NameMismatch", "PUT", "/v1/topics/x", `{"name":"y","valueSubject":"orders-value"}`, "", 400, 40001, "path names"},
		{"WrongContentType", "PUT", "/v1/topics/x", `{"valueSubject":"orders-value"}`, "text/plain", 415, 41501, "application/json"},
		{"ErrTopicInUse", "DELETE", "/v1/topics/orders.dlq", "", "", 409, 40920, "dead-letter topic of jobs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := "Content-Type: application/json"
			if tc.ct != "" {
				ct = "Content-Type: " + tc.ct
			}
			wantError(t, e.do(tc.method, tc.path, tc.body, ct), tc.status, tc.code, tc.msg)
		})
	}

	e.must(http.StatusNoContent, "DELETE", "/v1/topics/jobs", "")
	e.must(http.StatusNoContent, "DELETE", "/v1/topics/orders.dlq", "")
	wantError(t, e.call("GET", "/v1/topics/jobs", ""), 404, 40420, "")
}

func TestTopicRoutesWithoutBroker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantError(t, e.do("GET", "/v1/topics", ""), 404, 404, "")
}

// problemsOf returns the details of an error body.
func problemsOf(t *testing.T, r result) []broker.EventProblem {
	t.Helper()
	var body struct{ Details []broker.EventProblem }
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	return body.Details
}

func TestPublishAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, func(c *broker.Config) { c.MaxEventBytes = 4096 })
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	ev := func(i int) string { return fmt.Sprintf(`{"value":{"id":"o-%d","amount":%d}}`, i, i) }

	r := e.call("POST", "/v1/topics/orders/events", `{"events":[`+ev(1)+`,`+ev(2)+`]}`, "Herald-Client: checkout")
	wantJSON(t, r, `{"stored":2,"duplicates":0,"deadLettered":0,"results":[{"offset":0},{"offset":1}]}`)

	t.Run("SchemaBreak", func(t *testing.T) {
		r := e.call("POST", "/v1/topics/orders/events", `{"events":[`+ev(3)+`,{"value":{"id":"o-4","amount":"ten"}},{"value":{"amount":5}}]}`)
		wantError(t, r, 422, 42222, "2 events break the contract of topic orders")
		probs := problemsOf(t, r)
		if len(probs) != 2 {
			t.Fatalf("details = %+v", probs)
		}
		if p := probs[0]; p.Index != 1 || p.Field != "value" || p.Path != "/amount" || !strings.Contains(p.Message, "number") {
			t.Errorf("first problem = %+v, want index 1 at /amount expecting a number", p)
		}
		if p := probs[1]; p.Index != 2 || p.Path != "" || !strings.Contains(p.Message, "id") {
			t.Errorf("second problem = %+v, want index 2 naming the missing id", p)
		}
	})
	t.Run("UnknownTopic", func(t *testing.T) {
		wantError(t, e.call("POST", "/v1/topics/nope/events", `{"events":[`+ev(1)+`]}`), 404, 40420, "nope")
	})
	t.Run("WrongContentType", func(t *testing.T) {
		wantError(t, e.do("POST", "/v1/topics/orders/events", ev(1), "Content-Type: text/plain"), 415, 41501, "does not take text/plain")
		wantError(t, e.do("POST", "/v1/topics/orders/events", ev(1), "Content-Type: application/octet-stream"), 415, 41501, "")
	})
	t.Run("InvalidJSON", func(t *testing.T) {
		wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":`), 400, 40001, "invalid JSON envelope")
		wantError(t, e.call("POST", "/v1/topics/orders/events", `[1,2]`), 400, 40001, "invalid JSON envelope")
		wantError(t, e.call("POST", "/v1/topics/orders/events", `{"events":[{"key":"k"}]}`), 400, 40001, `event 0: "value" is missing`)
	})
	t.Run("Oversized", func(t *testing.T) {
		big := fmt.Sprintf(`{"value":{"id":"%s","amount":1}}`, strings.Repeat("x", 5000))
		r := e.call("POST", "/v1/topics/orders/events", `{"events":[`+ev(1)+`,`+big+`]}`)
		wantError(t, r, 413, 41301, "too large")
		if p := problemsOf(t, r); len(p) != 1 || p[0].Index != 1 || !strings.Contains(p[0].Message, "limit is 4096") {
			t.Errorf("details = %+v", p)
		}
	})
	t.Run("TooManyEvents", func(t *testing.T) {
		// One more than the broker's default MaxPublishEvents: refused before
		// anything is decoded or validated, and nothing is stored.
		stored := func() int64 {
			var info struct {
				Events int64 `json:"events"`
			}
			mustUnmarshal(t, e.must(200, "GET", "/v1/topics/orders", "").body, &info)
			return info.Events
		}
		before := stored()
		body := `{"events":[` + strings.TrimSuffix(strings.Repeat(ev(1)+",", 10_001), ",") + `]}`
		wantError(t, e.call("POST", "/v1/topics/orders/events", body), 413, 41302, "more than 10000 events in one publish: send them in several batches")
		if after := stored(); after != before {
			t.Errorf("%d events stored, then %d", before, after)
		}
	})
	t.Run("DuplicateID", func(t *testing.T) {
		body := `{"events":[{"id":"dup-1","value":{"id":"o-9","amount":9}}]}`
		r := e.call("POST", "/v1/topics/orders/events", body)
		wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":2}]}`)
		r = e.call("POST", "/v1/topics/orders/events", body)
		wantJSON(t, r, `{"stored":0,"duplicates":1,"deadLettered":0,"results":[{"offset":2,"duplicate":true}]}`)
		// Idempotency-Key stands in for missing ids.
		r = e.call("POST", "/v1/topics/orders/events", `{"events":[`+ev(10)+`]}`, "Idempotency-Key: k-1")
		wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":3}]}`)
		r = e.call("POST", "/v1/topics/orders/events", `{"events":[`+ev(10)+`]}`, "Idempotency-Key: k-1")
		wantJSON(t, r, `{"stored":0,"duplicates":1,"deadLettered":0,"results":[{"offset":3,"duplicate":true}]}`)
	})
	// Nothing refused was stored: offsets 0..3 only.
	r = e.call("GET", "/v1/topics/orders", "")
	var info struct {
		Events, NextOffset int64
		Producers          []broker.Observation
	}
	if err := json.Unmarshal(r.body, &info); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	if info.Events != 4 || info.NextOffset != 4 {
		t.Errorf("topic after refusals: %s", r.body)
	}
	if len(info.Producers) != 1 || info.Producers[0].Client != "checkout" || info.Producers[0].Count != 2 {
		t.Errorf("producers = %+v", info.Producers)
	}
}

func TestPublishVersionRangeAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.must(http.StatusOK, "PUT", "/config/v-value", `{"compatibility":"NONE"}`)
	e.register("v-value", schemaBody("JSON", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`))
	e.register("v-value", schemaBody("JSON", `{"type":"object","properties":{"b":{"type":"string"}},"required":["b"]}`))
	e.must(http.StatusOK, "PUT", "/v1/topics/v", `{"valueSubject":"v-value","firstVersion":2}`, "Content-Type: application/json")
	e.must(http.StatusOK, "POST", "/v1/topics/v/events", `{"events":[{"value":{"b":"x"}}]}`, "Content-Type: application/json")
	r := e.call("POST", "/v1/topics/v/events", `{"events":[{"value":{"a":"x"}}]}`)
	wantError(t, r, 422, 42222, "")
	if p := problemsOf(t, r); len(p) != 1 || !strings.Contains(p[0].Message, "matches version 1 of subject v-value, outside the topic's allowed versions 2 and later") {
		t.Errorf("details = %+v", p)
	}
}

func TestPublishCloudEventsAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", brokerOrderJSON))
	e.must(http.StatusOK, "PUT", "/v1/topics/ce", `{"valueSubject":"orders-value","encoding":"cloudevents"}`, "Content-Type: application/json")
	ce := func(id string, data string) string {
		return `{"specversion":"1.0","id":"` + id + `","source":"/checkout","type":"order.placed","datacontenttype":"application/json","data":` + data + `}`
	}
	ctStructured := "Content-Type: application/cloudevents+json"
	r := e.do("POST", "/v1/topics/ce/events", ce("e1", `{"id":"o-1","amount":1}`), ctStructured)
	wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":0}]}`)
	r = e.do("POST", "/v1/topics/ce/events", ce("e1", `{"id":"o-1","amount":1}`), ctStructured)
	wantJSON(t, r, `{"stored":0,"duplicates":1,"deadLettered":0,"results":[{"offset":0,"duplicate":true}]}`)

	r = e.do("POST", "/v1/topics/ce/events", `[`+ce("e2", `{"id":"o-2","amount":2}`)+`,`+ce("e3", `{"id":"o-3","amount":3}`)+`]`, "Content-Type: application/cloudevents-batch+json")
	wantJSON(t, r, `{"stored":2,"duplicates":0,"deadLettered":0,"results":[{"offset":1},{"offset":2}]}`)

	r = e.do("POST", "/v1/topics/ce/events", `{"id":"o-4","amount":4}`, "Content-Type: application/json",
		"ce-specversion: 1.0", "ce-id: e4", "ce-source: /checkout", "ce-type: order.placed", "ce-traceparent: 00-abc")
	wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":3}]}`)

	r = e.do("POST", "/v1/topics/ce/events", ce("e5", `{"id":"o-5"}`), ctStructured)
	wantError(t, r, 422, 42222, "")
	if p := problemsOf(t, r); len(p) == 0 || p[0].Index != 0 || !strings.Contains(p[0].Message, "amount") {
		t.Errorf("details = %+v", p)
	}
	for _, tc := range []struct{ name, body, ct, msg string }{
		{"MissingSource", `{"specversion":"1.0","id":"x","type":"t","data":{}}`, "application/cloudevents+json", "source is missing"},
		{"Base64Data", `{"specversion":"1.0","id":"x","source":"s","type":"t","data_base64":"e30="}`, "application/cloudevents+json", "data_base64"},
		{"XMLData", `{"specversion":"1.0","id":"x","source":"s","type":"t","datacontenttype":"application/xml","data":"<a/>"}`, "application/cloudevents+json", "datacontenttype"},
		{"BatchBadEvent", `[{"specversion":"1.0","id":"x","source":"s","type":"t","data":{}},{"id":"y"}]`, "application/cloudevents-batch+json", "event 1"},
		{"NotJSON", `{`, "application/cloudevents+json", "invalid CloudEvent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.do("POST", "/v1/topics/ce/events", tc.body, "Content-Type: "+tc.ct), 400, 40001, tc.msg)
		})
	}
	// A cloudevents topic takes only CloudEvents.
	wantError(t, e.call("POST", "/v1/topics/ce/events", `{"events":[{"value":{}}]}`), 415, 41501, "cloudevents")

	r = e.call("GET", "/v1/topics/ce/events?from=3", "")
	var page struct{ Events []map[string]any }
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	if len(page.Events) != 1 {
		t.Fatalf("read = %s", r.body)
	}
	h, _ := page.Events[0]["headers"].(map[string]any)
	if h["ce-id"] != "e4" || h["ce-traceparent"] != "00-abc" || h["ce-datacontenttype"] != "application/json" {
		t.Errorf("binary-mode attributes = %v", h)
	}
}

func TestPublishDeadLetterAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", brokerOrderJSON))
	e.must(http.StatusOK, "PUT", "/v1/topics/orders.dlq", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	e.must(http.StatusOK, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"orders.dlq"}`, "Content-Type: application/json")
	r := e.call("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":1}},{"value":{"id":"b","amount":"x"}}]}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var out struct {
		Stored, DeadLettered int
		Results              []struct {
			Offset     *int64
			DeadLetter *struct {
				Topic    string
				Offset   int64
				Problems []broker.EventProblem
			}
		}
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	if out.Stored != 1 || out.DeadLettered != 1 || *out.Results[0].Offset != 0 || out.Results[1].Offset != nil {
		t.Fatalf("publish = %s", r.body)
	}
	if dl := out.Results[1].DeadLetter; dl == nil || dl.Topic != "orders.dlq" || dl.Problems[0].Path != "/amount" || dl.Problems[0].Index != 1 {
		t.Errorf("dead letter = %s", r.body)
	}
	r = e.call("GET", "/v1/topics/orders.dlq/events", "")
	if !strings.Contains(string(r.body), `"herald-source-topic":"orders"`) || !strings.Contains(string(r.body), `"amount":"x"`) {
		t.Errorf("dead-letter topic = %s", r.body)
	}
}

// wire builds a Confluent wire-format payload.
func wireMsg(id int, payload []byte) []byte { return broker.AppendWire(nil, id, payload) }

func avroOrderBytes(id string, amount float64) []byte {
	b := binary.AppendVarint(nil, int64(len(id)))
	b = append(b, id...)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(amount))
}

func protoOrderBytes(id string, amount float64) []byte {
	b := []byte{0x00} // message indexes: [0]
	b = append(b, 0x0a, byte(len(id)))
	b = append(b, id...)
	b = append(b, 0x11)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(amount))
}

func TestPublishWireFormatAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	avroID := e.register("pay-value", schemaBody("", brokerOrderAvro))
	protoID := e.register("proto-value", schemaBody("PROTOBUF", brokerOrderProto))
	otherID := e.register("other-value", schemaBody("JSON", `{"type":"object"}`))
	e.must(http.StatusOK, "PUT", "/v1/topics/pay", `{"valueSubject":"pay-value","encoding":"binary"}`, "Content-Type: application/json")
	e.must(http.StatusOK, "PUT", "/v1/topics/proto", `{"valueSubject":"proto-value","encoding":"binary"}`, "Content-Type: application/json")
	oct := "Content-Type: application/octet-stream"

	r := e.do("POST", "/v1/topics/pay/events", string(wireMsg(avroID, avroOrderBytes("o-1", 9.5))), oct)
	wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":0}]}`)
	r = e.do("POST", "/v1/topics/proto/events", string(wireMsg(protoID, protoOrderBytes("o-1", 9.5))), oct)
	wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":0}]}`)
	// Envelope with base64 values.
	b64 := base64.StdEncoding.EncodeToString(wireMsg(avroID, avroOrderBytes("o-2", 1)))
	r = e.call("POST", "/v1/topics/pay/events", `{"events":[{"value":"`+b64+`","key":"`+base64.StdEncoding.EncodeToString([]byte("k"))+`"}]}`)
	wantJSON(t, r, `{"stored":1,"duplicates":0,"deadLettered":0,"results":[{"offset":1}]}`)

	for _, tc := range []struct {
		name, topic string
		body        []byte
		msg         string
	}{
		{"IDNotInSubject", "pay", wireMsg(otherID, []byte(`{}`)), fmt.Sprintf("schema id %d is not a live version of subject pay-value", otherID)},
		{"UnknownID", "pay", wireMsg(999, avroOrderBytes("x", 1)), "schema id 999 is not a live version"},
		{"TruncatedAvro", "pay", wireMsg(avroID, avroOrderBytes("o-3", 1)[:4]), ""},
		{"BadMagic", "pay", append([]byte{1}, wireMsg(avroID, avroOrderBytes("x", 1))[1:]...), "magic byte 1"},
		{"ProtoWrongType", "proto", wireMsg(protoID, []byte{0x00, 0x0a, 0x05, 'a'}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/v1/topics/"+tc.topic+"/events", string(tc.body), oct)
			wantError(t, r, 422, 42222, "")
			if p := problemsOf(t, r); len(p) == 0 || !strings.Contains(p[0].Message, tc.msg) {
				t.Errorf("details = %+v, want a message containing %q", p, tc.msg)
			}
		})
	}
	wantError(t, e.call("POST", "/v1/topics/pay/events", `{"events":[{"value":"not base64!"}]}`), 400, 40001, "base64")
	wantError(t, e.call("POST", "/v1/topics/pay/events", `{"events":[{"value":{"id":"x"}}]}`), 400, 40001, "base64 string")
	wantError(t, e.do("POST", "/v1/topics/pay/events", `{}`, "Content-Type: application/cloudevents+json"), 415, 41501, "")

	// Binary values read back as base64, with the schema id.
	r = e.call("GET", "/v1/topics/pay/events?limit=1", "")
	var page struct {
		Events []struct {
			ValueBase64 string
			SchemaID    int
		}
	}
	if err := json.Unmarshal(r.body, &page); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	if len(page.Events) != 1 || page.Events[0].SchemaID != avroID || page.Events[0].ValueBase64 != base64.StdEncoding.EncodeToString(wireMsg(avroID, avroOrderBytes("o-1", 9.5))) {
		t.Errorf("read = %s", r.body)
	}
}

func TestTopicReadAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	for i := range 5 {
		e.must(200, "POST", "/v1/topics/orders/events", fmt.Sprintf(`{"events":[{"key":"k%d","value":{"id":"o-%d","amount":%d},"headers":{"h":"v"}}]}`, i, i, i), "Content-Type: application/json")
	}
	type page struct {
		Events []struct {
			Offset   int64
			Key      json.RawMessage
			Value    json.RawMessage
			Headers  map[string]string
			SchemaID int
			Time     time.Time
		}
		NextOffset int64
	}
	get := func(q string, headers ...string) page {
		t.Helper()
		r := e.call("GET", "/v1/topics/orders/events"+q, "", headers...)
		if r.status != 200 {
			t.Fatalf("GET %s: %d %s", q, r.status, r.body)
		}
		var p page
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := get("?from=earliest&limit=2")
	if len(p.Events) != 2 || p.NextOffset != 2 || string(p.Events[1].Value) != `{"id":"o-1","amount":1}` || string(p.Events[1].Key) != `"k1"` || p.Events[1].Headers["h"] != "v" || p.Events[1].SchemaID != 1 {
		t.Errorf("page = %+v", p)
	}
	if p := get("?from=3"); len(p.Events) != 2 || p.Events[0].Offset != 3 {
		t.Errorf("from=3: %+v", p)
	}
	if p := get("?from=latest"); len(p.Events) != 0 || p.NextOffset != 5 {
		t.Errorf("from=latest: %+v", p)
	}
	all := get("")
	if p := get("?from=" + all.Events[2].Time.Format(time.RFC3339Nano)); len(p.Events) == 0 || p.Events[0].Offset > 2 {
		t.Errorf("from=time: %+v", p)
	}

	// Consumer group: read, commit, resume.
	p = get("?group=billing&limit=3", "Herald-Client: billing-svc")
	if len(p.Events) != 3 {
		t.Fatalf("group read: %+v", p)
	}
	r := e.call("POST", "/v1/groups/billing/offsets", fmt.Sprintf(`{"offsets":[{"topic":"orders","offset":%d}]}`, p.NextOffset))
	wantJSON(t, r, `{"group":"billing","offsets":[{"topic":"orders","offset":3}]}`)
	wantJSON(t, e.call("GET", "/v1/groups/billing/offsets", ""), `{"group":"billing","offsets":[{"topic":"orders","offset":3}]}`)
	wantJSON(t, e.call("GET", "/v1/groups/nobody/offsets", ""), `{"group":"nobody","offsets":[]}`)
	if p := get("?group=billing"); len(p.Events) != 2 || p.Events[0].Offset != 3 {
		t.Errorf("group resume: %+v", p)
	}
	r = e.call("GET", "/v1/topics/orders", "")
	if !strings.Contains(string(r.body), `"client":"billing-svc"`) {
		t.Errorf("consumer lineage missing: %s", r.body)
	}

	wantErrors(t, e.call, []errorCase{
		{"BadFrom", "GET", "/v1/topics/orders/events?from=yesterday", "", nil, 400, 40020, "from="},
		{"BadLimit", "GET", "/v1/topics/orders/events?limit=x", "", nil, 400, 40002, "limit"},
		{"LimitTooLarge", "GET", "/v1/topics/orders/events?limit=100000", "", nil, 400, 40020, "limit"},
		{"WaitTooLong", "GET", "/v1/topics/orders/events?wait=10m", "", nil, 400, 40002, "wait"},
		{"UnknownTopic", "GET", "/v1/topics/nope/events", "", nil, 404, 40420, ""},
		{"CommitPastEnd", "POST", "/v1/groups/g/offsets", `{"offsets":[{"topic":"orders","offset":99}]}`, nil, 400, 40020, "next offset"},
		{"CommitUnknownTopic", "POST", "/v1/groups/g/offsets", `{"offsets":[{"topic":"nope","offset":0}]}`, nil, 404, 40420, ""},
		{"CommitEmpty", "POST", "/v1/groups/g/offsets", `{"offsets":[]}`, nil, 400, 40001, "offsets"},
		{"CommitBadJSON", "POST", "/v1/groups/g/offsets", `{"offsets":`, nil, 400, 40001, ""},
	})

	// Long poll: a waiting read returns when an event arrives.
	done := make(chan page, 1)
	go func() { done <- get("?from=5&wait=60s") }()
	deadline := time.Now().Add(time.Minute)
	for {
		e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"late","amount":1}}]}`, "Content-Type: application/json")
		select {
		case p := <-done:
			if len(p.Events) == 0 || p.Events[0].Offset != 5 {
				t.Errorf("long poll = %+v", p)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("long poll never returned")
		}
	}
}

func TestTopicStreamAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	setupOrders(e, `{"valueSubject":"orders-value"}`)
	for i := range 3 {
		e.must(200, "POST", "/v1/topics/orders/events", fmt.Sprintf(`{"events":[{"value":{"id":"o-%d","amount":%d}}]}`, i, i), "Content-Type: application/json")
	}
	ts := httptest.NewServer(e.srv)
	defer ts.Close()

	// readSSE reads n events from the stream and returns their ids.
	readSSE := func(lastID string, n int, publish bool) []string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/v1/topics/orders/stream?from=earliest", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if publish {
			go e.do("POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"live","amount":1}}]}`, "Content-Type: application/json")
		}
		var ids []string
		sc := bufio.NewScanner(resp.Body)
		for len(ids) < n && sc.Scan() {
			line := sc.Text()
			if id, ok := strings.CutPrefix(line, "id: "); ok {
				ids = append(ids, id)
			}
			if data, ok := strings.CutPrefix(line, "data: "); ok && !json.Valid([]byte(data)) {
				t.Errorf("data is not JSON: %s", data)
			}
		}
		return ids
	}
	if ids := readSSE("", 4, true); strings.Join(ids, ",") != "0,1,2,3" {
		t.Errorf("stream ids = %v, want 0..3 (3 is published while streaming)", ids)
	}
	if ids := readSSE("1", 2, false); strings.Join(ids, ",") != "2,3" {
		t.Errorf("resumed stream ids = %v, want 2,3", ids)
	}
	wantError(t, e.call("GET", "/v1/topics/orders/stream", "", "Last-Event-ID: x"), 400, 40002, "Last-Event-ID")
	wantError(t, e.call("GET", "/v1/topics/nope/stream", ""), 404, 40420, "")
}

func TestQueueAPI(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("jobs-value", schemaBody("JSON", `{"type":"object","required":["n"]}`))
	e.must(200, "PUT", "/v1/topics/jobs.dlq", `{"valueSubject":"jobs-value"}`, "Content-Type: application/json")
	e.must(200, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"jobs-value","maxDeliveries":2,"deadLetterTopic":"jobs.dlq"}`, "Content-Type: application/json")
	for i := range 3 {
		e.must(200, "POST", "/v1/topics/jobs/events", fmt.Sprintf(`{"events":[{"value":{"n":%d}}]}`, i), "Content-Type: application/json")
	}
	type msgs struct {
		Messages []struct {
			Offset     int64
			AckID      string
			Deliveries int
			Value      json.RawMessage
		}
	}
	receive := func(q string) msgs {
		t.Helper()
		r := e.call("POST", "/v1/topics/jobs/receive"+q, "", "Herald-Client: worker")
		if r.status != 200 {
			t.Fatalf("receive: %d %s", r.status, r.body)
		}
		var m msgs
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
		return m
	}
	m := receive("?max=2&visibility=1h")
	if len(m.Messages) != 2 || m.Messages[0].AckID != "0-1" || m.Messages[0].Deliveries != 1 || string(m.Messages[1].Value) != `{"n":1}` {
		t.Fatalf("receive = %+v", m)
	}
	// Never the same message twice at once: the next receive gets only #2.
	if m2 := receive("?max=10"); len(m2.Messages) != 1 || m2.Messages[0].Offset != 2 {
		t.Errorf("second receive = %+v", m2)
	}
	wantJSON(t, e.call("POST", "/v1/topics/jobs/ack", `{"ackIds":["0-1","0-1","2-7"]}`), `{"acked":1}`)
	wantJSON(t, e.call("POST", "/v1/topics/jobs/nack", `{"ackIds":["1-1"]}`), `{"nacked":1}`)
	m = receive("?visibility=1h")
	if len(m.Messages) != 1 || m.Messages[0].AckID != "1-2" {
		t.Fatalf("after nack = %+v", m)
	}
	// Second nack: max deliveries reached; the next receive moves it to jobs.dlq.
	e.must(200, "POST", "/v1/topics/jobs/nack", `{"ackIds":["1-2"]}`, "Content-Type: application/json")
	if m := receive(""); len(m.Messages) != 0 {
		t.Errorf("receive after max deliveries = %+v", m)
	}
	r := e.call("GET", "/v1/topics/jobs.dlq/events", "")
	if !strings.Contains(string(r.body), `"herald-source-offset":"1"`) {
		t.Errorf("dead-letter topic = %s", r.body)
	}
	// Lease expiry: message 2 was leased with the default 30s visibility; a short
	// lease expires and the message is delivered again.
	e.must(200, "POST", "/v1/topics/jobs/events", `{"events":[{"value":{"n":3}}]}`, "Content-Type: application/json")
	m = receive("?visibility=1ms&max=1")
	if len(m.Messages) != 1 || m.Messages[0].Offset != 3 {
		t.Fatalf("receive = %+v", m)
	}
	m = receive("?wait=60s&max=1")
	if len(m.Messages) != 1 || m.Messages[0].Offset != 3 || m.Messages[0].Deliveries != 2 {
		t.Errorf("after lease expiry = %+v", m)
	}
	r = e.call("GET", "/v1/topics/jobs", "")
	if !strings.Contains(string(r.body), `"consumers":[{"topic":"jobs","role":"consumer","client":"worker"`) {
		t.Errorf("consumer lineage: %s", r.body)
	}

	for _, tc := range []struct {
		name, path, body string
		status, code     int
		msg              string
	}{
		{"ReceiveFromStream", "/v1/topics/jobs.dlq/receive", "", 409, 40921, "stream"},
		{"AckOnStream", "/v1/topics/jobs.dlq/ack", `{"ackIds":[]}`, 409, 40921, ""},
		{"BadAckID", "/v1/topics/jobs/ack", `{"ackIds":["x"]}`, 400, 40020, "ack id"},
		{"MissingAckIDs", "/v1/topics/jobs/ack", `{}`, 400, 40001, "ackIds"},
		{"DelayOnAck", "/v1/topics/jobs/ack", `{"ackIds":[],"delay":"1s"}`, 400, 40001, "nack only"},
		{"BadDelay", "/v1/topics/jobs/nack", `{"ackIds":[],"delay":"soon"}`, 400, 40020, "delay"},
		{"BadVisibility", "/v1/topics/jobs/receive?visibility=x", "", 400, 40002, "visibility"},
		{"UnknownQueue", "/v1/topics/nope/receive", "", 404, 40420, ""},
		{"GroupReadOfQueue", "/v1/topics/jobs/events?group=g", "", 409, 40921, "queue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if strings.Contains(tc.path, "/events") {
				method = "GET"
			}
			wantError(t, e.call(method, tc.path, tc.body), tc.status, tc.code, tc.msg)
		})
	}
	if got := e.do("POST", "/v1/topics/jobs/ack", `{"ackIds":[]}`, "Content-Type: text/plain"); got.status != 415 {
		t.Errorf("ack with text/plain: %d", got.status)
	}
}
