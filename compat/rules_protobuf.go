package compat

// protobufRules lists the Protobuf rule ids; compat/protobuf reports them.
var protobufRules = []RuleInfo{
	{ID: "PROTOBUF_SCHEMA_CHANGED", Format: "PROTOBUF", Purpose: "placeholder until the structural rules land: any change to the normalized schema is reported"},
}
