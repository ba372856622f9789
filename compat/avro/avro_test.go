package avro

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

func mustParse(t testing.TB, text string, refs ...compat.Reference) *Schema {
	t.Helper()
	return compattest.MustParse(t, Parse, text, refs)
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		refs       []compat.Reference
		file, path string
		message    string
		line, col  int
	}{
		{name: "UnknownTypeName", text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"},{"name":"c","type":"Money"}]}`,
			path: "/fields/2/type", message: `unknown type name "Money"`},
		{name: "UnknownNestedType", text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"array","items":["null","strin"]}}]}`,
			path: "/fields/0/type/items/1", message: `unknown type name "strin"`},
		{name: "InvalidDefault", text: `{"type":"record","name":"R","fields":[{"name":"x","type":"int","default":"seven"}]}`,
			path: "/fields/0/default", message: `invalid default for field "x"`},
		{name: "IntDefaultOutOfRange", text: `{"type":"record","name":"R","fields":[{"name":"x","type":"int","default":3000000000}]}`,
			path: "/fields/0/default", message: "out of range for int"},
		{name: "UnionDefaultMatchesNoBranch", text: `{"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":"a"}]}`,
			path: "/fields/0/default", message: "matches no branch"},
		{name: "DuplicateField", text: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"long"}]}`,
			path: "/fields/1/name", message: `field "a" is declared twice`},
		{name: "DuplicateSymbol", text: `{"type":"enum","name":"E","symbols":["A","B","A"]}`,
			path: "/symbols/2", message: `enum symbol "A" is listed twice`},
		{name: "EnumDefaultNotASymbol", text: `{"type":"enum","name":"E","symbols":["A"],"default":"B"}`,
			path: "/default", message: "not one of the enum's symbols"},
		{name: "DuplicateUnionBranch", text: `["null","int","int"]`, path: "/2", message: "both int"},
		{name: "NestedUnion", text: `["null",["int"]]`, path: "/1", message: "may not directly contain another union"},
		{name: "NegativeFixedSize", text: `{"type":"fixed","name":"F","size":-1}`, path: "/size", message: "non-negative"},
		{name: "InvalidName", text: `{"type":"record","name":"1R","fields":[]}`, path: "/name", message: `invalid name "1R"`},
		{name: "MissingType", text: `{"name":"R"}`, path: "", message: `missing "type"`},
		{name: "TypeDefinedTwice", text: `{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"fixed","name":"R","size":1}}]}`,
			path: "/fields/0/type/name", message: `type "R" is defined more than once`},
		{name: "BadJSON", text: "{\"type\": \"record\",\n \"name\": }", line: 2, col: 11, message: "invalid JSON"},
		{name: "NotASchema", text: `42`, message: "not a JSON number"},
		{name: "BadReference", text: `"string"`, refs: []compat.Reference{{Name: "money.avsc", Text: `{"type":"fixed","name":"Money"}`}},
			file: "money.avsc", message: `needs a "size"`},
		{name: "DecimalWithoutPrecision", text: `{"type":"bytes","logicalType":"decimal"}`, path: "/precision", message: "positive integer precision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.text, tt.refs)
			compattest.CheckSchemaError(t, err, compat.SchemaError{File: tt.file, Line: tt.line, Column: tt.col, Path: tt.path, Message: tt.message})
		})
	}
}

func TestParseAcceptsPrimitives(t *testing.T) {
	t.Parallel()
	for _, text := range []string{`"null"`, `"boolean"`, `"int"`, `"long"`, `"float"`, `"double"`, `"bytes"`, ` "string" `, `{"type":"string"}`} {
		s := mustParse(t, text)
		if got := s.Canonical(); got != strings.TrimSpace(text) {
			t.Errorf("Canonical(%s) = %s", text, got)
		}
	}
}

func TestParseUnionDefaultAnyBranch(t *testing.T) {
	t.Parallel()
	// Avro 1.12 (AVRO-3649): a union default may match any branch.
	mustParse(t, `{"type":"record","name":"R","fields":[{"name":"x","type":["null","int"],"default":1}]}`)
}

func TestCanonicalKeepsEverything(t *testing.T) {
	t.Parallel()
	text := `{
	  "type": "record", "name": "Order", "namespace": "com.acme", "doc": "An order",
	  "aliases": ["Purchase"], "x-owner": "team-a",
	  "fields": [
	    {"name": "id", "type": {"type": "string", "logicalType": "uuid"}, "doc": "the id"},
	    {"name": "note", "type": "string", "default": "", "aliases": ["comment"]}
	  ]
	}`
	want := `{"type":"record","name":"Order","namespace":"com.acme","doc":"An order","aliases":["Purchase"],"x-owner":"team-a","fields":[{"name":"id","type":{"type":"string","logicalType":"uuid"},"doc":"the id"},{"name":"note","type":"string","default":"","aliases":["comment"]}]}`
	if got := mustParse(t, text).Canonical(); got != want {
		t.Errorf("Canonical() =\n%s\nwant\n%s", got, want)
	}
}

func TestNormalized(t *testing.T) {
	t.Parallel()
	a := `{"type":"record","name":"Order","namespace":"com.acme","aliases":["Z","A"],"fields":[
		{"name":"id","type":{"type":"string"}},
		{"name":"at","type":{"logicalType":"timestamp-millis","type":"long"},"doc":"when"},
		{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"],"default":"NEW"}},
		{"name":"prev","type":"Status","default":"PAID","order":"ascending"},
		{"name":"meta","type":{"type":"map","values":"int"},"default":{"b":2,"a":1},"x-tag":{"z":1,"y":[1,2]}},
		{"name":"inner","type":{"type":"record","name":"Inner","namespace":"","fields":[]}}
	]}`
	b := `{"namespace":"com.acme","fields":[
		{"type":"string","name":"id"},
		{"doc":"when","name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
		{"type":{"symbols":["NEW","PAID"],"name":"com.acme.Status","type":"enum","default":"NEW"},"name":"status"},
		{"default":"PAID","name":"prev","type":"com.acme.Status"},
		{"x-tag":{"y":[1,2],"z":1},"name":"meta","default":{"a":1,"b":2},"type":{"values":"int","type":"map"}},
		{"name":"inner","type":{"type":"record","name":"Inner","namespace":"","fields":[]}}
	],"aliases":["com.acme.A","Z"],"name":"Order","type":"record"}`
	sa, sb := mustParse(t, a), mustParse(t, b)
	want := `{"type":"record","name":"com.acme.Order","aliases":["com.acme.A","com.acme.Z"],"fields":[` +
		`{"name":"id","type":"string"},` +
		`{"name":"at","doc":"when","type":{"type":"long","logicalType":"timestamp-millis"}},` +
		`{"name":"status","type":{"type":"enum","name":"com.acme.Status","symbols":["NEW","PAID"],"default":"NEW"}},` +
		`{"name":"prev","type":"com.acme.Status","default":"PAID"},` +
		`{"name":"meta","type":{"type":"map","values":"int"},"default":{"a":1,"b":2},"x-tag":{"y":[1,2],"z":1}},` +
		`{"name":"inner","type":{"type":"record","name":"Inner","namespace":"","fields":[]}}]}`
	if diff := cmp.Diff(want, sa.Normalized()); diff != "" {
		t.Errorf("Normalized (-want +got):\n%s", diff)
	}
	if sa.Normalized() != sb.Normalized() {
		t.Errorf("formatting and key order changed the normalized form:\n%s\n%s", sa.Normalized(), sb.Normalized())
	}
	if sa.Canonical() == sb.Canonical() {
		t.Error("Canonical should keep key order")
	}
	again := mustParse(t, sa.Normalized())
	if again.Normalized() != sa.Normalized() {
		t.Errorf("not idempotent:\n%s\n%s", sa.Normalized(), again.Normalized())
	}
	if again.Fingerprint() != sa.Fingerprint() {
		t.Error("normalizing changed the fingerprint")
	}
}

func TestNormalizedKeepsMeaning(t *testing.T) {
	t.Parallel()
	base := `{"type":"record","name":"R","fields":[{"name":"a","type":"string"}]}`
	for _, other := range []string{
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string","default":""}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string","aliases":["b"]}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":"string","doc":"x"}]}`,
		`{"type":"record","name":"R","fields":[{"name":"a","type":{"type":"string","logicalType":"uuid"}}]}`,
		`{"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"string"}]}`,
	} {
		if mustParse(t, base).Normalized() == mustParse(t, other).Normalized() {
			t.Errorf("%s normalizes like %s", other, base)
		}
	}
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	// The Avro specification's test vector for "null".
	if got := mustParse(t, `"null"`).Fingerprint(); got != 0x63dd24e7cc258f8a {
		t.Errorf(`Fingerprint("null") = %x`, got)
	}
	a := mustParse(t, `{"type":"record","name":"R","namespace":"n","doc":"d","fields":[{"name":"a","type":"int","default":1}]}`)
	b := mustParse(t, `{"name":"n.R","type":"record","fields":[{"type":"int","name":"a"}]}`)
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("fingerprints differ for schemas with the same Parsing Canonical Form")
	}
	if want := `{"name":"n.R","type":"record","fields":[{"name":"a","type":"int"}]}`; a.ParsingCanonicalForm() != want {
		t.Errorf("ParsingCanonicalForm() = %s", a.ParsingCanonicalForm())
	}
	if Fingerprint([]byte(a.ParsingCanonicalForm())) != a.Fingerprint() {
		t.Error("Fingerprint helper disagrees with the method")
	}
}

var moneyRef = compat.Reference{Name: "com.acme.Money", Text: `{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"units","type":"long"},{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD"]}}]}`}

func TestReferences(t *testing.T) {
	t.Parallel()
	text := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"total","type":"Money"},{"name":"tax","type":"com.acme.Money"},{"name":"cur","type":"Currency"}]}`
	s := mustParse(t, text, moneyRef)
	want := `{"type":"record","name":"com.acme.Order","fields":[{"name":"total","type":"com.acme.Money"},{"name":"tax","type":"com.acme.Money"},{"name":"cur","type":"com.acme.Currency"}]}`
	if got := s.Normalized(); got != want {
		t.Errorf("Normalized() = %s\nwant %s", got, want)
	}
	if _, err := Parse(s.Normalized(), []compat.Reference{moneyRef}); err != nil {
		t.Errorf("normalized form does not parse with its references: %v", err)
	}
	if !strings.Contains(s.ParsingCanonicalForm(), `"units"`) {
		t.Errorf("Parsing Canonical Form should inline referenced types: %s", s.ParsingCanonicalForm())
	}
	if err := s.Validate([]byte(`{"total":{"units":5,"currency":"EUR"},"tax":{"units":1,"currency":"USD"},"cur":"EUR"}`), compat.EncodingJSON); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if err := s.Validate([]byte(`{"total":{"units":5,"currency":"GBP"},"tax":{"units":1,"currency":"USD"},"cur":"EUR"}`), compat.EncodingJSON); err == nil {
		t.Error("Validate accepted an unknown currency")
	}

	// Without the reference the name is unknown.
	_, err := Parse(text, nil)
	var se *compat.SchemaError
	if !errors.As(err, &se) || se.Path != "/fields/0/type" || !strings.Contains(se.Message, `"Money"`) {
		t.Errorf("without reference: %v", err)
	}

	// A reference that uses another, dependencies first; a diamond is fine.
	lineRef := compat.Reference{Name: "com.acme.Line", Text: `{"type":"record","name":"Line","namespace":"com.acme","fields":[{"name":"price","type":"Money"}]}`}
	cart := mustParse(t, `{"type":"record","name":"Cart","namespace":"com.acme","fields":[{"name":"lines","type":{"type":"array","items":"Line"}},{"name":"total","type":"Money"}]}`, moneyRef, lineRef)
	if err := cart.Validate([]byte(`{"lines":[{"price":{"units":1,"currency":"EUR"}}],"total":{"units":1,"currency":"XXX"}}`), compat.EncodingJSON); err == nil ||
		err.(*compat.InvalidPayloadError).Problems[0].Path != "/total/currency" {
		t.Errorf("Validate: %v", err)
	}

	// Compatibility looks through references.
	newMoney := compat.Reference{Name: moneyRef.Name, Text: `{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"units","type":"long"},{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR"]}}]}`}
	old := mustParse(t, text, moneyRef)
	cur := mustParse(t, text, newMoney)
	vs := compattest.CanRead(t, Format{}, cur, old, compat.Options{})
	if len(vs) == 0 || vs[0].Rule != RuleMissingEnumSymbols || vs[0].Path != "/fields/0/type/fields/1/type/symbols" {
		t.Errorf("CanRead through references = %+v", vs)
	}
}

func TestCanReadPathsAndMessages(t *testing.T) {
	t.Parallel()
	reader := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"id","type":"string"},
		{"name":"email","type":"string"},
		{"name":"qty","type":"int"},
		{"name":"tags","type":{"type":"array","items":{"type":"enum","name":"Tag","symbols":["A"]}}},
		{"name":"v","type":["null","string"]},
		{"name":"h","type":{"type":"fixed","name":"H","size":4}}]}`)
	writer := mustParse(t, `{"type":"record","name":"R","fields":[
		{"name":"id","type":"string"},
		{"name":"qty","type":"long"},
		{"name":"tags","type":{"type":"array","items":{"type":"enum","name":"Tag","symbols":["A","B","C"]}}},
		{"name":"v","type":["null","string","int"]},
		{"name":"h","type":{"type":"fixed","name":"H2","size":8}}]}`)
	got := compattest.CanRead(t, Format{}, reader, writer, compat.Options{})
	type rp struct{ Rule, Path string }
	var gotRP []rp
	for _, v := range got {
		gotRP = append(gotRP, rp{v.Rule, v.Path})
	}
	want := []rp{
		{RuleReaderFieldMissingDefaultValue, "/fields/1"},
		{RuleTypeMismatch, "/fields/2/type"},
		{RuleMissingEnumSymbols, "/fields/3/type/items/symbols"},
		{RuleMissingUnionBranch, "/fields/4/type/2"},
		{RuleNameMismatch, "/fields/5/type/name"},
		{RuleFixedSizeMismatch, "/fields/5/type/size"},
	}
	if diff := cmp.Diff(want, gotRP); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	msgs := map[string]string{}
	for _, v := range got {
		msgs[v.Rule] = v.Message
	}
	for rule, part := range map[string]string{
		RuleReaderFieldMissingDefaultValue: `reader field "email" (string) is missing from the writer schema and has no default`,
		RuleTypeMismatch:                   "reader type int cannot read writer type long",
		RuleMissingEnumSymbols:             "symbols B, C",
		RuleMissingUnionBranch:             "writer union branch 2 (int)",
		RuleNameMismatch:                   `reader fixed "H" does not match writer fixed "H2"`,
		RuleFixedSizeMismatch:              "size 4 in the reader but 8 in the writer",
	} {
		if !strings.Contains(msgs[rule], part) {
			t.Errorf("%s message %q does not contain %q", rule, msgs[rule], part)
		}
	}
	if v := compattest.CanRead(t, Format{}, mustParse(t, `"int"`), mustParse(t, `"string"`), compat.Options{}); len(v) != 1 || v[0].Path != "/" {
		t.Errorf("root mismatch = %+v", v)
	}
}

func TestCanReadRecursive(t *testing.T) {
	t.Parallel()
	tree := `{"type":"record","name":"Tree","fields":[{"name":"v","type":"%s"},{"name":"kids","type":{"type":"array","items":"Tree"}},{"name":"m","type":{"type":"map","values":["null","Tree"]}}]}`
	r := mustParse(t, strings.Replace(tree, "%s", "long", 1))
	w := mustParse(t, strings.Replace(tree, "%s", "int", 1))
	if vs := compattest.CanRead(t, Format{}, r, w, compat.Options{}); len(vs) != 0 {
		t.Errorf("long tree reads int tree: %+v", vs)
	}
	vs := compattest.CanRead(t, Format{}, w, r, compat.Options{})
	if len(vs) != 1 || vs[0].Rule != RuleTypeMismatch || vs[0].Path != "/fields/0/type" {
		t.Errorf("int tree reads long tree: %+v", vs)
	}
}

func TestCanReadForeignSchema(t *testing.T) {
	t.Parallel()
	vs := compattest.CanRead(t, Format{}, mustParse(t, `"int"`), nil, compat.Options{})
	if len(vs) != 1 {
		t.Errorf("CanRead with a nil writer = %+v", vs)
	}
}

func TestRulesListed(t *testing.T) {
	t.Parallel()
	for _, id := range []string{RuleNameMismatch, RuleFixedSizeMismatch, RuleMissingEnumSymbols, RuleReaderFieldMissingDefaultValue, RuleTypeMismatch, RuleMissingUnionBranch} {
		r, ok := compattest.LookupRule(Rules(), id)
		if !ok || r.Format != "AVRO" || r.Purpose == "" {
			t.Errorf("rule %s: %+v %v", id, r, ok)
		}
	}
}
