package compat

// avroRules lists the Avro rule ids; compat/avro reports them.
var avroRules = []RuleInfo{}
