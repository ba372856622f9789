package protobuf

import (
	"context"
	"fmt"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// RuleSet selects which rules CanRead applies.
type RuleSet int

const (
	// Confluent is the default: Confluent Schema Registry's structural rules, the
	// incompatible difference types of Diff. Same verdicts as Confluent's
	// protobuf-provider, so clients see the same accept/reject decisions.
	Confluent RuleSet = iota
	// WireJSON is buf's WIRE_JSON category: changes that keep both the binary and
	// the JSON encoding readable. Stricter than Confluent on renames and deletions.
	WireJSON
	// Wire is buf's WIRE category: changes that keep the binary encoding readable.
	Wire
)

var ruleSetNames = [...]string{Confluent: "CONFLUENT", WireJSON: "WIRE_JSON", Wire: "WIRE"}

// String returns CONFLUENT, WIRE_JSON or WIRE.
func (r RuleSet) String() string {
	if r < 0 || int(r) >= len(ruleSetNames) {
		return fmt.Sprintf("RuleSet(%d)", int(r))
	}
	return ruleSetNames[r]
}

// ParseRuleSet parses a compat.Options.RuleSet value, ignoring case; "" is
// Confluent.
func ParseRuleSet(s string) (RuleSet, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "CONFLUENT":
		return Confluent, nil
	case "WIRE_JSON":
		return WireJSON, nil
	case "WIRE":
		return Wire, nil
	}
	return 0, fmt.Errorf("unknown Protobuf rule set %q: want CONFLUENT, WIRE_JSON or WIRE", s)
}

// RuleUnknownRuleSet is reported when Options.RuleSet names no rule set; nothing
// is checked then, so the change is refused rather than let through unchecked.
const RuleUnknownRuleSet = "PROTOBUF_UNKNOWN_RULE_SET"

// CanRead returns the violations that stop reader from reading data written with
// writer, under the rule set opts.RuleSet selects. Both must come from Parse.
// Every message, field and enum pair compared counts against
// opts.Limits.MaxNodes; past it, or once ctx is done, CanRead fails with a
// *compat.LimitError or ctx's error.
// Paths are Confluent's ("#/Order/3": message names relative to the package, then
// a field number).
func (Format) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 {
		return []compat.Violation{{Rule: compat.RuleSchemaTypeChanged, Message: "both schemas must be Protobuf schemas"}}, nil
	}
	set, err := ParseRuleSet(opts.RuleSet)
	if err != nil {
		return []compat.Violation{{Rule: RuleUnknownRuleSet, Message: err.Error()}}, nil
	}
	return canRead(r, w, set, compat.CheckBudget(ctx, opts))
}

// CanRead is Format.CanRead on concrete schemas with a parsed rule set, without a
// context or a bound. Each message pair is compared once, so the work grows with
// the schemas' size.
func CanRead(reader, writer *Schema, set RuleSet) []compat.Violation {
	out, _ := canRead(reader, writer, set, compat.NewBudget(context.Background(), 0, ""))
	return out
}

// canRead is CanRead within budget: it fails with the budget's error (a
// *compat.LimitError or the context's error) once the budget is spent.
func canRead(reader, writer *Schema, set RuleSet, budget *compat.Budget) ([]compat.Violation, error) {
	if set != Confluent {
		return bufCheck(writer, reader, set, budget)
	}
	changes, err := diff(writer, reader, budget)
	if err != nil {
		return nil, err
	}
	var out []compat.Violation
	for _, c := range changes {
		if !c.Compatible {
			out = append(out, compat.Violation{Rule: c.Type, Path: c.Path, Message: c.Message})
		}
	}
	return out, nil
}
