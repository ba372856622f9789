package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
)

// TestCatalogApplyIsSafeByDefault applies, over the demo, a file that declares
// one team only: refused with 409 naming what would go, answered as a diff
// with dryRun=true (the catalog kept), and applied with prune=true.
func TestCatalogApplyIsSafeByDefault(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	before := e.cat.Counts()
	const file = "teams:\n  - id: only-team\n    name: Only\n"
	apply := func(query string) (int, []byte) {
		t.Helper()
		resp := e.do(http.MethodPut, "/v1/catalog"+query, "application/yaml", file)
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}

	status, body := apply("")
	var refusal struct {
		ErrorCode int                 `json:"error_code"`
		Message   string              `json:"message"`
		Details   []catalog.EntityRef `json:"details"`
	}
	if err := json.Unmarshal(body, &refusal); err != nil {
		t.Fatalf("%d %s: %v", status, body, err)
	}
	wantDeleted := before.Teams + before.Domains + before.Services + before.Events + before.Flows
	if status != http.StatusConflict || refusal.ErrorCode != 40960 || !strings.Contains(refusal.Message, "prune=true") ||
		!strings.Contains(refusal.Message, fmt.Sprintf("do not declare %d catalog entities", wantDeleted)) {
		t.Fatalf("apply dropping entities = %d %s", status, body)
	}
	if len(refusal.Details) != wantDeleted {
		t.Errorf("details name %d entities, want %d", len(refusal.Details), wantDeleted)
	}
	if e.cat.Counts() != before {
		t.Fatalf("a refused apply changed the catalog: %+v", e.cat.Counts())
	}

	status, body = apply("?dryRun=true")
	var res struct {
		Changed bool              `json:"changed"`
		DryRun  bool              `json:"dryRun"`
		Diff    catalog.ApplyDiff `json:"diff"`
	}
	if err := json.Unmarshal(body, &res); err != nil || status != http.StatusOK {
		t.Fatalf("dry run = %d %s (%v)", status, body, err)
	}
	if !res.DryRun || res.Changed || len(res.Diff.Added) != 1 || res.Diff.Added[0] != (catalog.EntityRef{Kind: "team", ID: "only-team"}) ||
		len(res.Diff.Deleted) != wantDeleted {
		t.Errorf("dry run answered %s", body)
	}
	if e.cat.Counts() != before {
		t.Fatalf("a dry run changed the catalog: %+v", e.cat.Counts())
	}

	status, body = apply("?prune=true")
	if status != http.StatusOK || !strings.Contains(string(body), `"changed":true`) {
		t.Fatalf("prune apply = %d %s", status, body)
	}
	if got := e.cat.Counts(); got != (catalog.Counts{Teams: 1}) {
		t.Errorf("after the prune apply the catalog counts %+v, want one team", got)
	}
}
