package compattest

// JSONSchemaOverlap returns a JSON Schema (draft 2020-12) whose definition Li is
// an object whose property "a" is matched both by "properties" and by
// "patternProperties", each a $ref to L(i-1); L0 is {"type": leaf}. A validator
// applies both to the value of "a", so a document NestedJSON(levels, ...) costs
// it 2^levels subschema checks whether it is valid or not; a comparison that
// memoizes pairs stays linear.
func JSONSchemaOverlap(levels int, leaf string) string {
	return jsonSchemaLevels(levels, leaf, `{"type":"object","properties":{"a":{"$ref":"#/$defs/L%d"}},"patternProperties":{"^a$":{"$ref":"#/$defs/L%d"}}}`)
}
