package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// originEnv is a server with every part: a real registry and broker over SQLite
// in a temp dir, and a catalog holding the demo (over in-memory fakes).
type originEnv struct {
	t   testing.TB
	srv *server.Server
	cat *catalog.Service
}

func newOriginEnv(t testing.TB, mod func(*server.Config)) *originEnv {
	t.Helper()
	dir := t.TempDir()
	reg := newSQLiteRegistry(t, dir)
	brk := newSQLiteBroker(t, dir, reg, brokerdb.Options{Synchronous: "NORMAL"}, nil)
	cat := newDemoCatalog(t, catalog.Config{Registry: catalogtest.NewRegistry(), Lineage: &catalogtest.Lineage{}})
	cfg := server.Config{Registry: reg, Broker: brk, Catalog: cat, Logger: slog.New(slog.DiscardHandler), Version: "test"}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &originEnv{t: t, srv: srv, cat: cat}
}

// send sends a request with exactly the Content-Type given ("" for none) and
// the headers given as "Name: value"; body "" sends none.
func (e *originEnv) send(method, path, contentType, body string, headers ...string) result {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Host = "127.0.0.1:8081"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if strings.EqualFold(k, "Host") {
			req.Host = strings.TrimSpace(v)
			continue
		}
		req.Header.Set(k, strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	return result{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// must sends a request and fails unless the status is want.
func (e *originEnv) must(want int, method, path, contentType, body string, headers ...string) result {
	e.t.Helper()
	r := e.send(method, path, contentType, body, headers...)
	if r.status != want {
		e.t.Fatalf("%s %s (%s): status %d, want %d; body %s", method, path, contentType, r.status, want, r.body)
	}
	return r
}

const (
	ctRegistry = "application/vnd.schemaregistry.v1+json"
	ctJSON     = "application/json"
	ctYAML     = "application/yaml"
)

// TestStateChangingRoutesRefuseSimpleContentTypes sends every route family the
// media types a web page can send cross-site without a CORS preflight (none,
// text/plain, form-urlencoded, multipart): each is refused with 415 and nothing
// changes. The types that real clients send still work.
func TestStateChangingRoutesRefuseSimpleContentTypes(t *testing.T) {
	t.Parallel()
	e := newOriginEnv(t, nil)
	orderSchema := schemaBody("JSON", brokerOrderJSON)
	e.must(200, "POST", "/subjects/orders-value/versions", ctRegistry, orderSchema)
	e.must(200, "PUT", "/v1/topics/orders", ctJSON, `{"valueSubject":"orders-value"}`)
	e.must(200, "PUT", "/v1/topics/jobs", ctJSON, `{"kind":"queue","valueSubject":"orders-value"}`)
	e.must(200, "POST", "/v1/topics/jobs/events", ctJSON, `{"events":[{"value":{"id":"j1","amount":1}}]}`)
	e.must(200, "POST", "/v1/topics/orders/events", ctJSON, `{"events":[{"value":{"id":"o1","amount":1}}]}`)
	asyncapi := e.must(200, "GET", "/v1/catalog/services/payment-service/asyncapi.yaml", "", "").body
	importDoc := strings.Replace(string(asyncapi), "x-herald-service: payment-service", "x-herald-service: forged-service", 1)
	eventsBefore := len(e.cat.Document().Events)
	servicesBefore := len(e.cat.Document().Services)

	routes := []struct {
		name, method, path, body string
		// ok is an accepted Content-Type and the status it gets.
		ok       string
		okStatus int
	}{
		{"RegisterSchema", "POST", "/subjects/forged-value/versions", schemaBody("JSON", `{"type":"string"}`), ctRegistry, 200},
		{"LookupSchema", "POST", "/subjects/orders-value", orderSchema, ctJSON, 200},
		{"CheckCompatibility", "POST", "/compatibility/subjects/orders-value/versions/latest", orderSchema, ctRegistry, 200},
		{"CompatReport", "POST", "/v1/compat/subjects/orders-value", orderSchema, ctJSON, 200},
		{"SetConfig", "PUT", "/config", `{"compatibility":"NONE"}`, ctRegistry, 200},
		{"SetMode", "PUT", "/mode/orders-value", `{"mode":"READONLY"}`, ctRegistry, 200},
		{"PutTopic", "PUT", "/v1/topics/forged", `{"valueSubject":"orders-value"}`, ctJSON, 200},
		{"Publish", "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"o2","amount":2}}]}`, ctJSON, 200},
		{"Receive", "POST", "/v1/topics/jobs/receive?visibility=1h", "", ctJSON, 200},
		{"Ack", "POST", "/v1/topics/jobs/ack", `{"ackIds":["0-9"]}`, ctJSON, 200},
		{"Nack", "POST", "/v1/topics/jobs/nack", `{"ackIds":["0-9"]}`, ctJSON, 200},
		{"CommitOffsets", "POST", "/v1/groups/forged/offsets", `{"offsets":[{"topic":"orders","offset":1}]}`, ctJSON, 200},
		{"ApplyCatalog", "PUT", "/v1/catalog?prune=true", "", ctYAML, 200}, // an empty catalog: it wipes
		{"ImportAsyncAPI", "POST", "/v1/catalog/import/asyncapi", importDoc, ctYAML, 200},
	}
	refused := []string{"", "text/plain", "text/plain; charset=utf-8", "TEXT/PLAIN", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain; bad=\"", "text/html"}
	for _, rt := range routes {
		for _, ct := range refused {
			t.Run(rt.name+"/"+strings.ReplaceAll(ct, "/", "_")+"/415", func(t *testing.T) {
				r := e.send(rt.method, rt.path, ct, rt.body)
				if r.status != http.StatusUnsupportedMediaType {
					t.Fatalf("status %d, want 415; body %s", r.status, r.body)
				}
				// The Confluent body on its API and /v1/compat, as before;
				// Herald's own code elsewhere under /v1.
				code := 41501
				if !strings.HasPrefix(rt.path, "/v1/") || strings.HasPrefix(rt.path, "/v1/compat/") {
					code = 415
				}
				wantError(t, r, 415, code, "")
			})
		}
	}

	// Nothing refused changed anything.
	t.Run("StateUnchanged", func(t *testing.T) {
		if r := e.send("GET", "/subjects", "", ""); string(r.body) != `["orders-value"]` {
			t.Errorf("subjects = %s", r.body)
		}
		wantJSON(t, e.send("GET", "/config", "", ""), `{"compatibilityLevel":"BACKWARD"}`)
		if r := e.send("GET", "/mode/orders-value", "", ""); r.status != 404 {
			t.Errorf("subject mode = %d %s, want none set", r.status, r.body)
		}
		if r := e.send("GET", "/v1/topics/forged", "", ""); r.status != 404 {
			t.Errorf("forged topic = %d %s", r.status, r.body)
		}
		var topic struct{ Events int }
		if err := json.Unmarshal(e.send("GET", "/v1/topics/orders", "", "").body, &topic); err != nil || topic.Events != 1 {
			t.Errorf("orders holds %d events (%v), want 1", topic.Events, err)
		}
		wantJSON(t, e.send("GET", "/v1/groups/forged/offsets", "", ""), `{"group":"forged","offsets":[]}`)
		if n, m := len(e.cat.Document().Events), len(e.cat.Document().Services); n != eventsBefore || m != servicesBefore {
			t.Errorf("catalog has %d events and %d services, want %d and %d", n, m, eventsBefore, servicesBefore)
		}
		// The queue message was not leased away.
		var msgs struct{ Messages []json.RawMessage }
		if err := json.Unmarshal(e.send("POST", "/v1/topics/jobs/receive", ctJSON, "").body, &msgs); err != nil || len(msgs.Messages) != 1 {
			t.Errorf("receive got %d messages (%v), want the 1 left by the refused receives", len(msgs.Messages), err)
		}
	})

	for _, rt := range routes {
		t.Run(rt.name+"/Accepted", func(t *testing.T) {
			if r := e.send(rt.method, rt.path, rt.ok, rt.body); r.status != rt.okStatus {
				t.Fatalf("%s: status %d, want %d; body %s", rt.ok, r.status, rt.okStatus, r.body)
			}
		})
	}
}

// TestAcceptedContentTypes checks the non-simple types legitimate clients send,
// and the requests a browser cannot send cross-site without a preflight anyway.
func TestAcceptedContentTypes(t *testing.T) {
	t.Parallel()
	e := newOriginEnv(t, nil)
	e.must(200, "POST", "/subjects/orders-value/versions", ctRegistry, schemaBody("JSON", brokerOrderJSON))
	e.must(200, "PUT", "/v1/topics/orders", ctJSON, `{"valueSubject":"orders-value"}`)
	for _, tc := range []struct {
		name, method, path, ct, body string
		headers                      []string
		want                         int
	}{
		{"ConfluentV1", "POST", "/subjects/a-value/versions", ctRegistry, schemaBody("JSON", `{"type":"string"}`), nil, 200},
		{"ConfluentUnversioned", "POST", "/subjects/b-value/versions", "application/vnd.schemaregistry+json; charset=utf-8", schemaBody("JSON", `{"type":"string"}`), nil, 200},
		{"ConfluentOctetStream", "POST", "/subjects/c-value/versions", "application/octet-stream", schemaBody("JSON", `{"type":"string"}`), nil, 200},
		{"ConfluentRefusesYAML", "POST", "/subjects/d-value/versions", ctYAML, schemaBody("JSON", `{"type":"string"}`), nil, 415},
		{"CloudEventStructured", "POST", "/v1/topics/orders/events", "application/cloudevents+json", `{"specversion":"1.0","id":"1","source":"t","type":"t","data":{"id":"o","amount":1}}`, nil, 200},
		{"CloudEventBatch", "POST", "/v1/topics/orders/events", "application/cloudevents-batch+json", `[{"specversion":"1.0","id":"2","source":"t","type":"t","data":{"id":"o","amount":1}}]`, nil, 200},
		{"CloudEventBinaryMode", "POST", "/v1/topics/orders/events", ctJSON, `{"id":"o","amount":1}`, []string{"ce-specversion: 1.0", "ce-id: 3", "ce-source: t", "ce-type: t"}, 200},
		// ce-* headers force a preflight, so binary mode needs no Content-Type check.
		{"CloudEventBinaryModeNoType", "POST", "/v1/topics/orders/events", "", `{"id":"o","amount":1}`, []string{"ce-specversion: 1.0", "ce-id: 4", "ce-source: t", "ce-type: t"}, 200},
		{"CEHeaderElsewhereRefused", "PUT", "/v1/catalog", "text/plain", "", []string{"ce-specversion: 1.0"}, 415},
		{"DeleteWithoutType", "DELETE", "/v1/topics/orders", "", "", nil, 204},
		{"DeleteSubjectWithoutType", "DELETE", "/subjects/a-value", "", "", nil, 200},
		{"RootLivenessWithoutType", "POST", "/", "", "", nil, 200},
		{"CatalogYAMLVariant", "PUT", "/v1/catalog", "text/yaml", "bad: [", nil, 422},
		{"CatalogJSON", "PUT", "/v1/catalog", ctJSON, `{"files":[{"name":"x.yaml","content":"bad: ["}]}`, nil, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.send(tc.method, tc.path, tc.ct, tc.body, tc.headers...); r.status != tc.want {
				t.Fatalf("status %d, want %d; body %s", r.status, tc.want, r.body)
			}
		})
	}
}

// TestHostAllowlist checks the DNS rebinding defence: a Host that is not an IP
// address, localhost or an allowed name is refused with 403 40310.
func TestHostAllowlist(t *testing.T) {
	t.Parallel()
	allowed := newOriginEnv(t, func(c *server.Config) { c.AllowedHosts = []string{"herald.internal", ".example.test"} })
	open := newOriginEnv(t, nil)
	wildcard := newOriginEnv(t, func(c *server.Config) { c.AllowedHosts = []string{"localhost", "*"} })
	for _, tc := range []struct {
		name, host, path string
		env              *originEnv
		want             int
	}{
		{"IPv4Allowed", "127.0.0.1:8081", "/subjects", allowed, 200},
		{"OtherIPv4Allowed", "10.1.2.3:8081", "/subjects", allowed, 200},
		{"IPv6Allowed", "[::1]:8081", "/subjects", allowed, 200},
		{"LocalhostAllowed", "localhost:8081", "/subjects", allowed, 200},
		{"LocalhostUpperCaseAllowed", "LOCALHOST", "/subjects", allowed, 200},
		{"LocalhostSubdomainAllowed", "app.localhost:8081", "/subjects", allowed, 200},
		{"ListedNameAllowed", "herald.internal:8081", "/subjects", allowed, 200},
		{"ListedNameTrailingDotAllowed", "Herald.Internal.", "/subjects", allowed, 200},
		{"DomainAllowed", "example.test", "/subjects", allowed, 200},
		{"SubdomainAllowed", "a.b.example.test:443", "/v1/topics", allowed, 200},
		{"EmptyHostAllowed", "", "/subjects", allowed, 200},
		{"OtherNameRefused", "evil.com", "/subjects", allowed, 403},
		{"OtherNameWithPortRefused", "evil.com:8081", "/v1/topics", allowed, 403},
		{"SuffixTrickRefused", "herald.internal.evil.com", "/subjects", allowed, 403},
		{"LookalikeDomainRefused", "notexample.test", "/subjects", allowed, 403},
		{"PageRefused", "evil.com", "/ui/", allowed, 403},
		{"MetricsRefused", "evil.com", "/metrics", allowed, 403},
		{"UnknownRouteRefused", "evil.com", "/nope", allowed, 403},
		{"HealthzExempt", "evil.com", "/healthz", allowed, 200},
		{"ReadyzExempt", "evil.com", "/readyz", allowed, 200},
		{"NoListAllowsAny", "evil.com", "/subjects", open, 200},
		{"WildcardAllowsAny", "evil.com", "/subjects", wildcard, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.env.send("GET", tc.path, "", "", "Host: "+tc.host)
			if r.status != tc.want {
				t.Fatalf("Host %q: status %d, want %d; body %s", tc.host, r.status, tc.want, r.body)
			}
			if tc.want == 403 {
				wantError(t, r, 403, 40310, "--allowed-hosts")
				h, _, _ := strings.Cut(tc.host, ":")
				if !strings.Contains(string(r.body), h) {
					t.Errorf("message does not name the host %q: %s", h, r.body)
				}
			}
		})
	}
	// A refused host changes nothing either.
	r := allowed.send("POST", "/subjects/x-value/versions", ctRegistry, schemaBody("JSON", `{"type":"string"}`), "Host: evil.com")
	wantError(t, r, 403, 40310, "")
	if r := allowed.send("GET", "/subjects", "", ""); string(r.body) != `[]` {
		t.Errorf("subjects after refused register = %s", r.body)
	}
}

// TestNewRefusesBadOriginConfig checks that a malformed allowlist entry stops
// the server at start-up with an error that names it.
func TestNewRefusesBadOriginConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		cfg        server.Config
	}{
		{"HostWithScheme", `AllowedHosts[1] "http://a.test"`, server.Config{AllowedHosts: []string{"a.test", "http://a.test"}}},
		{"HostWithPath", `AllowedHosts[0] "a.test/x"`, server.Config{AllowedHosts: []string{"a.test/x"}}},
		{"EmptyHost", `AllowedHosts[0] ""`, server.Config{AllowedHosts: []string{""}}},
		{"OriginWithoutScheme", `CORSOrigins[0] "app.test"`, server.Config{CORSOrigins: []string{"app.test"}}},
		{"OriginWithPath", `CORSOrigins[0] "https://app.test/x"`, server.Config{CORSOrigins: []string{"https://app.test/x"}}},
		{"OriginFTP", `CORSOrigins[0] "ftp://app.test"`, server.Config{CORSOrigins: []string{"ftp://app.test"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Registry = &registry.Service{}
			_, err := server.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// TestCORS checks --cors-origins: off by default (no CORS headers, preflights
// get no grant), and for listed origins a preflight grant and the
// Access-Control-Allow-Origin header on responses.
func TestCORS(t *testing.T) {
	t.Parallel()
	off := newOriginEnv(t, nil)
	on := newOriginEnv(t, func(c *server.Config) { c.CORSOrigins = []string{"https://app.example.test", "http://localhost:3000/"} })
	any := newOriginEnv(t, func(c *server.Config) { c.CORSOrigins = []string{"*"} })
	preflight := []string{"Origin: https://app.example.test", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: content-type, herald-client"}

	t.Run("OffPreflightGetsNoGrant", func(t *testing.T) {
		r := off.send("OPTIONS", "/v1/topics/orders/events", "", "", preflight...)
		if r.status < 400 || r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Fatalf("preflight = %d %v", r.status, r.header)
		}
	})
	t.Run("ListedOriginPreflightGranted", func(t *testing.T) {
		r := on.send("OPTIONS", "/v1/topics/orders/events", "", "", preflight...)
		if r.status != http.StatusNoContent {
			t.Fatalf("preflight = %d %s", r.status, r.body)
		}
		for k, want := range map[string]string{
			"Access-Control-Allow-Origin":  "https://app.example.test",
			"Access-Control-Allow-Headers": "content-type, herald-client",
			"Access-Control-Max-Age":       "600",
		} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if m := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") || !strings.Contains(m, "DELETE") {
			t.Errorf("Access-Control-Allow-Methods = %q", m)
		}
		if v := strings.Join(r.header.Values("Vary"), ","); !strings.Contains(v, "Origin") {
			t.Errorf("Vary = %q", v)
		}
	})
	t.Run("OtherOriginPreflightGetsNoGrant", func(t *testing.T) {
		r := on.send("OPTIONS", "/v1/topics/orders/events", "", "", "Origin: https://evil.test", "Access-Control-Request-Method: POST")
		if r.status < 400 || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight = %d %v", r.status, r.header)
		}
	})
	t.Run("BadRequestHeadersGetNoGrant", func(t *testing.T) {
		r := on.send("OPTIONS", "/v1/topics/orders/events", "", "", "Origin: https://app.example.test", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: a b\r")
		if r.header.Get("Access-Control-Allow-Headers") != "" {
			t.Fatalf("preflight granted malformed headers: %v", r.header)
		}
	})
	// A request from an origin: the status it gets and the
	// Access-Control-Allow-Origin it carries ("" for none).
	for _, tc := range []struct {
		name                            string
		env                             *originEnv
		method, path, contentType, body string
		headers                         []string
		status                          int
		allowOrigin                     string
	}{
		{"OffResponseHasNoCORSHeaders", off, "GET", "/subjects", "", "", []string{"Origin: https://app.example.test"}, 200, ""},
		{"ListedOriginNormalizedInConfig", on, "OPTIONS", "/subjects/x/versions", "", "", []string{"Origin: http://localhost:3000", "Access-Control-Request-Method: POST"}, http.StatusNoContent, "http://localhost:3000"},
		{"ListedOriginResponseAllowed", on, "GET", "/subjects", "", "", []string{"Origin: https://app.example.test"}, 200, "https://app.example.test"},
		{"ListedOriginErrorAllowed", on, "POST", "/subjects/x/versions", "text/plain", "{}", []string{"Origin: https://app.example.test"}, 415, "https://app.example.test"},
		{"OtherOriginResponseNotAllowed", on, "GET", "/subjects", "", "", []string{"Origin: https://evil.test"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.env.send(tc.method, tc.path, tc.contentType, tc.body, tc.headers...)
			if r.status != tc.status || r.header.Get("Access-Control-Allow-Origin") != tc.allowOrigin {
				t.Fatalf("%s %s = %d %v", tc.method, tc.path, r.status, r.header)
			}
		})
	}
	t.Run("WildcardAllowsAnyOrigin", func(t *testing.T) {
		r := any.send("OPTIONS", "/subjects/x/versions", "", "", "Origin: https://whoever.test", "Access-Control-Request-Method: PUT")
		if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("preflight = %d %v", r.status, r.header)
		}
		r = any.send("GET", "/subjects", "", "", "Origin: https://whoever.test")
		if r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("GET = %d %v", r.status, r.header)
		}
	})
	t.Run("PlainOptionsUnchanged", func(t *testing.T) {
		// OPTIONS without Access-Control-Request-Method is not a preflight.
		r := on.send("OPTIONS", "/subjects", "", "", "Origin: https://app.example.test")
		if r.status != http.StatusMethodNotAllowed {
			t.Fatalf("OPTIONS = %d %s", r.status, r.body)
		}
	})
}

// TestUnsupportedMediaMessage checks that the 415 of a /v1 route says what
// was sent and what to send.
func TestUnsupportedMediaMessage(t *testing.T) {
	t.Parallel()
	e := newOriginEnv(t, nil)
	for _, tc := range []struct{ name, ct, want string }{
		{"Missing", "", "PUT /v1/catalog needs a Content-Type"},
		{"TextPlain", "text/plain", "PUT /v1/catalog does not take text/plain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send("PUT", "/v1/catalog", tc.ct, "")
			wantError(t, r, 415, 41501, tc.want)
			wantError(t, r, 415, 41501, "application/json")
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
