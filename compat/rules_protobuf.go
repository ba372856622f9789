package compat

// protobufRules lists the Protobuf rule ids; compat/protobuf reports them. The
// CONFLUENT rule set (the default) uses Confluent Schema Registry's difference
// names; the WIRE_JSON and WIRE rule sets use bufbuild/buf's breaking-rule ids.
var protobufRules = []RuleInfo{
	// CONFLUENT: Confluent Schema Registry's incompatible difference types.
	{ID: "PACKAGE_CHANGED", Format: "PROTOBUF", Purpose: "the package is part of every type name readers resolve; changing it breaks them"},
	{ID: "MESSAGE_REMOVED", Format: "PROTOBUF", Purpose: "data written as a removed message (selected by message index) has nothing left to be read as"},
	{ID: "FIELD_KIND_CHANGED", Format: "PROTOBUF", Purpose: "a field cannot switch between scalar, message, group and map: the encodings differ"},
	{ID: "FIELD_SCALAR_KIND_CHANGED", Format: "PROTOBUF", Purpose: "a scalar field may only change within its group (varint numbers and enums, zig-zag, fixed32, fixed64, string/bytes, float, double)"},
	{ID: "FIELD_NAMED_TYPE_CHANGED", Format: "PROTOBUF", Purpose: "a message-typed field must keep its type's name, and a referenced type must stay compatible"},
	{ID: "FIELD_NUMERIC_LABEL_CHANGED", Format: "PROTOBUF", Purpose: "a numeric field may not change between optional and repeated: packed encoding is unreadable as a single value"},
	{ID: "REQUIRED_FIELD_ADDED", Format: "PROTOBUF", Purpose: "a reader that requires a field fails on data written without it"},
	{ID: "REQUIRED_FIELD_REMOVED", Format: "PROTOBUF", Purpose: "removing a proto2 required field breaks readers that still require it"},
	{ID: "ONEOF_FIELD_REMOVED", Format: "PROTOBUF", Purpose: "removing one member of a surviving oneof makes data that set it read as an unset oneof"},
	{ID: "MULTIPLE_FIELDS_MOVED_TO_ONEOF", Format: "PROTOBUF", Purpose: "putting independent fields into one oneof loses all but one of them when several were set"},
	{ID: "FIELD_MOVED_TO_EXISTING_ONEOF", Format: "PROTOBUF", Purpose: "joining fields from different places into one oneof loses values when several were set"},
	{ID: "PROTOBUF_UNKNOWN_RULE_SET", Format: "PROTOBUF", Purpose: "the configured Protobuf rule set is not CONFLUENT, WIRE_JSON or WIRE, so nothing could be checked"},

	// WIRE_JSON and WIRE: bufbuild/buf's breaking-change rules.
	{ID: "FILE_SAME_PACKAGE", Format: "PROTOBUF", Purpose: "buf: the package must not change"},
	{ID: "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", Format: "PROTOBUF", Purpose: "buf: a deleted field's number must be reserved so it is never reused with another meaning"},
	{ID: "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a deleted field's name must be reserved so JSON with it is never misread"},
	{ID: "FIELD_SAME_ONEOF", Format: "PROTOBUF", Purpose: "buf: a field must not move into, out of or between oneofs"},
	{ID: "FIELD_SAME_DEFAULT", Format: "PROTOBUF", Purpose: "buf: a field's default value must not change, or unset fields read differently"},
	{ID: "FIELD_SAME_NAME", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a field must keep its name, which JSON uses as the key"},
	{ID: "FIELD_SAME_JSON_NAME", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a field must keep its JSON name"},
	{ID: "FIELD_WIRE_COMPATIBLE_CARDINALITY", Format: "PROTOBUF", Purpose: "buf WIRE: a field must stay singular, required, or repeated/map"},
	{ID: "FIELD_WIRE_COMPATIBLE_TYPE", Format: "PROTOBUF", Purpose: "buf WIRE: a field's type may only change to one with the same binary encoding"},
	{ID: "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a field must stay singular, required, repeated or map"},
	{ID: "FIELD_WIRE_JSON_COMPATIBLE_TYPE", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a field's type may only change to one with the same binary and JSON encoding"},
	{ID: "MESSAGE_SAME_REQUIRED_FIELDS", Format: "PROTOBUF", Purpose: "buf: a message's set of required fields must not change"},
	{ID: "MESSAGE_SAME_JSON_FORMAT", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a message's json_format feature must not change"},
	{ID: "RESERVED_MESSAGE_NO_DELETE", Format: "PROTOBUF", Purpose: "buf: a message's reserved numbers and names must stay reserved"},
	{ID: "RESERVED_ENUM_NO_DELETE", Format: "PROTOBUF", Purpose: "buf: an enum's reserved numbers and names must stay reserved"},
	{ID: "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", Format: "PROTOBUF", Purpose: "buf: a deleted enum value's number must be reserved"},
	{ID: "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: a deleted enum value's name must be reserved, JSON spells values by name"},
	{ID: "ENUM_VALUE_SAME_NAME", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: an enum value must keep its name, which JSON uses"},
	{ID: "ENUM_SAME_JSON_FORMAT", Format: "PROTOBUF", Purpose: "buf WIRE_JSON: an enum's json_format feature must not change"},
	{ID: "RPC_SAME_REQUEST_TYPE", Format: "PROTOBUF", Purpose: "buf: an rpc must keep its request type"},
	{ID: "RPC_SAME_RESPONSE_TYPE", Format: "PROTOBUF", Purpose: "buf: an rpc must keep its response type"},
	{ID: "RPC_SAME_CLIENT_STREAMING", Format: "PROTOBUF", Purpose: "buf: an rpc must keep client streaming on or off"},
	{ID: "RPC_SAME_SERVER_STREAMING", Format: "PROTOBUF", Purpose: "buf: an rpc must keep server streaming on or off"},
	{ID: "RPC_SAME_IDEMPOTENCY_LEVEL", Format: "PROTOBUF", Purpose: "buf: an rpc must keep its idempotency level"},
}
