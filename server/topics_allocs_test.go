package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
)

// TestPublishAllocationsPerEventAreSmallAndConstant: a valid JSON publish
// through the whole server (routing, metrics, validation, group commit, the
// SQLite log) costs a few allocations per event, the same for batches of 10
// and of 100: the body is decoded once and each value validated and stored
// from its bytes.
func TestPublishAllocationsPerEventAreSmallAndConstant(t *testing.T) {
	if testing.Short() {
		t.Skip("publishes a few hundred events to SQLite")
	}
	if server.RaceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	e, _ := newBrokerEnv(t, nil)
	e.register("bench-value", schemaBody("JSON", benchSchema))
	e.must(http.StatusOK, "PUT", "/v1/topics/bench", `{"valueSubject":"bench-value"}`, "Content-Type: application/json")
	allocs := func(n int) float64 {
		body := benchBatchBody(0, n)
		return testing.AllocsPerRun(10, func() {
			req := httptest.NewRequest("POST", "/v1/topics/bench/events", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			e.srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				t.Fatalf("publish: %d %s", w.Code, w.Body)
			}
		})
	}
	a10, a100 := allocs(10), allocs(100)
	perEvent := (a100 - a10) / 90
	t.Logf("allocations: %v for 10 events, %v for 100: %.2f per event", a10, a100, perEvent)
	// What is left per event is the SQLite driver's (arguments boxed into
	// database/sql's []any and converted), not the publish path's.
	if perEvent > 6 {
		t.Errorf("%.2f allocations per event (%v for 10 events, %v for 100), want at most 6", perEvent, a10, a100)
	}
}
