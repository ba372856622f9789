package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// undocumentedRoutes are the routes the spec need not describe: everything
// else a server serves is the /v1 API or the Confluent API, which the spec
// must cover. A prefix ending in "/" matches the paths under it; one without
// matches itself and the paths under it.
var undocumentedRoutes = []struct{ prefix, why string }{
	// The web catalog: HTML pages and their assets for people, not an API
	// (/ui/api renders the spec itself).
	{"/ui", "web catalog pages"},
	// Operations probes and the spec itself: they are documented (tag
	// Operations), but belong to neither API surface, so the check leaves them
	// to TestOpenAPIDescribesEveryRegistryRoute.
	{"/healthz", "liveness probe"},
	{"/readyz", "readiness probe"},
	{"/metrics", "Prometheus scrape endpoint"},
	{"/openapi.json", "the spec"},
	// Confluent's context-prefixed forms (/contexts/.ctx/subjects/…) are not
	// routes: Server.ServeHTTP rewrites them into context-qualified subjects
	// before routing, so the spec documents them once, in their plain form.
	// Only DELETE /contexts/{context} and GET /contexts are routes of their own.
	{"/contexts/:context/", "rewritten before routing"},
}

func undocumented(path string) bool {
	for _, u := range undocumentedRoutes {
		if path == strings.TrimSuffix(u.prefix, "/") && !strings.HasSuffix(u.prefix, "/") ||
			strings.HasPrefix(path, strings.TrimSuffix(u.prefix, "/")+"/") {
			return true
		}
	}
	return false
}

// specPath turns a gin path into an OpenAPI path template: :x → {x}.
func specPath(ginPath string) string {
	parts := strings.Split(ginPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// openAPISpec is the generated spec, decoded.
type openAPISpec struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

func loadSpec(t *testing.T) openAPISpec {
	t.Helper()
	b, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var spec openAPISpec
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

// httpMethods are the keys of an OpenAPI path item that name operations.
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// newFullServer is a server with every part: a registry on SQLite, a broker on
// SQLite and a catalog on in-memory fakes; the rest of its Config (auth, an
// audit log) comes from cfg.
func newFullServer(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	reg := newSQLiteRegistry(t, dir)
	brk := newSQLiteBroker(t, dir, reg, brokerdb.Options{}, nil)
	cat, err := catalog.New(ctx, catalog.Config{Store: &catalogtest.Store{}, Registry: catalogtest.NewRegistry(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry, cfg.Broker, cfg.Catalog, cfg.Logger = reg, brk, cat, slog.New(slog.DiscardHandler)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestOpenAPIDescribesEveryRoute walks the routes of a server with every part
// configured: an API route the spec lacks fails, and so does a documented
// operation no route serves.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	srv := newFullServer(t, server.Config{})
	served := map[string]bool{}
	checked := 0
	for _, r := range srv.Routes() {
		p, m := specPath(r.Path), strings.ToLower(r.Method)
		served[m+" "+p] = true
		if undocumented(r.Path) {
			continue
		}
		checked++
		if spec.Paths[p][m] == nil {
			t.Errorf("%s %s is served but not in the OpenAPI spec: document it (see operation in openapi.go)", r.Method, p)
		}
	}
	if checked < 60 {
		t.Errorf("only %d routes checked: is every part configured?", checked)
	}
	for p, item := range spec.Paths {
		for m := range item {
			if httpMethods[m] && !served[m+" "+p] {
				t.Errorf("the spec documents %s %s but no route serves it", strings.ToUpper(m), p)
			}
		}
	}
}

func TestUndocumentedRoutes(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]bool{
		"/ui": true, "/ui/": true, "/ui/static/*file": true, "/uix": false,
		"/healthz": true, "/readyz": true, "/metrics": true, "/openapi.json": true,
		"/contexts/:context/subjects": true, "/contexts/:context": false, "/contexts": false,
		"/v1/topics": false, "/subjects": false, "/": false,
	} {
		if got := undocumented(path); got != want {
			t.Errorf("undocumented(%q) = %v, want %v", path, got, want)
		}
	}
}

// conforms checks value (decoded JSON) against an OpenAPI schema: types, enums,
// required properties, and that every property of an object is documented.
func conforms(t *testing.T, spec openAPISpec, schema map[string]any, value any, where string) {
	t.Helper()
	if ref, ok := schema["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		s, ok := spec.Components.Schemas[name]
		if !ok {
			t.Errorf("%s: dangling $ref %s", where, ref)
			return
		}
		schema = s
	}
	if enum, ok := schema["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			found = found || e == value
		}
		if !found {
			t.Errorf("%s: %v is not in the enum %v", where, value, enum)
		}
	}
	var types []string
	switch ty := schema["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	if len(types) > 0 {
		got := jsonType(value)
		ok := false
		for _, ty := range types {
			ok = ok || ty == got || ty == "number" && got == "integer"
		}
		if !ok {
			t.Errorf("%s: a JSON %s where the spec says %v", where, got, types)
			return
		}
	}
	switch v := value.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		// No properties is a free-form object (an example payload, an AsyncAPI
		// document).
		_, open := schema["additionalProperties"]
		open = open || props == nil
		for k, pv := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if !open {
					t.Errorf("%s: property %q is not in the spec", where, k)
				}
				continue
			}
			conforms(t, spec, ps, pv, where+"."+k)
		}
		req, _ := schema["required"].([]any)
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				t.Errorf("%s: required property %q is missing", where, r)
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range v {
				conforms(t, spec, items, x, where+"["+itoa(i)+"]")
			}
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// responseSchema is the schema of an operation's JSON 200 response.
func responseSchema(t *testing.T, spec openAPISpec, method, path string) map[string]any {
	t.Helper()
	var op struct {
		Responses map[string]struct {
			Content map[string]struct {
				Schema map[string]any `json:"schema"`
			} `json:"content"`
		} `json:"responses"`
	}
	raw := spec.Paths[path][strings.ToLower(method)]
	if raw == nil {
		t.Fatalf("the spec lacks %s %s", method, path)
	}
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatal(err)
	}
	s := op.Responses["200"].Content["application/json"].Schema
	if s == nil {
		t.Fatalf("%s %s: no JSON 200 response in the spec", method, path)
	}
	return s
}

// TestOpenAPIMatchesCatalogResponses checks the catalog API's answers on the
// demo catalog against the spec, and that they are the catalog's own JSON.
func TestOpenAPIMatchesCatalogResponses(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e := newCatalogEnv(t)
	doc := e.cat.Document()
	res, err := e.cat.Search(context.Background(), "order", 0)
	if err != nil {
		t.Fatal(err)
	}
	search := res.Groups()
	if len(search) == 0 || len(doc.Flows) == 0 || len(doc.Events) == 0 {
		t.Fatal("the demo catalog has no flows, events or search hits for order")
	}
	for _, tc := range []struct {
		url, path string
		domain    any
	}{
		{"/v1/catalog?format=json", "/v1/catalog", doc},
		{"/v1/catalog/teams", "/v1/catalog/teams", doc.Teams},
		{"/v1/catalog/domains", "/v1/catalog/domains", doc.Domains},
		{"/v1/catalog/services", "/v1/catalog/services", doc.Services},
		{"/v1/catalog/events", "/v1/catalog/events", doc.Events},
		{"/v1/catalog/flows", "/v1/catalog/flows", doc.Flows},
		{"/v1/catalog/teams/" + doc.Teams[0].ID, "/v1/catalog/teams/{id}", doc.Teams[0]},
		{"/v1/catalog/domains/" + doc.Domains[0].ID, "/v1/catalog/domains/{id}", doc.Domains[0]},
		{"/v1/catalog/services/" + doc.Services[0].ID, "/v1/catalog/services/{id}", doc.Services[0]},
		{"/v1/catalog/events/" + doc.Events[0].ID, "/v1/catalog/events/{id}", doc.Events[0]},
		{"/v1/catalog/flows/" + doc.Flows[0].ID, "/v1/catalog/flows/{id}", doc.Flows[0]},
		{"/v1/catalog/search?q=order", "/v1/catalog/search", search},
		{"/v1/catalog/graph?scope=flow:" + doc.Flows[0].ID, "/v1/catalog/graph", nil},
		{"/v1/catalog/services/" + doc.Services[0].ID + "/asyncapi.yaml?format=json", "/v1/catalog/services/{id}/asyncapi.yaml", nil},
	} {
		t.Run(tc.url, func(t *testing.T) {
			resp := e.do(http.MethodGet, tc.url, "", "")
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if tc.domain != nil {
				var want strings.Builder
				enc := json.NewEncoder(&want)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(tc.domain); err != nil {
					t.Fatal(err)
				}
				if got := string(b); got != strings.TrimSuffix(want.String(), "\n") {
					t.Errorf("the answer is not the catalog's JSON:\n got %s\nwant %s", got, want.String())
				}
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			conforms(t, spec, responseSchema(t, spec, http.MethodGet, tc.path), v, tc.path)
		})
	}
}

// TestOpenAPIMatchesBrokerResponses checks the broker API's answers against
// the spec.
func TestOpenAPIMatchesBrokerResponses(t *testing.T) {
	t.Parallel()
	spec := loadSpec(t)
	e, _ := newBrokerEnv(t, nil)
	setupOrders(e, `{"valueSubject":"orders-value","retention":{"maxAge":"7d"}}`)
	e.must(http.StatusOK, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"orders-value"}`, "Content-Type: application/json")
	call := func(method, url, path, body string) any {
		t.Helper()
		r := e.call(method, url, body, "Herald-Client: test")
		if r.status != http.StatusOK {
			t.Fatalf("%s %s: status %d: %s", method, url, r.status, r.body)
		}
		var v any
		if err := json.Unmarshal(r.body, &v); err != nil {
			t.Fatal(err)
		}
		conforms(t, spec, responseSchema(t, spec, method, path), v, method+" "+url)
		return v
	}
	call("PUT", "/v1/topics/orders", "/v1/topics/{topic}", `{"valueSubject":"orders-value","retention":{"maxAge":"7d"}}`)
	call("POST", "/v1/topics/orders/events", "/v1/topics/{topic}/events", `{"events":[{"id":"a","value":{"id":"1","amount":2}},{"id":"a","value":{"id":"1","amount":2}}]}`)
	call("GET", "/v1/topics/orders/events?group=billing", "/v1/topics/{topic}/events", "")
	call("GET", "/v1/topics/orders", "/v1/topics/{topic}", "")
	call("GET", "/v1/topics", "/v1/topics", "")
	call("POST", "/v1/groups/billing/offsets", "/v1/groups/{group}/offsets", `{"offsets":[{"topic":"orders","offset":1}]}`)
	call("GET", "/v1/groups/billing/offsets", "/v1/groups/{group}/offsets", "")
	call("POST", "/v1/topics/jobs/events", "/v1/topics/{topic}/events", `{"events":[{"value":{"id":"1","amount":2}},{"value":{"id":"2","amount":3}}]}`)
	got := call("POST", "/v1/topics/jobs/receive?max=2", "/v1/topics/{topic}/receive", "")
	var ids []string
	for _, m := range got.(map[string]any)["messages"].([]any) {
		ids = append(ids, m.(map[string]any)["ackId"].(string))
	}
	if len(ids) != 2 {
		t.Fatalf("received %v, want 2 messages", got)
	}
	call("POST", "/v1/topics/jobs/ack", "/v1/topics/{topic}/ack", `{"ackIds":["`+ids[0]+`"]}`)
	call("POST", "/v1/topics/jobs/nack", "/v1/topics/{topic}/nack", `{"ackIds":["`+ids[1]+`"]}`)
}
