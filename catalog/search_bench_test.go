package catalog_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
)

// newLarge returns a catalog of 1,000 events (two JSON Schema versions each),
// 200 services and 20 flows, the shape of server.BenchmarkPageLarge.
func newLarge(tb testing.TB) *catalog.Service {
	tb.Helper()
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
				tb.Fatal(err)
			}
		}
		doc.Events = append(doc.Events, catalog.Event{ID: fmt.Sprintf("event-%d", i), Name: fmt.Sprintf("Event%d", i), Subject: subject,
			Topic: fmt.Sprintf("topic-%d", i), Domain: fmt.Sprintf("domain-%d", i%20), Description: "A generated event about an order.", Owners: []string{"team-1"}})
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
		tb.Fatal(err)
	}
	if _, err := cat.ApplyDocument(ctx, doc); err != nil {
		tb.Fatal(err)
	}
	return cat
}

// BenchmarkSearchLarge measures one query on the large catalog with a warm
// index, for a plain word, a typo and a two-word query.
func BenchmarkSearchLarge(b *testing.B) {
	cat := newLarge(b)
	ctx := context.Background()
	for _, q := range []string{"order", "evnt", "service 42"} {
		b.Run(q, func(b *testing.B) {
			res, err := cat.Search(ctx, q, 0) // builds the index outside the loop
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := cat.Search(ctx, q, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Total), "matches")
			b.ReportMetric(float64(res.Stats.Candidates), "candidates")
		})
	}
}

// BenchmarkSearchIndexLarge measures building the index of the large catalog:
// the work a search does once after every catalog change.
func BenchmarkSearchIndexLarge(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		cat := newLarge(b)
		b.StartTimer()
		if _, err := cat.Search(ctx, "x", 0); err != nil {
			b.Fatal(err)
		}
	}
}
