package server_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// accessFile has one API key per role ("key-<role>"), an admin and a
// developer limited to orders ("key-orders-admin", "key-orders-dev"), and a
// Basic user.
func accessFile() string {
	var b strings.Builder
	b.WriteString("principals:\n")
	for _, r := range []string{"reader", "consumer", "producer", "developer", "admin"} {
		b.WriteString("  - name: " + r + "\n    apiKey: " + auth.HashAPIKey("key-"+r) + "\n    roles: [" + r + "]\n")
	}
	b.WriteString("  - name: orders-admin\n    apiKey: " + auth.HashAPIKey("key-orders-admin") +
		"\n    roles: [{role: admin, subjects: [\"orders-*\", \":.ctx:orders-*\"], topics: [\"orders*\"]}]\n")
	b.WriteString("  - name: orders-dev\n    apiKey: " + auth.HashAPIKey("key-orders-dev") +
		"\n    roles: [{role: developer, subjects: [\"orders-*\"], topics: [\"orders*\"]}]\n")
	b.WriteString("  - name: platform\n    password: \"" + authtest.PasswordHash + "\"\n    roles: [admin]\n")
	return b.String()
}

// routeNeeds is the role model written out route by route, apart
// from the server's own table: the role a route needs, "" for none (the
// anonymous caller too), and a suffix "!" when the binding must cover every
// subject and topic. Routes with :subject or :topic are limited by the
// binding's patterns.
var routeNeeds = map[string]string{
	"GET /": "", "POST /": "", "GET /healthz": "", "GET /readyz": "", "GET /metrics": "", "GET /v1/whoami": "",
	"GET /openapi.json": "reader",

	"GET /subjects": "reader", "POST /subjects/:subject": "reader", "DELETE /subjects/:subject": "developer",
	"GET /subjects/:subject/metadata": "reader", "GET /subjects/:subject/versions": "reader",
	"POST /subjects/:subject/versions": "developer", "GET /subjects/:subject/versions/:version": "reader",
	"DELETE /subjects/:subject/versions/:version": "developer", "GET /subjects/:subject/versions/:version/schema": "reader",
	"GET /subjects/:subject/versions/:version/referencedby": "reader", "POST /subjects/:subject/versions/:version/tags": "developer",
	"GET /schemas": "reader", "GET /schemas/types": "reader", "GET /schemas/ids/:id": "reader", "GET /schemas/ids/:id/schema": "reader",
	"GET /schemas/ids/:id/subjects": "reader", "GET /schemas/ids/:id/versions": "reader",
	"GET /schemas/guids/:guid": "reader", "GET /schemas/guids/:guid/ids": "reader",
	"POST /compatibility/subjects/:subject/versions": "developer", "POST /compatibility/subjects/:subject/versions/:version": "developer",
	"GET /config": "reader", "PUT /config": "admin!", "DELETE /config": "admin!",
	"GET /config/:subject": "reader", "PUT /config/:subject": "developer", "DELETE /config/:subject": "developer",
	"GET /mode": "reader", "PUT /mode": "admin!", "DELETE /mode": "admin!",
	"GET /mode/:subject": "reader", "PUT /mode/:subject": "admin", "DELETE /mode/:subject": "admin",
	"GET /contexts": "reader", "DELETE /contexts/:context": "admin!",
	"GET /v1/metadata/id": "reader", "GET /v1/metadata/version": "reader", "GET /v1/metadata/deployment": "reader",

	"GET /v1/compat/rules": "reader", "POST /v1/compat/subjects/:subject": "developer",
	"POST /v1/compat/subjects/:subject/versions/:version": "developer",

	"GET /v1/topics": "reader", "GET /v1/topics/:topic": "reader", "PUT /v1/topics/:topic": "admin", "DELETE /v1/topics/:topic": "admin",
	"POST /v1/topics/:topic/events": "producer", "GET /v1/topics/:topic/events": "consumer", "GET /v1/topics/:topic/stream": "consumer",
	"POST /v1/topics/:topic/receive": "consumer", "POST /v1/topics/:topic/ack": "consumer", "POST /v1/topics/:topic/nack": "consumer",
	"GET /v1/groups/:group/offsets": "consumer", "POST /v1/groups/:group/offsets": "consumer",
	"GET /v1/topics/:topic/deadletters": "consumer", "POST /v1/topics/:topic/deadletters/redrive": "admin",

	"GET /v1/catalog": "reader", "PUT /v1/catalog": "developer", "POST /v1/catalog/import/asyncapi": "developer!",
	"GET /v1/catalog/search": "reader", "GET /v1/catalog/graph": "reader", "GET /v1/catalog/services/:id/asyncapi.yaml": "reader",
	"GET /v1/catalog/teams": "reader", "GET /v1/catalog/teams/:id": "reader", "GET /v1/catalog/domains": "reader",
	"GET /v1/catalog/domains/:id": "reader", "GET /v1/catalog/services": "reader", "GET /v1/catalog/services/:id": "reader",
	"GET /v1/catalog/events": "reader", "GET /v1/catalog/events/:id": "reader", "GET /v1/catalog/flows": "reader",
	"GET /v1/catalog/flows/:id": "reader",

	"GET /ui": "reader", "GET /ui/": "reader", "GET /ui/search": "reader", "GET /ui/domains": "reader", "GET /ui/domains/:id": "reader",
	"GET /ui/teams": "reader", "GET /ui/teams/:id": "reader", "GET /ui/services": "reader", "GET /ui/services/:id": "reader",
	"GET /ui/events": "reader", "GET /ui/events/:id": "reader", "GET /ui/events/:id/diff": "reader", "GET /ui/flows": "reader",
	"GET /ui/flows/:id": "reader", "GET /ui/api": "reader", "GET /ui/rules": "reader", "GET /ui/static/*file": "reader",
	"GET /ui/subjects": "reader", "GET /ui/subjects/:subject": "reader", "GET /ui/topics": "reader", "GET /ui/topics/:topic": "reader",
	"GET /ui/clients/:name": "reader",
	"GET /ui/signin":        "", "GET /ui/callback": "", "POST /ui/signout": "", "GET /ui/signin/basic": "",
	"GET /ui/topics/:topic/deadletters": "consumer", "POST /ui/topics/:topic/deadletters/redrive": "admin",
}

// TestAccessTableCoversEveryRoute fails for a served route that the access
// table (or this test's routeNeeds) lacks, and for a row no route serves.
func TestAccessTableCoversEveryRoute(t *testing.T) {
	t.Parallel()
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil)})
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		k := r.Method + " " + r.Path
		served[k] = true
		if _, ok := routeNeeds[k]; !ok {
			t.Errorf("%s is served but routeNeeds does not say what it needs", k)
		}
	}
	for _, r := range server.AccessRoutes() {
		if !served[r.Method+" "+r.Path] {
			t.Errorf("the access table has a row for %s %s, which no route serves", r.Method, r.Path)
		}
	}
	rows := map[string]bool{}
	for _, r := range server.AccessRoutes() {
		rows[r.Method+" "+r.Path] = true
	}
	for k := range served {
		if !rows[k] {
			t.Errorf("%s is served but has no row in the access table (accessRules in access.go)", k)
		}
	}
	if len(served) < 90 {
		t.Errorf("only %d routes: is every part configured?", len(served))
	}
}

// concrete fills a route's parameters: subjects and topics with the given
// names, everything else with something plausible.
func concrete(path, subject, topic string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch p {
		case ":subject":
			parts[i] = subject
		case ":topic":
			parts[i] = topic
		case ":version", ":id":
			parts[i] = "1"
		case ":context":
			parts[i] = ".ctx"
		case "*file":
			parts[i] = "nothing.css"
		default:
			if strings.HasPrefix(p, ":") {
				parts[i] = "x"
			}
		}
	}
	return strings.Join(parts, "/")
}

// outcome classifies a status as the policy sees it.
func outcome(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "401"
	case http.StatusForbidden:
		return "403"
	}
	return "allowed"
}

// TestAccessRouteByRole sends every route as every role (and as callers
// limited to orders, in and out of their scope) and checks the answer is a
// refusal exactly where routeNeeds says the role falls short: 401 with a
// challenge for the anonymous caller, 403 naming the missing role for others.
func TestAccessRouteByRole(t *testing.T) {
	t.Parallel()
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil)})
	roles := map[string]auth.Role{"reader": auth.Reader, "consumer": auth.Consumer, "producer": auth.Producer, "developer": auth.Developer, "admin": auth.Admin}
	type caller struct {
		name, key string
		role      auth.Role
		scoped    bool
	}
	callers := []caller{{name: "anonymous"}}
	for _, n := range []string{"reader", "consumer", "producer", "developer", "admin"} {
		callers = append(callers, caller{name: n, key: "key-" + n, role: roles[n]})
	}
	callers = append(callers, caller{name: "orders-admin", key: "key-orders-admin", role: auth.Admin, scoped: true},
		caller{name: "orders-dev", key: "key-orders-dev", role: auth.Developer, scoped: true})

	var routes []string
	for _, r := range srv.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	sort.Strings(routes)
	checked := 0
	for _, route := range routes {
		need, ok := routeNeeds[route]
		if !ok {
			continue // TestAccessTableCoversEveryRoute reports it
		}
		method, path, _ := strings.Cut(route, " ")
		global := strings.HasSuffix(need, "!")
		needRole := roles[strings.TrimSuffix(need, "!")]
		limited := strings.Contains(path, ":subject") || strings.Contains(path, ":topic")
		for _, cl := range callers {
			for _, inScope := range []bool{true, false} {
				if !cl.scoped && !inScope {
					continue
				}
				subject, topic := "orders-value", "orders"
				if !inScope {
					subject, topic = "payments-value", "payments"
				}
				want := "allowed"
				switch {
				case route == "GET /ui/signin/basic" && cl.key == "":
					want = "401" // the page exists to challenge for a password
				case need == "":
				case cl.key == "":
					want = "401"
				case !cl.role.Includes(needRole):
					want = "403"
				case cl.scoped && global:
					want = "403"
				case cl.scoped && limited && !inScope:
					want = "403"
				}
				name := route + " as " + cl.name
				if cl.scoped {
					name += map[bool]string{true: " in scope", false: " out of scope"}[inScope]
				}
				t.Run(name+" is "+want, func(t *testing.T) {
					checked++
					req := httptest.NewRequest(method, concrete(path, subject, topic), strings.NewReader("{}"))
					req.Header.Set("Content-Type", "application/json")
					if cl.key != "" {
						req.Header.Set("Authorization", "Bearer "+cl.key)
					}
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, req)
					got := outcome(w.Code)
					if w.Code == http.StatusForbidden && bytes.Contains(w.Body.Bytes(), []byte("Cross-site request refused")) {
						// A UI form: access let it through to the CSRF check
						// (csrf_test.go), which a JSON body fails.
						got = "allowed"
					}
					if got != want {
						t.Fatalf("status %d (%s), want %s; body %s", w.Code, got, want, w.Body.Bytes())
					}
					var body struct {
						Code    int    `json:"error_code"`
						Message string `json:"message"`
					}
					// Catalog pages answer with the HTML error page (a browser
					// shows it, after its own login prompt); the API with JSON.
					page := strings.HasPrefix(path, "/ui")
					switch want {
					case "401":
						if page {
							if !strings.Contains(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), "Authentication required") {
								t.Errorf("401 page %s, want the HTML error page", w.Body.Bytes())
							}
						} else if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Code != 40101 {
							t.Errorf("401 body %s, want error_code 40101", w.Body.Bytes())
						}
						if h := w.Header().Get("WWW-Authenticate"); !strings.Contains(h, "Basic") || !strings.Contains(h, "Bearer") {
							t.Errorf("WWW-Authenticate %q, want Basic and Bearer challenges", h)
						}
					case "403":
						if page {
							// The subject and topic pages are scoped like their
							// APIs: the HTML error page says who lacks what.
							if !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
								t.Errorf("403 page %s, want the HTML error page", w.Body.Bytes())
							}
							body.Code, body.Message = 40301, html.UnescapeString(w.Body.String())
						} else if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Code != 40301 {
							t.Errorf("403 body %s, want error_code 40301", w.Body.Bytes())
						}
						if !strings.Contains(body.Message, "role "+needRole.String()) || !strings.Contains(body.Message, cl.name) {
							t.Errorf("403 message %q does not name the principal %s and role %s", body.Message, cl.name, needRole)
						}
						if strings.Contains(body.Message, cl.key) {
							t.Errorf("403 message %q quotes the key", body.Message)
						}
					}
				})
			}
		}
	}
	if checked < 500 {
		t.Errorf("only %d route × caller pairs checked", checked)
	}
}

// TestPermanentDeleteNeedsAdmin checks that ?permanent=true turns a soft
// delete, which a developer may do, into a hard one, which needs admin.
func TestPermanentDeleteNeedsAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0))
	dev, admin := "Authorization: Bearer key-developer", "Authorization: Bearer key-admin"
	e.must(http.StatusOK, "POST", "/subjects/orders-value/versions", schemaBody("", avroV1), dev)
	e.must(http.StatusOK, "DELETE", "/subjects/orders-value", "", dev)
	r := e.do("DELETE", "/subjects/orders-value?permanent=true", "", dev)
	wantError(t, r, http.StatusForbidden, 40301, "lacks role admin on subject \"orders-value\", which subject.delete.permanent needs")
	e.must(http.StatusOK, "DELETE", "/subjects/orders-value?permanent=true", "", admin)
}

func withAuth(a *auth.Authorizer, metrics auth.Role) envOption {
	return func(c *server.Config, _ *registry.ServiceConfig) { c.Auth, c.MetricsRole = a, metrics }
}

// TestSubjectListsAreFiltered checks that every listing of subjects shows a
// limited caller only what it may read, paged after filtering.
func TestSubjectListsAreFiltered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0))
	admin, dev := "Authorization: Bearer key-admin", "Authorization: Bearer key-orders-dev"
	var id int
	for _, s := range []string{"a-value", "orders-a", "b-value", "orders-b", "orders-c", ":.ctx:orders-d"} {
		r := e.must(http.StatusOK, "POST", "/subjects/"+s+"/versions", schemaBody("", avroV1), admin)
		var out struct{ ID int }
		mustUnmarshal(t, r.body, &out)
		id = out.ID
	}
	wantJSON(t, e.must(http.StatusOK, "GET", "/subjects", "", admin), `["a-value","b-value","orders-a","orders-b","orders-c",":.ctx:orders-d"]`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/subjects", "", dev), `["orders-a","orders-b","orders-c"]`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/subjects?offset=1&limit=1", "", dev), `["orders-b"]`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/contexts/.ctx/subjects", "", dev), `[]`)
	var schemas []struct{ Subject string }
	mustUnmarshal(t, e.must(http.StatusOK, "GET", "/schemas", "", dev).body, &schemas)
	if len(schemas) != 3 || schemas[0].Subject != "orders-a" {
		t.Errorf("GET /schemas as orders-dev: %+v, want the three orders subjects", schemas)
	}
	r := e.must(http.StatusOK, "GET", "/schemas/ids/"+itoa(id)+"/subjects", "", dev)
	wantJSON(t, r, `["orders-a","orders-b","orders-c"]`)
	r = e.must(http.StatusOK, "GET", "/schemas/ids/"+itoa(id)+"/versions", "", dev)
	wantJSON(t, r, `[{"subject":"orders-a","version":1},{"subject":"orders-b","version":1},{"subject":"orders-c","version":1}]`)
}

// TestTopicListIsFiltered checks GET /v1/topics for a caller limited to orders.
func TestTopicListIsFiltered(t *testing.T) {
	t.Parallel()
	srv := newFullServer(t, server.Config{Auth: authtest.New(t, accessFile(), nil)})
	call := func(method, path, body, key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	sch := schemaBody("JSON", `{"type":"object"}`)
	for _, s := range []string{"orders-value", "payments-value"} {
		req := httptest.NewRequest("POST", "/subjects/"+s+"/versions", strings.NewReader(sch))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer key-admin")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("register %s: %d %s", s, w.Code, w.Body)
		}
	}
	for _, tp := range []string{"orders", "payments"} {
		if w := call("PUT", "/v1/topics/"+tp, `{"valueSubject":"`+tp+`-value"}`, "key-admin"); w.Code != http.StatusOK {
			t.Fatalf("put topic %s: %d %s", tp, w.Code, w.Body)
		}
	}
	names := func(key string) []string {
		w := call("GET", "/v1/topics", "", key)
		var out struct{ Topics []struct{ Name string } }
		mustUnmarshal(t, w.Body.Bytes(), &out)
		var n []string
		for _, tp := range out.Topics {
			n = append(n, tp.Name)
		}
		return n
	}
	if got := strings.Join(names("key-admin"), ","); got != "orders,payments" {
		t.Errorf("admin sees %s", got)
	}
	if got := strings.Join(names("key-orders-dev"), ","); got != "orders" {
		t.Errorf("orders-dev sees %s, want orders", got)
	}
}

func TestWhoAmI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuth(authtest.New(t, accessFile()+"anonymous: [reader]\n", nil), 0))
	basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("platform:s3cret"))
	wantJSON(t, e.must(http.StatusOK, "GET", "/v1/whoami", "", basic),
		`{"principal":"platform","method":"basic","authEnabled":true,"bindings":[{"role":"admin"}]}`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/v1/whoami", "", "Authorization: Bearer key-orders-dev"),
		`{"principal":"orders-dev","method":"apikey","authEnabled":true,"bindings":[{"role":"developer","subjects":["orders-*"],"topics":["orders*"]}]}`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/v1/whoami", ""),
		`{"principal":"anonymous","method":"anonymous","authEnabled":true,"bindings":[{"role":"reader"}]}`)
	r := e.do("GET", "/v1/whoami", "", "Authorization: Bearer wrong-key")
	wantError(t, r, http.StatusUnauthorized, 40101, "invalid credentials")
	r = e.do("GET", "/v1/whoami", "", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("platform:guess")))
	wantError(t, r, http.StatusUnauthorized, 40101, "invalid credentials")

	off := newEnv(t)
	wantJSON(t, off.must(http.StatusOK, "GET", "/v1/whoami", ""),
		`{"principal":"anonymous","method":"anonymous","authEnabled":false,"bindings":[{"role":"admin"}]}`)
}

// TestAnonymousBindings checks that anonymous callers get the file's
// anonymous bindings, and a 401 (not a 403) where those fall short.
func TestAnonymousBindings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuth(authtest.New(t, accessFile()+"anonymous: [reader]\n", nil), 0))
	e.must(http.StatusOK, "GET", "/subjects", "")
	r := e.do("POST", "/subjects/x/versions", schemaBody("", avroV1))
	wantError(t, r, http.StatusUnauthorized, 40101, "needs credentials")
}

// TestMetricsBehindRole checks Config.MetricsRole, and that the probes stay
// open whatever it is.
func TestMetricsBehindRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), auth.Admin))
	e.must(http.StatusUnauthorized, "GET", "/metrics", "")
	e.must(http.StatusForbidden, "GET", "/metrics", "", "Authorization: Bearer key-reader")
	e.must(http.StatusOK, "GET", "/metrics", "", "Authorization: Bearer key-admin")
	e.must(http.StatusOK, "GET", "/healthz", "", "Authorization: Bearer not-even-a-key")
	e.must(http.StatusOK, "GET", "/readyz", "")
	open := newEnv(t, withAuth(authtest.New(t, accessFile(), nil), 0))
	open.must(http.StatusOK, "GET", "/metrics", "")
}

// TestNoAuthAllowsEverything checks that a server without Config.Auth
// behaves as before: no credentials needed, no filtering.
func TestNoAuthAllowsEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(http.StatusOK, "POST", "/subjects/a/versions", schemaBody("", avroV1))
	e.must(http.StatusOK, "PUT", "/config", `{"compatibility":"NONE"}`)
	wantJSON(t, e.must(http.StatusOK, "GET", "/subjects", ""), `["a"]`)
}
