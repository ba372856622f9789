package jsonschema

import (
	"slices"

	"github.com/heraldhq/herald/compat"
)

// Rule ids. They are Confluent's JSON Schema difference types (the incompatible
// ones), plus a few Herald adds for what Confluent does not compare. Each is
// reported when the reader could reject a document the writer accepted; rules
// lists them with their purpose, and the checker (diff*.go) reports them by
// these names only, so a misspelt id does not build.
const (
	// Types and combinations.
	RuleTypeChanged                   = "TYPE_CHANGED"
	RuleTypeNarrowed                  = "TYPE_NARROWED"
	RuleSchemaAdded                   = "SCHEMA_ADDED"
	RuleCombinedTypeChanged           = "COMBINED_TYPE_CHANGED"
	RuleProductTypeExtended           = "PRODUCT_TYPE_EXTENDED"
	RuleSumTypeNarrowed               = "SUM_TYPE_NARROWED"
	RuleCombinedTypeSubschemasChanged = "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
	RuleNotTypeExtended               = "NOT_TYPE_EXTENDED"
	RuleConditionChanged              = "CONDITION_CHANGED"
	RuleEnumArrayNarrowed             = "ENUM_ARRAY_NARROWED"
	RuleEnumArrayChanged              = "ENUM_ARRAY_CHANGED"

	// Strings.
	RuleMinLengthAdded     = "MIN_LENGTH_ADDED"
	RuleMinLengthIncreased = "MIN_LENGTH_INCREASED"
	RuleMaxLengthAdded     = "MAX_LENGTH_ADDED"
	RuleMaxLengthDecreased = "MAX_LENGTH_DECREASED"
	RulePatternAdded       = "PATTERN_ADDED"
	RulePatternChanged     = "PATTERN_CHANGED"
	RuleFormatAdded        = "FORMAT_ADDED"
	RuleFormatChanged      = "FORMAT_CHANGED"

	// Numbers.
	RuleMinimumAdded              = "MINIMUM_ADDED"
	RuleMinimumIncreased          = "MINIMUM_INCREASED"
	RuleExclusiveMinimumAdded     = "EXCLUSIVE_MINIMUM_ADDED"
	RuleExclusiveMinimumIncreased = "EXCLUSIVE_MINIMUM_INCREASED"
	RuleMaximumAdded              = "MAXIMUM_ADDED"
	RuleMaximumDecreased          = "MAXIMUM_DECREASED"
	RuleExclusiveMaximumAdded     = "EXCLUSIVE_MAXIMUM_ADDED"
	RuleExclusiveMaximumDecreased = "EXCLUSIVE_MAXIMUM_DECREASED"
	RuleMultipleOfAdded           = "MULTIPLE_OF_ADDED"
	RuleMultipleOfExpanded        = "MULTIPLE_OF_EXPANDED"
	RuleMultipleOfChanged         = "MULTIPLE_OF_CHANGED"

	// Objects and content models.
	RuleRequiredAttributeAdded                               = "REQUIRED_ATTRIBUTE_ADDED"
	RuleOptionalPropertyAddedToOpenContentModel              = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	RuleRequiredPropertyAddedToOpenContentModel              = "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
	RuleRequiredPropertyWithDefaultAddedToOpenContentModel   = "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
	RuleRequiredPropertyAddedToUnopenContentModel            = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
	RulePropertyRemovedFromClosedContentModel                = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	RulePropertyAddedNotCoveredByPartiallyOpenContentModel   = "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	RulePropertyRemovedNotCoveredByPartiallyOpenContentModel = "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	RuleAdditionalPropertiesRemoved                          = "ADDITIONAL_PROPERTIES_REMOVED"
	RuleAdditionalPropertiesNarrowed                         = "ADDITIONAL_PROPERTIES_NARROWED"
	RuleUnevaluatedPropertiesRemoved                         = "UNEVALUATED_PROPERTIES_REMOVED"
	RuleUnevaluatedPropertiesNarrowed                        = "UNEVALUATED_PROPERTIES_NARROWED"
	RuleMinPropertiesAdded                                   = "MIN_PROPERTIES_ADDED"
	RuleMinPropertiesIncreased                               = "MIN_PROPERTIES_INCREASED"
	RuleMaxPropertiesAdded                                   = "MAX_PROPERTIES_ADDED"
	RuleMaxPropertiesDecreased                               = "MAX_PROPERTIES_DECREASED"
	RuleDependencyArrayAdded                                 = "DEPENDENCY_ARRAY_ADDED"
	RuleDependencyArrayExtended                              = "DEPENDENCY_ARRAY_EXTENDED"
	RuleDependencyArrayChanged                               = "DEPENDENCY_ARRAY_CHANGED"
	RuleDependencySchemaAdded                                = "DEPENDENCY_SCHEMA_ADDED"

	// Arrays.
	RuleMinItemsAdded                                    = "MIN_ITEMS_ADDED"
	RuleMinItemsIncreased                                = "MIN_ITEMS_INCREASED"
	RuleMaxItemsAdded                                    = "MAX_ITEMS_ADDED"
	RuleMaxItemsDecreased                                = "MAX_ITEMS_DECREASED"
	RuleUniqueItemsAdded                                 = "UNIQUE_ITEMS_ADDED"
	RuleMinContainsAdded                                 = "MIN_CONTAINS_ADDED"
	RuleMinContainsIncreased                             = "MIN_CONTAINS_INCREASED"
	RuleMaxContainsAdded                                 = "MAX_CONTAINS_ADDED"
	RuleMaxContainsDecreased                             = "MAX_CONTAINS_DECREASED"
	RuleItemAddedToOpenContentModel                      = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
	RuleItemRemovedFromClosedContentModel                = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	RuleItemAddedNotCoveredByPartiallyOpenContentModel   = "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	RuleItemRemovedNotCoveredByPartiallyOpenContentModel = "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
	RuleAdditionalItemsRemoved                           = "ADDITIONAL_ITEMS_REMOVED"
	RuleAdditionalItemsNarrowed                          = "ADDITIONAL_ITEMS_NARROWED"
	RuleUnevaluatedItemsRemoved                          = "UNEVALUATED_ITEMS_REMOVED"
	RuleUnevaluatedItemsNarrowed                         = "UNEVALUATED_ITEMS_NARROWED"
)

// rules is this format's part of the documented rule list, in order.
var rules = compat.FormatRules(compat.JSON, []compat.RuleInfo{
	// Types and combinations.
	{ID: RuleTypeChanged, Purpose: "the reader expects a different kind of value (for example string instead of number)"},
	{ID: RuleTypeNarrowed, Purpose: "number became integer: fractional values written before are rejected"},
	{ID: RuleSchemaAdded, Purpose: "a subschema (items, contains, propertyNames, then...) now constrains values the writer left free"},
	{ID: RuleCombinedTypeChanged, Purpose: "allOf/anyOf/oneOf changed to a stricter combination"},
	{ID: RuleProductTypeExtended, Purpose: "allOf gained a subschema: values must now meet one more constraint"},
	{ID: RuleSumTypeNarrowed, Purpose: "anyOf/oneOf lost a subschema: values that matched only it are rejected"},
	{ID: RuleCombinedTypeSubschemasChanged, Purpose: "the subschemas of allOf/anyOf/oneOf cannot be paired with compatible ones"},
	{ID: RuleNotTypeExtended, Purpose: "not now excludes values the writer allowed"},
	{ID: RuleConditionChanged, Purpose: "the if schema changed, so values may be checked against the other branch (Herald; Confluent ignores if/then/else)"},
	{ID: RuleEnumArrayNarrowed, Purpose: "enum or const lost values, or was added: values written before are rejected"},
	{ID: RuleEnumArrayChanged, Purpose: "enum or const values changed: values written before are rejected"},

	// Strings.
	{ID: RuleMinLengthAdded, Purpose: "minLength was added: shorter strings are rejected"},
	{ID: RuleMinLengthIncreased, Purpose: "minLength increased: shorter strings are rejected"},
	{ID: RuleMaxLengthAdded, Purpose: "maxLength was added: longer strings are rejected"},
	{ID: RuleMaxLengthDecreased, Purpose: "maxLength decreased: longer strings are rejected"},
	{ID: RulePatternAdded, Purpose: "a pattern was added: strings that do not match are rejected"},
	{ID: RulePatternChanged, Purpose: "the pattern changed: strings that matched the old one may be rejected"},
	{ID: RuleFormatAdded, Purpose: "an asserted format (drafts 4 to 7) was added (Herald; Confluent ignores format)"},
	{ID: RuleFormatChanged, Purpose: "an asserted format (drafts 4 to 7) changed (Herald; Confluent ignores format)"},

	// Numbers.
	{ID: RuleMinimumAdded, Purpose: "minimum was added: smaller numbers are rejected"},
	{ID: RuleMinimumIncreased, Purpose: "the lower bound rose: smaller numbers are rejected"},
	{ID: RuleExclusiveMinimumAdded, Purpose: "exclusiveMinimum was added: smaller numbers are rejected"},
	{ID: RuleExclusiveMinimumIncreased, Purpose: "the exclusive lower bound rose: smaller numbers are rejected"},
	{ID: RuleMaximumAdded, Purpose: "maximum was added: larger numbers are rejected"},
	{ID: RuleMaximumDecreased, Purpose: "the upper bound fell: larger numbers are rejected"},
	{ID: RuleExclusiveMaximumAdded, Purpose: "exclusiveMaximum was added: larger numbers are rejected"},
	{ID: RuleExclusiveMaximumDecreased, Purpose: "the exclusive upper bound fell: larger numbers are rejected"},
	{ID: RuleMultipleOfAdded, Purpose: "multipleOf was added: numbers that are not multiples are rejected"},
	{ID: RuleMultipleOfExpanded, Purpose: "multipleOf became a multiple of the old one: some multiples written before are rejected"},
	{ID: RuleMultipleOfChanged, Purpose: "multipleOf changed to an unrelated divisor"},

	// Objects and content models.
	{ID: RuleRequiredAttributeAdded, Purpose: "an existing property became required without a default"},
	{ID: RuleOptionalPropertyAddedToOpenContentModel, Purpose: "a property was added to an open object, where writers may already send the name with any value (allowed by LENIENT)"},
	{ID: RuleRequiredPropertyAddedToOpenContentModel, Purpose: "a required property without a default was added to an open object"},
	{ID: RuleRequiredPropertyWithDefaultAddedToOpenContentModel, Purpose: "a required property with a default was added to an open object (allowed by LENIENT)"},
	{ID: RuleRequiredPropertyAddedToUnopenContentModel, Purpose: "a required property without a default was added to a closed or partially open object"},
	{ID: RulePropertyRemovedFromClosedContentModel, Purpose: "the writer has a property the reader's closed object lacks (removed, read backward; added, read forward), so data that has it is rejected (allowed by LENIENT)"},
	{ID: RulePropertyAddedNotCoveredByPartiallyOpenContentModel, Purpose: "an added property's schema rejects values the additional/pattern schema allowed (allowed by LENIENT)"},
	{ID: RulePropertyRemovedNotCoveredByPartiallyOpenContentModel, Purpose: "a removed property's values are rejected by the additional/pattern schema (allowed by LENIENT)"},
	{ID: RuleAdditionalPropertiesRemoved, Purpose: "additionalProperties became false: undeclared properties are rejected (allowed by LENIENT)"},
	{ID: RuleAdditionalPropertiesNarrowed, Purpose: "additionalProperties gained a schema on an open object (allowed by LENIENT)"},
	{ID: RuleUnevaluatedPropertiesRemoved, Purpose: "unevaluatedProperties became false (allowed by LENIENT)"},
	{ID: RuleUnevaluatedPropertiesNarrowed, Purpose: "unevaluatedProperties gained a schema on an open object (allowed by LENIENT)"},
	{ID: RuleMinPropertiesAdded, Purpose: "minProperties was added: smaller objects are rejected"},
	{ID: RuleMinPropertiesIncreased, Purpose: "minProperties increased: smaller objects are rejected"},
	{ID: RuleMaxPropertiesAdded, Purpose: "maxProperties was added: larger objects are rejected"},
	{ID: RuleMaxPropertiesDecreased, Purpose: "maxProperties decreased: larger objects are rejected"},
	{ID: RuleDependencyArrayAdded, Purpose: "a property dependency was added: objects with the key but not its dependents are rejected"},
	{ID: RuleDependencyArrayExtended, Purpose: "a property dependency requires more properties"},
	{ID: RuleDependencyArrayChanged, Purpose: "a property dependency requires different properties"},
	{ID: RuleDependencySchemaAdded, Purpose: "a schema dependency was added"},

	// Arrays.
	{ID: RuleMinItemsAdded, Purpose: "minItems was added: shorter arrays are rejected"},
	{ID: RuleMinItemsIncreased, Purpose: "minItems increased: shorter arrays are rejected"},
	{ID: RuleMaxItemsAdded, Purpose: "maxItems was added: longer arrays are rejected"},
	{ID: RuleMaxItemsDecreased, Purpose: "maxItems decreased: longer arrays are rejected"},
	{ID: RuleUniqueItemsAdded, Purpose: "uniqueItems was added: arrays with repeated items are rejected"},
	{ID: RuleMinContainsAdded, Purpose: "minContains was added above one"},
	{ID: RuleMinContainsIncreased, Purpose: "minContains increased"},
	{ID: RuleMaxContainsAdded, Purpose: "maxContains was added"},
	{ID: RuleMaxContainsDecreased, Purpose: "maxContains decreased"},
	{ID: RuleItemAddedToOpenContentModel, Purpose: "a tuple item was added where the writer allowed any extra item"},
	{ID: RuleItemRemovedFromClosedContentModel, Purpose: "the writer has a tuple item the reader's closed tuple lacks (removed, read backward; added, read forward), so longer arrays are rejected"},
	{ID: RuleItemAddedNotCoveredByPartiallyOpenContentModel, Purpose: "an added tuple item rejects values the writer's extra-items schema allowed"},
	{ID: RuleItemRemovedNotCoveredByPartiallyOpenContentModel, Purpose: "a removed tuple item's values are rejected by the reader's extra-items schema"},
	{ID: RuleAdditionalItemsRemoved, Purpose: "additionalItems (or items after prefixItems) became false"},
	{ID: RuleAdditionalItemsNarrowed, Purpose: "additionalItems (or items after prefixItems) gained a schema"},
	{ID: RuleUnevaluatedItemsRemoved, Purpose: "unevaluatedItems became false"},
	{ID: RuleUnevaluatedItemsNarrowed, Purpose: "unevaluatedItems gained a schema"},
})

// Rules returns the JSON Schema rules with their purpose, in documentation order.
// The result is a copy the caller may keep.
func Rules() []compat.RuleInfo { return slices.Clone(rules) }
