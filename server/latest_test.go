package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLatestETagMovesWithLatest: GET …/versions/latest answers with the ETag of
// its bytes: 304 to it while latest stays, a new body and ETag as soon as this
// instance registers or deletes a version (read-your-writes through the
// registry's latest cache), and the /schema twin follows too.
func TestLatestETagMovesWithLatest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const latest = "/subjects/orders-value/versions/latest"
	e.register("orders-value", schemaBody("", avroV1))
	first := e.must(http.StatusOK, "GET", latest, "")
	tag1 := first.header.Get("ETag")
	if tag1 == "" || !strings.Contains(string(first.body), `"version":1`) {
		t.Fatalf("latest: ETag %q, body %s; want an ETag and version 1", tag1, first.body)
	}
	e.must(http.StatusNotModified, "GET", latest, "", "If-None-Match: "+tag1)

	e.register("orders-value", schemaBody("", avroV2))
	second := e.must(http.StatusOK, "GET", latest, "", "If-None-Match: "+tag1)
	tag2 := second.header.Get("ETag")
	if tag2 == "" || tag2 == tag1 || !strings.Contains(string(second.body), `"version":2`) {
		t.Fatalf("latest after a new version: ETag %q (was %q), body %s; want a new ETag and version 2", tag2, tag1, second.body)
	}
	if text := e.must(http.StatusOK, "GET", latest+"/schema", "").body; !strings.Contains(string(text), `"qty"`) {
		t.Fatalf("latest/schema after a new version: %s, want version 2's text", text)
	}

	e.must(http.StatusOK, "DELETE", "/subjects/orders-value/versions/2", "")
	third := e.must(http.StatusOK, "GET", latest, "", "If-None-Match: "+tag2)
	if third.header.Get("ETag") != tag1 || !strings.Contains(string(third.body), `"version":1`) {
		t.Fatalf("latest after deleting version 2: ETag %q, body %s; want version 1 and its ETag %q", third.header.Get("ETag"), third.body, tag1)
	}
}
