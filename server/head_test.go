package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestHeadAnswersWhereGetDoes sends HEAD and GET to the same paths through a
// real net/http server (which is what discards a HEAD's body) and checks that
// HEAD gets GET's status and headers and no body.
func TestHeadAnswersWhereGetDoes(t *testing.T) {
	t.Parallel()
	cat := newCatalogEnv(t)
	pages := httptest.NewServer(cat.srv)
	t.Cleanup(pages.Close)
	reg := newEnv(t)
	reg.register("orders-value", `{"schema":"{\"type\":\"string\"}"}`)
	api := httptest.NewServer(reg.srv)
	t.Cleanup(api.Close)

	for _, tc := range []struct {
		name, base, path string
		status           int
	}{
		{"CatalogHomeIs200", pages.URL, "/ui/", http.StatusOK},
		{"EventPageIs200", pages.URL, "/ui/events/payment-authorized", http.StatusOK},
		{"MissingPageIs404", pages.URL, "/ui/events/no-such-event", http.StatusNotFound},
		{"ConfluentSubjectsIs200", api.URL, "/subjects", http.StatusOK},
		{"ConfluentSchemaVersionIs200", api.URL, "/subjects/orders-value/versions/1", http.StatusOK},
		{"HealthzIs200", api.URL, "/healthz", http.StatusOK},
		{"OpenAPIIs200", api.URL, "/openapi.json", http.StatusOK},
		{"PostOnlyRouteIs405", api.URL, "/compatibility/subjects/orders-value/versions/latest", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get := headFetch(t, http.MethodGet, tc.base+tc.path)
			head := headFetch(t, http.MethodHead, tc.base+tc.path)
			if head.status != tc.status || get.status != tc.status {
				t.Fatalf("HEAD = %d, GET = %d, want %d", head.status, get.status, tc.status)
			}
			if len(head.body) != 0 {
				t.Errorf("HEAD wrote a body of %d bytes", len(head.body))
			}
			if h, g := head.header.Get("Content-Type"), get.header.Get("Content-Type"); h != g {
				t.Errorf("HEAD Content-Type %q, GET %q", h, g)
			}
			// net/http sets Content-Length on a HEAD only for a body written in
			// one go; where it does, it must be GET's length.
			if cl := head.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(get.body)) {
				t.Errorf("HEAD Content-Length %s, GET body %d bytes", cl, len(get.body))
			}
		})
	}
}

// TestHeadOfEventStreamEnds: a HEAD of an SSE stream gets the stream's headers
// and ends, instead of streaming into a discarded body for ever.
func TestHeadOfEventStreamEnds(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", `{"schema":"{\"type\":\"string\"}"}`)
	e.must(200, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	got := headFetch(t, http.MethodHead, ts.URL+"/v1/topics/orders/stream")
	if got.status != http.StatusOK || got.header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HEAD stream = %d %q, want 200 text/event-stream", got.status, got.header.Get("Content-Type"))
	}
}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

// headFetch sends one request without a body. The deadline only stops a hung
// test; nothing is asserted about time.
func headFetch(t *testing.T, method, url string) fetched {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return fetched{status: resp.StatusCode, header: resp.Header, body: b}
}
