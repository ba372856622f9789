package compat

// jsonSchemaRules lists the JSON rule ids; compat/jsonschema reports them. The ids
// are Confluent's JSON Schema difference types (the incompatible ones), plus a few
// Herald adds for what Confluent does not compare. Each is reported when the reader
// could reject a document the writer accepted.
var jsonSchemaRules = []RuleInfo{
	// Types and combinations.
	{ID: "TYPE_CHANGED", Format: "JSON", Purpose: "the reader expects a different kind of value (for example string instead of number)"},
	{ID: "TYPE_NARROWED", Format: "JSON", Purpose: "number became integer: fractional values written before are rejected"},
	{ID: "SCHEMA_ADDED", Format: "JSON", Purpose: "a subschema (items, contains, propertyNames, then...) now constrains values the writer left free"},
	{ID: "COMBINED_TYPE_CHANGED", Format: "JSON", Purpose: "allOf/anyOf/oneOf changed to a stricter combination"},
	{ID: "PRODUCT_TYPE_EXTENDED", Format: "JSON", Purpose: "allOf gained a subschema: values must now meet one more constraint"},
	{ID: "SUM_TYPE_NARROWED", Format: "JSON", Purpose: "anyOf/oneOf lost a subschema: values that matched only it are rejected"},
	{ID: "COMBINED_TYPE_SUBSCHEMAS_CHANGED", Format: "JSON", Purpose: "the subschemas of allOf/anyOf/oneOf cannot be paired with compatible ones"},
	{ID: "NOT_TYPE_EXTENDED", Format: "JSON", Purpose: "not now excludes values the writer allowed"},
	{ID: "CONDITION_CHANGED", Format: "JSON", Purpose: "the if schema changed, so values may be checked against the other branch (Herald; Confluent ignores if/then/else)"},
	{ID: "ENUM_ARRAY_NARROWED", Format: "JSON", Purpose: "enum or const lost values, or was added: values written before are rejected"},
	{ID: "ENUM_ARRAY_CHANGED", Format: "JSON", Purpose: "enum or const values changed: values written before are rejected"},

	// Strings.
	{ID: "MIN_LENGTH_ADDED", Format: "JSON", Purpose: "minLength was added: shorter strings are rejected"},
	{ID: "MIN_LENGTH_INCREASED", Format: "JSON", Purpose: "minLength increased: shorter strings are rejected"},
	{ID: "MAX_LENGTH_ADDED", Format: "JSON", Purpose: "maxLength was added: longer strings are rejected"},
	{ID: "MAX_LENGTH_DECREASED", Format: "JSON", Purpose: "maxLength decreased: longer strings are rejected"},
	{ID: "PATTERN_ADDED", Format: "JSON", Purpose: "a pattern was added: strings that do not match are rejected"},
	{ID: "PATTERN_CHANGED", Format: "JSON", Purpose: "the pattern changed: strings that matched the old one may be rejected"},
	{ID: "FORMAT_ADDED", Format: "JSON", Purpose: "an asserted format (drafts 4 to 7) was added (Herald; Confluent ignores format)"},
	{ID: "FORMAT_CHANGED", Format: "JSON", Purpose: "an asserted format (drafts 4 to 7) changed (Herald; Confluent ignores format)"},

	// Numbers.
	{ID: "MINIMUM_ADDED", Format: "JSON", Purpose: "minimum was added: smaller numbers are rejected"},
	{ID: "MINIMUM_INCREASED", Format: "JSON", Purpose: "the lower bound rose: smaller numbers are rejected"},
	{ID: "EXCLUSIVE_MINIMUM_ADDED", Format: "JSON", Purpose: "exclusiveMinimum was added: smaller numbers are rejected"},
	{ID: "EXCLUSIVE_MINIMUM_INCREASED", Format: "JSON", Purpose: "the exclusive lower bound rose: smaller numbers are rejected"},
	{ID: "MAXIMUM_ADDED", Format: "JSON", Purpose: "maximum was added: larger numbers are rejected"},
	{ID: "MAXIMUM_DECREASED", Format: "JSON", Purpose: "the upper bound fell: larger numbers are rejected"},
	{ID: "EXCLUSIVE_MAXIMUM_ADDED", Format: "JSON", Purpose: "exclusiveMaximum was added: larger numbers are rejected"},
	{ID: "EXCLUSIVE_MAXIMUM_DECREASED", Format: "JSON", Purpose: "the exclusive upper bound fell: larger numbers are rejected"},
	{ID: "MULTIPLE_OF_ADDED", Format: "JSON", Purpose: "multipleOf was added: numbers that are not multiples are rejected"},
	{ID: "MULTIPLE_OF_EXPANDED", Format: "JSON", Purpose: "multipleOf became a multiple of the old one: some multiples written before are rejected"},
	{ID: "MULTIPLE_OF_CHANGED", Format: "JSON", Purpose: "multipleOf changed to an unrelated divisor"},

	// Objects and content models.
	{ID: "REQUIRED_ATTRIBUTE_ADDED", Format: "JSON", Purpose: "an existing property became required without a default"},
	{ID: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a property was added to an open object, where writers may already send the name with any value (allowed by LENIENT)"},
	{ID: "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a required property without a default was added to an open object"},
	{ID: "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a required property with a default was added to an open object (allowed by LENIENT)"},
	{ID: "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a required property without a default was added to a closed or partially open object"},
	{ID: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", Format: "JSON", Purpose: "a property was removed from a closed object, so data that has it is rejected (allowed by LENIENT)"},
	{ID: "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "an added property's schema rejects values the additional/pattern schema allowed (allowed by LENIENT)"},
	{ID: "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a removed property's values are rejected by the additional/pattern schema (allowed by LENIENT)"},
	{ID: "ADDITIONAL_PROPERTIES_REMOVED", Format: "JSON", Purpose: "additionalProperties became false: undeclared properties are rejected (allowed by LENIENT)"},
	{ID: "ADDITIONAL_PROPERTIES_NARROWED", Format: "JSON", Purpose: "additionalProperties gained a schema on an open object (allowed by LENIENT)"},
	{ID: "UNEVALUATED_PROPERTIES_REMOVED", Format: "JSON", Purpose: "unevaluatedProperties became false (allowed by LENIENT)"},
	{ID: "UNEVALUATED_PROPERTIES_NARROWED", Format: "JSON", Purpose: "unevaluatedProperties gained a schema on an open object (allowed by LENIENT)"},
	{ID: "MIN_PROPERTIES_ADDED", Format: "JSON", Purpose: "minProperties was added: smaller objects are rejected"},
	{ID: "MIN_PROPERTIES_INCREASED", Format: "JSON", Purpose: "minProperties increased: smaller objects are rejected"},
	{ID: "MAX_PROPERTIES_ADDED", Format: "JSON", Purpose: "maxProperties was added: larger objects are rejected"},
	{ID: "MAX_PROPERTIES_DECREASED", Format: "JSON", Purpose: "maxProperties decreased: larger objects are rejected"},
	{ID: "DEPENDENCY_ARRAY_ADDED", Format: "JSON", Purpose: "a property dependency was added: objects with the key but not its dependents are rejected"},
	{ID: "DEPENDENCY_ARRAY_EXTENDED", Format: "JSON", Purpose: "a property dependency requires more properties"},
	{ID: "DEPENDENCY_ARRAY_CHANGED", Format: "JSON", Purpose: "a property dependency requires different properties"},
	{ID: "DEPENDENCY_SCHEMA_ADDED", Format: "JSON", Purpose: "a schema dependency was added"},

	// Arrays.
	{ID: "MIN_ITEMS_ADDED", Format: "JSON", Purpose: "minItems was added: shorter arrays are rejected"},
	{ID: "MIN_ITEMS_INCREASED", Format: "JSON", Purpose: "minItems increased: shorter arrays are rejected"},
	{ID: "MAX_ITEMS_ADDED", Format: "JSON", Purpose: "maxItems was added: longer arrays are rejected"},
	{ID: "MAX_ITEMS_DECREASED", Format: "JSON", Purpose: "maxItems decreased: longer arrays are rejected"},
	{ID: "UNIQUE_ITEMS_ADDED", Format: "JSON", Purpose: "uniqueItems was added: arrays with repeated items are rejected"},
	{ID: "MIN_CONTAINS_ADDED", Format: "JSON", Purpose: "minContains was added above one"},
	{ID: "MIN_CONTAINS_INCREASED", Format: "JSON", Purpose: "minContains increased"},
	{ID: "MAX_CONTAINS_ADDED", Format: "JSON", Purpose: "maxContains was added"},
	{ID: "MAX_CONTAINS_DECREASED", Format: "JSON", Purpose: "maxContains decreased"},
	{ID: "ITEM_ADDED_TO_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a tuple item was added where the writer allowed any extra item"},
	{ID: "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", Format: "JSON", Purpose: "a tuple item was removed from a closed tuple, so longer arrays are rejected"},
	{ID: "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "an added tuple item rejects values the writer's extra-items schema allowed"},
	{ID: "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", Format: "JSON", Purpose: "a removed tuple item's values are rejected by the reader's extra-items schema"},
	{ID: "ADDITIONAL_ITEMS_REMOVED", Format: "JSON", Purpose: "additionalItems (or items after prefixItems) became false"},
	{ID: "ADDITIONAL_ITEMS_NARROWED", Format: "JSON", Purpose: "additionalItems (or items after prefixItems) gained a schema"},
	{ID: "UNEVALUATED_ITEMS_REMOVED", Format: "JSON", Purpose: "unevaluatedItems became false"},
	{ID: "UNEVALUATED_ITEMS_NARROWED", Format: "JSON", Purpose: "unevaluatedItems gained a schema"},
}
