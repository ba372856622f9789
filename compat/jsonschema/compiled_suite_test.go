package jsonschema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
)

// The official JSON-Schema-Test-Suite is not in the repository. The test reads
// it from where .ci/run installs it: the npm package json-schema-test-suite
// (draft 3 and 4 cases) under testdata/suites, Debian's package (drafts 3 to
// 7), and the copy of the draft-07 and 2020-12 cases in a Go module's
// testdata. HERALD_JSON_SCHEMA_TEST_SUITE adds more checkouts of the suite
// (tests/<draft>/*.json), separated like PATH.

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

// suiteDebian is where Debian's json-schema-test-suite package (drafts 3 to
// 7) puts the suite; .ci/run installs it.
const suiteDebian = "/usr/share/json-schema-test-suite"

// suiteGoModule is the module whose testdata holds a copy of the suite's
// draft-07 and 2020-12 cases; .ci/run downloads it into the module cache.
const suiteGoModule = "github.com/google/jsonschema-go@v0.4.3"

func suiteRoots() []string {
	roots := []string{suiteDefault, suiteDebian}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		roots = append(roots, filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(suiteGoModule), "jsonschema", "testdata"))
	}
	if env := os.Getenv("HERALD_JSON_SCHEMA_TEST_SUITE"); env != "" {
		roots = append(roots, filepath.SplitList(env)...)
	}
	return roots
}

// suiteFiles lists a draft's case files under root, laid out as the suite
// (root/tests/<draft>) or as a copy of its tests folder (root/<draft>).
func suiteFiles(root, draft string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "tests", draft, "*.json"))
	more, _ := filepath.Glob(filepath.Join(root, draft, "*.json"))
	return append(files, more...)
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
			for _, file := range suiteFiles(root, draft) {
				found++
				name := filepath.Base(root) + "/" + draft + "/" + strings.TrimSuffix(filepath.Base(file), ".json")
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					runSuiteFile(t, file, dialect)
				})
			}
		}
	}
	if found == 0 {
		compattest.SkipMissingData(t, "JSON-Schema-Test-Suite", fmt.Sprintf("no cases found (looked in %s): .ci/run installs them (npm json-schema-test-suite, Debian json-schema-test-suite, go mod download %s); HERALD_JSON_SCHEMA_TEST_SUITE adds more", strings.Join(suiteRoots(), ", "), suiteGoModule))
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
			if compiled && full && !fast && !deepEquality(g.Schema, c.Data) && !escapedKeys(c.Data) {
				t.Errorf("%s / %s: valid %s left to the full validator by the compiled one", g.Description, c.Description, c.Data)
			}
		}
	}
}

// escapedKeys reports an instance with escape sequences ("foo\nbar" as a
// key): the compiled validator matches property names on their raw bytes and
// leaves escaped ones to the full validator, which is correct and rare.
func escapedKeys(data json.RawMessage) bool { return bytes.ContainsRune(data, '\\') }

// deepEquality reports a case the compiled validator leaves to the full one:
// enum, const or uniqueItems meeting an object or array.
func deepEquality(schema, data json.RawMessage) bool {
	uses := bytes.Contains(schema, []byte(`"enum"`)) || bytes.Contains(schema, []byte(`"const"`)) || bytes.Contains(schema, []byte(`"uniqueItems"`))
	return uses && bytes.ContainsAny(data, "{[")
}
