package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// send serves one request on h; a nil body sends none.
func send(h http.Handler, method, path, contentType string, body io.Reader) result {
	req := httptest.NewRequest(method, path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return result{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// truncated is a body that stops short, as a client that closed early sends.
func truncated(s string) io.Reader { return &truncatedBody{strings.NewReader(s)} }

// TestErrorCodesAgree checks the codes the catalogue made agree: one code for
// an unreadable body on every /v1 route (40001; Confluent's 400 on the
// Confluent API and /v1/compat), 40060 only for a bad catalog query, and one
// content type per API.
func TestErrorCodesAgree(t *testing.T) {
	t.Parallel()
	reg := newEnv(t).srv
	brk, _ := newBrokerEnv(t, nil)
	cat := newCatalogEnv(t).srv
	for _, tc := range []struct {
		name             string
		h                http.Handler
		method, path, ct string
		body             io.Reader
		status, code     int
		msg, wantCT      string
	}{
		{"ConfluentTruncatedBodyIs400", reg, "POST", "/subjects/s/versions", "application/vnd.schemaregistry.v1+json", truncated(`{"schema":`),
			400, 400, "cannot read the request body", "application/vnd.schemaregistry.v1+json"},
		{"CompatReportTruncatedBodyIs400", reg, "POST", "/v1/compat/subjects/s", "application/json", truncated(`{"schema":`),
			400, 400, "cannot read the request body", "application/json"},
		{"ConfluentMalformedJSONIs400", reg, "POST", "/subjects/s/versions", "application/json", strings.NewReader(`{"schema":`),
			400, 400, "Malformed JSON", "application/vnd.schemaregistry.v1+json"},
		{"BrokerTruncatedBodyIs40001", brk.srv, "PUT", "/v1/topics/t", "application/json", truncated(`{"valueSubject":`),
			400, 40001, "cannot read the request body", "application/json"},
		{"BrokerMalformedJSONIs40001", brk.srv, "PUT", "/v1/topics/t", "application/json", strings.NewReader(`{"valueSubject":`),
			400, 40001, "invalid JSON", "application/json"},
		{"CatalogTruncatedBodyIs40001", cat, "PUT", "/v1/catalog", "application/yaml", truncated("teams:\n"),
			400, 40001, "cannot read the request body", "application/json"},
		{"CatalogMalformedJSONIs40001", cat, "PUT", "/v1/catalog", "application/json", strings.NewReader(`{"files":`),
			400, 40001, "body must be", "application/json"},
		{"ImportTruncatedBodyIs40001", cat, "POST", "/v1/catalog/import/asyncapi", "application/yaml", truncated("asyncapi: 3.0.0\n"),
			400, 40001, "cannot read the request body", "application/json"},
		{"GraphBadScopeIs40060", cat, "GET", "/v1/catalog/graph?scope=bogus", "", nil,
			400, 40060, "graph scope", "application/json"},
		{"GraphBadFormatIs40060", cat, "GET", "/v1/catalog/graph?scope=flow:checkout&format=png", "", nil,
			400, 40060, "unknown graph format png", "application/json"},
		{"UnknownAPIPathIs404", reg, "GET", "/nope", "", nil,
			404, 404, "HTTP 404 Not Found", "application/vnd.schemaregistry.v1+json"},
		{"UnknownNativePathIs404", reg, "GET", "/v1/nope", "", nil,
			404, 404, "HTTP 404 Not Found", "application/json"},
		{"WrongMethodIs405", reg, "PATCH", "/subjects", "application/json", strings.NewReader(`{}`),
			405, 405, "HTTP 405 Method Not Allowed", "application/vnd.schemaregistry.v1+json"},
		{"BadContextPrefixIs400", reg, "GET", "/contexts/:bad/subjects", "", nil,
			400, 400, "", "application/vnd.schemaregistry.v1+json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := send(tc.h, tc.method, tc.path, tc.ct, tc.body)
			wantError(t, r, tc.status, tc.code, tc.msg)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, tc.wantCT) {
				t.Errorf("Content-Type %q, want %s", ct, tc.wantCT)
			}
		})
	}
}

// TestPageErrorsAreHTML checks that the one error writer answers the catalog
// pages with the HTML error page, with the status the JSON API would give.
func TestPageErrorsAreHTML(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	for _, tc := range []struct {
		name, method, path string
		status             int
		heading            string
	}{
		{"MissingEntityIs404Page", "GET", "/ui/events/nope", 404, "Not found"},
		{"UnmatchedPageIs404Page", "GET", "/ui/no/such/page", 404, "Not found"},
		{"BadVersionIs400Page", "GET", "/ui/events/order-placed?version=x", 400, "Bad request"},
		// Unmatched methods on pages answer the 404 page too, as before.
		{"WrongMethodIs404Page", "DELETE", "/ui/events", 404, "Not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp := e.do(tc.method, tc.path, "", "")
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s %s = %d %s, want %d and an HTML page", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
			if !strings.Contains(string(b), "<h1>"+tc.heading) {
				t.Errorf("%s %s: page has no heading %q:\n%.600s", tc.method, tc.path, tc.heading, b)
			}
		})
	}
}
