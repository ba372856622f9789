package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// graphSentences reads the graph table's rows as "subject verb object".
func graphSentences(doc *goquery.Document) []string {
	var out []string
	doc.Find("table.graph-table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		out = append(out, strings.TrimSpace(tr.Find("td.subject").Text())+" "+strings.TrimSpace(tr.Find("td.verb").Text())+" "+strings.TrimSpace(tr.Find("td.object").Text()))
	})
	return out
}

func TestGraphTableReadsAsSentences(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/events/order-placed", http.StatusOK)
	rows := graphSentences(doc)
	for _, want := range []string{"Order Service sends OrderPlaced", "Fraud Service receives OrderPlaced", "Inventory Service receives OrderPlaced"} {
		if !slices.Contains(rows, want) {
			t.Errorf("the event's graph table lacks %q: %q", want, rows)
		}
	}
	for _, r := range rows {
		if strings.HasPrefix(r, "OrderPlaced ") {
			t.Errorf("row %q reads backwards", r)
		}
	}
	expect(t, doc, `table.graph-table td.subject a[href="/ui/services/fraud-service"]`, 1, "Fraud Service")
	expect(t, doc, `table.graph-table thead th`, 3, "ServiceRelationEvent")

	// A flow's branch label keeps the service first.
	doc = e.page("/ui/flows/checkout", http.StatusOK)
	if rows := graphSentences(doc); !slices.Contains(rows, "Payment Service accepted · sends PaymentAuthorized") || !slices.Contains(rows, "Payment Service receives PaymentRequested") {
		t.Errorf("flow rows = %q", rows)
	}
}

func TestGraphFocusPage(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	whole := e.page("/ui/domains/ordering", http.StatusOK)
	all := whole.Find("svg.graph a.node").Length()
	// Every node but a collapsed group links to its own focus.
	expect(t, whole, `svg.graph a.focus-link[href="/ui/domains/ordering?focus=event%3aorder-placed&depth=1#graph"]`, 1, "")
	if n := whole.Find("svg.graph a.focus-link").Length(); n != all-whole.Find("svg.graph a.node.group").Length() {
		t.Errorf("%d focus links for %d nodes", n, all)
	}
	expect(t, whole, `script[src="/ui/static/graph.js"]`, 1, "")

	doc := e.page("/ui/domains/ordering?focus=event:order-placed&depth=1", http.StatusOK)
	var ids []string
	doc.Find("svg.graph a.node").Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-id", "")) })
	if len(ids) != 4 || len(ids) >= all {
		t.Errorf("depth 1 around order-placed draws %q, want it and its 3 neighbours (of %d)", ids, all)
	}
	expect(t, doc, `svg.graph a.node.focus[data-id="event:order-placed"]`, 1, "")
	expect(t, doc, `p.focus-note strong`, 1, "OrderPlaced")
	expect(t, doc, `p.focus-note a[href="/ui/domains/ordering?focus=event%3aorder-placed&depth=2#graph"]`, 1, "2")
	expect(t, doc, `p.focus-note a.unfocus[href="/ui/domains/ordering#graph"]`, 1, "")
	if n := doc.Find("table.graph-table tbody tr").Length(); n != 3 {
		t.Errorf("the focused table has %d rows, want the 3 edges of order-placed", n)
	}
	two := e.page("/ui/domains/ordering?focus=event:order-placed&depth=2", http.StatusOK)
	if n := two.Find("svg.graph a.node").Length(); n <= 4 || n >= all {
		t.Errorf("depth 2 draws %d nodes, want more than 4 and fewer than %d", n, all)
	}
	// Focus works on every page with a graph.
	e.page("/ui/services/order-service?focus=event:order-placed", http.StatusOK)
	e.page("/ui/flows/checkout?focus=service:payment-service&depth=2", http.StatusOK)
	e.page("/ui/events/order-placed?focus=service:fraud-service", http.StatusOK)

	for _, tc := range []struct {
		name, path string
		status     int
		want       string
	}{
		{"UnknownNode404", "/ui/domains/ordering?focus=event:nope", http.StatusNotFound, `no node "event:nope"`},
		{"DepthNotANumber400", "/ui/domains/ordering?focus=event:order-placed&depth=x", http.StatusBadRequest, `depth "x"`},
		{"DepthTooDeep400", "/ui/domains/ordering?focus=event:order-placed&depth=3", http.StatusBadRequest, "depth 3"},
		{"DepthZero400", "/ui/flows/checkout?focus=service:payment-service&depth=0", http.StatusBadRequest, "depth 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := e.page(tc.path, tc.status)
			expect(t, doc, "main", 1, tc.want)
		})
	}
}
