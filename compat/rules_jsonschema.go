package compat

// jsonSchemaRules lists the JSON rule ids; compat/jsonschema reports them.
var jsonSchemaRules = []RuleInfo{}
