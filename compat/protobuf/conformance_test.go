package protobuf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// conformanceDir holds Confluent's published Protobuf compatibility examples. They
// are read in place and never copied here: they are under the Confluent Community
// License.
const conformanceDir = "../../../shared/conformance/confluent-schema-registry-protobuf"

type confluentCase struct {
	Description          string `json:"description"`
	OriginalSchema       string `json:"original_schema"`
	UpdateSchema         string `json:"update_schema"`
	OriginalDependencies []struct {
		Name       string  `json:"name"`
		Dependency *string `json:"dependency"`
	} `json:"original_dependencies"`
	UpdateDependencies []struct {
		Name       string  `json:"name"`
		Dependency *string `json:"dependency"`
	} `json:"update_dependencies"`
	Changes    []string `json:"changes"`
	Compatible bool     `json:"compatible"`
}

func loadConformance(t *testing.T, name string) []confluentCase {
	t.Helper()
	path := filepath.Join(conformanceDir, name)
	b, err := os.ReadFile(path)
	compattest.CheckRead(t, err, "Confluent Protobuf conformance cases", path, "it lives in the shared steering area, not in this repository")
	var cases []confluentCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s holds no cases: the file's shape changed or it is empty", name)
	}
	return cases
}

// TestConfluentConformance checks the CONFLUENT rule set against Confluent's own
// examples: the verdict (compatible = update can read original, i.e. BACKWARD) and,
// as a stricter second measure, the exact set of differences Diff reports.
func TestConfluentConformance(t *testing.T) {
	runConformance(t, loadConformance(t, "diff-schema-examples.json"))
}

// isResourcePath reports whether a case's schema is the name of an upstream test
// resource (not published with the JSON) rather than .proto text.
func isResourcePath(schema string) bool {
	return strings.HasSuffix(schema, ".proto") && !strings.ContainsAny(schema, " \n;{")
}

func runConformance(t *testing.T, cases []confluentCase) {
	verdicts, changeSets := 0, 0
	for _, c := range cases {
		t.Run(c.Description, func(t *testing.T) {
			if isResourcePath(c.OriginalSchema) || isResourcePath(c.UpdateSchema) {
				t.Skipf("schemas %s and %s are upstream test resources that were not published with the JSON", c.OriginalSchema, c.UpdateSchema)
			}
			refs := func(deps []struct {
				Name       string  `json:"name"`
				Dependency *string `json:"dependency"`
			}) []compat.Reference {
				var out []compat.Reference
				for _, d := range deps {
					if d.Dependency == nil {
						t.Skipf("dependency %s is a test resource that was not published", d.Name)
					}
					out = append(out, compat.Reference{Name: d.Name, Text: *d.Dependency})
				}
				return out
			}
			orig := mustParse(t, c.OriginalSchema, refs(c.OriginalDependencies)...)
			upd := mustParse(t, c.UpdateSchema, refs(c.UpdateDependencies)...)

			got := compattest.CanRead(t, Format{}, upd, orig, compat.Options{})
			if compatible := len(got) == 0; compatible != c.Compatible {
				t.Errorf("compatible = %v, Confluent says %v; violations: %v", compatible, c.Compatible, got)
			} else {
				verdicts++
			}

			var have []string
			for _, ch := range Diff(orig, upd) {
				have = append(have, ch.Type+" "+ch.Path)
			}
			want := append([]string(nil), c.Changes...)
			sort.Strings(have)
			sort.Strings(want)
			if diff := cmp.Diff(want, have, cmp.Comparer(func(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") })); diff != "" {
				t.Errorf("differences (-Confluent +Herald):\n%s", diff)
			} else {
				changeSets++
			}
		})
	}
	t.Logf("Confluent conformance: verdict agrees on %d/%d cases, exact change set on %d/%d", verdicts, len(cases), changeSets, len(cases))
}

// TestConfluentConformanceWithMeta runs the cases of the file with Confluent
// metadata. Each case whose schemas are upstream .proto resources (not published
// with the JSON; today, all of them) skips, saying so; any case with inline
// schemas is checked like the others.
func TestConfluentConformanceWithMeta(t *testing.T) {
	runConformance(t, loadConformance(t, "diff-schema-examples-with-meta.json"))
}
