package protobuf

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

const fixturesDir = "../../testdata/compat/protobuf"

// fixtureWant is a case's want.json. Backward is the check of current reading
// data written with previous, forward the reverse; Rules is the sorted set of rule
// ids reported.
type fixtureWant struct {
	Description string             `json:"description"`
	RuleSet     string             `json:"ruleSet"`
	Backward    compattest.Verdict `json:"backward"`
	Forward     compattest.Verdict `json:"forward"`
	// Also holds the verdicts on the same pair of schemas under other rule
	// sets: a change that Confluent allows and buf's WIRE or WIRE_JSON refuses
	// (or the reverse) is one case, not a copy of it per rule set.
	Also []fixtureWant `json:"also,omitempty"`
}

// ruleSets returns w and the wants of its Also list, each under its rule set.
func (w fixtureWant) ruleSets() []fixtureWant { return append([]fixtureWant{w}, w.Also...) }

// name is the rule set's name, for a subtest: "" is CONFLUENT.
func (w fixtureWant) name() string {
	if w.RuleSet == "" {
		return "CONFLUENT"
	}
	return w.RuleSet
}

// readRefs loads the references of one side of a case: every file under
// dir, named by its path relative to dir (its import path).
func readRefs(t *testing.T, dir string) []compat.Reference {
	t.Helper()
	var refs []compat.Reference
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		refs = append(refs, compat.Reference{Name: filepath.ToSlash(rel), Text: string(b)})
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return refs
}

// fixtureCase is one case folder of testdata/compat/protobuf.
type fixtureCase struct {
	dir  string
	want fixtureWant
}

// side returns the text and the references of one side of the case,
// "previous" or "current".
func (c fixtureCase) side(t *testing.T, side string) (string, []compat.Reference) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, side+".proto"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), readRefs(t, filepath.Join(c.dir, side+".refs"))
}

// eachFixture runs test as a parallel subtest for every case folder, with
// the case's want.json read.
func eachFixture(t *testing.T, test func(t *testing.T, c fixtureCase)) {
	t.Helper()
	entries, err := os.ReadDir(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 50 {
		t.Errorf("only %d fixture cases", len(entries))
	}
	for _, e := range entries {
		c := fixtureCase{dir: filepath.Join(fixturesDir, e.Name())}
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile(filepath.Join(c.dir, "want.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &c.want); err != nil {
				t.Fatal(err)
			}
			test(t, c)
		})
	}
}

func TestFixtures(t *testing.T) {
	t.Parallel()
	f := Format{}
	eachFixture(t, func(t *testing.T, c fixtureCase) {
		prev, err := f.Parse(c.side(t, "previous"))
		if err != nil {
			t.Fatalf("previous.proto: %v", err)
		}
		cur, err := f.Parse(c.side(t, "current"))
		if err != nil {
			t.Fatalf("current.proto: %v", err)
		}
		previous := []compat.Previous{{Version: 1, Schema: prev}}
		for _, want := range c.want.ruleSets() {
			t.Run(want.name(), func(t *testing.T) {
				checkFixture(t, f, cur, previous, want)
			})
		}
	})
}

// checkFixture checks cur against previous both ways under want's rule set.
func checkFixture(t *testing.T, f Format, cur compat.Schema, previous []compat.Previous, want fixtureWant) {
	t.Helper()
	opts := compat.Options{RuleSet: want.RuleSet}
	for _, dir := range []struct {
		level      compat.Level
		compatible bool
		rules      []string
	}{
		{compat.Backward, want.Backward.Compatible, want.Backward.Rules},
		{compat.Forward, want.Forward.Compatible, want.Forward.Rules},
	} {
		r := compattest.Check(t, f, dir.level, cur, previous, opts)
		if r.Compatible != dir.compatible {
			t.Errorf("%s: compatible = %v, want %v (%s)", dir.level, r.Compatible, dir.compatible, want.Description)
		}
		if diff := cmp.Diff(append([]string{}, dir.rules...), compattest.RuleIDs(r.Violations)); diff != "" {
			t.Errorf("%s rules (-want +got):\n%s\nviolations: %+v", dir.level, diff, r.Violations)
		}
		for _, v := range r.Violations {
			if _, ok := compattest.LookupRule(Rules(), v.Rule); !ok {
				t.Errorf("rule %s is not listed in Rules", v.Rule)
			}
			if v.Message == "" {
				t.Errorf("%s violation without a message", v.Rule)
			}
		}
	}
}
