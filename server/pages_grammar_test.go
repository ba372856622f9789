package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
)

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
