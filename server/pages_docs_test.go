package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/heraldhq/herald/compat"
)

// longSchema is a JSON Schema whose pretty form runs past 200 lines, with one
// property's description set to desc.
func longSchema(desc string) string {
	var props []string
	for i := range 70 {
		d := "field"
		if i == 35 {
			d = desc
		}
		props = append(props, fmt.Sprintf(`"p%02d":{"type":"string","description":%q}`, i, d))
	}
	return `{"type":"object","properties":{` + strings.Join(props, ",") + `}}`
}

// TestPageDiffShowsHunks checks that a one-line change to a long schema shows
// as one hunk of a few lines with its @@ header, not as the whole file.
func TestPageDiffShowsHunks(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	ctx := context.Background()
	from, err := e.reg.Register(ctx, "order-placed-value", compat.JSON, longSchema("before"))
	if err != nil {
		t.Fatal(err)
	}
	to, err := e.reg.Register(ctx, "order-placed-value", compat.JSON, longSchema("after"))
	if err != nil {
		t.Fatal(err)
	}
	doc := e.page(fmt.Sprintf("/ui/events/order-placed/diff?from=%d&to=%d", from.Version, to.Version), http.StatusOK)
	lines := doc.Find(".textdiff .l")
	if n := lines.Length(); n > 10 || n < 3 {
		t.Fatalf("%d lines shown for a one-line change to a 200-line schema, want a hunk of at most 10", n)
	}
	expect(t, doc, ".textdiff .hunk", 1, "@@ -")
	expect(t, doc, ".textdiff .del", 1, `"before"`)
	expect(t, doc, ".textdiff .add", 1, `"after"`)
	if n := doc.Find(".textdiff .hunk").Length(); n != 1 {
		t.Errorf("%d hunks, want 1", n)
	}
	// The same version twice: no text diff, and a sentence saying so.
	doc = e.page(fmt.Sprintf("/ui/events/order-placed/diff?from=%d&to=%d", to.Version, to.Version), http.StatusOK)
	expect(t, doc, "#same-text", 1, "same")
}

// TestPageMarkdownDescriptions checks that descriptions render as markdown on
// every entity page, that raw HTML stays text and that only http, https and
// mailto links become links.
func TestPageMarkdownDescriptions(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	const desc = "Placed **once** per `order`.\n\n- see [runbook](https://runbook.example/orders)\n- [bad](javascript:alert(1))\n\n<img src=x onerror=alert(1)>"
	cp := *e.cat.Document()
	cp.Events = append(cp.Events[:0:0], cp.Events...)
	cp.Services = append(cp.Services[:0:0], cp.Services...)
	cp.Domains = append(cp.Domains[:0:0], cp.Domains...)
	cp.Teams = append(cp.Teams[:0:0], cp.Teams...)
	cp.Flows = append(cp.Flows[:0:0], cp.Flows...)
	cp.Events[0].Description = desc
	cp.Services[0].Description = desc
	cp.Domains[0].Description = desc
	cp.Teams[0].Description = desc
	cp.Flows[0].Description = desc
	if _, err := e.cat.ApplyDocument(context.Background(), &cp); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/ui/events/" + cp.Events[0].ID, "/ui/services/" + cp.Services[0].ID, "/ui/domains/" + cp.Domains[0].ID,
		"/ui/teams/" + cp.Teams[0].ID, "/ui/flows/" + cp.Flows[0].ID,
	} {
		t.Run(path, func(t *testing.T) {
			doc := e.page(path, http.StatusOK)
			expect(t, doc, ".lead.md strong", 1, "once")
			expect(t, doc, ".lead.md code", 1, "order")
			expect(t, doc, `.lead.md li a[href="https://runbook.example/orders"][rel~=noopener]`, 1, "runbook")
			if n := doc.Find(".lead.md a").Length(); n != 1 {
				t.Errorf("%d links, want only the https one", n)
			}
			expect(t, doc, ".lead.md li", 2, "javascript:alert(1)")
			if doc.Find("main img").Length() != 0 {
				t.Error("raw HTML in a description became an element")
			}
			expect(t, doc, ".lead.md p", 2, "<img src=x")
		})
	}
	// Lists show the description as plain text, its markup dropped.
	doc := e.page("/ui/events", http.StatusOK)
	expect(t, doc, "main", 1, "Placed once per order. see runbook")
	if strings.Contains(doc.Find("main").Text(), "**once**") {
		t.Error("the events list shows markdown markup")
	}
	// So do search results.
	doc = e.page("/ui/search?q=runbook", http.StatusOK)
	expect(t, doc, "main li p", 1, "Placed once per order. see runbook")
	if strings.Contains(doc.Find("main").Text(), "**once**") {
		t.Error("search results show markdown markup")
	}
}

// TestPageTopicSparklines checks the publish-rate sparklines of the topic
// pages: inline SVG with a line per series, a summary a screen reader reads,
// the hour's totals, and no inline style (the CSP forbids it).
func TestPageTopicSparklines(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	doc := e.page("/ui/topics", http.StatusOK)
	row := `table.topics tr:has(a[href="/ui/topics/order-work"])`
	expect(t, doc, row+` td.spark-cell svg.spark[role=img] polyline.spark-ok`, 1, "")
	expect(t, doc, row+` td.spark-cell svg.spark path.spark-bad`, 1, "")
	if n := doc.Find(`table.topics tr:has(a[href="/ui/topics/order-placed"]) .spark-bad`).Length(); n != 0 {
		t.Error("a topic without refusals draws a refused series")
	}
	if label, _ := doc.Find(row + ` svg.spark`).Attr("aria-label"); label != "Last 60 minutes: 2 accepted, 0 refused, 1 dead-lettered; busiest minute 2" {
		t.Errorf("order-work sparkline label %q", label)
	}
	if pts, _ := doc.Find(row + ` polyline.spark-ok`).Attr("points"); len(strings.Fields(pts)) != 60 {
		t.Errorf("%d points, want one per minute of the hour", len(strings.Fields(pts)))
	}

	doc = e.page("/ui/topics/order-placed", http.StatusOK)
	expect(t, doc, "#rate svg.spark-large title", 1, "7 accepted")
	expect(t, doc, "#rate figcaption", 1, "refused: 0")
	if n := doc.Find("main [style]").Length(); n != 0 {
		t.Errorf("%d elements with a style attribute, which the CSP blocks", n)
	}

	// A refused batch shows on the next render.
	req := `{"events":[{"value":{"orderId":1}}]}`
	if r := e.do(http.MethodPost, "/v1/topics/order-placed/events", "application/json", req); r.StatusCode != http.StatusBadRequest && r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid publish = %d", r.StatusCode)
	}
	doc = e.page("/ui/topics/order-placed", http.StatusOK)
	expect(t, doc, "#rate svg.spark-large title", 1, "7 accepted, 1 refused")
}

// TestPageEventChangelog checks the event page's changelog: every version
// newest first with its date, its rule-based changes against the version
// before it, and the consumers a breaking version affects.
func TestPageEventChangelog(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	ctx := context.Background()
	doc := e.page("/ui/events/order-placed", http.StatusOK)
	entries := doc.Find("#changelog li.entry")
	if ids := entries.Map(func(_ int, s *goquery.Selection) string { id, _ := s.Attr("id"); return id }); strings.Join(ids, " ") != "changelog-v3 changelog-v2 changelog-v1" {
		t.Fatalf("changelog entries %v, want v3 v2 v1", ids)
	}
	expect(t, doc, "#changelog-v1", 1, "First version")
	expect(t, doc, "#changelog-v3.compatible .change-summary li", 1, "added")
	expect(t, doc, `#changelog-v3 a.diff-link[href="/ui/events/order-placed/diff?from=2&to=3"]`, 1, "")
	expect(t, doc, "#changelog-v3", 1, "No consumer affected")
	dates := map[string]bool{}
	entries.Find("h3 .n").Each(func(_ int, s *goquery.Selection) { dates[s.Text()] = true })
	if len(dates) != 3 {
		t.Errorf("dates %v, want one per version", dates)
	}

	// A v4 that drops what v2 and v3 added: breaking, with the consumer that
	// reads the dropped field named.
	v1, _, err := e.reg.Schema(ctx, "order-placed-value", 1)
	if err != nil {
		t.Fatal(err)
	}
	e.reg.SetAuthor("orders-ci")
	if _, err := e.reg.Register(ctx, "order-placed-value", compat.JSON, `{"title":"v4",`+strings.TrimPrefix(v1.Text, "{")); err != nil {
		t.Fatal(err)
	}
	doc = e.page("/ui/events/order-placed", http.StatusOK)
	expect(t, doc, "#changelog-v4 h3 .author", 1, "orders-ci")
	if n := doc.Find("#changelog-v3 h3 .author").Length(); n != 0 {
		t.Errorf("v3, registered without a principal, names %d authors", n)
	}
	expect(t, doc, "#changelog-v4.breaking h3 .badge.bad", 1, "breaking")
	expect(t, doc, `#changelog-v4 .change-summary li.breaking`, 1, "removed")
	expect(t, doc, `#changelog-v4 .change-summary a.rule-id`, 1, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
	expect(t, doc, `#changelog-v4 .affected a[href="/ui/services/fraud-service"]`, 1, "fraud-service")

	// Past the limit the oldest versions are counted, not compared.
	for i := range 8 {
		if _, err := e.reg.Register(ctx, "order-placed-value", compat.JSON, fmt.Sprintf(`{"title":"v%d",`, 5+i)+strings.TrimPrefix(v1.Text, "{")); err != nil {
			t.Fatal(err)
		}
	}
	doc = e.page("/ui/events/order-placed", http.StatusOK)
	if n := doc.Find("#changelog li.entry").Length(); n != 10 {
		t.Errorf("%d entries, want the newest 10", n)
	}
	expect(t, doc, "#changelog p.meta", 1, "2 older versions are not listed")
	expect(t, doc, "#changelog-v12", 1, "No field changed")
}
