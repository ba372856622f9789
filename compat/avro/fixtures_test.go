package avro

import (
	"encoding/json"
	"github.com/heraldhq/herald/compat/compattest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
)

const fixtureDir = "../../testdata/compat/avro"

type wantFile struct {
	Description string             `json:"description"`
	Backward    compattest.Verdict `json:"backward"`
	Forward     compattest.Verdict `json:"forward"`
}

type fixture struct {
	name              string
	previous, current *Schema
	want              wantFile
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(fixtureDir, e.Name())
		fx := fixture{name: e.Name()}
		fx.previous = mustParseFile(t, filepath.Join(dir, "previous.avsc"))
		fx.current = mustParseFile(t, filepath.Join(dir, "current.avsc"))
		b, err := os.ReadFile(filepath.Join(dir, "want.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &fx.want); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out = append(out, fx)
	}
	return out
}

func mustParseFile(t testing.TB, path string) *Schema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(string(b), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// ruleSet returns the sorted set of rule ids of the violations in the direction.
func ruleSet(vs []compat.Violation, dir compat.Direction) []string {
	return compattest.RuleIDs(slices.DeleteFunc(slices.Clone(vs), func(v compat.Violation) bool { return v.Direction != dir }))
}

func norm(rules []string) []string {
	if rules == nil {
		return []string{}
	}
	return rules
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	fixtures := loadFixtures(t)
	if len(fixtures) < 40 {
		t.Fatalf("only %d fixtures", len(fixtures))
	}
	f := Format{}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			prev := []compat.Previous{{Version: 1, Schema: fx.previous}}
			back := compattest.Check(t, f, compat.Backward, fx.current, prev, compat.Options{})
			fwd := compattest.Check(t, f, compat.Forward, fx.current, prev, compat.Options{})
			full := compattest.Check(t, f, compat.Full, fx.current, prev, compat.Options{})

			if back.Compatible != fx.want.Backward.Compatible {
				t.Errorf("backward compatible = %v, want %v: %+v", back.Compatible, fx.want.Backward.Compatible, back.Violations)
			}
			if diff := cmp.Diff(norm(fx.want.Backward.Rules), ruleSet(back.Violations, compat.DirBackward)); diff != "" {
				t.Errorf("backward rules (-want +got):\n%s\n%+v", diff, back.Violations)
			}
			if fwd.Compatible != fx.want.Forward.Compatible {
				t.Errorf("forward compatible = %v, want %v: %+v", fwd.Compatible, fx.want.Forward.Compatible, fwd.Violations)
			}
			if diff := cmp.Diff(norm(fx.want.Forward.Rules), ruleSet(fwd.Violations, compat.DirForward)); diff != "" {
				t.Errorf("forward rules (-want +got):\n%s\n%+v", diff, fwd.Violations)
			}
			wantFull := fx.want.Backward.Compatible && fx.want.Forward.Compatible
			if full.Compatible != wantFull {
				t.Errorf("full compatible = %v, want %v", full.Compatible, wantFull)
			}
			if diff := cmp.Diff(norm(fx.want.Backward.Rules), ruleSet(full.Violations, compat.DirBackward)); diff != "" {
				t.Errorf("full, backward part (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(norm(fx.want.Forward.Rules), ruleSet(full.Violations, compat.DirForward)); diff != "" {
				t.Errorf("full, forward part (-want +got):\n%s", diff)
			}
			for _, v := range full.Violations {
				if _, ok := compattest.LookupRule(Rules(), v.Rule); !ok {
					t.Errorf("violation rule %q is not in Rules", v.Rule)
				}
				if v.Path == "" || v.Path[0] != '/' || v.Message == "" {
					t.Errorf("violation without a JSON Pointer path or message: %+v", v)
				}
			}
		})
	}
}

// oracleDisagreements lists fixtures where twmb/avro's CheckCompatibility, our test
// oracle, reaches a different verdict on purpose, with the reason.
var oracleDisagreements = map[string]string{
	"decimal-precision-change": "twmb/avro checks decimal precision and scale; Apache Avro and Confluent do not, and neither do we",
}

// TestFixturesAgainstOracle compares each fixture's verdicts with twmb/avro's
// CheckCompatibility, used here only as an independent oracle.
func TestFixturesAgainstOracle(t *testing.T) {
	t.Parallel()
	for _, fx := range loadFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			back := tavroCheck(fx.previous, fx.current) == nil
			fwd := tavroCheck(fx.current, fx.previous) == nil
			agree := back == fx.want.Backward.Compatible && fwd == fx.want.Forward.Compatible
			reason, listed := oracleDisagreements[fx.name]
			switch {
			case !agree && !listed:
				t.Errorf("oracle says backward=%v forward=%v; fixture says %v %v", back, fwd, fx.want.Backward.Compatible, fx.want.Forward.Compatible)
			case agree && listed:
				t.Errorf("listed as a disagreement (%s) but the oracle now agrees", reason)
			}
		})
	}
}
