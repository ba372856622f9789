package compat

// avroRules lists the Avro rule ids; compat/avro reports them. They are Apache Avro's
// SchemaIncompatibilityType names, which Confluent reports too.
var avroRules = []RuleInfo{
	{ID: "NAME_MISMATCH", Format: "AVRO", Purpose: "a record, enum or fixed keeps its name, or the reader lists the writer's full name among its aliases"},
	{ID: "FIXED_SIZE_MISMATCH", Format: "AVRO", Purpose: "a fixed type keeps its size, since its bytes are read without a length"},
	{ID: "MISSING_ENUM_SYMBOLS", Format: "AVRO", Purpose: "every symbol the writer may send exists in the reader's enum, unless the reader's enum has a default"},
	{ID: "READER_FIELD_MISSING_DEFAULT_VALUE", Format: "AVRO", Purpose: "a reader field the writer does not have needs a default, or old data cannot be read"},
	{ID: "TYPE_MISMATCH", Format: "AVRO", Purpose: "the writer's type is the reader's type or one Avro promotes to it (int to long, float or double; long to float or double; float to double; string and bytes)"},
	{ID: "MISSING_UNION_BRANCH", Format: "AVRO", Purpose: "the reader's union has a branch that can read each type the writer may send"},
}
