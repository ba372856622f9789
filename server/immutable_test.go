package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server"
)

// immutablePaths are the reads answered from pre-encoded bytes with an ETag.
var immutablePaths = []string{
	"/schemas/ids/1",
	"/schemas/ids/1/schema",
	"/schemas/ids/1?subject=orders-value",
	"/subjects/orders-value/versions/1",
	"/subjects/orders-value/versions/1/schema",
}

// TestImmutableReadsIfNoneMatch: each immutable read carries a strong ETag; a
// repeat gives the same bytes and ETag; If-None-Match naming it (as is, weak,
// in a list, or *) gets 304 with no body and the same ETag; another tag gets
// the full answer. The Confluent content type is unchanged.
func TestImmutableReadsIfNoneMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("orders-value", schemaBody("", avroV1))
	for _, path := range immutablePaths {
		t.Run(strings.TrimPrefix(path, "/"), func(t *testing.T) {
			first := e.must(http.StatusOK, "GET", path, "")
			etag := first.header.Get("ETag")
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
				t.Fatalf("ETag %q, want a strong quoted tag", etag)
			}
			if ct := first.header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
				t.Errorf("Content-Type %q", ct)
			}
			again := e.must(http.StatusOK, "GET", path, "")
			if again.header.Get("ETag") != etag || !bytes.Equal(again.body, first.body) {
				t.Errorf("repeat: ETag %q body %s, want %q %s", again.header.Get("ETag"), again.body, etag, first.body)
			}
			for _, tc := range []struct{ name, inm string }{
				{"NotModifiedForTheTag", etag},
				{"NotModifiedForTheWeakTag", "W/" + etag},
				{"NotModifiedForATagInAList", `"other", ` + etag},
				{"NotModifiedForStar", "*"},
			} {
				r := e.must(http.StatusNotModified, "GET", path, "", "If-None-Match: "+tc.inm)
				if len(r.body) != 0 || r.header.Get("ETag") != etag {
					t.Errorf("%s: body %q ETag %q", tc.name, r.body, r.header.Get("ETag"))
				}
			}
			r := e.must(http.StatusOK, "GET", path, "", `If-None-Match: "other"`)
			if !bytes.Equal(r.body, first.body) {
				t.Errorf("other tag: body %s", r.body)
			}
		})
	}
}

// TestImmutableReadsDifferPerAnswer: different answers have different ETags
// (and equal answers equal ones); an answer with maxId (which moves) has none.
// Latest moves too, but its ETag is of its bytes: see TestLatestETagMovesWithLatest.
func TestImmutableReadsDifferPerAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("orders-value", schemaBody("", avroV1))
	bodies := map[string]string{} // ETag → body
	for _, path := range immutablePaths {
		r := e.must(http.StatusOK, "GET", path, "")
		tag := r.header.Get("ETag")
		if prev, ok := bodies[tag]; ok && prev != string(r.body) {
			t.Errorf("%s shares ETag %s with a different answer", path, tag)
		}
		bodies[tag] = string(r.body)
	}
	if len(bodies) != 4 { // the two raw texts are the same answer
		t.Errorf("%d distinct ETags over %d paths, want 4", len(bodies), len(immutablePaths))
	}
	if tag := e.must(http.StatusOK, "GET", "/schemas/ids/1?fetchMaxId=true", "").header.Get("ETag"); tag != "" {
		t.Errorf("fetchMaxId answer has ETag %q", tag)
	}
}

// TestImmutableReadsFollowDeletes: a stored answer is never served once the
// registry answers differently: a soft delete shows in the deleted flag (and a
// new ETag), a hard delete makes the read 404.
func TestImmutableReadsFollowDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("orders-value", schemaBody("", avroV1))
	e.register("orders-value", schemaBody("", avroV2))
	const v1 = "/subjects/orders-value/versions/1?deleted=true"
	before := e.must(http.StatusOK, "GET", v1, "")
	e.must(http.StatusOK, "DELETE", "/subjects/orders-value/versions/1", "")
	after := e.must(http.StatusOK, "GET", v1, "")
	if !strings.Contains(string(after.body), `"deleted":true`) {
		t.Errorf("soft-deleted version answers %s", after.body)
	}
	if after.header.Get("ETag") == before.header.Get("ETag") {
		t.Errorf("soft delete kept ETag %s", after.header.Get("ETag"))
	}
	e.must(http.StatusOK, "GET", "/schemas/ids/1", "")
	e.must(http.StatusOK, "DELETE", "/subjects/orders-value/versions/1?permanent=true", "")
	wantError(t, e.do("GET", "/subjects/orders-value/versions/1?deleted=true", ""), 404, 40402, "")
	wantError(t, e.do("GET", "/schemas/ids/1", ""), 404, 40403, "")
}

// TestImmutableETagStableAcrossRestarts: the ETag is derived from the answer,
// so a restarted server (same database, new process state) gives the same one.
func TestImmutableETagStableAcrossRestarts(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "registry.db")
	serve := func(register bool) string {
		e, closeStore := openEnvAt(t, db)
		defer closeStore()
		if register {
			e.register("orders-value", schemaBody("", avroV1))
		}
		return e.must(http.StatusOK, "GET", "/schemas/ids/1", "").header.Get("ETag")
	}
	first, second := serve(true), serve(false)
	if first == "" || first != second {
		t.Errorf("ETag %q before the restart, %q after", first, second)
	}
}

// BenchmarkSchemaByIDHandler is GET /schemas/ids/{id} through the server's
// handler without a network, so -benchmem shows what the request path itself
// allocates.
func BenchmarkSchemaByIDHandler(b *testing.B) {
	e := newEnv(b)
	e.register("orders-value", schemaBody("", avroV2))
	req := httptest.NewRequest("GET", "/schemas/ids/1", nil)
	w := server.NewDiscardWriter()
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		e.srv.ServeHTTP(w, req)
		if w.Status() != http.StatusOK {
			b.Fatalf("status %d", w.Status())
		}
	}
}
