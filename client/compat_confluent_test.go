package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

// confluentFake answers as Confluent Schema Registry does: 404 with
// error_code 404 for paths it does not serve (/v1/...), and the verbose
// compatibility answer it is given for /compatibility/...; it records the
// paths asked.
func confluentFake(t *testing.T, answer string) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		if r.URL.Path == "/compatibility/subjects/orders-value/versions/latest" {
			b, _ := io.ReadAll(r.Body)
			var body struct{ Schema string }
			if json.Unmarshal(b, &body) != nil || body.Schema == "" {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = io.WriteString(w, `{"error_code":42201,"message":"Invalid schema"}`)
				return
			}
			_, _ = io.WriteString(w, answer)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
}

func TestCheckCompatibilityFallsBackToConfluentVerbose(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer string
		want   client.Report
	}{
		{"Compatible", `{"is_compatible":true,"messages":[]}`, client.Report{Compatible: true, Violations: []compat.Violation{}}},
		{"Avro", `{"is_compatible":false,"messages":["{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}","{oldSchemaVersion: 1}","{oldSchema: '{\"type\":\"record\"}'}","{validateFields: 'false', compatibility: 'BACKWARD'}"]}`,
			client.Report{Level: compat.Backward, Violations: []compat.Violation{{Rule: "READER_FIELD_MISSING_DEFAULT_VALUE", Path: "/fields/1",
				Message: "The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema"}}}},
		{"JSONSchema", `{"is_compatible":false,"messages":["TYPE_CHANGED #/properties/a","{oldSchemaVersion: 2}","{validateFields: 'false', compatibility: 'FULL_TRANSITIVE'}"]}`,
			client.Report{Level: compat.FullTransitive, Violations: []compat.Violation{{Rule: "TYPE_CHANGED", Path: "#/properties/a", Message: "type changed"}}}},
		{"Unreadable", `{"is_compatible":false,"messages":["something else went wrong"]}`,
			client.Report{Violations: []compat.Violation{{Rule: "INCOMPATIBLE", Message: "something else went wrong"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, paths := confluentFake(t, tc.answer)
			c, err := client.New(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.CheckCompatibility(context.Background(), "orders-value", client.Schema{Type: compat.Avro, Text: `{"type":"string"}`})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			want := []string{"POST /v1/compat/subjects/orders-value", "POST /compatibility/subjects/orders-value/versions/latest?verbose=true"}
			if diff := cmp.Diff(want, paths()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckCompatibilityKeepsHeraldErrors: a 404 of Herald's own (a code
// 404xx) is an answer, not a missing route, and is returned as it is.
func TestCheckCompatibilityKeepsHeraldErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error_code":40401,"message":"Subject 'orders-value' not found."}`)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CheckCompatibility(context.Background(), "orders-value", client.Schema{Type: compat.Avro, Text: `{"type":"string"}`})
	if !client.IsNotFound(err) || !strings.Contains(err.Error(), "40401") {
		t.Fatalf("err = %v, want the server's 40401", err)
	}
}
