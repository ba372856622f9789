package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/compat/jsonschema"
)

// durationBuckets are the upper bounds, in seconds, of the request-duration
// histogram buckets.
var durationBuckets = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds hand-written Prometheus counters and histograms per route.
//
// Every route gets its routeMetrics when it is registered, with its label text
// rendered once; the route's middleware closes over it, so a request updates
// atomics only: no lock, no allocation, no lookup by label. Requests that match
// no route (404, 405, preflights answered by the CORS middleware) and the early
// /contexts refusals share per-method entries chosen by a switch.
type metrics struct {
	// mu protects routes; it is taken only while routes are registered and
	// while /metrics is written, never by a request.
	mu     sync.Mutex
	routes map[routeKey]*routeMetrics
	// unmatched and contexts are the entries of requests no route matched and
	// of /contexts paths refused before routing, one per method label.
	unmatched, contexts methodMetrics
	// accessLog, when set, adds its counters to the exposition.
	accessLog *AccessLog
	// confluent writes the names Confluent Schema Registry dashboards query
	// (metrics_confluent.go).
	confluent *confluentMetrics
	// engines, when set, adds the storage engines' series.
	engines *EngineMetrics
}

type routeKey struct{ method, route string }

// routeMetrics are one (method, route) pair's series.
type routeMetrics struct {
	method, route string
	// labels is `method="…",route="…"`, escaped once at registration.
	labels string
	// statuses counts the responses whose status is in knownStatuses, at the
	// index statusSlot gives; others (rare) go to otherStatuses.
	statuses      [len(knownStatuses)]atomic.Uint64
	otherMu       sync.Mutex // protects otherStatuses
	otherStatuses map[int]*atomic.Uint64
	duration      histogram
}

// histogram is a Prometheus histogram; counts are per bucket (not cumulative),
// the last slot counts observations above every bound.
type histogram struct {
	counts   [len(durationBuckets) + 1]atomic.Uint64
	sumNanos atomic.Uint64
	count    atomic.Uint64
}

// knownStatuses are the statuses Herald writes, each with its own counter
// slot. A status outside the list is still counted exactly, through a map
// behind a lock: only unusual responses pay for it.
var knownStatuses = [...]int{
	100, 101, 200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 422, 429, 431, 499,
	500, 501, 502, 503, 504,
}

// statusSlots maps a status (0 to 599) to 1 + its index in knownStatuses; 0
// means "not in the list".
var statusSlots = func() (t [600]uint8) {
	for i, st := range knownStatuses {
		t[st] = uint8(i + 1)
	}
	return t
}()

// statusSlot returns the counter slot of status, or -1.
func statusSlot(status int) int {
	if status < 0 || status >= len(statusSlots) {
		return -1
	}
	return int(statusSlots[status]) - 1
}

// methodLabels are the values methodLabel returns, in methodIndex order.
var methodLabels = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace, "OTHER",
}

// methodIndex is the index of m's label in methodLabels. A client may send any
// token as a method; each distinct one would otherwise add series (and memory)
// without end, so every unknown method shares OTHER.
func methodIndex(m string) int {
	switch m {
	case http.MethodGet:
		return 0
	case http.MethodHead:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodPatch:
		return 4
	case http.MethodDelete:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodConnect:
		return 7
	case http.MethodTrace:
		return 8
	}
	return len(methodLabels) - 1
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(m string) string { return methodLabels[methodIndex(m)] }

// methodMetrics are one route label's entries for every method label, for the
// requests whose method no route fixes.
type methodMetrics [len(methodLabels)]*routeMetrics

func (mm *methodMetrics) forMethod(m string) *routeMetrics { return mm[methodIndex(m)] }

func newRouteMetrics(method, route string) *routeMetrics {
	return &routeMetrics{method: method, route: route, labels: "method=" + label(method) + ",route=" + label(route)}
}

func newMetrics() *metrics {
	m := &metrics{routes: map[routeKey]*routeMetrics{}, confluent: newConfluentMetrics(nil)}
	for i, ml := range methodLabels {
		m.unmatched[i] = newRouteMetrics(ml, "unmatched")
		m.contexts[i] = newRouteMetrics(ml, contextsRoute)
	}
	return m
}

// contextsRoute labels the /contexts/{ctx}/… paths refused before routing.
const contextsRoute = "/contexts/{context}/*"

// route returns the entry of a registered route, creating it on first use.
func (m *metrics) route(method, route string) *routeMetrics {
	k := routeKey{methodLabel(method), route}
	m.mu.Lock()
	defer m.mu.Unlock()
	rm, ok := m.routes[k]
	if !ok {
		rm = newRouteMetrics(k.method, route)
		m.routes[k] = rm
	}
	return rm
}

// labelEscaper escapes a label value for the Prometheus text format, which
// escapes only backslash, double quote and line feed (Go's %q would also
// escape other bytes, in a syntax Prometheus does not read).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label renders a label value, quoted and escaped.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// observe records one response. It allocates nothing unless the status is
// outside knownStatuses.
func (rm *routeMetrics) observe(status int, d time.Duration) {
	if i := statusSlot(status); i >= 0 {
		rm.statuses[i].Add(1)
	} else {
		rm.otherStatus(status).Add(1)
	}
	rm.duration.observe(d)
}

// observe records one duration.
func (h *histogram) observe(d time.Duration) {
	h.counts[sort.SearchFloat64s(durationBuckets[:], d.Seconds())].Add(1)
	h.sumNanos.Add(uint64(d))
	h.count.Add(1)
}

// write writes the histogram's series of metric name with labels.
func (h *histogram) write(bw *promWriter, name, labels string) {
	var cum uint64
	for i, le := range durationBuckets {
		cum += h.counts[i].Load()
		bw.printf("%s_bucket{%s,le=\"%s\"} %d\n", name, labels, formatFloat(le), cum)
	}
	cum += h.counts[len(durationBuckets)].Load()
	bw.printf("%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, cum)
	bw.printf("%s_sum{%s} %s\n", name, labels, formatFloat(float64(h.sumNanos.Load())/1e9))
	bw.printf("%s_count{%s} %d\n", name, labels, h.count.Load())
}

func (rm *routeMetrics) otherStatus(status int) *atomic.Uint64 {
	rm.otherMu.Lock()
	defer rm.otherMu.Unlock()
	if rm.otherStatuses == nil {
		rm.otherStatuses = map[int]*atomic.Uint64{}
	}
	c, ok := rm.otherStatuses[status]
	if !ok {
		c = new(atomic.Uint64)
		rm.otherStatuses[status] = c
	}
	return c
}

// middleware records every response of the route: its status and the time the
// whole chain took. It runs first, so it sees the responses of every later
// middleware too (403 for a Host, 413, 415, the 500 written by recovery).
func (rm *routeMetrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	rm.observe(c.Writer.Status(), time.Since(start))
}

// middleware records a response of a request no route matched, by method.
func (mm *methodMetrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	mm.forMethod(c.Request.Method).observe(c.Writer.Status(), time.Since(start))
}

// all returns every entry that has seen a request, sorted by route then method.
func (m *metrics) all() []*routeMetrics {
	m.mu.Lock()
	out := make([]*routeMetrics, 0, len(m.routes)+2*len(methodLabels))
	for _, rm := range m.routes {
		out = append(out, rm)
	}
	m.mu.Unlock()
	out = append(out, m.unmatched[:]...)
	out = append(out, m.contexts[:]...)
	out = slices.DeleteFunc(out, func(rm *routeMetrics) bool { return rm.duration.count.Load() == 0 && !rm.seen() })
	sort.Slice(out, func(i, j int) bool {
		if out[i].route != out[j].route {
			return out[i].route < out[j].route
		}
		return out[i].method < out[j].method
	})
	return out
}

// seen reports whether any status was counted (the counters and the histogram
// are updated one after the other, so a scrape may see one before the other).
func (rm *routeMetrics) seen() bool {
	for i := range rm.statuses {
		if rm.statuses[i].Load() != 0 {
			return true
		}
	}
	rm.otherMu.Lock()
	defer rm.otherMu.Unlock()
	return len(rm.otherStatuses) > 0
}

// statusCount is one status counter's value.
type statusCount struct {
	status int
	n      uint64
}

// counts returns the nonzero status counters, by status.
func (rm *routeMetrics) counts() []statusCount {
	var out []statusCount
	for i := range rm.statuses {
		if n := rm.statuses[i].Load(); n != 0 {
			out = append(out, statusCount{knownStatuses[i], n})
		}
	}
	rm.otherMu.Lock()
	for st, c := range rm.otherStatuses {
		out = append(out, statusCount{st, c.Load()})
	}
	rm.otherMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].status < out[j].status })
	return out
}

// writeTo writes every metric in the Prometheus text exposition format, sorted
// so the output is stable. version labels herald_build_info. ctx bounds the
// registry read behind the schema counts.
func (m *metrics) writeTo(ctx context.Context, w io.Writer, version string) error {
	bw := &promWriter{w: bufio.NewWriter(w)}
	bw.line("# HELP herald_build_info Build information; the value is always 1.")
	bw.line("# TYPE herald_build_info gauge")
	bw.printf("herald_build_info{version=%s,goversion=%s} 1\n", label(version), label(runtime.Version()))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	bw.line("# HELP go_goroutines Number of goroutines that currently exist.")
	bw.line("# TYPE go_goroutines gauge")
	bw.printf("go_goroutines %d\n", runtime.NumGoroutine())
	bw.line("# HELP go_memstats_heap_alloc_bytes Bytes of allocated heap objects.")
	bw.line("# TYPE go_memstats_heap_alloc_bytes gauge")
	bw.printf("go_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	bw.line("# HELP go_memstats_sys_bytes Bytes of memory obtained from the OS.")
	bw.line("# TYPE go_memstats_sys_bytes gauge")
	bw.printf("go_memstats_sys_bytes %d\n", ms.Sys)
	bw.line("# HELP go_gc_cycles_total Completed GC cycles.")
	bw.line("# TYPE go_gc_cycles_total counter")
	bw.printf("go_gc_cycles_total %d\n", ms.NumGC)

	routes := m.all()
	bw.line("# HELP herald_http_requests_total HTTP requests served, by method, route and status.")
	bw.line("# TYPE herald_http_requests_total counter")
	for _, rm := range routes {
		for _, sc := range rm.counts() {
			bw.printf("herald_http_requests_total{%s,status=\"%d\"} %d\n", rm.labels, sc.status, sc.n)
		}
	}
	bw.line("# HELP herald_http_request_duration_seconds HTTP request duration, by method and route.")
	bw.line("# TYPE herald_http_request_duration_seconds histogram")
	for _, rm := range routes {
		rm.duration.write(bw, "herald_http_request_duration_seconds", rm.labels)
	}
	if m.accessLog != nil {
		m.accessLog.writeMetrics(bw)
	}
	if m.engines != nil {
		m.engines.write(bw)
	}

	// JSON Schema payload validation: the compiled fast path and the full
	// validator it falls back to (compat/jsonschema.Stats).
	js := jsonschema.Stats()
	bw.line("# HELP herald_jsonschema_schemas_total JSON Schemas prepared for payload validation, by validator: compiled, or full for schemas using keywords the compiled one does not cover.")
	bw.line("# TYPE herald_jsonschema_schemas_total counter")
	bw.printf("herald_jsonschema_schemas_total{validator=\"compiled\"} %d\n", js.CompiledSchemas)
	bw.printf("herald_jsonschema_schemas_total{validator=\"full\"} %d\n", js.FallbackSchemas)
	bw.line("# HELP herald_jsonschema_validations_total JSON payloads validated, by the validator that decided: compiled (valid) or full (invalid, undecided or a fallback schema).")
	bw.line("# TYPE herald_jsonschema_validations_total counter")
	bw.printf("herald_jsonschema_validations_total{validator=\"compiled\"} %d\n", js.FastValid)
	bw.printf("herald_jsonschema_validations_total{validator=\"full\"} %d\n", js.FullValidations)

	m.confluent.write(ctx, bw, routes, version)
	return bw.w.Flush()
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// promWriter writes the exposition text. bufio.Writer errors are sticky: the
// first one is returned by Flush, so the writes themselves need no check.
type promWriter struct{ w *bufio.Writer }

func (p *promWriter) line(s string) {
	_, _ = p.w.WriteString(s)
	_ = p.w.WriteByte('\n')
}

func (p *promWriter) printf(format string, args ...any) { _, _ = fmt.Fprintf(p.w, format, args...) }

// header writes a metric's HELP and TYPE lines.
func (p *promWriter) header(name, typ, help string) {
	p.line("# HELP " + name + " " + help)
	p.line("# TYPE " + name + " " + typ)
}
