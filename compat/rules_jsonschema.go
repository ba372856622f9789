package compat

// jsonSchemaRules lists the JSON rule ids; compat/jsonschema reports them.
var jsonSchemaRules = []RuleInfo{
	{ID: "JSON_SCHEMA_CHANGED", Format: "JSON", Purpose: "temporary: any change to a JSON Schema is reported until the real rules land"},
}
