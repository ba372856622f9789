package server_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/server"
)

// benchPage serves path b.N times and reports the median server time (p50-ms)
// next to Go's mean.
func benchPage(b *testing.B, srv http.Handler, path string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rec := httptest.NewRecorder()
		start := time.Now()
		srv.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d", path, rec.Code)
		}
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
}

var benchPages = []string{
	"/ui/", "/ui/search?q=order", "/ui/events", "/ui/services", "/ui/domains/%s", "/ui/teams/%s",
	"/ui/services/%s", "/ui/events/%s", "/ui/events/%s/diff?from=1&to=2", "/ui/flows/%s",
}

// BenchmarkPageDemo measures each page on the demo catalog (budget: p50 < 20 ms).
func BenchmarkPageDemo(b *testing.B) {
	e := newCatalogEnv(b)
	ids := []string{"fulfilment", "payments-team", "order-service", "order-placed", "order-placed", "checkout"}
	runPages(b, e.srv, ids)
}

func runPages(b *testing.B, srv http.Handler, ids []string) {
	j := 0
	for _, p := range benchPages {
		path := p
		if containsVerb(p) {
			path = fmt.Sprintf(p, ids[j])
			j++
		}
		b.Run(path, func(b *testing.B) { benchPage(b, srv, path) })
	}
}

func containsVerb(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' && s[i+1] == 's' {
			return true
		}
	}
	return false
}

// BenchmarkPageLarge measures each page on a generated catalog of 1,000 events
// and 200 services (budget: < 100 ms).
func BenchmarkPageLarge(b *testing.B) {
	cat := catalogtest.NewLarge(b, catalogtest.Large{Description: "A generated event.", Examples: true})
	rs := newSQLiteRegistry(b, b.TempDir())
	srv, err := server.New(server.Config{Registry: rs, Catalog: cat, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	runPages(b, srv, []string{"domain-3", "team-0", "service-7", "event-35", "event-35", "flow-4"})
}
