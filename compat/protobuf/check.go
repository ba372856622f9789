package protobuf

import (
	"github.com/heraldhq/herald/compat"
)

// RuleSchemaChanged is the phase-1 placeholder rule: any difference in the
// normalized form is reported as one violation.
const RuleSchemaChanged = "PROTOBUF_SCHEMA_CHANGED"

// CanRead returns the violations that stop reader from reading data written with
// writer.
func (Format) CanRead(reader, writer compat.Schema, opts compat.Options) []compat.Violation {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 {
		return []compat.Violation{{Rule: RuleSchemaChanged, Message: "both schemas must be Protobuf schemas parsed by this package"}}
	}
	if r.Normalized() == w.Normalized() {
		return nil
	}
	return []compat.Violation{{Rule: RuleSchemaChanged, Message: "the schema changed"}}
}
