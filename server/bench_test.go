package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchClient is a keep-alive client with enough idle connections for
// RunParallel's goroutines.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

// fetch GETs url with an Authorization header (none if "") and drains the
// body; it fails the benchmark and returns false on an error or a non-200.
func fetch(b *testing.B, cl *http.Client, url, authorization string) bool {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := cl.Do(req)
	if err != nil {
		b.Error(err)
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("GET %s: %d", url, resp.StatusCode)
		return false
	}
	return true
}

// parallelGets issues n GETs of url, with an Authorization header unless it
// is "", from GOMAXPROCS goroutines (RunParallel's default parallelism) and
// returns the elapsed time. A goroutine stops at its first failure.
func parallelGets(b *testing.B, cl *http.Client, url, authorization string, n int) time.Duration {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if !fetch(b, cl, url, authorization) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkSchemaByID measures GET /schemas/ids/{id}, the deserializer hot path,
// through the whole stack (listener, gin, middleware, registry cache, JSON), next
// to a bare net/http handler serving the same bytes under the same load in the
// same run. herald/bare is the throughput ratio; the budget is >= 0.80.
func BenchmarkSchemaByID(b *testing.B) {
	e := newEnv(b)
	e.register("orders-value", schemaBody("", avroV2))
	benchBesideBare(b, e, "/schemas/ids/1")
}

// BenchmarkVersionsLatest measures GET /subjects/{s}/versions/latest (what
// serializers with use.latest.version ask on every send) as
// BenchmarkSchemaByID measures the by-id path, beside the same bare server.
func BenchmarkVersionsLatest(b *testing.B) {
	e := newEnv(b)
	e.register("orders-value", schemaBody("", avroV2))
	benchBesideBare(b, e, "/subjects/orders-value/versions/latest")
}

// benchBesideBare measures GETs of path on e's server and, in the same run,
// on a bare net/http handler answering the same bytes with the same content
// type, and reports the throughput ratio herald/bare.
func benchBesideBare(b *testing.B, e *testEnv, path string) {
	herald := httptest.NewServer(e.srv)
	defer herald.Close()
	cl := benchClient()
	resp, err := cl.Get(herald.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ct := resp.Header.Get("Content-Type")
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	}))
	defer bare.Close()

	// Warm both servers and the connection pools.
	parallelGets(b, cl, herald.URL+path, "", 2000)
	parallelGets(b, cl, bare.URL, "", 2000)

	b.ResetTimer()
	heraldDur := parallelGets(b, cl, herald.URL+path, "", b.N)
	b.StopTimer()
	bareDur := parallelGets(b, cl, bare.URL, "", b.N)

	b.ReportMetric(float64(bareDur)/float64(heraldDur), "herald/bare")
	b.ReportMetric(float64(heraldDur.Nanoseconds())/float64(b.N), "herald-ns/req")
	b.ReportMetric(float64(bareDur.Nanoseconds())/float64(b.N), "bare-ns/req")
}

// record50 is a 50-field Avro record plus one optional field named extra, so
// every version differs and all are BACKWARD_TRANSITIVE compatible.
func record50(extra string) string {
	var f strings.Builder
	for i := range 50 {
		typ := [...]string{"string", "int", "long", "double", "boolean"}[i%5]
		fmt.Fprintf(&f, `{"name":"f%d","type":"%s"},`, i, typ)
	}
	fmt.Fprintf(&f, `{"name":"%s","type":["null","string"],"default":null}`, extra)
	return `{"type":"record","name":"Wide","namespace":"com.acme","fields":[` + f.String() + `]}`
}

// BenchmarkRegisterTransitive measures registering a new version under
// BACKWARD_TRANSITIVE over 100 live versions of a 50-field record, through HTTP.
// Each new version is removed again (untimed) so every registration checks
// against exactly 100 versions. p50-ms is the median latency; the budget is < 5 ms.
func BenchmarkRegisterTransitive(b *testing.B) {
	e := newEnv(b)
	herald := httptest.NewServer(e.srv)
	defer herald.Close()
	cl := benchClient()
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, herald.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		resp, err := cl.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := do("PUT", "/config/wide-value", `{"compatibility":"BACKWARD_TRANSITIVE"}`); st != 200 {
		b.Fatalf("config: %d", st)
	}
	for i := range 100 {
		if st := do("POST", "/subjects/wide-value/versions", schemaBody("", record50("x"+strconv.Itoa(i)))); st != 200 {
			b.Fatalf("seed version %d: %d", i, st)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		body := schemaBody("", record50("n"+strconv.Itoa(i)))
		start := time.Now()
		st := do("POST", "/subjects/wide-value/versions", body)
		lat = append(lat, time.Since(start))
		if st != 200 {
			b.Fatalf("register: %d", st)
		}
		b.StopTimer()
		if st := do("DELETE", "/subjects/wide-value/versions/latest", ""); st != 200 {
			b.Fatalf("soft delete: %d", st)
		}
		if st := do("DELETE", "/subjects/wide-value/versions/101?permanent=true", ""); st != 200 {
			b.Fatalf("hard delete: %d", st)
		}
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
