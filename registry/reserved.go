package registry

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/heraldhq/herald/compat"
)

// reservedProperty is the metadata property that lists a schema's reserved
// field names, comma-separated (Confluent's "confluent:reserved").
const reservedProperty = "confluent:reserved"

// Rule ids of the reserved-field checks, Confluent's names for them.
const (
	// RuleFieldConflictsWithReserved: the schema declares a top-level field its
	// metadata reserves.
	RuleFieldConflictsWithReserved = "FIELD_CONFLICTS_WITH_RESERVED_FIELD"
	// RuleReservedFieldRemoved: a field the previous version reserved is no
	// longer reserved.
	RuleReservedFieldRemoved = "RESERVED_FIELD_REMOVED"
)

// reservedFields returns the field names md reserves, sorted, without blanks.
func reservedFields(md json.RawMessage) []string {
	var out []string
	for _, f := range strings.Split(property(md, reservedProperty), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// firstMessager is implemented by Protobuf schemas: the message whose fields are
// a Protobuf schema's top-level fields, as Confluent takes them.
type firstMessager interface {
	FirstMessage() protoreflect.MessageDescriptor
}

// topLevelField returns a test of whether schema p (stored text text) declares a
// top-level field of a given name: a field of an Avro record, a property of a
// JSON Schema object, a field of a Protobuf file's first message. The text is
// decoded once, however many names are asked about.
func topLevelField(p compat.Schema, text string) func(name string) bool {
	none := func(string) bool { return false }
	switch p.Type() {
	case compat.Protobuf:
		fm, ok := p.(firstMessager)
		if !ok {
			return none
		}
		md := fm.FirstMessage()
		if md == nil {
			return none
		}
		return func(name string) bool { return md.Fields().ByName(protoreflect.Name(name)) != nil }
	case compat.Avro:
		var rec struct {
			Fields []struct {
				Name string `json:"name"`
			} `json:"fields"`
		}
		if json.Unmarshal([]byte(text), &rec) != nil {
			return none
		}
		names := make(map[string]bool, len(rec.Fields))
		for _, f := range rec.Fields {
			names[f.Name] = true
		}
		return func(name string) bool { return names[name] }
	case compat.JSON:
		var obj struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if json.Unmarshal([]byte(text), &obj) != nil {
			return none
		}
		return func(name string) bool { _, ok := obj.Properties[name]; return ok }
	}
	return none
}

// checkReserved applies validateFields to a registration: a reserved field
// must not be declared, and a field the previous live version (prev, nil when
// none) reserved must stay reserved. It returns the violations, none when
// validateFields is off.
func checkReserved(cfg Config, cand candidate, prev *SchemaRecord) []compat.Violation {
	if !isTrue(cfg.ValidateFields) {
		return nil
	}
	var out []compat.Violation
	now := reservedFields(cand.rec.Metadata)
	var declared func(string) bool
	if len(now) > 0 {
		declared = topLevelField(cand.parsed, cand.rec.Text)
	}
	for _, f := range now {
		if declared(f) {
			out = append(out, compat.Violation{Rule: RuleFieldConflictsWithReserved, Path: "/" + f,
				Message: fmt.Sprintf("The new schema has field that conflicts with the reserved field %s.", f)})
		}
	}
	if prev != nil {
		kept := map[string]bool{}
		for _, f := range now {
			kept[f] = true
		}
		for _, f := range reservedFields(prev.Metadata) {
			if !kept[f] {
				out = append(out, compat.Violation{Rule: RuleReservedFieldRemoved, Path: "/" + f,
					Message: fmt.Sprintf("The new schema has reserved field %s removed from its metadata provided by the previous schema.", f)})
			}
		}
	}
	return out
}

// reservedError is the 409 a registration breaking validateFields gets.
func reservedError(sn subjectName, cfg Config, typ compat.SchemaType, vs []compat.Violation) *Error {
	msgs := make([]string, 0, len(vs)+1)
	for _, v := range vs {
		msgs = append(msgs, renderViolation(v, typ))
	}
	msgs = append(msgs, fmt.Sprintf("{validateFields: 'true', compatibility: '%s'}", levelOf(cfg)))
	return &Error{
		Kind:       ErrIncompatible,
		Msg:        `Schema being registered is incompatible with an earlier schema for subject "` + sn.raw + `", details: [` + strings.Join(msgs, ", ") + `]`,
		Violations: vs,
		Messages:   msgs,
	}
}
