package protobuf

import (
	"errors"
	"fmt"
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
		name string
		text string
		refs []compat.Reference
		want compat.SchemaError // Message is matched as a substring
	}{
		{
			name: "SyntaxErrorLocated",
			text: "syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n  int32 y = 2;\n}\n",
			want: compat.SchemaError{Line: 4, Column: 3, Message: "syntax error"},
		},
		{
			name: "UnknownType",
			text: "syntax = \"proto3\";\nmessage A {\n  Missing m = 1;\n}\n",
			want: compat.SchemaError{Line: 3, Column: 3, Message: "unknown type Missing"},
		},
		{
			name: "DuplicateFieldNumber",
			text: "syntax = \"proto3\";\nmessage A {\n  int32 x = 1;\n  int32 y = 1;\n}\n",
			want: compat.SchemaError{Line: 4, Column: 13, Message: "same tag 1"},
		},
		{
			name: "MissingImportNamesTheFix",
			text: "syntax = \"proto3\";\nimport \"other.proto\";\nmessage A {}\n",
			want: compat.SchemaError{Line: 2, Column: 8, Message: "pass it as a reference"},
		},
		{
			name: "ErrorInsideReferenceNamesTheFile",
			text: "syntax = \"proto3\";\nimport \"b.proto\";\nmessage A { B b = 1; }\n",
			refs: []compat.Reference{{Name: "b.proto", Text: "syntax = \"proto3\";\nmessage B {\n  C c = 1;\n}\n"}},
			want: compat.SchemaError{File: "b.proto", Line: 3, Column: 3, Message: "unknown type C"},
		},
		{
			name: "CountsFurtherErrors",
			text: "syntax = \"proto3\";\nmessage A {\n  X x = 1;\n  Y y = 2;\n}\n",
			want: compat.SchemaError{Line: 3, Column: 3, Message: "(and 1 more error)"},
		},
		{
			name: "Proto3RequiredRejected",
			text: "syntax = \"proto3\";\nmessage A {\n  required int32 x = 1;\n}\n",
			want: compat.SchemaError{Line: 3, Column: 3, Message: "required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tt.text, tt.refs)
			compattest.CheckSchemaError(t, err, tt.want)
		})
	}
}

func TestParseSyntaxes(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"Proto2":   "syntax = \"proto2\";\nmessage A { required int32 x = 1; optional group G = 2 { optional int32 y = 1; } }\n",
		"Proto3":   "syntax = \"proto3\";\nmessage A { optional int32 x = 1; map<string, A> m = 2; }\n",
		"NoSyntax": "message A { optional int32 x = 1; }\n",
		"Edition":  "edition = \"2023\";\nmessage A { int32 x = 1 [features.field_presence = IMPLICIT]; }\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, text)
			if s.FirstMessage() == nil || s.FirstMessage().Name() != "A" {
				t.Fatalf("FirstMessage = %v", s.FirstMessage())
			}
		})
	}
}

func TestParseReferences(t *testing.T) {
	t.Parallel()
	c := compat.Reference{Name: "acme/c.proto", Text: `syntax = "proto3"; package acme.c; message C { string v = 1; }`}
	b := compat.Reference{Name: "acme/b.proto", Text: `syntax = "proto3"; package acme.b; import "acme/c.proto"; message B { acme.c.C c = 1; }`}
	a := `syntax = "proto3";
package acme.a;
import "acme/b.proto";
import "google/protobuf/timestamp.proto";
message A {
  acme.b.B b = 1;
  google.protobuf.Timestamp at = 2;
}`
	s := mustParse(t, a, c, b)

	var paths []string
	for _, f := range s.Files() {
		paths = append(paths, f.Path())
	}
	want := []string{SchemaFile, "acme/b.proto", "google/protobuf/timestamp.proto", "acme/c.proto"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("Files() paths (-want +got):\n%s", diff)
	}
	fd := s.FirstMessage().Fields().ByName("b").Message().Fields().ByName("c").Message()
	if fd.FullName() != "acme.c.C" {
		t.Errorf("resolved through the chain to %s", fd.FullName())
	}
	if got := s.FirstMessage().Fields().ByName("at").Message().FullName(); got != "google.protobuf.Timestamp" {
		t.Errorf("well-known type resolved to %s", got)
	}

	// The chain is incomplete without c.proto: the error is in b.proto.
	_, err := Parse(a, []compat.Reference{b})
	var se *compat.SchemaError
	if !errors.As(err, &se) || se.File != "acme/b.proto" {
		t.Fatalf("missing transitive reference: %v", err)
	}

	// A reference named like the schema's own file does not clash with it.
	own := compat.Reference{Name: SchemaFile, Text: `syntax = "proto3"; package dep; message D {}`}
	s2 := mustParse(t, `syntax = "proto3"; import "schema.proto"; message A { dep.D d = 1; }`, own)
	if s2.File().Path() == SchemaFile {
		t.Errorf("schema compiled under a reference's name")
	}
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	text := "syntax = \"proto3\";  \r\n\r\n// keep me\nmessage B {}\t\nmessage A {}\n\n\n"
	s := mustParse(t, text)
	want := "syntax = \"proto3\";\n\n// keep me\nmessage B {}\nmessage A {}"
	if got := s.Canonical(); got != want {
		t.Errorf("Canonical() = %q, want %q", got, want)
	}
	if s.Text() != text {
		t.Errorf("Text() changed")
	}
}

func TestNormalizedErasesFormatting(t *testing.T) {
	t.Parallel()
	a := `syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
option java_package = "com.acme";
option go_package = "acme/v1";

// An order.
message Order {
  Status status = 1;
  google.protobuf.Timestamp at = 2 [deprecated = true, json_name = "when"];
  google.protobuf.Duration ttl = 3;
  enum Status { UNKNOWN = 0; OK = 1; }
  message Line { string sku = 1; }
  repeated Line lines = 4;
  map<string, Line> by_sku = 5;
  oneof pick { string x = 6; int64 y = 7; }
  optional string note = 8;
}
`
	b := `syntax="proto3";package acme;
option go_package="acme/v1";  option java_package="com.acme";
import "google/protobuf/duration.proto"; import "google/protobuf/timestamp.proto";
message Order {
  /* nested first this time */
  message Line {
    string sku = 1;
  }
  enum Status {
    UNKNOWN = 0;
    OK = 1;
  }
  .acme.Order.Status status = 1;
  .google.protobuf.Timestamp at = 2 [json_name = "when", deprecated = true];
  .google.protobuf.Duration ttl = 3;
  repeated .acme.Order.Line lines = 4;
  map<string, Order.Line> by_sku = 5;
  oneof pick {
    string x = 6;
    int64 y = 7;
  }
  optional string note = 8;
}
`
	sa, sb := mustParse(t, a), mustParse(t, b)
	if diff := cmp.Diff(sa.Normalized(), sb.Normalized()); diff != "" {
		t.Errorf("Normalized differs (-a +b):\n%s", diff)
	}
	want := `syntax = "proto3";
package acme;

import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";

option go_package = "acme/v1";
option java_package = "com.acme";

message Order {
  .acme.Order.Status status = 1;
  .google.protobuf.Timestamp at = 2 [deprecated = true, json_name = "when"];
  .google.protobuf.Duration ttl = 3;
  repeated .acme.Order.Line lines = 4;
  map<string, .acme.Order.Line> by_sku = 5;
  oneof pick {
    string x = 6;
    int64 y = 7;
  }
  optional string note = 8;
  enum Status {
    UNKNOWN = 0;
    OK = 1;
  }
  message Line {
    string sku = 1;
  }
}
`
	if diff := cmp.Diff(want, sa.Normalized()); diff != "" {
		t.Errorf("Normalized (-want +got):\n%s", diff)
	}
}

func TestNormalizedKeepsDeclarationOrder(t *testing.T) {
	t.Parallel()
	s := mustParse(t, `syntax = "proto3"; message Z { message Y {} message X {} } message A {} enum E { E0 = 0; } message M {}`)
	n := mustParse(t, s.Normalized())
	if diff := cmp.Diff(s.MessageNames(), n.MessageNames()); diff != "" {
		t.Errorf("message order changed (-orig +normalized):\n%s", diff)
	}
}

func TestNormalizedIsIdempotent(t *testing.T) {
	t.Parallel()
	for name, text := range normalizationCorpus {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, text)
			n1 := s.Normalized()
			s2, err := Parse(n1, nil)
			if err != nil {
				t.Fatalf("normalized form does not parse: %v\n%s", err, n1)
			}
			if n2 := s2.Normalized(); n1 != n2 {
				t.Fatalf("not idempotent (-first +second):\n%s", cmp.Diff(n1, n2))
			}
			if diff := cmp.Diff(s.MessageNames(), s2.MessageNames()); diff != "" {
				t.Errorf("message order changed:\n%s", diff)
			}
		})
	}
}

var normalizationCorpus = map[string]string{
	"Proto2Everything": `syntax = "proto2";
package acme;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions { optional string pii = 50001; repeated int32 tags = 50002; optional Meta meta = 50003; }
message Meta { optional string owner = 1; repeated string labels = 2; extensions 100 to 199; }
message Order {
  message A { optional int32 x = 1; }
  optional int32 id = 1 [default = 7, (pii) = "yes", deprecated = true, (tags) = 1, (tags) = 2, (meta) = {owner: "me" labels: ["a", "b"]}];
  map<string, A> m = 2;
  optional group G = 3 { optional string s = 1; }
  message B {}
  oneof o { string a = 4; int32 b = 5; }
  required bytes blob = 6 [default = "\001\377ab\"\n"];
  optional float f = 7 [default = -inf];
  optional double d = 11 [default = 1.5e300];
  optional string s = 12 [default = "h\u00e9llo\t"];
  reserved 10, 20 to 30;
  reserved "foo", "bar";
  extensions 100 to max;
  enum E { option allow_alias = true; X = 0; Y = 1; Z = 1 [deprecated = true]; reserved 5 to 7, 9; reserved "W"; }
  optional E e = 9 [default = Y, json_name = "eee"];
  extend Meta { optional int32 ext = 100; }
}
service S { option deprecated = true; rpc Get(Order) returns (stream Order) { option deprecated = true; } rpc Put(stream Meta) returns (Meta); }
`,
	"Proto3": `syntax = "proto3";
package p3.v1;
message M { optional int32 a = 1; int32 b = 2; repeated int32 c = 3 [packed = false]; string snake_case = 4; string custom = 5 [json_name = "CUSTOM"];
  oneof kind { M child = 6; bytes raw = 7; }
  map<int64, string> labels = 8;
  message Inner { map<string, Inner> tree = 1; }
}
enum Top { TOP_UNSPECIFIED = 0; TOP_A = 1; }`,
	"Edition2023": `edition = "2023";
package ed;
option features.field_presence = IMPLICIT;
message M {
  int32 a = 1 [features.field_presence = EXPLICIT];
  M child = 2 [features.message_encoding = DELIMITED];
  repeated int32 r = 3 [features.repeated_field_encoding = EXPANDED];
  reserved foo, bar;
  reserved 9;
  enum E { option features.enum_type = CLOSED; A = 0; B = 1; }
}`,
	"NoPackage": `syntax = "proto3"; message A { B b = 1; } message B { A a = 1; }`,
}

func TestBuiltinImports(t *testing.T) {
	t.Parallel()
	var imports strings.Builder
	for path := range builtinSources {
		fmt.Fprintf(&imports, "import %q;\n", path)
	}
	s := mustParse(t, `syntax = "proto3";
package shop;
`+imports.String()+`
message Order {
  google.type.Money total = 1 [(confluent.field_meta) = { doc: "grand total" tags: ["PII"] }];
  google.type.DateTime at = 2;
  confluent.type.Decimal amount = 3;
  google.type.PostalAddress ship_to = 4;
}`)
	if got := len(s.Files()); got < len(builtinSources) {
		t.Errorf("compiled %d files", got)
	}
	if err := s.Validate([]byte(`{"total":{"currencyCode":"EUR","units":"12"},"at":{"year":2024,"timeZone":{"id":"Europe/Paris"}}}`), compat.EncodingJSON); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if !strings.Contains(s.Normalized(), `(confluent.field_meta) = { doc: "grand total" tags: ["PII"] }`) {
		t.Errorf("custom option not normalized:\n%s", s.Normalized())
	}
	// A reference overrides a built-in of the same path.
	own := compat.Reference{Name: "google/type/money.proto", Text: `syntax = "proto3"; package google.type; message Money { string amount = 1; }`}
	s2 := mustParse(t, `syntax = "proto3"; import "google/type/money.proto"; message A { google.type.Money m = 1; }`, own)
	if s2.FirstMessage().Fields().Get(0).Message().Fields().ByName("amount") == nil {
		t.Error("reference did not override the built-in")
	}
}

// TestBuiltinFileText pins how a table entry becomes proto text: fields are
// numbered from 1, enum values from 0, and google.type is the default package.
func TestBuiltinFileText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    builtinFile
		want string
	}{
		{builtinFile{pkg: "p", imports: []string{"a.proto"}, name: "M", members: []string{"int32 x", "string y"}},
			"syntax = \"proto3\";\npackage p;\nimport \"a.proto\";\nmessage M {\n  int32 x = 1;\n  string y = 2;\n}\n"},
		{builtinFile{enum: true, name: "E", members: []string{"E_UNSPECIFIED", "ONE"}},
			"syntax = \"proto3\";\npackage google.type;\nenum E {\n  E_UNSPECIFIED = 0;\n  ONE = 1;\n}\n"},
	} {
		if got := tc.f.text(); got != tc.want {
			t.Errorf("text() =\n%s\nwant\n%s", got, tc.want)
		}
	}
}
