package server

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
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
var durationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds hand-written Prometheus counters and histograms per route. The
// maps only grow (one entry per route and status seen); entries are updated with
// atomics, so the hot path takes no lock once an entry exists.
type metrics struct {
	requests  sync.Map // requestKey → *atomic.Uint64
	durations sync.Map // routeKey → *histogram
}

type routeKey struct{ method, route string }

type requestKey struct {
	routeKey
	status int
}

// histogram is a Prometheus histogram; counts are per bucket (not cumulative),
// the last slot counts observations above every bound.
type histogram struct {
	counts   []atomic.Uint64
	sumNanos atomic.Uint64
	count    atomic.Uint64
}

func newMetrics() *metrics { return &metrics{} }

// methodLabel bounds the method label to the methods HTTP defines: a client may
// send any token as a method, and each distinct one would otherwise add series
// (and memory) without end.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// labelEscaper escapes a label value for the Prometheus text format, which
// escapes only backslash, double quote and line feed (Go's %q would also
// escape other bytes, in a syntax Prometheus does not read).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label renders a label value, quoted and escaped.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }

// observe records one request. Its labels are bounded: method by methodLabel,
// route by the route table (unmatched paths share one label), status by HTTP.
func (m *metrics) observe(method, route string, status int, d time.Duration) {
	rk := routeKey{methodLabel(method), route}
	k := requestKey{rk, status}
	v, ok := m.requests.Load(k)
	if !ok {
		v, _ = m.requests.LoadOrStore(k, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(1)

	hv, ok := m.durations.Load(rk)
	if !ok {
		hv, _ = m.durations.LoadOrStore(rk, &histogram{counts: make([]atomic.Uint64, len(durationBuckets)+1)})
	}
	h := hv.(*histogram)
	sec := d.Seconds()
	i := sort.SearchFloat64s(durationBuckets, sec)
	h.counts[i].Add(1)
	h.sumNanos.Add(uint64(d))
	h.count.Add(1)
}

// metricsMiddleware records every request's route, status and duration.
func (s *Server) metricsMiddleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.metrics.observe(c.Request.Method, routeLabel(c), c.Writer.Status(), time.Since(start))
}

// writeTo writes every metric in the Prometheus text exposition format, sorted
// so the output is stable. version labels herald_build_info.
func (m *metrics) writeTo(w io.Writer, version string) error {
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

	var reqs []requestKey
	m.requests.Range(func(k, _ any) bool { reqs = append(reqs, k.(requestKey)); return true })
	sort.Slice(reqs, func(i, j int) bool {
		a, b := reqs[i], reqs[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	bw.line("# HELP herald_http_requests_total HTTP requests served, by method, route and status.")
	bw.line("# TYPE herald_http_requests_total counter")
	for _, k := range reqs {
		v, _ := m.requests.Load(k)
		bw.printf("herald_http_requests_total{method=%s,route=%s,status=\"%d\"} %d\n", label(k.method), label(k.route), k.status, v.(*atomic.Uint64).Load())
	}

	var routes []routeKey
	m.durations.Range(func(k, _ any) bool { routes = append(routes, k.(routeKey)); return true })
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].route != routes[j].route {
			return routes[i].route < routes[j].route
		}
		return routes[i].method < routes[j].method
	})
	bw.line("# HELP herald_http_request_duration_seconds HTTP request duration, by method and route.")
	bw.line("# TYPE herald_http_request_duration_seconds histogram")
	for _, k := range routes {
		v, _ := m.durations.Load(k)
		h := v.(*histogram)
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i].Load()
			bw.printf("herald_http_request_duration_seconds_bucket{method=%s,route=%s,le=\"%s\"} %d\n", label(k.method), label(k.route), formatFloat(le), cum)
		}
		cum += h.counts[len(durationBuckets)].Load()
		bw.printf("herald_http_request_duration_seconds_bucket{method=%s,route=%s,le=\"+Inf\"} %d\n", label(k.method), label(k.route), cum)
		bw.printf("herald_http_request_duration_seconds_sum{method=%s,route=%s} %s\n", label(k.method), label(k.route), formatFloat(float64(h.sumNanos.Load())/1e9))
		bw.printf("herald_http_request_duration_seconds_count{method=%s,route=%s} %d\n", label(k.method), label(k.route), h.count.Load())
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
