package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
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
	ctx := context.Background()
	reg := catalogtest.NewRegistry()
	doc := &catalog.Document{Teams: []catalog.Team{{ID: "team-0"}, {ID: "team-1"}}}
	for d := range 20 {
		doc.Domains = append(doc.Domains, catalog.Domain{ID: fmt.Sprintf("domain-%d", d), Name: fmt.Sprintf("Domain %d", d), Owners: []string{"team-0"}})
	}
	for i := range 1000 {
		subject := fmt.Sprintf("event-%d-value", i)
		for v := 1; v <= 2; v++ {
			props := fmt.Sprintf(`"id":{"type":"string"},"n%d":{"type":"integer","description":"field %d"}`, i, i)
			if v == 2 {
				props += `,"extra":{"type":"string"}`
			}
			if _, err := reg.Register(ctx, subject, compat.JSON, `{"type":"object","additionalProperties":false,"properties":{`+props+`},"required":["id"]}`); err != nil {
				b.Fatal(err)
			}
		}
		doc.Events = append(doc.Events, catalog.Event{ID: fmt.Sprintf("event-%d", i), Name: fmt.Sprintf("Event%d", i), Subject: subject,
			Topic: fmt.Sprintf("topic-%d", i), Domain: fmt.Sprintf("domain-%d", i%20), Description: "A generated event.", Owners: []string{"team-1"},
			Examples: []catalog.Example{{Name: "ex", Value: []byte(`{"id":"x"}`)}}})
	}
	for s := range 200 {
		a := catalog.Application{ID: fmt.Sprintf("service-%d", s), Name: fmt.Sprintf("Service %d", s), Domain: fmt.Sprintf("domain-%d", s%20), Owners: []string{"team-0"}}
		for k := range 5 {
			a.Sends = append(a.Sends, catalog.Message{Event: fmt.Sprintf("event-%d", s*5+k)})
		}
		for k := range 10 {
			a.Receives = append(a.Receives, catalog.Message{Event: fmt.Sprintf("event-%d", (s*37+k*101)%1000)})
		}
		doc.Services = append(doc.Services, a)
	}
	for f := range 20 {
		fl := catalog.Flow{ID: fmt.Sprintf("flow-%d", f), Name: fmt.Sprintf("Flow %d", f), Domain: fmt.Sprintf("domain-%d", f)}
		for k := range 10 {
			s := (f*10 + k) % 200
			fl.Steps = append(fl.Steps, catalog.Step{ID: fmt.Sprintf("s%d", k), Service: fmt.Sprintf("service-%d", s), Action: catalog.Sends, Event: fmt.Sprintf("event-%d", s*5)})
		}
		doc.Flows = append(doc.Flows, fl)
	}
	cat, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, Lineage: &catalogtest.Lineage{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cat.ApplyDocument(ctx, doc); err != nil {
		b.Fatal(err)
	}
	rs := newSQLiteRegistry(b, b.TempDir())
	srv, err := server.New(server.Config{Registry: rs, Catalog: cat, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	runPages(b, srv, []string{"domain-3", "team-0", "service-7", "event-35", "event-35", "flow-4"})
}
