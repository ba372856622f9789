package rulebook_test

import (
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
	"github.com/heraldhq/herald/compat/rulebook"
)

var update = flag.Bool("update", false, "rewrite testdata/rules.json from rulebook.All")

var upperSnake = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

func TestRulesWellFormed(t *testing.T) {
	t.Parallel()
	rules := rulebook.All()
	if len(rules) == 0 {
		t.Fatal("rulebook.All is empty")
	}
	known := map[string]bool{"": true}
	for _, st := range compat.SchemaTypes {
		known[st.String()] = true
	}
	seen := map[string]int{}
	for i, r := range rules {
		if j, dup := seen[r.ID]; dup {
			t.Errorf("rule %s listed twice (at %d and %d)", r.ID, j, i)
		}
		seen[r.ID] = i
		if !upperSnake.MatchString(r.ID) {
			t.Errorf("rule %q is not UPPER_SNAKE", r.ID)
		}
		if strings.TrimSpace(r.Purpose) == "" {
			t.Errorf("rule %s has no purpose", r.ID)
		}
		if strings.Contains(r.Purpose, "\n") {
			t.Errorf("rule %s: purpose is more than one line", r.ID)
		}
		if !known[r.Format] {
			t.Errorf("rule %s: format %q is not a schema type", r.ID, r.Format)
		}
		if got, ok := rulebook.Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%s) = %+v, %v", r.ID, got, ok)
		}
	}
	if _, ok := rulebook.Lookup("NO_SUCH_RULE"); ok {
		t.Error("Lookup found a rule nobody declares")
	}
}

// TestRulesUnchanged compares the joined list with testdata/rules.json, the list
// GET /v1/compat/rules serves: ids and their order are a public contract, so a
// change to them is made on purpose, with -update.
func TestRulesUnchanged(t *testing.T) {
	t.Parallel()
	got, err := json.MarshalIndent(rulebook.All(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "rules.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("rules differ from %s (-want +got); run with -update if the change is meant:\n%s", golden, d)
	}
}

// TestRulesKeepFormatOrder checks that each format's list appears whole and in
// order, after the shared rules: the page groups rules by format.
func TestRulesKeepFormatOrder(t *testing.T) {
	t.Parallel()
	var want []compat.RuleInfo
	for _, l := range [][]compat.RuleInfo{compat.SharedRules(), avro.Rules(), jsonschema.Rules(), protobuf.Rules()} {
		want = append(want, l...)
	}
	if d := cmp.Diff(want, rulebook.All()); d != "" {
		t.Errorf("rulebook.All is not the formats' lists joined (-want +got):\n%s", d)
	}
}

// TestRulesReturnCopies checks that a caller cannot change the shared list.
func TestRulesReturnCopies(t *testing.T) {
	t.Parallel()
	lists := map[string]func() []compat.RuleInfo{
		"all": rulebook.All, "shared": compat.SharedRules,
		"avro": avro.Rules, "jsonschema": jsonschema.Rules, "protobuf": protobuf.Rules,
	}
	for name, rules := range lists {
		t.Run(name+"_copy_is_independent", func(t *testing.T) {
			t.Parallel()
			first := rules()
			first[0].ID = "CHANGED_BY_CALLER"
			if rules()[0].ID == "CHANGED_BY_CALLER" {
				t.Errorf("%s: changing the returned list changed the next one", name)
			}
		})
	}
}

// TestCheckersUseRuleConstants reads the non-test sources of every format and
// fails on a string literal that spells a rule id, or a piece of one joined at
// run time ("_ADDED", "ADDITIONAL_PROPERTIES"), anywhere but in a constant
// declaration: checkers report rules through the constants, so a misspelt id
// does not build.
func TestCheckersUseRuleConstants(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, r := range rulebook.All() {
		ids[r.ID] = true
	}
	for _, dir := range []string{"../avro", "../jsonschema", "../protobuf"} {
		t.Run(filepath.Base(dir)+"_has_no_literal_rule_ids", func(t *testing.T) {
			t.Parallel()
			files, err := filepath.Glob(filepath.Join(dir, "*.go"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no Go files in %s: %v", dir, err)
			}
			fset := token.NewFileSet()
			for _, name := range files {
				if strings.HasSuffix(name, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
				if err != nil {
					t.Fatal(err)
				}
				for _, lit := range literalRuleIDs(f, ids) {
					t.Errorf("%s: string literal %s spells a rule id or part of one; use the rule constant", fset.Position(lit.Pos()), lit.Value)
				}
			}
		})
	}
}

// literalRuleIDs returns the string literals of f, outside constant
// declarations, that are a rule id or a piece of one joined at run time.
func literalRuleIDs(f *ast.File, ids map[string]bool) []*ast.BasicLit {
	var out []*ast.BasicLit
	ast.Inspect(f, func(n ast.Node) bool {
		if d, ok := n.(*ast.GenDecl); ok && d.Tok == token.CONST {
			return false // the one place an id is spelt
		}
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err == nil && spellsRule(s, ids) {
			out = append(out, lit)
		}
		return true
	})
	return out
}

// spellsRule reports whether s is a rule id, its leading words ("ADDITIONAL_ITEMS")
// or its trailing words ("_NARROWED").
func spellsRule(s string, ids map[string]bool) bool {
	if len(s) < 3 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
		return false
	}
	if ids[s] {
		return true
	}
	for id := range ids {
		if strings.HasPrefix(id, s+"_") || (strings.HasPrefix(s, "_") && strings.HasSuffix(id, s)) {
			return true
		}
	}
	return false
}

// TestSpellsRule shows the check catches what it must and leaves other
// upper-case strings alone.
func TestSpellsRule(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{"ADDITIONAL_ITEMS_NARROWED": true, "TYPE_CHANGED": true}
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"TYPE_CHANGED", true},
		{"ADDITIONAL_ITEMS", true},
		{"_NARROWED", true},
		{"WIRE_JSON", false},
		{"TYPE_CHANGE", false},
		{"type_changed", false},
		{"", false},
	} {
		name := "flags_" + tc.s
		if !tc.want {
			name = "passes_" + tc.s
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := spellsRule(tc.s, ids); got != tc.want {
				t.Errorf("spellsRule(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}
