package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
)

func withCompatLimits(l compat.Limits) envOption {
	return func(_ *server.Config, rc *registry.ServiceConfig) { rc.CompatLimits = l }
}

// TestCompatLimitsAnswer422: a registration whose compatibility check needs
// more work than the configured bound answers 422 with error_code 42240 and
// registers nothing; within the default bound the same 60-level pair is
// simply judged incompatible.
func TestCompatLimitsAnswer422(t *testing.T) {
	before, after := compattest.JSONSchemaFanOut(60, "string"), compattest.JSONSchemaFanOut(60, "integer")
	body := func(s string) string {
		b, err := json.Marshal(map[string]string{"schemaType": "JSON", "schema": s})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	t.Run("OverTheBoundIs42240", func(t *testing.T) {
		e := newEnv(t, withCompatLimits(compat.Limits{MaxNodes: 20}))
		e.must(http.StatusOK, "POST", "/subjects/s/versions", body(before))
		r := e.do("POST", "/subjects/s/versions", body(after))
		wantError(t, r, http.StatusUnprocessableEntity, 42240, "too complex")
		e.must(http.StatusOK, "GET", "/subjects/s/versions", "")
		if got := strings.TrimSpace(string(e.do("GET", "/subjects/s/versions", "").body)); got != "[1]" {
			t.Fatalf("versions after the refused check = %s, want [1]", got)
		}
	})
	t.Run("DefaultBoundJudgesIt", func(t *testing.T) {
		e := newEnv(t)
		e.must(http.StatusOK, "POST", "/subjects/s/versions", body(before))
		r := e.do("POST", "/subjects/s/versions", body(after))
		wantError(t, r, http.StatusConflict, 409, "")
	})
	t.Run("ViolationsCapped", func(t *testing.T) {
		e := newEnv(t, withCompatLimits(compat.Limits{MaxViolations: 1}))
		e.must(http.StatusOK, "POST", "/subjects/s/versions", body(`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`))
		r := e.must(http.StatusOK, "POST", "/v1/compat/subjects/s", body(`{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"}}}`))
		var rep struct {
			Violations []json.RawMessage `json:"violations"`
			Truncated  bool              `json:"truncated"`
		}
		mustUnmarshal(t, r.body, &rep)
		if len(rep.Violations) != 1 || !rep.Truncated {
			t.Fatalf("report = %s, want one violation and truncated", r.body)
		}
	})
}
