package jsonschema_test

import (
	"encoding/json"
	"flag"
	"github.com/heraldhq/herald/compat/compattest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

var update = flag.Bool("update", false, "rewrite the rules in testdata/compat/json/*/want.json from the current results")

const fixturesDir = "../../testdata/compat/json"

// fixtureWant is the shape of want.json.
type fixtureWant struct {
	Description string             `json:"description"`
	Policy      compat.Policy      `json:"policy"`
	Backward    compattest.Verdict `json:"backward"`
	Forward     compattest.Verdict `json:"forward"`
}

// TestFixtures walks testdata/compat/json: in each case folder, backward means
// current reads previous (compat.Backward), forward means previous reads current
// (compat.Forward); rules is the sorted set of rule ids reported.
func TestFixtures(t *testing.T) {
	t.Parallel()
	dirs, err := os.ReadDir(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	f := jsonschema.New()
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(fixturesDir, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			t.Parallel()
			read := func(name string) []byte {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			var want fixtureWant
			if err := json.Unmarshal(read("want.json"), &want); err != nil {
				t.Fatalf("want.json: %v", err)
			}
			prev, err := f.Parse(string(read("previous.json")), nil)
			if err != nil {
				t.Fatalf("previous.json: %v", err)
			}
			cur, err := f.Parse(string(read("current.json")), nil)
			if err != nil {
				t.Fatalf("current.json: %v", err)
			}
			opts := compat.Options{Policy: want.Policy}
			history := []compat.Previous{{Version: 1, Schema: prev}}
			got := fixtureWant{Description: want.Description, Policy: want.Policy}
			for _, dir := range []struct {
				level compat.Level
				out   *compattest.Verdict
			}{{compat.Backward, &got.Backward}, {compat.Forward, &got.Forward}} {
				r := compattest.Check(t, f, dir.level, cur, history, opts)
				*dir.out = compattest.Verdict{Compatible: r.Compatible, Rules: ruleSet(t, r.Violations)}
			}
			if *update {
				if got.Backward.Compatible != want.Backward.Compatible || got.Forward.Compatible != want.Forward.Compatible {
					t.Errorf("verdicts changed: got backward %v forward %v, want %v %v (not rewriting)", got.Backward.Compatible, got.Forward.Compatible, want.Backward.Compatible, want.Forward.Compatible)
					return
				}
				b, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(filepath.Join(dir, "want.json"), append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s\n(-want +got):\n%s", want.Description, diff)
			}
		})
	}
	if n < 60 {
		t.Errorf("only %d fixture cases, want at least 60", n)
	}
}

// ruleSet returns the sorted distinct rule ids, checking each is documented.
func ruleSet(t *testing.T, vs []compat.Violation) []string {
	t.Helper()
	for _, v := range vs {
		if _, ok := compattest.LookupRule(jsonschema.Rules(), v.Rule); !ok {
			t.Errorf("violation %+v has a rule missing from jsonschema.Rules", v)
		}
		if v.Path == "" || v.Path[0] != '#' || v.Message == "" {
			t.Errorf("violation %+v needs a #/ path and a message", v)
		}
	}
	return compattest.RuleIDs(vs)
}
