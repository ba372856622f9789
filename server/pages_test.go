package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/catalog/demo"
	"github.com/heraldhq/herald/server"
)

// catalogEnv is a server whose catalog holds the demo, over in-memory fakes of the
// registry (for the catalog) and the broker's lineage.
type catalogEnv struct {
	t       testing.TB
	srv     *server.Server
	cat     *catalog.Service
	reg     *catalogtest.Registry
	lineage *catalogtest.Lineage
}

// newDemoCatalog is a catalog service over cfg with the demo loaded; the
// store is an in-memory one and the logger quiet unless cfg sets them.
func newDemoCatalog(t testing.TB, cfg catalog.Config) *catalog.Service {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = &catalogtest.Store{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx := context.Background()
	cat, err := catalog.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := cat.LoadDemo(ctx, demo.FS); err != nil || !ok {
		t.Fatalf("LoadDemo = %v, %v", ok, err)
	}
	return cat
}

func newCatalogEnv(t testing.TB) *catalogEnv {
	t.Helper()
	rs := newSQLiteRegistry(t, t.TempDir())
	reg := catalogtest.NewRegistry()
	lin := &catalogtest.Lineage{}
	cat := newDemoCatalog(t, catalog.Config{Registry: reg, Lineage: lin})
	srv, err := server.New(server.Config{Registry: rs, Catalog: cat, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return &catalogEnv{t: t, srv: srv, cat: cat, reg: reg, lineage: lin}
}

func (e *catalogEnv) do(method, path, contentType, body string) *http.Response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec.Result()
}

// page fetches a page, checks its status and security headers, and parses it.
func (e *catalogEnv) page(path string, status int) *goquery.Document {
	e.t.Helper()
	resp := e.do(http.MethodGet, path, "", "")
	if resp.StatusCode != status {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("GET %s = %d, want %d\n%s", path, resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		e.t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		e.t.Fatalf("GET %s: Content-Security-Policy %q", path, csp)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return doc
}

// expect checks that selector matches at least n elements, and that the first
// contains text (when text is not empty).
func expect(t testing.TB, doc *goquery.Document, selector string, n int, text string) {
	t.Helper()
	sel := doc.Find(selector)
	if sel.Length() < n {
		html, _ := doc.Html()
		if len(html) > 3000 {
			html = html[:3000]
		}
		t.Fatalf("%q matched %d elements, want at least %d\n%s", selector, sel.Length(), n, html)
	}
	if text != "" && !strings.Contains(sel.Text(), text) {
		t.Fatalf("%q text %q does not contain %q", selector, sel.Text(), text)
	}
}

func TestPageHome(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/", http.StatusOK)
	expect(t, doc, "title", 1, "Catalog")
	expect(t, doc, ".counts a.count", 5, "")
	expect(t, doc, `.counts a[href="/ui/events"] strong`, 1, "19")
	expect(t, doc, "table.recent tbody tr", 10, "")
	expect(t, doc, `table.recent a[href^="/ui/events/"]`, 1, "")
	expect(t, doc, `form[action="/ui/search"] input[name=q]`, 2, "")
	expect(t, doc, `ul.entities a[href="/ui/domains/fulfilment"]`, 1, "Fulfilment")
	expect(t, doc, `ul.entities a[href="/ui/flows/checkout"]`, 1, "Checkout")
	// /ui redirects to /ui/.
	if r := e.do(http.MethodGet, "/ui", "", ""); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "/ui/" {
		t.Fatalf("/ui = %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestPageLists(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	for path, want := range map[string]string{
		"/ui/domains":  `a[href="/ui/domains/inventory"]`,
		"/ui/teams":    `a[href="/ui/teams/payments-team"]`,
		"/ui/services": `a[href="/ui/services/order-service"]`,
		"/ui/events":   `a[href="/ui/events/order-placed"]`,
		"/ui/flows":    `a[href="/ui/flows/fulfilment"]`,
	} {
		doc := e.page(path, http.StatusOK)
		expect(t, doc, "table.list tbody tr", 3, "")
		expect(t, doc, want, 1, "")
		expect(t, doc, `header nav a[aria-current="page"]`, 1, "")
	}
	doc := e.page("/ui/events", http.StatusOK)
	expect(t, doc, `tr:has(a[href="/ui/events/cart-checked-out"]) .badge.warn`, 1, "deprecated")
}

func TestPageDomain(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/domains/shipping", http.StatusOK)
	expect(t, doc, "h1", 1, "Shipping")
	expect(t, doc, `nav.crumbs a[href="/ui/domains/fulfilment"]`, 1, "Fulfilment")
	expect(t, doc, `a[href="/ui/services/shipping-service"]`, 1, "")
	expect(t, doc, `svg.graph a.node.service[href="/ui/services/shipping-service"]`, 1, "")
	expect(t, doc, `svg.graph a.node.event`, 3, "")
	expect(t, doc, `table.graph-table tbody tr`, 3, "")
	doc = e.page("/ui/domains/fulfilment", http.StatusOK)
	expect(t, doc, `a[href="/ui/domains/inventory"]`, 1, "Inventory")
	expect(t, doc, `a[href="/ui/services/warehouse-app"]`, 1, "")
}

func TestPageTeam(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/teams/payments-team", http.StatusOK)
	expect(t, doc, "h1", 1, "Payments")
	expect(t, doc, `a[href="mailto:payments@shop.example"]`, 1, "")
	expect(t, doc, `a[href="/ui/services/payment-service"]`, 1, "")
	expect(t, doc, `a[href="/ui/events/refund-issued"]`, 1, "")
	expect(t, doc, `a[href="/ui/flows/cancellation"]`, 1, "")
}

func TestPageService(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	e.lineage.Set(catalog.Observation{Client: "order-service", Topic: "order-placed", Action: catalog.Sends, Count: 12},
		catalog.Observation{Client: "order-service", Topic: "refunds", Action: catalog.Receives, Count: 2})
	doc := e.page("/ui/services/order-service", http.StatusOK)
	expect(t, doc, "h1", 1, "Order Service")
	expect(t, doc, `a#asyncapi[href="/v1/catalog/services/order-service/asyncapi.yaml"]`, 1, "AsyncAPI")
	expect(t, doc, `a.owner[href="/ui/teams/checkout-team"]`, 1, "")
	expect(t, doc, `table.sends a[href="/ui/events/order-placed"]`, 1, "OrderPlaced")
	expect(t, doc, `table.sends tr:has(a[href="/ui/events/order-placed"]) .state-both`, 1, "both")
	expect(t, doc, `table.receives tr:has(a[href="/ui/events/refund-issued"]) .state-observed`, 1, "observed")
	expect(t, doc, `ul.warnings li`, 1, "refund-issued")
	expect(t, doc, `table.receives a[href="/ui/events/place-order"]`, 1, "")
	expect(t, doc, `svg.graph a.node.focus[href="/ui/services/order-service"]`, 1, "")
	expect(t, doc, `a[href="/ui/flows/checkout"]`, 1, "")
	doc = e.page("/ui/services/payment-provider", http.StatusOK)
	expect(t, doc, "h1 .badge", 1, "external")
}

func TestPageEvent(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	e.lineage.Set(catalog.Observation{Client: "analytics", Topic: "order-placed", Action: catalog.Receives, Count: 5})
	doc := e.page("/ui/events/order-placed", http.StatusOK)
	expect(t, doc, "h1", 1, "OrderPlaced")
	expect(t, doc, "dl.facts code", 2, "order-placed-value")
	expect(t, doc, "#schema h2", 1, "v3")
	expect(t, doc, "pre.code[data-format=JSON] span.t-k", 5, `"properties"`)
	expect(t, doc, "table.fields tbody tr", 10, "")
	expect(t, doc, `table.fields tr:has(code:contains("shippingAddress.country")) td`, 1, "ISO 3166-1")
	expect(t, doc, `table.fields tr:has(code:contains("orderId")) .badge.req`, 1, "required")
	expect(t, doc, "table.versions tbody tr", 3, "")
	expect(t, doc, `a.diff-link[href="/ui/events/order-placed/diff?from=2&to=3"]`, 1, "")
	expect(t, doc, `form.diff-form select[name=from] option[selected]`, 1, "v2")
	expect(t, doc, "article.example.valid h3", 1, "web order")
	expect(t, doc, "article.example.invalid .badge.bad", 1, "invalid")
	expect(t, doc, "article.example.invalid ul.problems li", 1, "")
	expect(t, doc, `#lineage a[href="/ui/services/order-service"]`, 1, "")
	expect(t, doc, `#lineage .unknown`, 1, "analytics")
	expect(t, doc, "ul.warnings li", 2, "")
	if w := doc.Find("ul.warnings").Text(); !strings.Contains(w, "analytics was seen as a consumer but is not declared") || !strings.Contains(w, "never seen") {
		t.Fatalf("warnings = %q", w)
	}
	expect(t, doc, `section#tail[data-stream="/v1/topics/order-placed/stream"]`, 1, "")
	expect(t, doc, `script[src="/ui/static/tail.js"]`, 1, "")
	// Another version, and the other formats' field tables.
	doc = e.page("/ui/events/order-placed?version=1", http.StatusOK)
	expect(t, doc, "#schema h2", 1, "v1")
	doc = e.page("/ui/events/payment-authorized", http.StatusOK)
	expect(t, doc, "pre.code[data-format=AVRO]", 1, "")
	expect(t, doc, `table.fields tr:has(code:contains("pspReference")) td`, 3, "null | string")
	doc = e.page("/ui/events/shipment-created", http.StatusOK)
	expect(t, doc, "pre.code[data-format=PROTOBUF] span.t-k", 2, "message")
	expect(t, doc, `table.fields code.field-name.d1`, 1, "address.city")
	expect(t, doc, `table.fields tr:has(code:contains("address")) td`, 3, "Where the parcel goes.")
	// Deprecated with a replacement.
	doc = e.page("/ui/events/cart-checked-out", http.StatusOK)
	expect(t, doc, ".banner.deprecated", 1, "2026-09-30")
	expect(t, doc, `.banner.deprecated a[href="/ui/events/place-order"]`, 1, "")
}

// TestPageCountsInGoodEnglish: what the broker saw is "1 event", "2 events".
func TestPageCountsInGoodEnglish(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	e.lineage.Set(catalog.Observation{Client: "order-service", Topic: "order-placed", Action: catalog.Sends, Count: 1},
		catalog.Observation{Client: "analytics", Topic: "order-placed", Action: catalog.Receives, Count: 2})
	doc := e.page("/ui/events/order-placed", http.StatusOK)
	one := doc.Find(`tr:has(a[href="/ui/services/order-service"])`).Text()
	two := doc.Find(`tr:has(a:contains("analytics"))`).Text()
	if !strings.Contains(one, "1 event, last") || !strings.Contains(two, "2 events, last") {
		t.Errorf("observed counts read %q and %q; want \"1 event, last\" and \"2 events, last\"", one, two)
	}
}

func TestPageDiff(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/events/order-placed/diff?from=1&to=3", http.StatusOK)
	expect(t, doc, "#verdict.ok", 1, "Compatible")
	expect(t, doc, `tr.change.compatible code`, 3, "")
	doc = e.page("/ui/events/order-placed/diff?from=3&to=1", http.StatusOK)
	expect(t, doc, "#verdict.bad", 1, "Breaking under BACKWARD")
	expect(t, doc, `tr.change.breaking:has(code:contains("shippingAddress")) .rule code`, 1, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
	expect(t, doc, `tr.change.breaking:has(code:contains("shippingAddress")) a[href="/ui/services/fraud-service"]`, 1, "")
	expect(t, doc, ".textdiff .del", 1, "")
	// Avro: v3 adds threeDSecure with a default, which is compatible (see
	// catalog/demo/schemas/payment-authorized-value).
	doc = e.page("/ui/events/payment-authorized/diff", http.StatusOK)
	expect(t, doc, "h1", 1, "v2 → v3")
	expect(t, doc, "#verdict.ok", 1, "Compatible")
	expect(t, doc, `tr.change.compatible code`, 1, "threeDSecure")
	if n := doc.Find("tr.change.breaking").Length(); n != 0 {
		t.Errorf("%d breaking changes in a compatible Avro diff", n)
	}
	// A version that does not exist is a 404; a bad number a 400.
	e.page("/ui/events/order-placed/diff?from=1&to=9", http.StatusNotFound)
	e.page("/ui/events/order-placed/diff?from=x", http.StatusBadRequest)
}

func TestPageFlow(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/flows/checkout", http.StatusOK)
	expect(t, doc, "h1", 1, "Checkout")
	expect(t, doc, `svg.graph a.node.event[href="/ui/events/order-placed"]`, 1, "")
	expect(t, doc, `svg.graph a.node.command[href="/ui/events/payment-requested"]`, 1, "")
	expect(t, doc, `svg.graph a.node.service[href="/ui/services/payment-service"]`, 1, "")
	expect(t, doc, `svg.graph g.edge text`, 1, "accepted")
	expect(t, doc, `table.steps tbody tr`, 13, "")
	expect(t, doc, `tr#step-charge td`, 1, "authorized (accepted)")
	expect(t, doc, `tr#step-confirm td`, 6, "end")
	expect(t, doc, `table.graph-table tbody tr`, 10, "")
	expect(t, doc, `p.exports a[href^="/v1/catalog/graph?scope=flow"][href$="format=mermaid"]`, 1, "Mermaid")
}

func TestPageNotFound(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	for _, path := range []string{"/ui/events/nope", "/ui/services/nope", "/ui/domains/nope", "/ui/teams/nope", "/ui/flows/nope", "/ui/no/such/page", "/ui/events/order-placed?version=42", "/ui/static/nope.css", "/ui/events/%3Cb%3E"} {
		doc := e.page(path, http.StatusNotFound)
		expect(t, doc, "h1", 1, "Not found")
		expect(t, doc, `a[href="/ui/"]`, 1, "")
		if doc.Find("main b").Length() != 0 {
			t.Fatalf("%s: id not escaped", path)
		}
	}
	// API paths keep their JSON 404.
	r := e.do(http.MethodGet, "/v1/catalog/events/nope", "", "")
	if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Fatalf("API 404 = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}

func TestPageStaticAssets(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	for path, ct := range map[string]string{"/ui/static/style.css": "text/css", "/ui/static/tail.js": "text/javascript"} {
		r := e.do(http.MethodGet, path, "", "")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), ct) {
			t.Fatalf("%s = %d %s", path, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
}

func TestPageAPI(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/api", http.StatusOK)
	expect(t, doc, `a[href="/openapi.json"]`, 1, "")
	expect(t, doc, "section.api-group", 2, "")
	expect(t, doc, `details.op summary code`, 10, "")
	expect(t, doc, `details.op summary:contains("/subjects/{subject}/versions") .method`, 1, "")
}

func TestPageEscapesUserText(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.cat.Document()
	cp := *doc
	cp.Services = append([]catalog.Application(nil), doc.Services...)
	cp.Services[0].Description = `<img src=x onerror=alert(1)> & "quotes"`
	cp.Services[0].Name = `<script>alert("x")</script>`
	if _, err := e.cat.ApplyDocument(context.Background(), &cp); err != nil {
		t.Fatal(err)
	}
	id := cp.Services[0].ID
	for _, path := range []string{"/ui/services/" + id, "/ui/services", "/ui/search?q=alert"} {
		d := e.page(path, http.StatusOK)
		if d.Find("main img, main script").Length() != 0 {
			t.Fatalf("%s: user text was not escaped", path)
		}
		if !strings.Contains(d.Find("main").Text(), `<script>alert("x")</script>`) {
			t.Fatalf("%s: escaped text missing", path)
		}
	}
}

func TestCatalogApplyWithErrors(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	before := e.cat.Revision()
	bad := "services:\n  - id: billing\n    domain: nowhere\n    sends: [ghost-event]\n"
	r := e.do(http.MethodPut, "/v1/catalog?file=billing.yaml", "application/yaml", bad)
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("PUT bad = %d", r.StatusCode)
	}
	var body struct {
		ErrorCode int               `json:"error_code"`
		Message   string            `json:"message"`
		Details   []catalog.Problem `json:"details"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.ErrorCode != 42260 || len(body.Details) != 2 || body.Details[0].File != "billing.yaml" || body.Details[0].Line != 3 || !strings.Contains(body.Details[1].Message, `unknown event "ghost-event"`) {
		t.Fatalf("body = %+v", body)
	}
	if e.cat.Revision() != before {
		t.Fatal("a bad apply changed the catalog")
	}
}

func TestCatalogApplyExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	r := e.do(http.MethodGet, "/v1/catalog", "", "")
	y, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("GET /v1/catalog = %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	files, _ := json.Marshal(map[string]any{"files": []catalog.File{{Name: "all.yaml", Data: string(y)}}})
	r = e.do(http.MethodPut, "/v1/catalog", "application/json", string(files))
	var res catalog.ApplyResult
	if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
		t.Fatalf("PUT export back = %d: %v", r.StatusCode, err)
	}
	if r.StatusCode != http.StatusOK || res.Changed || res.Counts.Events != 19 {
		t.Fatalf("PUT export back = %d %+v", r.StatusCode, res)
	}
	// Entity endpoints.
	r = e.do(http.MethodGet, "/v1/catalog/events/order-placed", "", "")
	var ev catalog.Event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		t.Fatalf("GET event = %d: %v", r.StatusCode, err)
	}
	if r.StatusCode != http.StatusOK || ev.Subject != "order-placed-value" {
		t.Fatalf("GET event = %d %+v", r.StatusCode, ev)
	}
	r = e.do(http.MethodGet, "/v1/catalog/services", "", "")
	var svcs []catalog.Application
	if err := json.NewDecoder(r.Body).Decode(&svcs); err != nil {
		t.Fatalf("GET services = %d: %v", r.StatusCode, err)
	}
	if r.StatusCode != http.StatusOK || len(svcs) < 8 {
		t.Fatalf("services = %d, %d", r.StatusCode, len(svcs))
	}
}

func TestCatalogGraphEndpoint(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	r := e.do(http.MethodGet, "/v1/catalog/graph?scope=flow:checkout", "", "")
	var g struct {
		Nodes []struct {
			ID   string `json:"id"`
			Href string `json:"href"`
			X    int    `json:"x"`
		} `json:"nodes"`
		Edges []catalog.GraphEdge `json:"edges"`
	}
	if err := json.NewDecoder(r.Body).Decode(&g); err != nil || len(g.Nodes) < 8 || len(g.Edges) < 8 {
		t.Fatalf("graph = %v %+v", err, g)
	}
	for format, want := range map[string]string{"mermaid": "flowchart LR", "dot": "digraph \"flow:checkout\"", "svg": "<svg"} {
		r := e.do(http.MethodGet, "/v1/catalog/graph?scope=flow:checkout&format="+format, "", "")
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d %.200s", format, r.StatusCode, b)
		}
	}
	if r := e.do(http.MethodGet, "/v1/catalog/graph?scope=bogus", "", ""); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad scope = %d", r.StatusCode)
	}
	if r := e.do(http.MethodGet, "/v1/catalog/graph?scope=flow:nope", "", ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("missing flow = %d", r.StatusCode)
	}
}

func TestCatalogAsyncAPIEndpoints(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	r := e.do(http.MethodGet, "/v1/catalog/services/payment-service/asyncapi.yaml", "", "")
	y, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "payment-service.asyncapi.yaml") || !strings.HasPrefix(string(y), "asyncapi: 3.0.0") {
		t.Fatalf("export = %d %s\n%.300s", r.StatusCode, r.Header.Get("Content-Disposition"), y)
	}
	if r := e.do(http.MethodGet, "/v1/catalog/services/nope/asyncapi.yaml", "", ""); r.StatusCode != http.StatusNotFound {
		t.Fatalf("missing service = %d", r.StatusCode)
	}
	// Import a renamed copy as a new service.
	doc := strings.Replace(string(y), "x-herald-service: payment-service", "x-herald-service: payment-service-v2", 1)
	r = e.do(http.MethodPost, "/v1/catalog/import/asyncapi", "application/yaml", doc)
	var res catalog.ImportResult
	if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
		t.Fatalf("import = %d: %v", r.StatusCode, err)
	}
	if r.StatusCode != http.StatusOK || res.Service != "payment-service-v2" {
		t.Fatalf("import = %d %+v", r.StatusCode, res)
	}
	d := e.page("/ui/services/payment-service-v2", http.StatusOK)
	expect(t, d, `table.sends a[href="/ui/events/payment-authorized"]`, 1, "")
	r = e.do(http.MethodPost, "/v1/catalog/import/asyncapi", "application/yaml", "asyncapi: 2.0.0\n")
	if r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad import = %d", r.StatusCode)
	}
}
