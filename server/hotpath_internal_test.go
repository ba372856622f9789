package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// countingHandler is a slog.Handler that counts the records it receives, by
// level, and keeps their messages.
type countingHandler struct {
	level slog.Leveler
	mu    sync.Mutex // protects records
	recs  []slog.Record
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}

func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func (h *countingHandler) records() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]slog.Record(nil), h.recs...)
}

// discardWriter is a ResponseWriter that keeps nothing and reuses its header
// map, so that a benchmark through it measures the server alone.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
}

// newChainServer is a server with one extra route, GET /ok, whose handler
// writes a fixed body, so that a request through it measures the middleware
// chain and the router.
func newChainServer(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	cfg.Registry = &registry.Service{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	// The registry is a stand-in with no store: /metrics must not count its schemas.
	s.metrics.confluent.registry = nil
	body := []byte(`{"schema":"\"string\""}`)
	ct := []string{contentTypeRegistry} // shared, so the handler itself allocates nothing
	s.handleRoute(http.MethodGet, "/ok", func(c *gin.Context) {
		c.Writer.Header()["Content-Type"] = ct
		c.Writer.WriteHeader(http.StatusOK)
		_, _ = c.Writer.Write(body)
	})
	return s
}

// chainAllocs is the allocations of one GET /ok through s.ServeHTTP.
func chainAllocs(s *Server) float64 {
	req := httptest.NewRequest(http.MethodGet, "/ok", nil)
	req.Host = "herald.example.com:8081"
	w := &discardWriter{h: http.Header{}}
	return testing.AllocsPerRun(1000, func() {
		w.reset()
		s.ServeHTTP(w, req)
	})
}

// TestMiddlewareChainAllocatesNothing: the middleware every request runs
// (metrics, logging, recovery, Host, CORS, body limit, content type) allocates
// nothing for a successful request, with or without the access log.
func TestMiddlewareChainAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	al := NewAccessLog(&bytes.Buffer{}, 1<<16)
	defer func() {
		if err := al.Close(); err != nil {
			t.Error(err)
		}
	}()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"NoAllocsByDefault", Config{}},
		{"NoAllocsWithAccessLog", Config{AccessLog: al}},
		{"NoAllocsWithHostList", Config{AllowedHosts: []string{"herald.example.com"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newChainServer(t, tc.cfg)
			if n := chainAllocs(s); n != 0 {
				t.Errorf("GET /ok allocates %.1f times per request, want 0", n)
			}
		})
	}
}

// BenchmarkMiddlewareChain is one successful GET through the whole chain
// (router, metrics, logging, recovery, Host, CORS, body limit, content type)
// to a handler writing a fixed body. Run with -benchmem: 0 allocs/op.
func BenchmarkMiddlewareChain(b *testing.B) {
	s := newChainServer(b, Config{})
	req := httptest.NewRequest(http.MethodGet, "/ok", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		s.ServeHTTP(w, req)
	}
}

// TestSuccessfulReadsWriteNoLog: a thousand successful reads write no log line
// at the default level (Info); at Debug each writes one, so the count is real.
func TestSuccessfulReadsWriteNoLog(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level slog.Level
		want  int
	}{
		{"NoLineAtInfo", slog.LevelInfo, 0},
		{"OneLineEachAtDebug", slog.LevelDebug, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &countingHandler{level: tc.level}
			s := newChainServer(t, Config{Logger: slog.New(h)})
			for range 1000 {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ok", nil))
				if w.Code != http.StatusOK {
					t.Fatalf("GET /ok: %d", w.Code)
				}
			}
			if got := len(h.records()); got != tc.want {
				t.Errorf("%d log records after 1000 reads, want %d", got, tc.want)
			}
		})
	}
}

// TestSlowRequestLogsWarn: a request slower than Config.SlowRequest writes one
// Warn record naming its route and duration; a fast one writes none. The slow
// handler waits on a channel that the test closes once the clock has moved past
// the threshold, so no sleep decides the outcome.
func TestSlowRequestLogsWarn(t *testing.T) {
	h := &countingHandler{level: slog.LevelInfo}
	s := newChainServer(t, Config{Logger: slog.New(h), SlowRequest: time.Millisecond})
	started, release := make(chan struct{}), make(chan struct{})
	s.handleRoute(http.MethodGet, "/slow/:id", func(c *gin.Context) {
		close(started)
		<-release
		c.Status(http.StatusNoContent)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/slow/7", nil))
	}()
	// Wait until the request is inside its handler, then let the clock pass
	// the 1 ms threshold: on a loaded machine the goroutine may start late,
	// and a wait counted from before it started would not make it slow.
	<-started
	for start := time.Now(); time.Since(start) < 2*time.Millisecond; {
		time.Sleep(time.Millisecond)
	}
	close(release)
	<-done
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/ok", nil))

	recs := h.records()
	if len(recs) != 1 {
		t.Fatalf("%d log records, want 1 (the slow request)", len(recs))
	}
	r := recs[0]
	attrs := map[string]slog.Value{}
	r.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value; return true })
	if r.Level != slog.LevelWarn || r.Message != "slow request" {
		t.Errorf("record %s %q, want WARN \"slow request\"", r.Level, r.Message)
	}
	if got := attrs["route"].String(); got != "/slow/:id" {
		t.Errorf("route %q, want /slow/:id", got)
	}
	if d := attrs["duration"].Duration(); d < time.Millisecond {
		t.Errorf("duration %v, want at least the 1ms threshold", d)
	}
}

// TestNegativeSlowRequestNeverLogs: SlowRequest < 0 turns the slow log off.
func TestNegativeSlowRequestNeverLogs(t *testing.T) {
	h := &countingHandler{level: slog.LevelInfo}
	s := newChainServer(t, Config{Logger: slog.New(h), SlowRequest: -1})
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/ok", nil))
	if n := len(h.records()); n != 0 {
		t.Errorf("%d records with the slow log off", n)
	}
}

// syncBuffer is a bytes.Buffer safe for the access log's writer goroutine.
type syncBuffer struct {
	mu sync.Mutex // protects b
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestAccessLogWritesCombinedFields: each request becomes one JSON line with
// the combined log's fields; the Basic password never appears.
func TestAccessLogWritesCombinedFields(t *testing.T) {
	var out syncBuffer
	al := NewAccessLog(&out, 0)
	s := newChainServer(t, Config{AccessLog: al})
	req := httptest.NewRequest(http.MethodGet, "/ok?x=1", nil)
	req.RemoteAddr = "192.0.2.7:51000"
	req.SetBasicAuth("alice", "s3cret")
	req.Header.Set("Referer", "http://example.com/")
	req.Header.Set("User-Agent", "franz-go")
	s.ServeHTTP(httptest.NewRecorder(), req)
	s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	if err := al.Close(); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if strings.Contains(text, "s3cret") {
		t.Fatalf("access log holds the password: %s", text)
	}
	var lines []accessLine
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		var l accessLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), text)
	}
	first := lines[0]
	first.Time, first.DurationMS = "", 0
	want := accessLine{RemoteAddr: "192.0.2.7", RemoteUser: "alice", Method: "GET", URI: "/ok?x=1", Protocol: "HTTP/1.1",
		Status: 200, Bytes: len(`{"schema":"\"string\""}`), Referer: "http://example.com/", UserAgent: "franz-go", Route: "/ok"}
	if first != want {
		t.Errorf("line\n got %+v\nwant %+v", first, want)
	}
	if _, err := time.Parse(time.RFC3339, lines[0].Time); err != nil {
		t.Errorf("time %q: %v", lines[0].Time, err)
	}
	if l := lines[1]; l.Status != 404 || l.Route != "unmatched" || l.RemoteUser != "-" || l.UserAgent != "-" {
		t.Errorf("unmatched line %+v", l)
	}
}

// blockingWriter blocks every Write until release is closed, counting calls.
type blockingWriter struct {
	release chan struct{}
	writes  atomic.Int64
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.writes.Add(1)
	<-w.release
	return len(p), nil
}

// TestAccessLogDropsWhenFull: a destination that does not keep up never
// blocks a request: past the queue, lines are dropped and counted, and
// /metrics reports the count.
func TestAccessLogDropsWhenFull(t *testing.T) {
	bw := &blockingWriter{release: make(chan struct{})}
	al := NewAccessLog(bw, 4)
	s := newChainServer(t, Config{AccessLog: al})
	get := func() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/ok", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET /ok: %d", w.Code)
		}
	}
	// The first line reaches the writer, which blocks in Write.
	get()
	for bw.writes.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// 4 fit in the queue; the other 16 are dropped, and no request waited.
	for range 20 {
		get()
	}
	if got := al.dropped.Load(); got != 16 {
		t.Errorf("dropped %d, want 16", got)
	}
	var m bytes.Buffer
	if err := s.metrics.writeTo(context.Background(), &m, "test"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.String(), "herald_access_log_dropped_total 16\n") {
		t.Errorf("metrics lack the drop count:\n%s", m.String())
	}
	close(bw.release)
	if err := al.Close(); err != nil {
		t.Fatal(err)
	}
	if got := al.written.Load(); got != 5 {
		t.Errorf("written %d, want 5", got)
	}
}

// TestEveryRouteRunsTheMiddleware: every registered route runs the shared
// chain (here: the Host check answers 403) and counts in its own metrics, so a
// route registered around handleRoute fails this test.
func TestEveryRouteRunsTheMiddleware(t *testing.T) {
	s := newChainServer(t, Config{AllowedHosts: []string{"herald.example.com"}})
	routes := s.engine.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		path := fillParams(r.Path)
		req := httptest.NewRequest(r.Method, path, nil)
		req.Host = "evil.example"
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		want := http.StatusForbidden
		if hostExempt(path) {
			want = w.Code // answered whatever the Host
		}
		if w.Code != want {
			t.Errorf("%s %s with a foreign Host: %d, want %d", r.Method, r.Path, w.Code, want)
		}
		if rm := s.metrics.route(r.Method, r.Path); rm.duration.count.Load() != 1 {
			t.Errorf("%s %s: counted %d times in its metrics, want 1", r.Method, r.Path, rm.duration.count.Load())
		}
	}
}

// fillParams puts a value in each :name and *name segment of a gin path.
func fillParams(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "x"
		}
	}
	return strings.Join(segs, "/")
}

// TestHugeBuffersNotPooled: a buffer that grew past the limit is left to the
// collector, so one huge answer does not pin its memory for the small ones
// after it. (Whether a small one comes back is the pool's business: the race
// detector drops some puts on purpose.)
func TestHugeBuffersNotPooled(t *testing.T) {
	pool := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	huge := bytes.NewBuffer(make([]byte, 0, 2*maxPooledJSON))
	putBuffer(&pool, huge, maxPooledJSON)
	if got := pool.Get().(*bytes.Buffer); got == huge {
		t.Fatalf("a %d-byte buffer went back to the pool (limit %d)", huge.Cap(), maxPooledJSON)
	}
}

// TestArrayRenderEncodesAsOneValue: a listing written element by element, in
// chunks, is byte for byte the JSON of the whole slice, however many chunks
// it takes (here about five), and empty it is [].
func TestArrayRenderEncodesAsOneValue(t *testing.T) {
	for _, n := range []int{0, 1, 3000} {
		list := make([]schemaResponse, n)
		for i := range list {
			list[i] = schemaResponse{Subject: fmt.Sprintf("s-%d", i), Version: 1, ID: i + 1, SchemaType: "JSON",
				Schema: `{"type":"object","description":"<b>` + strings.Repeat("x", 80) + `</b>"}`}
		}
		rec := httptest.NewRecorder()
		r := arrayRender{contentType: "application/json", n: n, item: func(i int) any { return list[i] }}
		if err := r.Render(rec); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(list); err != nil {
			t.Fatal(err)
		}
		if got := rec.Body.String(); got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%d elements: the chunked array differs from the slice's JSON (%d bytes, want %d)", n, len(got), want.Len()-1)
		}
	}
}
