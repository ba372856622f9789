package avro

import (
	"strconv"
	"testing"

	tavro "github.com/twmb/avro"

	"github.com/heraldhq/herald/compat"
)

// TestParsingCanonicalFormMatchesSubmittedText checks that the Parsing
// Canonical Form, now derived from the stored text, is the one twmb/avro gives
// for the text as submitted (with whitespace and a repeated namespace the
// stored text drops).
func TestParsingCanonicalFormMatchesSubmittedText(t *testing.T) {
	t.Parallel()
	ref := compat.Reference{Name: "c.Money", Text: `{"type":"record","name":"Money","namespace":"c","fields":[{"name":"units","type":"long"}]}`}
	tests := []struct {
		name string
		text string
		refs []compat.Reference
	}{
		{"RepeatedNamespaceSameForm", `{ "type": "record", "name": "R", "namespace": "n",
			"fields": [ {"name": "in", "type": {"type": "record", "name": "In", "namespace": "n", "fields": [{"name":"x","type":"int"}]}},
			            {"name": "again", "type": "n.In"} ] }`, nil},
		{"ReferenceInlinedSameForm", `{"type":"record","name":"Order","fields":[{"name":"price","type":"c.Money"},{"name":"tax","type":"c.Money"}]}`, []compat.Reference{ref}},
		{"PrimitiveSameForm", ` "string" `, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.text, tt.refs)
			if err != nil {
				t.Fatal(err)
			}
			var cache tavro.SchemaCache
			for _, r := range tt.refs {
				if _, err := cache.Parse(r.Text); err != nil {
					t.Fatal(err)
				}
			}
			raw, err := cache.Parse(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := s.ParsingCanonicalForm(), string(raw.Canonical()); got != want {
				t.Errorf("ParsingCanonicalForm() = %s, want %s", got, want)
			}
		})
	}
}

// TestSharedPrimitiveNodesStayUnchanged checks that parsing never writes to
// the primitive nodes every schema shares: a schema whose null sits in a
// record must leave the shared null marked zero-sized and every other
// shared primitive not.
func TestSharedPrimitiveNodesStayUnchanged(t *testing.T) {
	t.Parallel()
	if _, err := Parse(`{"type":"record","name":"R","fields":[{"name":"a","type":"null"},{"name":"b","type":["null","string"]}]}`, nil); err != nil {
		t.Fatal(err)
	}
	for k := range plainPrimitives {
		n := &plainPrimitives[k]
		if n.kind != kind(k) || n.zero != (kind(k) == kNull) {
			t.Errorf("shared %s node changed: kind %s, zero %v", kind(k), n.kind, n.zero)
		}
	}
}

// TestFieldLookupFindsEveryField checks the field and symbol indexes, scanned
// and sorted, against every name and against names that are absent.
func TestFieldLookupFindsEveryField(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, linearNames, linearNames + 1, 40} {
		s, err := Parse(compattestRecord(n), nil)
		if err != nil {
			t.Fatal(err)
		}
		r := s.root
		for i, f := range r.fields {
			if j, ok := r.field(f.name); !ok || j != i {
				t.Errorf("%d fields: field(%q) = %d, %v; want %d", n, f.name, j, ok, i)
			}
			if j, ok := r.fieldBytes([]byte(f.name)); !ok || j != i {
				t.Errorf("%d fields: fieldBytes(%q) = %d, %v; want %d", n, f.name, j, ok, i)
			}
		}
		for _, absent := range []string{"", "a", "zzz", "f"} {
			if _, ok := r.field(absent); ok {
				t.Errorf("%d fields: field(%q) found a field", n, absent)
			}
		}
		e := r.fields[0].typ
		for _, sym := range e.symbols {
			if !e.hasSymbol(sym) || !e.hasSymbolBytes([]byte(sym)) {
				t.Errorf("%d symbols: %q not found", n, sym)
			}
		}
		if e.hasSymbol("NOPE") || e.hasSymbolBytes([]byte("NOPE")) {
			t.Errorf("%d symbols: NOPE found", n)
		}
	}
}

// compattestRecord is a record of n fields whose first field is an enum of n
// symbols.
func compattestRecord(n int) string {
	syms := ""
	fields := ""
	for i := range n {
		if i > 0 {
			syms += ","
		}
		syms += `"S` + strconv.Itoa(n-i) + `"`
		fields += `,{"name":"f` + strconv.Itoa(n-i) + `","type":"string"}`
	}
	return `{"type":"record","name":"R","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":[` + syms + `]}}` + fields + `]}`
}
