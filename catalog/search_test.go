package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/compat"
)

// demoSearch is one demo catalog shared by the read-only search tests and the
// fuzz target: loading it registers every demo schema.
var demoSearch = sync.OnceValue(func() *catalog.Service {
	svc, _, _ := newDemo(&testing.T{})
	return svc
})

func search(t testing.TB, svc *catalog.Service, q string) *catalog.SearchResult {
	t.Helper()
	res, err := svc.Search(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

// searchFinds searches for q and fails unless want is among the hits.
func searchFinds(t testing.TB, svc *catalog.Service, q, want string) *catalog.SearchResult {
	t.Helper()
	res := search(t, svc, q)
	for _, h := range res.Hits {
		if hitKey(h) == want {
			return res
		}
	}
	t.Fatalf("Search(%q) = %v, want %s among them", q, topKeys(res, 10), want)
	return res
}

func hitKey(h catalog.Hit) string {
	if h.Path != "" {
		return h.Kind + ":" + h.ID + "#" + h.Path
	}
	return h.Kind + ":" + h.ID
}

func topKeys(res *catalog.SearchResult, n int) []string {
	var out []string
	for i := 0; i < n && i < len(res.Hits); i++ {
		out = append(out, hitKey(res.Hits[i]))
	}
	return out
}

// TestSearchRelevance is the relevance set: queries over the demo catalog,
// each with the hit that must come first.
func TestSearchRelevance(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	for _, tc := range []struct {
		q, first string
	}{
		{"order placed", "event:order-placed"},
		{"OrderPlaced", "event:order-placed"},
		{"orderplaced", "event:order-placed"},
		{"place order", "command:place-order"},
		{"fraud", "service:fraud-service"},
		{"frad servce", "service:fraud-service"},
		{"fraud check", "event:fraud-check-completed"},
		{"shipment dispatched", "event:shipment-dispatched"},
		{"shipmnet dispatchd", "event:shipment-dispatched"},
		{"trackingnumber", "field:shipment-dispatched#tracking_number"},
		{"tracking url", "field:shipment-dispatched#tracking_url"},
		{"checkout", "flow:checkout"},
		{"paymnt servce", "service:payment-service"},
		{"payment provider", "service:payment-provider"},
		{"warehouse team", "team:warehouse-team"},
		{"stock levels", "topic:stock-levels"},
		{"stock level changed value", "subject:stock-level-changed-value"},
		{"fulfilment", "flow:fulfilment"},
		{"refund", "event:refund-issued"},
		{"notifcation servce", "service:notification-service"},
	} {
		t.Run(tc.q, func(t *testing.T) {
			t.Parallel()
			res := search(t, svc, tc.q)
			if len(res.Hits) == 0 || hitKey(res.Hits[0]) != tc.first {
				t.Fatalf("Search(%q) top = %v, want %s first", tc.q, topKeys(res, 5), tc.first)
			}
		})
	}
	t.Run("payments-value/a payment subject", func(t *testing.T) {
		t.Parallel()
		res := search(t, svc, "payments-value")
		if h := res.Hits[0]; h.Kind != "subject" || !strings.HasPrefix(h.ID, "payment-") || !strings.HasSuffix(h.ID, "-value") {
			t.Fatalf("top = %v, want a payment-*-value subject", topKeys(res, 5))
		}
	})
	t.Run("ordr/order things", func(t *testing.T) {
		t.Parallel()
		res := search(t, svc, "ordr")
		if len(res.Hits) < 5 {
			t.Fatalf("%d hits", len(res.Hits))
		}
		for _, h := range res.Hits[:5] {
			if !strings.Contains(strings.ToLower(h.Label), "order") {
				t.Fatalf("top 5 = %v: %s is not an order thing", topKeys(res, 5), hitKey(h))
			}
		}
	})
	t.Run("pci/tagged entities", func(t *testing.T) {
		t.Parallel()
		res := search(t, svc, "pci")
		if len(res.Hits) == 0 || !strings.HasPrefix(res.Hits[0].Match, "tag pci") {
			t.Fatalf("pci = %v %+v", topKeys(res, 5), res.Hits)
		}
	})
}

// TestSearchIgnoresCaseAndSeparators checks that every way of writing a name
// gives the same ranking.
func TestSearchIgnoresCaseAndSeparators(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	want := strings.Join(topKeys(search(t, svc, "order placed"), 10), " ")
	for _, q := range []string{"OrderPlaced", "order-placed", "order_placed", "ORDER PLACED", "Order.Placed", "  order   placed  ", "placed order"} {
		t.Run(q, func(t *testing.T) {
			if got := strings.Join(topKeys(search(t, svc, q), 10), " "); got != want {
				t.Fatalf("Search(%q) = %s\nwant            %s", q, got, want)
			}
		})
	}
}

// TestSearchTypos checks the typo budget: one edit from 4 runes, two from 8,
// none below 4.
func TestSearchTypos(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	for _, tc := range []struct {
		name, q, want string
	}{
		{"DeletionFindsOrder", "ordr", "event:order-cancelled"},
		{"SwapFindsFraud", "fruad", "service:fraud-service"},
		{"SubstitutionFindsRefund", "refind", "event:refund-issued"},
		{"TwoEditsInALongWord", "notifcaton", "service:notification-service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := searchFinds(t, svc, tc.q, tc.want)
			if !strings.Contains(res.Hits[0].Match, tc.q+" ≈ ") {
				t.Fatalf("Match = %q, want it to name the typo", res.Hits[0].Match)
			}
		})
	}
	for _, tc := range []struct {
		name, q string
	}{
		{"TwoEditsInAShortWordFindNothing", "paymnx"},
		{"ThreeRunesGetNoTypo", "pcx"},
		{"ThreeEditsInALongWordFindNothing", "ntfcaton"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if res := search(t, svc, tc.q); len(res.Hits) != 0 {
				t.Fatalf("Search(%q) = %v, want nothing", tc.q, topKeys(res, 10))
			}
		})
	}
}

// TestSearchPrefixes checks prefix matching from two runes.
func TestSearchPrefixes(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	for _, tc := range []struct {
		name, q, want string
	}{
		{"TwoRunesArePrefix", "sh", "event:shipment-created"},
		{"PrefixFindsDomain", "fulfil", "domain:fulfilment"},
		{"PrefixOfAWholeName", "orderpl", "event:order-placed"},
		{"LastWordIsPrefix", "stock res", "event:stock-reserved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			searchFinds(t, svc, tc.q, tc.want)
		})
	}
	if res := search(t, svc, "o"); len(res.Hits) != 0 {
		t.Fatalf("one rune matched by prefix: %v", topKeys(res, 5))
	}
}

// kindRank mirrors the documented tie order.
var kindRank = map[string]int{"event": 0, "command": 0, "query": 0, "service": 1, "flow": 2, "subject": 3, "topic": 4, "domain": 5, "team": 6, "field": 7}

// TestSearchRankingTies checks the order of hits: by score, then kind, then
// label, for every query of the relevance set.
func TestSearchRankingTies(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	for _, q := range []string{"payment", "fraud", "order", "ordr", "pci", "city", "stock"} {
		t.Run(q, func(t *testing.T) {
			hits := search(t, svc, q).Hits
			for i := 1; i < len(hits); i++ {
				a, b := hits[i-1], hits[i]
				switch {
				case a.Score > b.Score:
				case a.Score < b.Score:
					t.Fatalf("hit %d (%s, %d) ranks below %s (%d)", i, hitKey(b), b.Score, hitKey(a), a.Score)
				case kindRank[a.Kind] > kindRank[b.Kind], kindRank[a.Kind] == kindRank[b.Kind] && a.Label > b.Label:
					t.Fatalf("tie at %d: %s before %s", a.Score, hitKey(a), hitKey(b))
				}
			}
		})
	}
	t.Run("ServiceBeforeTopicOnATie", func(t *testing.T) {
		hits := search(t, svc, "fraud").Hits
		if hits[0].Score != hits[1].Score || hitKey(hits[0]) != "service:fraud-service" || hitKey(hits[1]) != "topic:fraud-checks" {
			t.Fatalf("fraud = %v", topKeys(&catalog.SearchResult{Hits: hits}, 3))
		}
	})
}

// TestSearchShowsRelations checks that hits lead somewhere.
func TestSearchShowsRelations(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	rels := func(h catalog.Hit) string {
		var out []string
		for _, r := range h.Related {
			out = append(out, r.Rel+":"+r.Kind+":"+r.ID)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		name, q string
		want    []string
	}{
		{"EventListsProducersConsumersAndFlows", "order placed", []string{"producer:service:order-service", "consumer:service:fraud-service", "consumer:service:inventory-service", "flow:flow:checkout"}},
		{"ServiceListsItsEvents", "fraud service", []string{"receives:event:order-placed", "sends:event:fraud-check-completed"}},
		{"SubjectListsItsEvent", "order placed value", []string{"used-by:event:order-placed"}},
		{"FieldNamesItsEvent", "tracking url", []string{"field-of:event:shipment-dispatched"}},
		{"FlowListsItsServices", "checkout", []string{"service:service:storefront", "service:service:order-service"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rels(search(t, svc, tc.q).Hits[0])
			for _, w := range tc.want {
				if !strings.Contains(" "+got+" ", " "+w+" ") {
					t.Fatalf("relations = %s, want %s", got, w)
				}
			}
		})
	}
	t.Run("ProducersComeFirst", func(t *testing.T) {
		h := search(t, svc, "order placed").Hits[0]
		if h.Related[0].Rel != "producer" {
			t.Fatalf("relations = %s", rels(h))
		}
	})
}

// TestSearchFollowsChanges checks that the index follows the catalog at once,
// and the registry and the broker within FieldIndexTTL (here: at once).
func TestSearchFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := catalogtest.NewRegistry()
	lin := &catalogtest.Lineage{}
	svc, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, Lineage: lin, FieldIndexTTL: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register(ctx, "invoice-sent-value", compat.JSON, `{"type":"object","properties":{"invoiceNumber":{"type":"string"}}}`); err != nil {
		t.Fatal(err)
	}
	if got := topKeys(search(t, svc, "invoice"), 3); strings.Join(got, " ") != "subject:invoice-sent-value" {
		t.Fatalf("an uncatalogued subject: %v", got)
	}
	doc := &catalog.Document{
		Services: []catalog.Application{{ID: "billing", Name: "Billing", Sends: []catalog.Message{{Event: "invoice-sent"}}}},
		Events:   []catalog.Event{{ID: "invoice-sent", Name: "InvoiceSent", Subject: "invoice-sent-value", Topic: "invoices"}},
	}
	if _, err := svc.ApplyDocument(ctx, doc); err != nil {
		t.Fatal(err)
	}
	res := search(t, svc, "invoice")
	if hitKey(res.Hits[0]) != "event:invoice-sent" {
		t.Fatalf("after apply: %v", topKeys(res, 5))
	}
	if got := search(t, svc, "invoice number"); hitKey(got.Hits[0]) != "field:invoice-sent#invoiceNumber" {
		t.Fatalf("fields: %v", topKeys(got, 5))
	}
	lin.Set(catalog.Observation{Client: "ledger", Topic: "ledger-entries", Action: catalog.Sends, Count: 1})
	if got := topKeys(search(t, svc, "ledger entries"), 1); len(got) == 0 || got[0] != "topic:ledger-entries" {
		t.Fatalf("an observed topic: %v", got)
	}
}

// TestSearchLimits checks every bound: the index's entries and bytes, and a
// query's expansions and candidates, each marking the result incomplete, and
// the query's length and words, each refused.
func TestSearchLimits(t *testing.T) {
	t.Parallel()
	open := func(t *testing.T, lim catalog.SearchLimits) *catalog.Service {
		t.Helper()
		ctx := context.Background()
		reg := catalogtest.NewRegistry()
		doc := &catalog.Document{}
		for i := range 30 {
			subject := fmt.Sprintf("order-step-%d-value", i)
			if _, err := reg.Register(ctx, subject, compat.JSON, `{"type":"object","properties":{"orderId":{"type":"string"}}}`); err != nil {
				t.Fatal(err)
			}
			doc.Events = append(doc.Events, catalog.Event{ID: fmt.Sprintf("order-step-%d", i), Subject: subject})
		}
		svc, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: reg, Search: lim, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ApplyDocument(ctx, doc); err != nil {
			t.Fatal(err)
		}
		return svc
	}
	for _, tc := range []struct {
		name  string
		lim   catalog.SearchLimits
		q     string
		check func(*catalog.SearchResult) error
	}{
		{"AllFitIsComplete", catalog.SearchLimits{}, "order", func(r *catalog.SearchResult) error {
			if r.Incomplete || r.Total != 90 { // 30 events, subjects and fields
				return fmt.Errorf("incomplete %v, total %d, want complete 90", r.Incomplete, r.Total)
			}
			return nil
		}},
		{"MaxEntriesCutsTheIndex", catalog.SearchLimits{MaxEntries: 10}, "order", func(r *catalog.SearchResult) error {
			if !r.Incomplete || r.Total != 10 {
				return fmt.Errorf("incomplete %v, total %d, want incomplete 10", r.Incomplete, r.Total)
			}
			return nil
		}},
		{"MaxBytesCutsTheIndex", catalog.SearchLimits{MaxBytes: 2000}, "order", func(r *catalog.SearchResult) error {
			if !r.Incomplete || r.Total >= 30 || r.Total == 0 {
				return fmt.Errorf("incomplete %v, total %d, want incomplete, some", r.Incomplete, r.Total)
			}
			return nil
		}},
		{"MaxCandidatesCutsTheQuery", catalog.SearchLimits{MaxCandidates: 7}, "order", func(r *catalog.SearchResult) error {
			if !r.Incomplete || r.Stats.Candidates != 7 || len(r.Hits) != 7 {
				return fmt.Errorf("incomplete %v, candidates %d, want incomplete 7", r.Incomplete, r.Stats.Candidates)
			}
			return nil
		}},
		{"MaxExpansionsCutsTheQuery", catalog.SearchLimits{MaxExpansions: 2}, "order step 1", func(r *catalog.SearchResult) error {
			if !r.Incomplete || r.Stats.Expansions > 3*2 {
				return fmt.Errorf("incomplete %v, expansions %d, want incomplete ≤ 6", r.Incomplete, r.Stats.Expansions)
			}
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := search(t, open(t, tc.lim), tc.q)
			if err := tc.check(res); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, tc := range []struct {
		name, q, want string
		lim           catalog.SearchLimits
	}{
		{"LongQueryIsRefused", strings.Repeat("x", 300), "300 bytes long; at most 256", catalog.SearchLimits{}},
		{"ConfiguredLengthIsRefused", "order placed", "12 bytes long; at most 10", catalog.SearchLimits{MaxQueryBytes: 10}},
		{"ManyWordsAreRefused", "one two three", "3 distinct words; at most 2", catalog.SearchLimits{MaxTerms: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := open(t, tc.lim).Search(context.Background(), tc.q, 0)
			if !errors.Is(err, catalog.ErrBadRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadRequest saying %q", err, tc.want)
			}
		})
	}
}

// TestSearchLongTermsAreCheap checks that the longest allowed query does
// bounded work: a long word is compared only with indexed words of about its
// length.
func TestSearchLongTermsAreCheap(t *testing.T) {
	t.Parallel()
	svc := demoSearch()
	res := search(t, svc, strings.Repeat("a", 256))
	if res.Stats.Compared != 0 || len(res.Hits) != 0 {
		t.Fatalf("stats %+v, %d hits", res.Stats, len(res.Hits))
	}
	res = search(t, svc, strings.TrimSpace(strings.Repeat("paymentx ", 8)))
	if res.Stats.Compared > 2000 {
		t.Fatalf("compared %d terms for one distinct word", res.Stats.Compared)
	}
}

// TestSearchEndsWithItsContext checks that a cancelled request stops.
func TestSearchEndsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := demoSearch().Search(ctx, "order", 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// FuzzSearch checks that no query panics, that refusals are ErrBadRequest, and
// that the work stays within the default limits.
func FuzzSearch(f *testing.F) {
	for _, q := range []string{"order placed", "ordr", "payments-value", "fraud", "HTTPServer", "a b c d e f g h i", "ÄrgerÜber", "\xff\xfe", strings.Repeat("z", 300), "o", "tracking_url"} {
		f.Add(q)
	}
	svc := demoSearch()
	f.Fuzz(func(t *testing.T, q string) {
		res, err := svc.Search(context.Background(), q, 0)
		if err != nil {
			if !errors.Is(err, catalog.ErrBadRequest) {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return
		}
		if len(res.Terms) > 8 || len(res.Hits) > 50 || res.Stats.Expansions > 8*64 || res.Stats.Candidates > 20_000 {
			t.Fatalf("Search(%q) past its limits: %d terms, %d hits, %+v", q, len(res.Terms), len(res.Hits), res.Stats)
		}
		for _, term := range res.Terms {
			if term == "" || strings.ToLower(term) != term {
				t.Fatalf("Search(%q) term %q", q, term)
			}
		}
	})
}
