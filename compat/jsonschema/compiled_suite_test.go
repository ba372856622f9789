package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat/jsonschema"
)

// The official JSON-Schema-Test-Suite is not in the repository. .ci/run
// installs the npm package json-schema-test-suite (which ships its draft 3
// and draft 4 cases) under testdata/suites; HERALD_JSON_SCHEMA_TEST_SUITE adds
// more checkouts of the suite's layout (tests/<draft>/*.json), separated like
// PATH, for instance a clone of the suite itself for drafts 7 and 2020-12.

// suiteDefault is where .ci/run installs the npm package.
const suiteDefault = "../../testdata/suites/node_modules/json-schema-test-suite"

// suiteDrafts maps the suite's draft folders to the $schema their cases are
// read under (the cases do not say; Herald's default dialect is draft-07).
var suiteDrafts = map[string]string{
	"draft4":       "http://json-schema.org/draft-04/schema#",
	"draft6":       "http://json-schema.org/draft-06/schema#",
	"draft7":       "http://json-schema.org/draft-07/schema#",
	"draft2019-09": "https://json-schema.org/draft/2019-09/schema",
	"draft2020-12": "https://json-schema.org/draft/2020-12/schema",
}

type suiteGroup struct {
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Tests       []struct {
		Description string          `json:"description"`
		Data        json.RawMessage `json:"data"`
		Valid       bool            `json:"valid"`
	} `json:"tests"`
}

func suiteRoots() []string {
	roots := []string{suiteDefault}
	if env := os.Getenv("HERALD_JSON_SCHEMA_TEST_SUITE"); env != "" {
		roots = append(roots, filepath.SplitList(env)...)
	}
	return roots
}

// withDialect adds $schema to an object schema that has none.
func withDialect(schema json.RawMessage, dialect string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(schema, &obj) != nil || obj == nil {
		return string(schema)
	}
	if _, ok := obj["$schema"]; ok {
		return string(schema)
	}
	d, _ := json.Marshal(dialect)
	return `{"$schema":` + string(d) + `,` + strings.TrimPrefix(strings.TrimSpace(string(schema)), "{")
}

// TestJSONSchemaTestSuite runs the suite's required (not optional) cases for
// every draft found. For each case whose schema Herald parses and compiles:
// the compiled validator never accepts what the full validator refuses,
// Validate's errors are the full validator's, and every instance the full
// validator accepts, the compiled one accepts too, except the few the fast
// path leaves to the full validator by design (deep equality of objects and
// arrays in enum, const and uniqueItems).
func TestJSONSchemaTestSuite(t *testing.T) {
	t.Parallel()
	found := 0
	for _, root := range suiteRoots() {
		for draft, dialect := range suiteDrafts {
			files, _ := filepath.Glob(filepath.Join(root, "tests", draft, "*.json"))
			for _, file := range files {
				found++
				name := draft + "/" + strings.TrimSuffix(filepath.Base(file), ".json")
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					runSuiteFile(t, file, dialect)
				})
			}
		}
	}
	if found == 0 {
		t.Skipf("no JSON-Schema-Test-Suite cases found (looked in %s): .ci/run installs the npm package json-schema-test-suite there; HERALD_JSON_SCHEMA_TEST_SUITE adds more", strings.Join(suiteRoots(), ", "))
	}
}

func runSuiteFile(t *testing.T, file, dialect string) {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var groups []suiteGroup
	if err := json.Unmarshal(b, &groups); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, g := range groups {
		s, err := jsonschema.New().Parse(withDialect(g.Schema, dialect), nil)
		if err != nil {
			continue // remote references and the like: not a validation case for Herald
		}
		compiled := s.(*jsonschema.Schema).Compiled()
		for _, c := range g.Tests {
			full, fast := checkAgreement(t, s, string(c.Data))
			if full != c.Valid {
				// The full validator is the reference here; log where it and
				// the suite part.
				t.Logf("%s / %s: the full validator says %v, the suite %v", g.Description, c.Description, full, c.Valid)
			}
			if compiled && full && !fast && !deepEquality(g.Schema, c.Data) {
				t.Errorf("%s / %s: valid %s left to the full validator by the compiled one", g.Description, c.Description, c.Data)
			}
		}
	}
}

// deepEquality reports a case the compiled validator leaves to the full one:
// enum, const or uniqueItems meeting an object or array.
func deepEquality(schema, data json.RawMessage) bool {
	uses := bytes.Contains(schema, []byte(`"enum"`)) || bytes.Contains(schema, []byte(`"const"`)) || bytes.Contains(schema, []byte(`"uniqueItems"`))
	return uses && bytes.ContainsAny(data, "{[")
}
