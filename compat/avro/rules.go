package avro

import (
	"slices"

	"github.com/heraldhq/herald/compat"
)

// rules is this format's part of the documented rule list, in order: the rule
// ids canread.go reports, with the purpose of each. They are Apache Avro's
// SchemaIncompatibilityType names, which Confluent reports too.
var rules = compat.FormatRules(compat.Avro, []compat.RuleInfo{
	{ID: RuleNameMismatch, Purpose: "a record, enum or fixed keeps its name, or the reader lists the writer's full name among its aliases"},
	{ID: RuleFixedSizeMismatch, Purpose: "a fixed type keeps its size, since its bytes are read without a length"},
	{ID: RuleMissingEnumSymbols, Purpose: "every symbol the writer may send exists in the reader's enum, unless the reader's enum has a default"},
	{ID: RuleReaderFieldMissingDefaultValue, Purpose: "a reader field the writer does not have needs a default, or old data cannot be read"},
	{ID: RuleTypeMismatch, Purpose: "the writer's type is the reader's type or one Avro promotes to it (int to long, float or double; long to float or double; float to double; string and bytes)"},
	{ID: RuleMissingUnionBranch, Purpose: "the reader's union has a branch that can read each type the writer may send"},
})

// Rules returns the Avro rules with their purpose, in documentation order. The
// result is a copy the caller may keep.
func Rules() []compat.RuleInfo { return slices.Clone(rules) }
