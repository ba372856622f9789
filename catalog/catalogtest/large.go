package catalogtest

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
)

// Large says how NewLarge writes its events.
type Large struct {
	// Description is every event's description.
	Description string
	// Examples gives every event one example payload.
	Examples bool
}

// NewLarge returns a catalog of 1,000 events (two JSON Schema versions each),
// 200 services that send 5 and receive 10 events each, and 20 flows of 10
// steps, over a Registry, Store and Lineage of this package: the catalog the
// search and page benchmarks measure, so their figures compare.
func NewLarge(tb testing.TB, l Large) *catalog.Service {
	tb.Helper()
	ctx := context.Background()
	reg := NewRegistry()
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
		ev := catalog.Event{ID: fmt.Sprintf("event-%d", i), Name: fmt.Sprintf("Event%d", i), Subject: subject,
			Topic: fmt.Sprintf("topic-%d", i), Domain: fmt.Sprintf("domain-%d", i%20), Description: l.Description, Owners: []string{"team-1"}}
		if l.Examples {
			ev.Examples = []catalog.Example{{Name: "ex", Value: []byte(`{"id":"x"}`)}}
		}
		doc.Events = append(doc.Events, ev)
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
	cat, err := catalog.New(ctx, catalog.Config{Store: &Store{}, Registry: reg, Lineage: &Lineage{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := cat.ApplyDocument(ctx, doc); err != nil {
		tb.Fatal(err)
	}
	return cat
}
