package jsonschema_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/internal/jsonlex"
)

// The published compatibility cases live next to the repository, never in it
// (the Confluent files are under the Confluent Community License).
const conformanceDir = "../../../shared/conformance"

func conformanceFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	path := filepath.Join(append([]string{conformanceDir}, parts...)...)
	b, err := os.ReadFile(path)
	compattest.CheckRead(t, err, "JSON Schema conformance cases", path, "the shared steering area is absent")
	return b
}

// stripTrailingCommas removes commas that directly precede } or ] (outside
// strings), the one liberty diff-schema-examples-2020-12.json takes with JSON.
func stripTrailingCommas(b []byte) []byte {
	out := make([]byte, 0, len(b))
	var str jsonlex.Strings
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if str.Next(ch) {
			out = append(out, ch)
			continue
		}
		if ch == ',' {
			j := i + 1
			for j < len(b) && strings.ContainsRune(" \t\r\n", rune(b[j])) {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') {
				continue
			}
		}
		out = append(out, ch)
	}
	return out
}

type confluentCase struct {
	Description       string          `json:"description"`
	Original          json.RawMessage `json:"original_schema"`
	Update            json.RawMessage `json:"update_schema"`
	Changes           []string        `json:"changes"`
	Compatible        bool            `json:"compatible"`
	CompatibleLenient *bool           `json:"compatible_lenient"`
}

// TestConfluentConformance checks our verdicts against Confluent's published JSON
// Schema cases: `compatible` is BACKWARD under STRICT, `compatible_lenient` under
// LENIENT. The target is full agreement.
func TestConfluentConformance(t *testing.T) {
	t.Parallel()
	files := []string{
		"diff-schema-examples.json",
		"diff-combined-schema-examples.json",
		"diff-schema-examples-2020-12.json",
		"diff-combined-schema-examples-2020-12.json",
	}
	f := jsonschema.New()
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			var cases []confluentCase
			if err := json.Unmarshal(stripTrailingCommas(conformanceFile(t, "confluent-schema-registry-json-schema", name)), &cases); err != nil {
				t.Fatal(err)
			}
			if len(cases) == 0 {
				t.Fatalf("%s holds no cases: the file's shape changed or it is empty", name)
			}
			checks, agree := 0, 0
			for i, c := range cases {
				o, err := f.Parse(string(c.Original), nil)
				if err != nil {
					t.Errorf("case %d %q: original: %v", i, c.Description, err)
					continue
				}
				u, err := f.Parse(string(c.Update), nil)
				if err != nil {
					t.Errorf("case %d %q: update: %v", i, c.Description, err)
					continue
				}
				lenient := c.Compatible
				if c.CompatibleLenient != nil {
					lenient = *c.CompatibleLenient
				}
				for _, p := range []struct {
					policy compat.Policy
					want   bool
				}{{compat.Strict, c.Compatible}, {compat.Lenient, lenient}} {
					checks++
					vs := compattest.CanRead(t, f, u, o, compat.Options{Policy: p.policy})
					if got := len(vs) == 0; got != p.want {
						t.Errorf("case %d %q under %v: compatible = %v, want %v\n  original: %s\n  update:   %s\n  Confluent changes: %v\n  our violations: %v",
							i, c.Description, p.policy, got, p.want, c.Original, c.Update, c.Changes, vs)
						continue
					}
					agree++
				}
			}
			t.Logf("%s: %d/%d verdicts agree (%.1f%%) over %d cases", name, agree, checks, 100*float64(agree)/float64(checks), len(cases))
		})
	}
}

type apicurioCase struct {
	ID            string          `json:"id"`
	Enabled       bool            `json:"enabled"`
	Compatibility string          `json:"compatibility"`
	Original      json.RawMessage `json:"original"`
	Updated       json.RawMessage `json:"updated"`
}

// apicurioDisagreements lists, by "index id", every Apicurio case where Herald
// deliberately gives another verdict, with the reason. Herald follows
// Confluent's semantics where the two registries differ.
var apicurioDisagreements = map[string]string{
	"41 Object: required": "Confluent ignores a required name that no property declares (its case " +
		"\"Detect required array to be changed\" is compatible); Herald follows Confluent, so FORWARD passes too",
	"42 Object: required": "same as 41: \"city\" is required but declared by no property, which Confluent ignores",
	"94 Enum 4": "an empty enum is not a valid draft-07 schema under the metaschema Herald validates against " +
		"(enum has minItems 1), so Herald refuses the original schema",
	"100 String: contentEncoding 2": "contentEncoding is an annotation: Herald's validator does not assert it, " +
		"so removing it changes nothing (Confluent ignores it as well)",
	"101 String: contentEncoding 3":  "contentEncoding is an annotation Herald does not assert; changing it is compatible both ways",
	"103 String: contentMediaType 2": "contentMediaType is an annotation Herald does not assert; removing it changes nothing",
	"104 String: contentMediaType 3": "contentMediaType is an annotation Herald does not assert; changing it is compatible both ways",
}

// TestApicurioConformance compares BACKWARD and FORWARD verdicts with Apicurio's
// cases (`backward` = backward only, `both`, `none`). Disagreements must be
// exactly those listed in apicurioDisagreements.
func TestApicurioConformance(t *testing.T) {
	t.Parallel()
	var data struct {
		Tests []apicurioCase `json:"tests"`
	}
	if err := json.Unmarshal(conformanceFile(t, "apicurio-registry-json-schema", "compatibility-test-data.json"), &data); err != nil {
		t.Fatal(err)
	}
	f := jsonschema.New()
	got := map[string]string{}
	agree, total := 0, 0
	for i, c := range data.Tests {
		if !c.Enabled {
			continue
		}
		total++
		key := fmt.Sprintf("%d %s", i, c.ID)
		o, err := f.Parse(string(c.Original), nil)
		if err != nil {
			got[key] = "original does not parse: " + err.Error()
			continue
		}
		u, err := f.Parse(string(c.Updated), nil)
		if err != nil {
			got[key] = "update does not parse: " + err.Error()
			continue
		}
		back := compattest.CanRead(t, f, u, o, compat.Options{})
		fwd := compattest.CanRead(t, f, o, u, compat.Options{})
		verdict := "none"
		switch {
		case len(back) == 0 && len(fwd) == 0:
			verdict = "both"
		case len(back) == 0:
			verdict = "backward"
		case len(fwd) == 0:
			verdict = "forward"
		}
		if verdict == c.Compatibility {
			agree++
			continue
		}
		got[key] = fmt.Sprintf("Herald says %s, Apicurio %s; backward %v; forward %v", verdict, c.Compatibility, rules(back), rules(fwd))
	}
	if total == 0 {
		t.Fatal("compatibility-test-data.json holds no enabled cases: the file's shape changed or it is empty")
	}
	t.Logf("compatibility-test-data.json: %d/%d cases agree (%.1f%%)", agree, total, 100*float64(agree)/float64(total))
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := apicurioDisagreements[k]; !ok {
			t.Errorf("new disagreement %q: %s", k, got[k])
		} else {
			t.Logf("known disagreement %q: %s", k, got[k])
		}
	}
	for k := range apicurioDisagreements {
		if _, ok := got[k]; !ok {
			t.Errorf("listed disagreement %q no longer occurs: remove it from apicurioDisagreements", k)
		}
	}
}

func rules(vs []compat.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule+" "+v.Path)
	}
	return out
}
