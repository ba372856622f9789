package registry

import (
	"fmt"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// oldSchema is a previous version a check compared against, for the messages.
type oldSchema struct {
	version int
	text    string
}

// renderMessages renders a failed report as Confluent's verbose strings: for each
// version that failed (in the order Check met them), its violations, then
// {oldSchemaVersion: N} and {oldSchema: '…'}; last, the settings the check used.
// Clients show these strings and never parse them.
func renderMessages(rep compat.Report, olds []oldSchema, cfg Config, typ compat.SchemaType) []string {
	texts := map[int]string{}
	for _, o := range olds {
		texts[o.version] = o.text
	}
	var out []string
	var order []int
	byVersion := map[int][]compat.Violation{}
	for _, v := range rep.Violations {
		if _, seen := byVersion[v.Version]; !seen {
			order = append(order, v.Version)
		}
		byVersion[v.Version] = append(byVersion[v.Version], v)
	}
	for _, ver := range order {
		for _, v := range byVersion[ver] {
			out = append(out, renderViolation(v, typ))
		}
		out = append(out, fmt.Sprintf("{oldSchemaVersion: %d}", ver))
		out = append(out, fmt.Sprintf("{oldSchema: '%s'}", texts[ver]))
	}
	out = append(out, fmt.Sprintf("{validateFields: '%t', compatibility: '%s'}", isTrue(cfg.ValidateFields), rep.Level))
	return out
}

// renderViolation renders one violation: Avro's {errorType, description,
// additionalInfo} triple, or "<RULE> #/path" for JSON Schema and Protobuf.
func renderViolation(v compat.Violation, typ compat.SchemaType) string {
	if v.Rule == compat.RuleSchemaTypeChanged {
		return "Incompatible because of different schema type"
	}
	if typ == compat.Avro {
		return fmt.Sprintf("{errorType:'%s', description:'%s', additionalInfo:'%s'}", v.Rule, v.Message, v.Path)
	}
	return v.Rule + " " + jsonPath(v.Path)
}

// jsonPath writes a violation path as Confluent's "#/…" JSON path: JSON Pointers
// get a leading '#', dotted paths have their dots turned into slashes.
func jsonPath(p string) string {
	switch {
	case strings.HasPrefix(p, "#"):
		return p
	case strings.HasPrefix(p, "/"):
		return "#" + p
	case p == "":
		return "#/"
	}
	return "#/" + strings.ReplaceAll(p, ".", "/")
}
