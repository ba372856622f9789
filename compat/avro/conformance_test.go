package avro

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

const apicurioAvroCases = "../../../shared/conformance/apicurio-registry-avro/compatibility-test-data.json"

// apicurioDisagreements lists Apicurio cases where we decide differently on purpose,
// keyed by case id, with the reason. Any other disagreement fails the test, and so
// does a listed case that starts agreeing.
var apicurioDisagreements = map[string]string{}

// TestApicurioConformance runs Apicurio Registry's Avro compatibility cases. As
// their SOURCE.md says: "backward" means BACKWARD passes and FORWARD fails, "both"
// means both pass, "none" means both fail.
func TestApicurioConformance(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(apicurioAvroCases)
	compattest.CheckRead(t, err, "Apicurio Avro conformance cases", apicurioAvroCases, "it lives in the shared checkout, outside this repository")
	var data struct {
		Tests []struct {
			ID            string          `json:"id"`
			Enabled       bool            `json:"enabled"`
			Compatibility string          `json:"compatibility"`
			Original      json.RawMessage `json:"original"`
			Updated       json.RawMessage `json:"updated"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	f := Format{}
	agree, total := 0, 0
	for _, tc := range data.Tests {
		if !tc.Enabled {
			continue
		}
		total++
		original, err := Parse(string(tc.Original), nil)
		if err != nil {
			t.Errorf("%s: original: %v", tc.ID, err)
			continue
		}
		updated, err := Parse(string(tc.Updated), nil)
		if err != nil {
			t.Errorf("%s: updated: %v", tc.ID, err)
			continue
		}
		prev := []compat.Previous{{Version: 1, Schema: original}}
		back := compattest.Check(t, f, compat.Backward, updated, prev, compat.Options{}).Compatible
		fwd := compattest.Check(t, f, compat.Forward, updated, prev, compat.Options{}).Compatible
		var wantBack, wantFwd bool
		switch tc.Compatibility {
		case "backward":
			wantBack, wantFwd = true, false
		case "both":
			wantBack, wantFwd = true, true
		case "none":
			wantBack, wantFwd = false, false
		default:
			t.Errorf("%s: unknown compatibility %q", tc.ID, tc.Compatibility)
			continue
		}
		ok := back == wantBack && fwd == wantFwd
		reason, listed := apicurioDisagreements[tc.ID]
		switch {
		case ok && listed:
			t.Errorf("%s: listed as a disagreement (%s) but we now agree", tc.ID, reason)
		case !ok && !listed:
			t.Errorf("%s: backward=%v forward=%v, Apicurio expects %q", tc.ID, back, fwd, tc.Compatibility)
		}
		if ok {
			agree++
		}
	}
	if total == 0 {
		t.Fatalf("%s holds no enabled cases: the file's shape changed or it is empty", apicurioAvroCases)
	}
	t.Logf("Apicurio Avro conformance: %d of %d cases agree, %d listed disagreements", agree, total, len(apicurioDisagreements))
}
