package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPageSearch checks the search page on the demo catalog: one list ranked
// across kinds, links to each kind's page, relations as sentences, and a
// refused query shown in place.
func TestPageSearch(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	first := "ol.results > li:first-child"
	for _, tc := range []struct {
		name, q  string
		selector string
		text     string
	}{
		{"SeparatorsFindTheEventFirst", "order placed", first + `[data-kind="event"] > a[href="/ui/events/order-placed"]`, "OrderPlaced"},
		{"EventLeadsToItsProducer", "OrderPlaced", first + ` p.related[data-rel="producer"] a[href="/ui/services/order-service"]`, "Order Service"},
		{"EventLeadsToItsConsumers", "order_placed", first + ` p.related[data-rel="consumer"] a[href="/ui/services/fraud-service"]`, "Fraud Service"},
		{"EventLeadsToItsFlows", "order-placed", first + ` p.related[data-rel="flow"] a[href="/ui/flows/checkout"]`, "Checkout"},
		{"RelationsReadAsSentences", "order placed", first + ` p.related[data-rel="consumer"]`, "Received by"},
		{"FieldLinksToTheFieldTable", "tracking_url", first + `[data-kind="field"] > a[href="/ui/events/shipment-dispatched#fields"]`, "tracking_url"},
		{"SubjectLinksToTheSubjectPage", "payments-value", first + `[data-kind="subject"] > a[href^="/ui/subjects/payment-"]`, "-value"},
		{"TopicLinksToTheTopicPage", "fraud checks", `li[data-kind="topic"] > a[href="/ui/topics/fraud-checks"]`, "fraud-checks"},
		{"TypoSaysWhatItMatched", "frad servce", first + `[data-kind="service"] .match`, "frad ≈ fraud"},
		{"PrefixFindsTheDomainFirst", "invent", first + `[data-kind="domain"] > a[href="/ui/domains/inventory"]`, "Inventory"},
		{"PrefixFindsTheServiceToo", "invent", `li[data-kind="service"] > a[href="/ui/services/inventory-service"]`, "Inventory Service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := e.page("/ui/search?q="+url.QueryEscape(tc.q), http.StatusOK)
			expect(t, doc, tc.selector, 1, tc.text)
		})
	}
	t.Run("NothingFoundIsSaid", func(t *testing.T) {
		doc := e.page("/ui/search?q=qqqzzz", http.StatusOK)
		expect(t, doc, "p.empty q", 1, "qqqzzz")
	})
	t.Run("QueryIsEscaped", func(t *testing.T) {
		doc := e.page("/ui/search?q=%3Cscript%3Ealert(1)%3C/script%3E", http.StatusOK)
		expect(t, doc, "p.summary q", 1, "<script>alert(1)</script>")
		if doc.Find("main script").Length() != 0 {
			t.Fatal("query was not escaped")
		}
	})
	t.Run("LongQueryIs400WithTheReason", func(t *testing.T) {
		doc := e.page("/ui/search?q="+strings.Repeat("order+", 60), http.StatusBadRequest)
		expect(t, doc, "#search-error", 1, "at most 256")
		expect(t, doc, `form.big-search input[name=q]`, 1, "")
	})
	t.Run("ManyWordsAre400WithTheReason", func(t *testing.T) {
		doc := e.page("/ui/search?q=a+b+c+d+e+f+g+h+i", http.StatusBadRequest)
		expect(t, doc, "#search-error", 1, "9 distinct words; at most 8")
	})
}

// TestAPISearch checks GET /v1/catalog/search: groups in the order of their
// best hit, relations in the hits, and 400 40060 for a refused query.
func TestAPISearch(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	resp := e.do(http.MethodGet, "/v1/catalog/search?q=order+placed", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var groups []struct {
		Kind string `json:"kind"`
		Hits []struct {
			ID      string `json:"id"`
			Related []struct {
				Rel, ID string
			} `json:"related"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) == 0 || groups[0].Kind != "event" || groups[0].Hits[0].ID != "order-placed" {
		t.Fatalf("first group = %+v", groups)
	}
	var rels []string
	for _, r := range groups[0].Hits[0].Related {
		rels = append(rels, r.Rel+":"+r.ID)
	}
	if got := strings.Join(rels, " "); !strings.Contains(got, "producer:order-service") || !strings.Contains(got, "consumer:fraud-service") || !strings.Contains(got, "flow:checkout") {
		t.Fatalf("related = %s", got)
	}

	resp = e.do(http.MethodGet, "/v1/catalog/search?q="+strings.Repeat("x", 300), "", "")
	var body struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest || body.ErrorCode != 40060 || !strings.Contains(body.Message, "300 bytes long; at most 256") {
		t.Fatalf("long query = %d %+v", resp.StatusCode, body)
	}
}
