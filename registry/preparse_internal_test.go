package registry

import (
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
)

// TestPreParsedReusedOnlyForTheSameInputs checks that a parse made before the
// write lock stands in only for the same format, text and reference texts: a
// reference whose text changed in between (its version was deleted and the
// name now resolves elsewhere) means parsing again, since the schema may mean
// something else or not parse at all.
func TestPreParsedReusedOnlyForTheSameInputs(t *testing.T) {
	t.Parallel()
	var jsonFormat compat.Format
	for _, f := range formats.All() {
		if f.Type() == compat.JSON {
			jsonFormat = f
		}
	}
	const text = `{"$ref":"dep.json"}`
	refs := []compat.Reference{{Name: "dep.json", Text: `{"type":"string"}`}}
	p, err := jsonFormat.Parse(text, refs)
	if err != nil {
		t.Fatal(err)
	}
	pre := &preParsed{typ: compat.JSON, text: text, refs: refs, p: p}
	for _, tc := range []struct {
		name  string
		typ   compat.SchemaType
		text  string
		refs  []compat.Reference
		reuse bool
	}{
		{"SameInputsReuse", compat.JSON, text, []compat.Reference{{Name: "dep.json", Text: `{"type":"string"}`}}, true},
		{"OtherReferenceTextParsesAgain", compat.JSON, text, []compat.Reference{{Name: "dep.json", Text: `{"type":"integer"}`}}, false},
		{"OtherTextParsesAgain", compat.JSON, `{"$ref":"dep.json","title":"t"}`, refs, false},
		{"NoReferencesParsesAgain", compat.JSON, `{"type":"string"}`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pre.parse(jsonFormat, tc.typ, tc.text, tc.refs)
			if err != nil {
				t.Fatal(err)
			}
			if reused := got == p; reused != tc.reuse {
				t.Errorf("reused the earlier parse: %v, want %v", reused, tc.reuse)
			}
		})
	}
	var none *preParsed
	got, err := none.parse(jsonFormat, compat.JSON, text, refs)
	if err != nil || got == nil {
		t.Errorf("nil preParsed: parse = %v, %v; want a fresh parse", got, err)
	}
}
