package protobuf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

func TestCanReadPaths(t *testing.T) {
	t.Parallel()
	prev := mustParse(t, `syntax = "proto3";
package acme;
message Order {
  message Line { int64 cents = 1; }
  repeated Line lines = 1;
  oneof pick { string a = 2; string b = 3; }
  string note = 4;
}
message Refund { string id = 1; }`)
	cur := mustParse(t, `syntax = "proto3";
package acme;
message Order {
  message Line { string cents = 1; }
  repeated Line lines = 1;
  oneof pick { string a = 2; string note = 4; }
}`)
	got := CanRead(cur, prev, Confluent)
	want := []compat.Violation{
		{Rule: MessageRemoved, Path: "#/Refund"},
		{Rule: FieldScalarKindChanged, Path: "#/Order/Line/1"},
		{Rule: OneofFieldRemoved, Path: "#/Order/pick/3"},
		{Rule: FieldMovedToExistingOneof, Path: "#/Order/pick"},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(compat.Violation{}, "Message"),
		cmpopts.SortSlices(func(a, b compat.Violation) bool { return a.Path+a.Rule < b.Path+b.Rule })); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	for _, v := range got {
		if v.Message == "" {
			t.Errorf("%s has no message", v.Rule)
		}
	}
}

func TestDiffReportsCompatibleChanges(t *testing.T) {
	t.Parallel()
	a := mustParse(t, `syntax = "proto3"; message A { int32 x = 1; } enum E { E0 = 0; E1 = 1; }`)
	b := mustParse(t, `syntax = "proto3"; message B {} message A { int32 y = 1; int32 z = 2; } enum E { E0 = 0; ONE = 1; }`)
	var got []string
	for _, c := range Diff(a, b) {
		if !c.Compatible {
			t.Errorf("%s %s should be compatible", c.Type, c.Path)
		}
		got = append(got, c.Type+" "+c.Path)
	}
	want := []string{
		"MESSAGE_MOVED #/A", "FIELD_NAME_CHANGED #/A/1", "FIELD_ADDED #/A/2",
		"MESSAGE_ADDED #/B", "ENUM_CONST_CHANGED #/E/1",
	}
	if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("Diff (-want +got):\n%s", diff)
	}
}

func TestRuleSets(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]RuleSet{"": Confluent, "confluent": Confluent, "WIRE_JSON": WireJSON, " wire ": Wire} {
		if got, err := ParseRuleSet(in); err != nil || got != want {
			t.Errorf("ParseRuleSet(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseRuleSet("FILE"); err == nil {
		t.Error("ParseRuleSet(FILE) succeeded")
	}
	if Wire.String() != "WIRE" || RuleSet(9).String() != "RuleSet(9)" {
		t.Error("RuleSet.String")
	}
}

func TestEveryRuleIsDocumented(t *testing.T) {
	t.Parallel()
	for typ, ok := range compatibleChanges {
		if _, listed := compattest.LookupRule(Rules(), typ); listed && ok {
			t.Errorf("compatible change %s is listed as a rule", typ)
		}
	}
	for _, id := range []string{PackageChanged, MessageRemoved, FieldKindChanged, FieldScalarKindChanged, FieldNamedTypeChanged,
		FieldNumericLabelChanged, RequiredFieldAdded, RequiredFieldRemoved, OneofFieldRemoved, MultipleFieldsMovedToOneof,
		FieldMovedToExistingOneof, RuleUnknownRuleSet, RuleFileSamePackage, RuleFieldNoDeleteUnlessNumberReserved,
		RuleFieldNoDeleteUnlessNameReserved, RuleFieldSameOneof, RuleFieldSameDefault, RuleFieldSameName, RuleFieldSameJSONName,
		RuleFieldWireCompatibleCardinality, RuleFieldWireCompatibleType, RuleFieldWireJSONCompatibleCardinality,
		RuleFieldWireJSONCompatibleType, RuleMessageSameRequiredFields, RuleMessageSameJSONFormat, RuleReservedMessageNoDelete,
		RuleReservedEnumNoDelete, RuleEnumValueNoDeleteUnlessNumberReserved, RuleEnumValueNoDeleteUnlessNameReserved,
		RuleEnumValueSameName, RuleEnumSameJSONFormat, RuleRPCSameRequestType, RuleRPCSameResponseType,
		RuleRPCSameClientStreaming, RuleRPCSameServerStreaming, RuleRPCSameIdempotencyLevel} {
		r, ok := compattest.LookupRule(Rules(), id)
		if !ok || r.Format != "PROTOBUF" || r.Purpose == "" {
			t.Errorf("rule %s missing from Rules", id)
		}
	}
}

func FuzzCanRead(f *testing.F) {
	var seeds []string
	for _, text := range normalizationCorpus {
		seeds = append(seeds, text)
	}
	seeds = append(seeds, validateSchema, indexSchema)
	for i, a := range seeds {
		f.Add(a, seeds[(i+1)%len(seeds)], uint8(i))
	}
	f.Add(`syntax = "proto3"; message A { oneof o { int32 x = 1; } }`, `syntax = "proto3"; message A { int32 x = 1; int32 y = 2; }`, uint8(0))
	// Message types reached by many paths, small enough for the mutator.
	for i, gen := range []func(int, string) string{compattest.ProtobufFanOut, compattest.ProtobufMapFanOut} {
		f.Add(gen(4, "string"), gen(4, "int32"), uint8(i))
		f.Add(gen(3, "sint64"), gen(3, "int64"), uint8(i+1))
	}
	f.Fuzz(func(t *testing.T, a, b string, set uint8) {
		sa, sb, ok := compattest.ParseBoth(Parse, a, b)
		if !ok {
			return
		}
		rs := RuleSet(set % 3)
		vs := CanRead(sa, sb, rs)
		for _, v := range append(vs, CanRead(sb, sa, rs)...) {
			if _, ok := compattest.LookupRule(Rules(), v.Rule); !ok {
				t.Fatalf("unlisted rule %s", v.Rule)
			}
		}
		// The bounded walk behind Format.CanRead agrees with the unbounded one.
		bounded := compattest.CanRead(t, Format{}, sa, sb, compat.Options{RuleSet: rs.String()})
		if !cmp.Equal(vs, bounded, cmpopts.EquateEmpty()) {
			t.Fatalf("Format.CanRead differs from CanRead:\n%s", cmp.Diff(vs, bounded, cmpopts.EquateEmpty()))
		}
		again := mustParse(t, a)
		if got := CanRead(again, sa, rs); len(got) != 0 {
			t.Fatalf("a schema cannot read itself: %v", got)
		}
	})
}
