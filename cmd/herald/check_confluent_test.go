package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathLine(t *testing.T) {
	t.Parallel()
	avro := "{\n  \"type\": \"record\",\n  \"name\": \"Order\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"string\"},\n" +
		"    {\n      \"name\": \"qty\",\n      \"type\": \"int\"\n    }\n  ]\n}\n"
	jsonSchema := "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"string\"},\n    \"n/m\": {\n" +
		"      \"type\": \"object\",\n      \"properties\": {\n        \"x\": {\"type\": \"integer\"}\n      }\n    }\n  }\n}\n"
	proto := "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1;\n  int32 b = 2;\n  message N {\n    int32 c = 1;\n  }\n}\n"
	for _, tc := range []struct {
		name, text, path string
		want             int
	}{
		{"AvroField", avro, "/fields/1", 6},
		{"AvroFieldType", avro, "/fields/1/type", 8},
		{"AvroFirstField", avro, "/fields/0/type", 5},
		{"AvroPastTheEndGivesTheDeepestFound", avro, "/fields/7/type", 4},
		{"JSONSchemaNested", jsonSchema, "#/properties/n~1m/properties/x", 8},
		{"JSONSchemaUnknownGivesTheDeepestFound", jsonSchema, "#/properties/zz", 3},
		{"Root", avro, "", 1},
		{"RootHash", jsonSchema, "#/", 1},
		{"ProtoFieldNumber", proto, "#/M/2", 5},
		{"ProtoNestedField", proto, "#/M/N/1", 7},
		{"ProtoUnknownMessage", proto, "#/Nope/1", 1},
		{"Unreadable", "", "/fields/1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pathLine(tc.text, tc.path); got != tc.want {
				t.Errorf("pathLine(%q) = %d, want %d", tc.path, got, tc.want)
			}
		})
	}
}

// confluentRegistry mimics Confluent Schema Registry for herald check: it
// has orders-value (version 1) and payments-value, answers 404 with
// error_code 404 for Herald's /v1 routes, and finds any schema checked
// against orders-value incompatible at /fields/1.
func confluentRegistry(t *testing.T) *httptest.Server {
	t.Helper()
	answer := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		switch p := r.Method + " " + r.URL.Path; {
		case p == "GET /subjects":
			answer(w, 200, `["orders-value","payments-value"]`)
		case p == "GET /subjects/orders-value/versions", p == "GET /subjects/payments-value/versions":
			answer(w, 200, `[1]`)
		case strings.HasPrefix(p, "GET /subjects/"):
			answer(w, 404, `{"error_code":40401,"message":"Subject not found."}`)
		case p == "POST /compatibility/subjects/orders-value/versions/latest" && r.URL.Query().Get("verbose") == "true":
			answer(w, 200, `{"is_compatible":false,"messages":["{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'qty' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'qty'}","{oldSchemaVersion: 1}","{oldSchema: '{}'}","{validateFields: 'false', compatibility: 'BACKWARD'}"]}`)
		case strings.HasPrefix(p, "POST /compatibility/subjects/"):
			answer(w, 200, `{"is_compatible":true,"messages":[]}`)
		default:
			answer(w, 404, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCheckAgainstConfluentRegistry(t *testing.T) {
	t.Parallel()
	srv := confluentRegistry(t)
	dir := t.TempDir()
	bad := "{\n  \"type\": \"record\",\n  \"name\": \"Order\",\n  \"fields\": [\n    {\"name\": \"id\", \"type\": \"string\"},\n    {\"name\": \"qty\", \"type\": \"int\"}\n  ]\n}\n"
	writeFiles(t, dir, map[string]string{"bad.avsc": bad, "ok.avsc": checkV1})
	f := func(name string) string { return filepath.Join(dir, name) }

	out, _ := runCheckCLI(t, exitFailure, "--server", srv.URL, "--subject", "orders-value="+f("bad.avsc"), "--subject", "payments-value="+f("ok.avsc"))
	for _, want := range []string{f("bad.avsc") + ": /fields/1: READER_FIELD_MISSING_DEFAULT_VALUE: The field 'qty'",
		"(orders-value): incompatible: breaks BACKWARD (1 violation)", "(payments-value): compatible under"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _ = runCheckCLI(t, exitFailure, "--server", srv.URL, "-o", "github", "--subject", "orders-value="+f("bad.avsc"))
	want := "::error file=" + escapeProperty(filepath.ToSlash(f("bad.avsc"))) + ",line=6,title=READER_FIELD_MISSING_DEFAULT_VALUE::orders-value: /fields/1: "
	if !strings.HasPrefix(out, want) {
		t.Errorf("github output:\n%s\nwant prefix %s", out, want)
	}

	// A new subject lists the registry's subjects, closest first.
	out, _ = runCheckCLI(t, exitOK, "--server", srv.URL, "--subject", "payment-value="+f("ok.avsc"))
	if !strings.Contains(out, "closest existing subjects: payments-value, orders-value\n") {
		t.Errorf("new subject output:\n%s", out)
	}
}
