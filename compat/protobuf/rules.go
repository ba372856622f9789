package protobuf

import (
	"slices"

	"github.com/heraldhq/herald/compat"
)

// rules is this format's part of the documented rule list, in order, with the
// purpose of each. The CONFLUENT rule set (the default) reports the incompatible
// difference types of Diff (diff.go), Confluent Schema Registry's names; the
// WIRE_JSON and WIRE rule sets report bufbuild/buf's breaking-rule ids (buf.go).
var rules = compat.FormatRules(compat.Protobuf, []compat.RuleInfo{
	// CONFLUENT: Confluent Schema Registry's incompatible difference types.
	{ID: PackageChanged, Purpose: "the package is part of every type name readers resolve; changing it breaks them"},
	{ID: MessageRemoved, Purpose: "data written as a removed message (selected by message index) has nothing left to be read as"},
	{ID: FieldKindChanged, Purpose: "a field cannot switch between scalar, message, group and map: the encodings differ"},
	{ID: FieldScalarKindChanged, Purpose: "a scalar field may only change within its group (varint numbers and enums, zig-zag, fixed32, fixed64, string/bytes, float, double)"},
	{ID: FieldNamedTypeChanged, Purpose: "a message-typed field must keep its type's name, and a referenced type must stay compatible"},
	{ID: FieldNumericLabelChanged, Purpose: "a numeric field may not change between optional and repeated: packed encoding is unreadable as a single value"},
	{ID: RequiredFieldAdded, Purpose: "a reader that requires a field fails on data written without it"},
	{ID: RequiredFieldRemoved, Purpose: "removing a proto2 required field breaks readers that still require it"},
	{ID: OneofFieldRemoved, Purpose: "removing one member of a surviving oneof makes data that set it read as an unset oneof"},
	{ID: MultipleFieldsMovedToOneof, Purpose: "putting independent fields into one oneof loses all but one of them when several were set"},
	{ID: FieldMovedToExistingOneof, Purpose: "joining fields from different places into one oneof loses values when several were set"},
	{ID: RuleUnknownRuleSet, Purpose: "the configured Protobuf rule set is not CONFLUENT, WIRE_JSON or WIRE, so nothing could be checked"},

	// WIRE_JSON and WIRE: bufbuild/buf's breaking-change rules.
	{ID: RuleFileSamePackage, Purpose: "buf: the package must not change"},
	{ID: RuleFieldNoDeleteUnlessNumberReserved, Purpose: "buf: a deleted field's number must be reserved so it is never reused with another meaning"},
	{ID: RuleFieldNoDeleteUnlessNameReserved, Purpose: "buf WIRE_JSON: a deleted field's name must be reserved so JSON with it is never misread"},
	{ID: RuleFieldSameOneof, Purpose: "buf: a field must not move into, out of or between oneofs"},
	{ID: RuleFieldSameDefault, Purpose: "buf: a field's default value must not change, or unset fields read differently"},
	{ID: RuleFieldSameName, Purpose: "buf WIRE_JSON: a field must keep its name, which JSON uses as the key"},
	{ID: RuleFieldSameJSONName, Purpose: "buf WIRE_JSON: a field must keep its JSON name"},
	{ID: RuleFieldWireCompatibleCardinality, Purpose: "buf WIRE: a field must stay singular, required, or repeated/map"},
	{ID: RuleFieldWireCompatibleType, Purpose: "buf WIRE: a field's type may only change to one with the same binary encoding"},
	{ID: RuleFieldWireJSONCompatibleCardinality, Purpose: "buf WIRE_JSON: a field must stay singular, required, repeated or map"},
	{ID: RuleFieldWireJSONCompatibleType, Purpose: "buf WIRE_JSON: a field's type may only change to one with the same binary and JSON encoding"},
	{ID: RuleMessageSameRequiredFields, Purpose: "buf: a message's set of required fields must not change"},
	{ID: RuleMessageSameJSONFormat, Purpose: "buf WIRE_JSON: a message's json_format feature must not change"},
	{ID: RuleReservedMessageNoDelete, Purpose: "buf: a message's reserved numbers and names must stay reserved"},
	{ID: RuleReservedEnumNoDelete, Purpose: "buf: an enum's reserved numbers and names must stay reserved"},
	{ID: RuleEnumValueNoDeleteUnlessNumberReserved, Purpose: "buf: a deleted enum value's number must be reserved"},
	{ID: RuleEnumValueNoDeleteUnlessNameReserved, Purpose: "buf WIRE_JSON: a deleted enum value's name must be reserved, JSON spells values by name"},
	{ID: RuleEnumValueSameName, Purpose: "buf WIRE_JSON: an enum value must keep its name, which JSON uses"},
	{ID: RuleEnumSameJSONFormat, Purpose: "buf WIRE_JSON: an enum's json_format feature must not change"},
	{ID: RuleRPCSameRequestType, Purpose: "buf: an rpc must keep its request type"},
	{ID: RuleRPCSameResponseType, Purpose: "buf: an rpc must keep its response type"},
	{ID: RuleRPCSameClientStreaming, Purpose: "buf: an rpc must keep client streaming on or off"},
	{ID: RuleRPCSameServerStreaming, Purpose: "buf: an rpc must keep server streaming on or off"},
	{ID: RuleRPCSameIdempotencyLevel, Purpose: "buf: an rpc must keep its idempotency level"},
})

// Rules returns the Protobuf rules with their purpose, in documentation order.
// The result is a copy the caller may keep.
func Rules() []compat.RuleInfo { return slices.Clone(rules) }
