package compat

// protobufRules lists the Protobuf rule ids; compat/protobuf reports them.
var protobufRules = []RuleInfo{}
