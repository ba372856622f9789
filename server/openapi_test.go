package server_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenOpenAPI is the generated spec, checked in at the repository root.
var goldenOpenAPI = filepath.Join("..", "testdata", "openapi.json")

func TestOpenAPIGolden(t *testing.T) {
	got, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(goldenOpenAPI, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenOpenAPI)
	if err != nil {
		t.Fatalf("%v (run go test ./server/ -run TestOpenAPIGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		var g, w any
		_ = json.Unmarshal(got, &g)  // only for the diff; the bytes already differ
		_ = json.Unmarshal(want, &w) // only for the diff; the bytes already differ
		t.Errorf("generated OpenAPI differs from %s (rerun with -update if intended) (-want +got):\n%s", goldenOpenAPI, cmp.Diff(w, g))
	}
}

func TestOpenAPIDescribesEveryRegistryRoute(t *testing.T) {
	b, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", spec.OpenAPI)
	}
	for _, op := range []struct{ method, path string }{
		{"get", "/subjects"}, {"get", "/subjects/{subject}/versions"}, {"post", "/subjects/{subject}/versions"},
		{"post", "/subjects/{subject}"}, {"delete", "/subjects/{subject}"}, {"get", "/subjects/{subject}/versions/{version}"},
		{"get", "/subjects/{subject}/versions/{version}/schema"}, {"get", "/subjects/{subject}/versions/{version}/referencedby"},
		{"delete", "/subjects/{subject}/versions/{version}"}, {"get", "/subjects/{subject}/metadata"},
		{"get", "/schemas"}, {"get", "/schemas/ids/{id}"}, {"get", "/schemas/ids/{id}/schema"}, {"get", "/schemas/ids/{id}/subjects"},
		{"get", "/schemas/ids/{id}/versions"}, {"get", "/schemas/guids/{guid}"}, {"get", "/schemas/guids/{guid}/ids"}, {"get", "/schemas/types"},
		{"post", "/compatibility/subjects/{subject}/versions/{version}"}, {"post", "/compatibility/subjects/{subject}/versions"},
		{"get", "/config"}, {"put", "/config"}, {"delete", "/config"}, {"get", "/config/{subject}"}, {"put", "/config/{subject}"}, {"delete", "/config/{subject}"},
		{"get", "/mode"}, {"put", "/mode"}, {"delete", "/mode"}, {"get", "/mode/{subject}"}, {"put", "/mode/{subject}"}, {"delete", "/mode/{subject}"},
		{"get", "/contexts"}, {"delete", "/contexts/{context}"},
		{"get", "/v1/metadata/id"}, {"get", "/v1/metadata/version"}, {"get", "/v1/metadata/deployment"},
		{"post", "/v1/compat/subjects/{subject}"}, {"post", "/v1/compat/subjects/{subject}/versions/{version}"},
		{"get", "/"}, {"post", "/"}, {"get", "/healthz"}, {"get", "/readyz"}, {"get", "/metrics"}, {"get", "/openapi.json"},
	} {
		if spec.Paths[op.path][op.method] == nil {
			t.Errorf("spec lacks %s %s", op.method, op.path)
		}
	}
}
