package server_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// demoOrder is an OrderPlaced event of the demo catalog.
const demoOrder = `{"orderId":"3f0c1d2e-8a4b-4c5d-9e6f-112233445566","customerId":"cus-42","lines":[{"sku":"BOOK-0451","quantity":2,"unitPrice":{"amount":1299,"currency":"EUR"}}],"total":{"amount":2598,"currency":"EUR"},"placedAt":"2026-03-01T10:15:00Z","shippingAddress":{"line1":"Unter den Linden 1","city":"Berlin","postcode":"10117","country":"DE"},"channel":"web"}`

// newDemoEnv wires a server as serve --demo does: the real registry and broker
// on SQLite, the demo catalog read through them, a topic per demo event. It
// then plays some traffic: a declared and an undeclared producer, two consumer
// groups, and a queue with a dead-letter topic, one message leased.
func newDemoEnv(t testing.TB) *catalogEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	reg := newSQLiteRegistry(t, dir)
	brk := newSQLiteBroker(t, dir, reg, brokerdb.Options{Synchronous: "NORMAL"}, nil)
	cat := newDemoCatalog(t, catalog.Config{Registry: server.CatalogRegistry(reg, formats()...), Lineage: server.CatalogLineage(brk)})
	for _, ev := range cat.Document().Events {
		if ev.Topic != "" {
			if _, err := brk.PutTopic(ctx, broker.Topic{Name: ev.Topic, ValueSubject: ev.Subject}); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv, err := server.New(server.Config{Registry: reg, Broker: brk, Catalog: cat, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e := &catalogEnv{t: t, srv: srv, cat: cat}
	call := func(want int, method, path, client, body string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if client != "" {
			req.Header.Set("Herald-Client", client)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%s %s = %d, want %d: %s", method, path, rec.Code, want, rec.Body)
		}
	}
	events := func(n int, extra ...string) string {
		var parts []string
		for range n {
			parts = append(parts, `{"value":`+demoOrder+`}`)
		}
		for _, x := range extra {
			parts = append(parts, `{"value":`+x+`}`)
		}
		return `{"events":[` + strings.Join(parts, ",") + `]}`
	}
	call(http.StatusOK, "POST", "/v1/topics/order-placed/events", "order-service", events(6))
	call(http.StatusOK, "POST", "/v1/topics/order-placed/events", "herald-cli", events(1))
	call(http.StatusOK, "GET", "/v1/topics/order-placed/events?group=fraud-service&limit=4", "", "")
	call(http.StatusOK, "POST", "/v1/groups/fraud-service/offsets", "", `{"offsets":[{"topic":"order-placed","offset":4}]}`)
	call(http.StatusOK, "POST", "/v1/groups/billing/offsets", "", `{"offsets":[{"topic":"order-placed","offset":7}]}`)
	call(http.StatusOK, "PUT", "/v1/topics/order-placed-dlq", "", `{"valueSubject":"order-placed-value"}`)
	call(http.StatusOK, "PUT", "/v1/topics/order-work", "", `{"kind":"queue","valueSubject":"order-placed-value","onInvalid":"deadletter","deadLetterTopic":"order-placed-dlq","maxDeliveries":3,"retention":{"maxAge":"7d"}}`)
	call(http.StatusOK, "POST", "/v1/topics/order-work/events", "order-service", events(2, `{"orderId":1}`))
	call(http.StatusOK, "POST", "/v1/topics/order-work/receive?max=1&visibility=10m", "warehouse-worker", `{}`)
	return e
}

// hrefRE finds the links of a page; the crawler reads them without a parser
// so that it sees exactly what a browser would request.
var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestEveryLinkOfTheDemoAnswers200 crawls the demo from /ui/, following every
// link to this server (pages, exports, API documents), and fails at the first
// one that does not answer 200, naming the page it is on.
func TestEveryLinkOfTheDemoAnswers200(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	type link struct{ url, from string }
	seen := map[string]bool{}
	todo := []link{{"/ui/", "(start)"}}
	pages := 0
	for len(todo) > 0 {
		l := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[l.url] {
			continue
		}
		seen[l.url] = true
		resp := e.do(http.MethodGet, l.url, "", "")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s (linked from %s) = %d, want 200\n%.500s", l.url, l.from, resp.StatusCode, body)
		}
		if !strings.HasPrefix(l.url, "/ui/") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		pages++
		base := l.url
		if i := strings.IndexAny(base, "?#"); i >= 0 {
			base = base[:i]
		}
		for _, m := range hrefRE.FindAllStringSubmatch(string(body), -1) {
			h := html.UnescapeString(m[1])
			switch {
			case strings.HasPrefix(h, "#"), strings.HasPrefix(h, "mailto:"), strings.HasPrefix(h, "https://"), strings.HasPrefix(h, "http://"):
				continue
			case strings.HasPrefix(h, "?"):
				h = base + h
			case !strings.HasPrefix(h, "/"):
				t.Fatalf("%s links to %q: a relative link", l.url, h)
			}
			if i := strings.Index(h, "#"); i >= 0 {
				h = h[:i]
			}
			if !seen[h] {
				todo = append(todo, link{h, l.url})
			}
		}
	}
	// The crawl must have reached the new pages, or it proves little.
	for _, want := range []string{"/ui/subjects", "/ui/topics", "/ui/topics/order-work", "/ui/subjects/order-placed-value", "/ui/clients/herald-cli", "/ui/clients/warehouse-worker",
		"/v1/catalog/graph?scope=event%3aorder-placed&format=mermaid"} {
		if !seen[want] {
			t.Errorf("the crawl never reached %s", want)
		}
	}
	t.Logf("%d links, %d pages", len(seen), pages)
}

func TestPageSubjects(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	// A subject registered through the Confluent API, in another context,
	// that no catalog event describes.
	req := httptest.NewRequest("POST", "/subjects/:.staging:audit-value/versions", strings.NewReader(`{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("register = %d %s", rec.Code, rec.Body)
	}
	doc := e.page("/ui/subjects", http.StatusOK)
	expect(t, doc, `header nav a[aria-current="page"][href="/ui/subjects"]`, 1, "")
	expect(t, doc, `table.subjects tr:has(a[href="/ui/subjects/order-placed-value"]) a[href="/ui/events/order-placed"]`, 1, "OrderPlaced")
	expect(t, doc, `table.subjects tr:has(a[href="/ui/subjects/order-placed-value"]) a[href="/ui/topics/order-work"]`, 1, "")
	expect(t, doc, `table.subjects tr:has(a[href="/ui/subjects/:.staging:audit-value"]) .badge`, 1, "not catalogued")
	expect(t, doc, `nav[aria-label=Contexts] a[href="/ui/subjects?context=.staging"]`, 1, "")

	doc = e.page("/ui/subjects?context=.staging", http.StatusOK)
	if n := doc.Find("table.subjects tbody tr").Length(); n != 1 {
		t.Errorf("context .staging lists %d subjects, want 1", n)
	}
	doc = e.page("/ui/subjects/:.staging:audit-value", http.StatusOK)
	expect(t, doc, "h1 code", 1, "audit-value")
	expect(t, doc, "dl.facts dd", 1, ".staging")

	doc = e.page("/ui/subjects/order-placed-value", http.StatusOK)
	expect(t, doc, "table.versions tbody tr", 3, "")
	expect(t, doc, "dl.facts", 1, "BACKWARD")
	expect(t, doc, "dl.facts", 1, "READWRITE")
	expect(t, doc, `dl.facts a[href="/ui/events/order-placed"]`, 1, "")
	expect(t, doc, `dl.facts a[href="/ui/topics/order-placed"]`, 1, "")
	expect(t, doc, `#schema pre.code .t-k`, 1, "")

	doc = e.page("/ui/subjects/no-such-subject", http.StatusNotFound)
	expect(t, doc, "h1", 1, "")
}

// TestPageSubjectsPaged: 450 subjects beside the demo's come in pages of
// SubjectsPerPage, each page reading only its own rows' versions, with a link
// to the next that starts at its first subject.
func TestPageSubjectsPaged(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	for i := range 450 {
		req := httptest.NewRequest("POST", fmt.Sprintf("/subjects/zz-%03d/versions", i), strings.NewReader(`{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("register zz-%03d = %d %s", i, rec.Code, rec.Body)
		}
	}
	path, seen := "/ui/subjects", map[string]bool{}
	total := ""
	for pages := 0; path != ""; pages++ {
		if pages == 10 {
			t.Fatal("more than 10 pages")
		}
		doc := e.page(path, http.StatusOK)
		total = doc.Find("h1 .n").Text()
		rows := doc.Find("table.subjects tbody tr")
		if rows.Length() > server.SubjectsPerPage {
			t.Fatalf("%s lists %d rows, more than %d", path, rows.Length(), server.SubjectsPerPage)
		}
		rows.Find("td:first-child code").Each(func(_ int, s *goquery.Selection) {
			if seen[s.Text()] {
				t.Errorf("%s lists %s again", path, s.Text())
			}
			seen[s.Text()] = true
		})
		path, _ = doc.Find(`nav.pager a[rel=next]`).Attr("href")
	}
	if want := strconv.Itoa(len(seen)); total != want || len(seen) < 450 || !seen["zz-449"] || !seen["order-placed-value"] {
		t.Errorf("pages listed %d subjects (heading %s); want every one, the heading counting them all", len(seen), total)
	}
}

func TestPageSubjectReferences(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	register := func(subject, body string) {
		t.Helper()
		req := httptest.NewRequest("POST", "/subjects/"+subject+"/versions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("register %s = %d %s", subject, rec.Code, rec.Body)
		}
	}
	register("money", `{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"amount\":{\"type\":\"integer\"}}}"}`)
	register("invoice-value", `{"schemaType":"JSON","schema":"{\"type\":\"object\",\"properties\":{\"total\":{\"$ref\":\"money.json\"}}}","references":[{"name":"money.json","subject":"money","version":1}]}`)
	doc := e.page("/ui/subjects/invoice-value", http.StatusOK)
	expect(t, doc, `table.versions a[href="/ui/subjects/money"]`, 1, "money")
	doc = e.page("/ui/subjects/money", http.StatusOK)
	expect(t, doc, `table.versions a[href="/ui/subjects/invoice-value"]`, 1, "invoice-value")
}

func TestPageTopics(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	doc := e.page("/ui/topics", http.StatusOK)
	expect(t, doc, `table.topics tbody tr`, 20, "")
	row := `table.topics tr:has(a[href="/ui/topics/order-work"])`
	expect(t, doc, row+` a[href="/ui/topics/order-placed-dlq"]`, 1, "1") // one dead letter
	expect(t, doc, row+` a[href="/ui/subjects/order-placed-value"]`, 1, "")

	doc = e.page("/ui/topics/order-placed", http.StatusOK)
	expect(t, doc, "#stat-events strong", 1, "7")
	expect(t, doc, `table.groups tr:has(td:contains("fraud-service")) td.lag-high`, 1, "3")
	expect(t, doc, `table.groups tr:has(td:contains("billing")) td:nth-child(3)`, 1, "0")
	expect(t, doc, `#clients a[href="/ui/services/order-service"]`, 1, "")
	expect(t, doc, `#clients a[href="/ui/clients/herald-cli"]`, 1, "herald-cli")
	expect(t, doc, `dl.facts a[href="/ui/events/order-placed"]`, 1, "")

	doc = e.page("/ui/topics/order-work", http.StatusOK)
	expect(t, doc, "#stat-visible strong", 1, "1")
	expect(t, doc, "#stat-inflight strong", 1, "1")
	expect(t, doc, "#stat-dead strong", 1, "1")
	expect(t, doc, "dl.facts", 1, "7d")
	if doc.Find("table.groups").Length() != 0 {
		t.Error("a queue page shows consumer groups")
	}
	expect(t, doc, `#clients a[href="/ui/clients/warehouse-worker"]`, 1, "")
	// order-service sent two good orders and one bad, dead-lettered.
	producer := `#clients table.observed tr:has(a[href="/ui/services/order-service"])`
	expect(t, doc, producer+` td:nth-child(2)`, 1, "2")
	expect(t, doc, producer+` td:nth-child(3)`, 1, "1")
	expect(t, doc, producer+` td:nth-child(4)`, 1, "66.7%")

	doc = e.page("/ui/topics/order-placed-dlq", http.StatusOK)
	expect(t, doc, `dl.facts a[href="/ui/topics/order-work"]`, 1, "") // dead letters of

	e.page("/ui/topics/no-such-topic", http.StatusNotFound)
}

func TestPageTopicsWithoutBroker(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/topics", http.StatusOK)
	expect(t, doc, "p.empty", 1, "without a broker")
	e.page("/ui/topics/order-placed", http.StatusNotFound)
}

func TestPageClient(t *testing.T) {
	t.Parallel()
	e := newDemoEnv(t)
	// The event page links the undeclared producer to its client page.
	doc := e.page("/ui/events/order-placed", http.StatusOK)
	expect(t, doc, `#lineage a.unknown[href="/ui/clients/herald-cli"]`, 1, "herald-cli")
	expect(t, doc, `svg.graph a.node[href="/ui/clients/herald-cli"]`, 1, "")
	expect(t, doc, `table.graph-table a[href="/ui/clients/herald-cli"]`, 1, "")
	if n := doc.Find(`a[href="/ui/services/herald-cli"]`).Length(); n != 0 {
		t.Errorf("%d links to /ui/services/herald-cli, which does not exist", n)
	}

	doc = e.page("/ui/clients/herald-cli", http.StatusOK)
	expect(t, doc, "h1", 1, "herald-cli")
	expect(t, doc, "#declare pre", 1, "sends: [order-placed]")
	expect(t, doc, `table.sends a[href="/ui/events/order-placed"]`, 1, "OrderPlaced")
	expect(t, doc, `table.observed a[href="/ui/topics/order-placed"]`, 1, "")
	expect(t, doc, `table.observed tr:has(a[href="/ui/topics/order-placed"]) td:nth-child(5)`, 1, "100%")
	// One event accepted, one refused: half of what it sent met the contract.
	req := httptest.NewRequest(http.MethodPost, "/v1/topics/order-placed/events", strings.NewReader(`{"events":[{"value":{"orderId":1}}]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Herald-Client", "herald-cli")
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("invalid publish = %d, want 422", rec.Code)
	}
	doc = e.page("/ui/clients/herald-cli", http.StatusOK)
	expect(t, doc, `table.observed tr:has(a[href="/ui/topics/order-placed"]) td:nth-child(4)`, 1, "1")
	expect(t, doc, `table.observed tr:has(a[href="/ui/topics/order-placed"]) td:nth-child(5)`, 1, "50%")

	// A client seen only on a topic no catalog event is bound to.
	doc = e.page("/ui/clients/warehouse-worker", http.StatusOK)
	expect(t, doc, `table.observed tr:has(a[href="/ui/topics/order-work"])`, 1, "consumer")

	// A declared service's name goes to its service page.
	resp := e.do(http.MethodGet, "/ui/clients/order-service", "", "")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/ui/services/order-service" {
		t.Errorf("/ui/clients/order-service = %d %s, want 302 to the service page", resp.StatusCode, resp.Header.Get("Location"))
	}
	doc = e.page("/ui/clients/nobody-at-all", http.StatusNotFound)
	expect(t, doc, ".lead", 1, "nobody-at-all")
}

// TestPageSmallDefects covers the small defects of the first-use review.
func TestPageSmallDefects(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/", http.StatusOK)
	t.Run("HomeListsAsManyDomainsAsItCounts", func(t *testing.T) {
		count := strings.TrimSpace(doc.Find(`.counts a[href="/ui/domains"] strong`).Text())
		listed := doc.Find(`#domains-title + ul.entities li`).Length()
		if count != fmt.Sprint(listed) {
			t.Errorf("the home page counts %s domains and lists %d", count, listed)
		}
	})
	t.Run("SkipLinkIsFirst", func(t *testing.T) {
		first := doc.Find("body a").First()
		if href, _ := first.Attr("href"); href != "#main" || !first.HasClass("skip") {
			t.Errorf("first link = %q, want the skip link to #main", href)
		}
		expect(t, doc, "main#main", 1, "")
	})
	t.Run("EventPageHeadingsAreUnique", func(t *testing.T) {
		ev := e.page("/ui/events/order-placed", http.StatusOK)
		seen := map[string]bool{}
		ev.Find("main h2").Each(func(_ int, s *goquery.Selection) {
			h := strings.TrimSpace(s.Text())
			if seen[h] {
				t.Errorf("heading %q appears twice", h)
			}
			seen[h] = true
		})
	})
}
