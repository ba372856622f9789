package jsonschema

import "github.com/heraldhq/herald/compat"

// RuleSchemaChanged is the temporary phase-1 rule: any change is reported.
const RuleSchemaChanged = "JSON_SCHEMA_CHANGED"

// CanRead reports the violations that stop reader from reading data written with
// writer. Both must come from Parse.
func (Format) CanRead(reader, writer compat.Schema, opts compat.Options) []compat.Violation {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 {
		return []compat.Violation{{Rule: RuleSchemaChanged, Path: "#/", Message: "both schemas must be JSON Schemas"}}
	}
	if r.normalized == w.normalized {
		return nil
	}
	return []compat.Violation{{Rule: RuleSchemaChanged, Path: "#/", Message: "the schema changed"}}
}
