package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/compat"
)

// TestHighlight pins the tokens of each highlighter: plain runs are merged,
// keys are told from string values, and unterminated literals end the text.
func TestHighlight(t *testing.T) {
	t.Parallel()
	tok := func(class, text string) catalog.Token { return catalog.Token{Class: class, Text: text} }
	for _, tc := range []struct {
		name string
		typ  compat.SchemaType
		text string
		want []catalog.Token
	}{
		{"JSONKeysStringsNumbersLiterals", compat.JSON, `{"a \"q\"" : "v", "n": -1.5e3, "t": [true, false, null]}`, []catalog.Token{
			tok("", "{"), tok("k", `"a \"q\""`), tok("", " : "), tok("s", `"v"`), tok("", ", "), tok("k", `"n"`), tok("", ": "),
			tok("n", "-1.5e3"), tok("", ", "), tok("k", `"t"`), tok("", ": ["), tok("n", "true"), tok("", ", "), tok("n", "false"),
			tok("", ", "), tok("n", "null"), tok("", "]}"),
		}},
		{"JSONUnterminatedStringEndsTheText", compat.Avro, `["ab`, []catalog.Token{tok("", "["), tok("s", `"ab`)}},
		{"ProtobufKeywordsTypesNamesComments", compat.Protobuf, "syntax = \"proto3\"; // c\nmessage M { repeated int32 a_b = 12; /* x */ pkg.T t = 2; }", []catalog.Token{
			tok("k", "syntax"), tok("", " = "), tok("s", `"proto3"`), tok("", "; "), tok("c", "// c"), tok("", "\n"),
			tok("k", "message"), tok("", " M { "), tok("k", "repeated"), tok("", " "), tok("n", "int32"), tok("", " a_b = "),
			tok("n", "12"), tok("", "; "), tok("c", "/* x */"), tok("", " pkg.T t = "), tok("n", "2"), tok("", "; }"),
		}},
		{"ProtobufUnterminatedCommentAndString", compat.Protobuf, "'a\\'b' /* open", []catalog.Token{
			tok("s", `'a\'b'`), tok("", " "), tok("c", "/* open"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, catalog.Highlight(tc.typ, tc.text)); diff != "" {
				t.Errorf("Highlight(%s) tokens (-want +got):\n%s", tc.typ, diff)
			}
		})
	}
}
