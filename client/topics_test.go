package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

// ordersEnv is an env with orderJSON registered as orders-value and topics
// created, in order, from name and configuration pairs.
func ordersEnv(t testing.TB, topics ...[2]string) *env {
	t.Helper()
	e := newEnv(t)
	e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON})
	for _, tp := range topics {
		e.putTopic(t, tp[0], tp[1])
	}
	return e
}

// twoOrders is a publish envelope of two valid orders.
const twoOrders = `{"events":[{"value":{"id":"o1","amount":1}},{"value":{"id":"o2","amount":2}}]}`

// publish sends a raw envelope and fails the test on error.
func (e *env) publish(t testing.TB, topic, envelope string) client.PublishResult {
	t.Helper()
	res, err := e.c.PublishRaw(context.Background(), topic, "application/json", []byte(envelope))
	if err != nil {
		t.Fatalf("publish to %s: %v", topic, err)
	}
	return res
}

func TestTopicAdmin(t *testing.T) {
	t.Parallel()
	e := ordersEnv(t)
	ctx := context.Background()
	cfg := client.TopicConfig{ValueSubject: "orders-value", Retention: &client.Retention{MaxAge: "7d", MaxEvents: 10}}
	got, err := e.c.PutTopic(ctx, "orders", cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := client.TopicConfig{Kind: client.KindStream, ValueSubject: "orders-value", Encoding: client.EncodingJSON,
		Retention: &client.Retention{MaxAge: "168h0m0s", MaxEvents: 10}, OnInvalid: "reject"}
	if diff := cmp.Diff(want, got.TopicConfig); got.Name != "orders" || diff != "" {
		t.Errorf("PutTopic = %s (-want +got):\n%s", got.Name, diff)
	}
	if _, err := e.c.PutTopic(ctx, "bad", client.TopicConfig{ValueSubject: "nope"}); !isAPIError(err, http.StatusUnprocessableEntity, 42220) {
		t.Errorf("PutTopic on a missing subject: %v, want 422 42220", err)
	}
	p := e.producer(t, "orders")
	if _, err := p.Publish(ctx, client.Event{Value: []byte(`{"id":"o1","amount":1}`)}); err != nil {
		t.Fatal(err)
	}
	list, err := e.c.Topics(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("Topics = %+v, %v", list, err)
	}
	if tp := list[0]; tp.Name != "orders" || tp.Events != 1 || tp.FirstOffset != 0 || tp.LastOffset != 0 || tp.NextOffset != 1 ||
		len(tp.Producers) != 1 || tp.Producers[0].Client != "client-test" || tp.CreatedAt.IsZero() {
		t.Errorf("Topics()[0] = %+v, want one event produced by client-test", tp)
	}
	if err := e.c.DeleteTopic(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Topic(ctx, "orders"); !client.IsNotFound(err) {
		t.Errorf("Topic after DeleteTopic: %v, want not found", err)
	}
	if err := e.c.DeleteTopic(ctx, "orders"); !isAPIError(err, http.StatusNotFound, 40420) {
		t.Errorf("DeleteTopic twice: %v, want 404 40420", err)
	}
}

func TestPublishRawResults(t *testing.T) {
	t.Parallel()
	e := ordersEnv(t, [2]string{"dead", `{"valueSubject":"orders-value"}`},
		[2]string{"orders", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"dead"}`})
	res := e.publish(t, "orders", `{"events":[{"id":"a","value":{"id":"o1","amount":1}},{"id":"a","value":{"id":"o1","amount":1}},{"value":{"id":"o2"}}]}`)
	if res.Stored != 1 || res.Duplicates != 1 || res.DeadLettered != 1 || len(res.Results) != 3 {
		t.Fatalf("PublishRaw = %+v, want 1 stored, 1 duplicate, 1 dead-lettered", res)
	}
	if r := res.Results[0]; r.Offset != 0 || r.Duplicate || r.DeadLetter != nil {
		t.Errorf("result 0 = %+v, want stored at 0", r)
	}
	if r := res.Results[1]; r.Offset != 0 || !r.Duplicate {
		t.Errorf("result 1 = %+v, want a duplicate of offset 0", r)
	}
	if r := res.Results[2]; r.Offset != -1 || r.DeadLetter == nil || r.DeadLetter.Topic != "dead" || len(r.DeadLetter.Problems) == 0 {
		t.Errorf("result 2 = %+v, want dead-lettered to dead with its problems", r)
	}
	_, err := e.c.PublishRaw(context.Background(), "orders", "application/json", []byte(`{"events":[{"value":`))
	if ae := apiErr(err); ae == nil || ae.Status != http.StatusBadRequest || ae.Code != 40001 {
		t.Errorf("PublishRaw of a truncated body: %v, want 400 40001", err)
	}
}

func TestReadAndReceiveKeepRawJSON(t *testing.T) {
	t.Parallel()
	e := ordersEnv(t, [2]string{"orders", `{"valueSubject":"orders-value"}`}, [2]string{"jobs", `{"kind":"queue","valueSubject":"orders-value"}`})
	ctx := context.Background()
	e.publish(t, "orders", twoOrders)
	e.publish(t, "jobs", twoOrders)
	page, err := e.c.Read(ctx, "orders", client.ReadRequest{From: "1", Raw: true})
	if err != nil || len(page.Messages) != 1 || page.NextOffset != 2 {
		t.Fatalf("Read from 1 = %+v, %v; want one event, next offset 2", page, err)
	}
	m := page.Messages[0]
	var raw map[string]any
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw["offset"] != 1.0 || string(m.Value) != `{"id":"o2","amount":2}` {
		t.Errorf("Read message = %+v (raw %s), want offset 1 with its JSON", m, m.Raw)
	}
	if page, err := e.c.Read(ctx, "orders", client.ReadRequest{Limit: 1}); err != nil || len(page.Messages) != 1 || page.Messages[0].Raw != nil {
		t.Errorf("Read without Raw = %+v, %v; want one event and no Raw", page, err)
	}
	if _, err := e.c.Read(ctx, "orders", client.ReadRequest{Limit: -1}); !isAPIError(err, http.StatusBadRequest, 0) {
		t.Errorf("Read with a negative limit: %v, want the broker's 400", err)
	}
	msgs, err := e.c.Receive(ctx, "jobs", client.ReceiveRequest{Max: 5, Raw: true})
	if err != nil || len(msgs) != 2 || msgs[0].AckID == "" || !strings.Contains(string(msgs[0].Raw), `"ackId":"`+msgs[0].AckID+`"`) {
		t.Fatalf("Receive = %+v, %v; want two leased messages with their JSON", msgs, err)
	}
	if n, err := e.c.Ack(ctx, "jobs", msgs[0].AckID, msgs[1].AckID); err != nil || n != 2 {
		t.Errorf("Ack = %d, %v; want 2", n, err)
	}
	if n, err := e.c.Ack(ctx, "jobs", msgs[0].AckID); err != nil || n != 0 {
		t.Errorf("Ack again = %d, %v; want 0 (stale ids are skipped)", n, err)
	}
	if _, err := e.c.Receive(ctx, "orders", client.ReceiveRequest{}); !isAPIError(err, http.StatusConflict, 40921) {
		t.Errorf("Receive from a stream: %v, want 409 40921", err)
	}
}

func TestCommitOffsets(t *testing.T) {
	t.Parallel()
	e := ordersEnv(t, [2]string{"orders", `{"valueSubject":"orders-value"}`})
	ctx := context.Background()
	e.publish(t, "orders", twoOrders)
	if err := e.c.CommitOffsets(ctx, "g", client.Offset{Topic: "orders", Offset: 1}); err != nil {
		t.Fatal(err)
	}
	page, err := e.c.Read(ctx, "orders", client.ReadRequest{Group: "g"})
	if err != nil || len(page.Messages) != 1 || page.Messages[0].Offset != 1 {
		t.Errorf("Read as group g = %+v, %v; want the event at offset 1", page, err)
	}
	if err := e.c.CommitOffsets(ctx, "g", client.Offset{Topic: "orders", Offset: 99}); !isAPIError(err, http.StatusBadRequest, 40020) {
		t.Errorf("CommitOffsets past the end: %v, want 400 40020", err)
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	e := ordersEnv(t)
	ctx := context.Background()
	put := client.Request{Method: http.MethodPut, Path: "/v1/topics/" + url.PathEscape("a.b"), Body: []byte(`{"valueSubject":"orders-value"}`)}
	var answer json.RawMessage
	if err := e.c.Do(ctx, put, &answer); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(answer), `{"name":"a.b",`) {
		t.Errorf("Do into *json.RawMessage = %s, want the server's JSON as it is", answer)
	}
	var list struct{ Topics []struct{ Name string } }
	if err := e.c.Do(ctx, client.Request{Path: "/v1/topics"}, &list); err != nil || len(list.Topics) != 1 || list.Topics[0].Name != "a.b" {
		t.Errorf("Do into a struct = %+v, %v", list, err)
	}
	var body []byte
	if err := e.c.Do(ctx, client.Request{Path: "/v1/topics", Query: url.Values{"x": {"1"}}}, &body); err != nil || !strings.Contains(string(body), `"topics":[`) {
		t.Errorf("Do into *[]byte = %s, %v", body, err)
	}
	if err := e.c.Do(ctx, client.Request{Path: "/v1/topics/nope"}, nil); !isAPIError(err, http.StatusNotFound, 40420) {
		t.Errorf("Do on a missing topic: %v, want 404 40420", err)
	}
	for name, r := range map[string]client.Request{
		"PathWithoutSlashRefused": {Path: "v1/topics"},
		"NegativeWaitRefused":     {Path: "/v1/topics", Wait: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if err := e.c.Do(ctx, r, nil); err == nil || apiErr(err) != nil {
				t.Errorf("Do(%+v) = %v, want a local error", r, err)
			}
		})
	}
	if n := e.rt.count("GET", "v1"); n != 0 {
		t.Errorf("%d requests without a leading slash were sent", n)
	}
}

// TestDoReadsNonJSONAnswers shows that *[]byte takes any media type, such as
// the YAML a catalog export answers.
func TestDoReadsNonJSONAnswers(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "application/yaml" {
			http.Error(w, `{"error_code":40000,"message":"want Accept: application/yaml"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write([]byte("a: 1\n"))
	}))
	t.Cleanup(hs.Close)
	c, err := client.New(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if err := c.Do(context.Background(), client.Request{Path: "/export", Accept: "application/yaml"}, &body); err != nil || string(body) != "a: 1\n" {
		t.Errorf("Do = %q, %v", body, err)
	}
	var v any
	if err := c.Do(context.Background(), client.Request{Path: "/export", Accept: "application/yaml"}, &v); err == nil {
		t.Errorf("Do of YAML into a JSON target = %v, want an error", v)
	}
}

// TestEveryBodyHasAContentType drives every broker call of the SDK that sends
// a body and checks each request says what its body is.
func TestEveryBodyHasAContentType(t *testing.T) {
	t.Parallel()
	rec := &contentTypes{}
	e := newEnv(t, client.HTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	e.register(t, "orders-value", client.Schema{Type: compat.JSON, Text: orderJSON})
	if _, err := e.c.PutTopic(ctx, "orders", client.TopicConfig{ValueSubject: "orders-value"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PutTopic(ctx, "jobs", client.TopicConfig{Kind: client.KindQueue, ValueSubject: "orders-value"}); err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{"orders", "jobs"} {
		p := e.producer(t, topic)
		if _, err := p.Publish(ctx, client.Event{Value: []byte(`{"id":"o1","amount":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := e.c.Receive(ctx, "jobs", client.ReceiveRequest{})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Receive = %v, %v", msgs, err)
	}
	if _, err := e.c.Nack(ctx, "jobs", 0, msgs[0].AckID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.CommitOffsets(ctx, "g", client.Offset{Topic: "orders", Offset: 1}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := map[string]string{
		"POST /subjects/orders-value/versions": "application/vnd.schemaregistry.v1+json",
		"PUT /v1/topics/orders":                "application/json",
		"PUT /v1/topics/jobs":                  "application/json",
		"POST /v1/topics/orders/events":        "application/json",
		"POST /v1/topics/jobs/events":          "application/json",
		"POST /v1/topics/jobs/nack":            "application/json",
		"POST /v1/groups/g/offsets":            "application/json",
	}
	if diff := cmp.Diff(want, rec.byRoute); diff != "" {
		t.Errorf("Content-Type of each request with a body (-want +got):\n%s", diff)
	}
}

// contentTypes records the Content-Type of every request that has a body.
type contentTypes struct {
	mu      sync.Mutex
	byRoute map[string]string
}

func (c *contentTypes) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.ContentLength != 0 {
		c.mu.Lock()
		if c.byRoute == nil {
			c.byRoute = map[string]string{}
		}
		c.byRoute[r.Method+" "+r.URL.Path] = r.Header.Get("Content-Type")
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// apiErr returns err's *client.APIError, or nil.
func apiErr(err error) *client.APIError {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// isAPIError reports whether err is an *client.APIError with status and, when
// not zero, code.
func isAPIError(err error, status, code int) bool {
	ae := apiErr(err)
	return ae != nil && ae.Status == status && (code == 0 || ae.Code == code)
}
