package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// startDemo runs Herald with --demo on a temp database.
func startDemo(t *testing.T) *Main {
	t.Helper()
	cfg := testConfig(t)
	cfg.catalog = &catalogFlags{Demo: true}
	return startMainWith(t, cfg)
}

func runCatalogCLI(args ...string) (string, error) {
	cmd := newCatalogCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestCatalogDemoThroughRealRegistry(t *testing.T) {
	m := startDemo(t)
	// The demo schemas went through the registry Service, every version of them.
	code, body := get(t, m.URL()+"/subjects/order-placed-value/versions")
	if code != http.StatusOK || body != "[1,2,3]" {
		t.Fatalf("versions = %d %s", code, body)
	}
	for _, path := range []string{"/ui/", "/ui/events/order-placed", "/ui/events/shipment-created", "/ui/events/payment-authorized/diff?from=1&to=3", "/ui/flows/checkout", "/ui/services/order-service", "/ui/api"} {
		if code, body := get(t, m.URL()+path); code != http.StatusOK {
			t.Fatalf("GET %s = %d\n%.500s", path, code, body)
		}
	}
	_, body = get(t, m.URL()+"/ui/events/order-placed")
	if !strings.Contains(body, "shippingAddress.country") || !strings.Contains(body, "example valid") {
		t.Fatalf("event page lacks the field table or validated examples")
	}

	// The valid examples were published as the sending service, the invalid
	// one was left out (no refusal counted against the service), and each
	// receiving service read the topic as its group.
	var topic struct {
		Events    int64 `json:"events"`
		Producers []struct {
			Client  string `json:"client"`
			Refused int64  `json:"refused"`
		} `json:"producers"`
		Consumers []struct {
			Client string `json:"client"`
		} `json:"consumers"`
	}
	getJSON(t, m.URL()+"/v1/topics/order-placed", &topic)
	var consumers []string
	for _, c := range topic.Consumers {
		consumers = append(consumers, c.Client)
	}
	slices.Sort(consumers)
	if topic.Events != 1 || len(topic.Producers) != 1 || topic.Producers[0].Client != "order-service" || topic.Producers[0].Refused != 0 ||
		!slices.Equal(consumers, []string{"fraud-service", "inventory-service"}) {
		t.Fatalf("order-placed after the demo = %+v; want the one valid example, from order-service with no refusal, read by its two receivers", topic)
	}
	code, body = get(t, m.URL()+"/v1/groups/fraud-service/offsets")
	if code != http.StatusOK || !strings.Contains(body, `{"topic":"order-placed","offset":1}`) {
		t.Fatalf("fraud-service offsets = %d %s", code, body)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
}

func TestCatalogCommand(t *testing.T) {
	m := startDemo(t)
	out, err := runCatalogCLI("export", "--server", m.URL())
	if err != nil || !strings.Contains(out, "id: order-placed") {
		t.Fatalf("export: %v\n%.300s", err, out)
	}
	out, err = runCatalogCLI("apply", "../../catalog/demo/catalog", "--server", m.URL())
	if err != nil || !strings.Contains(out, "catalog unchanged") {
		t.Fatalf("apply demo again: %v\n%s", err, out)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("services:\n  - id: billing\n    sends: [nope]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runCatalogCLI("apply", dir, "--server", m.URL())
	if err == nil || !strings.Contains(err.Error(), `bad.yaml:3:13: unknown event "nope"`) {
		t.Fatalf("apply bad: %v", err)
	}
	export := filepath.Join(dir, "svc.yaml")
	code, body := get(t, m.URL()+"/v1/catalog/services/shipping-service/asyncapi.yaml")
	if code != http.StatusOK {
		t.Fatalf("asyncapi = %d", code)
	}
	body = strings.Replace(body, "x-herald-service: shipping-service", "x-herald-service: shipping-copy", 1)
	if err := os.WriteFile(export, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runCatalogCLI("import", "asyncapi", export, "--server", m.URL())
	if err != nil || !strings.Contains(out, "imported service shipping-copy") {
		t.Fatalf("import: %v %s", err, out)
	}
}

// TestCatalogApplyPruneAndDryRun applies a file that drops every demo entity
// but adds a team: refused (exit 1) listing what would go, a dry run prints
// the diff and writes nothing, and --prune applies it.
func TestCatalogApplyPruneAndDryRun(t *testing.T) {
	m := startDemo(t)
	file := filepath.Join(t.TempDir(), "one.yaml")
	if err := os.WriteFile(file, []byte("teams:\n  - id: only-team\n    name: Only\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("catalog", "apply", file, "--server", m.URL())
	if code != exitFailure || out != "" {
		t.Fatalf("apply dropping entities: exit %d, stdout %q; want 1 and nothing", code, out)
	}
	for _, want := range []string{"the catalog was not applied: the files no longer declare 42 entities", "  - service order-service\n",
		"  - flow checkout\n", "apply with --prune"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	code, out, errOut = runCLI("catalog", "apply", "--dry-run", file, "--server", m.URL())
	if code != exitOK {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"dry run: the catalog would change: 1 added, 0 changed, 42 deleted; nothing was written\n",
		"  + team only-team\n", "  - event order-placed\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if code, body := get(t, m.URL()+"/v1/catalog/events/order-placed"); code != http.StatusOK {
		t.Fatalf("after a dry run, order-placed = %d %s", code, body)
	}

	code, out, errOut = runCLI("catalog", "apply", "--prune", file, "--server", m.URL())
	if code != exitOK || !strings.Contains(out, "catalog applied (revision ") || !strings.Contains(out, "0 domains, 0 services, 0 events, 0 flows, 1 team; 1 added, 0 changed, 42 deleted") {
		t.Fatalf("prune: exit %d\n%s%s", code, out, errOut)
	}
	if code, _ := get(t, m.URL()+"/v1/catalog/events/order-placed"); code != http.StatusNotFound {
		t.Fatalf("after --prune, order-placed = %d, want 404", code)
	}
}
