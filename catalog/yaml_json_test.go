package catalog

import (
	"testing"
)

// TestToJSONKeepsOrderAndNesting: a YAML value (an example payload) becomes
// JSON with its keys in the order written, sequences and mappings nested.
func TestToJSONKeepsOrderAndNesting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"MappingKeepsKeyOrder", "z: 1\na: two\nm: true", `{"z":1,"a":"two","m":true}`},
		{"NestedSequencesAndMappings", "list: [1, {b: [], c: {}}]\nn: ~", `{"list":[1,{"b":[],"c":{}}],"n":null}`},
		{"EmptySequence", "[]", `[]`},
		{"KeysAreEscaped", `"q\"k": x`, `{"q\"k":"x"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			budget := maxTokens
			d := &decoder{file: "v.yaml", src: newSource(), budget: &budget}
			roots := d.roots([]byte(tc.src))
			if len(roots) != 1 || len(d.probs) != 0 {
				t.Fatalf("parse %q: %d roots, problems %v", tc.src, len(roots), d.probs)
			}
			if got := string(toJSON(roots[0])); got != tc.want {
				t.Errorf("toJSON = %s, want %s", got, tc.want)
			}
		})
	}
}
