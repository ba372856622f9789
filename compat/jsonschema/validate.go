package jsonschema

import (
	"errors"
	"fmt"
	"sort"

	"github.com/heraldhq/herald/compat"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer renders the validator's messages in English.
var printer = message.NewPrinter(language.English)

// Validate checks one payload. Both encodings are JSON text (the Confluent wire
// format carries JSON Schema payloads as UTF-8 JSON). It returns nil or an
// *compat.InvalidPayloadError listing each failed constraint with the JSON
// pointer of the offending value.
//
// The compiled validator answers first; only a payload it does not accept
// is decoded and checked by the full validator, which writes the problems.
func (s *Schema) Validate(payload []byte, enc compat.Encoding) (err error) {
	_ = enc // both encodings are JSON text
	if fast := s.fastValidator(); fast != nil && fast.Valid(payload) {
		stats.fast.Add(1)
		return nil
	}
	stats.full.Add(1)
	return s.validateFull(payload)
}

// validateFull validates payload with the full validator only.
func (s *Schema) validateFull(payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &compat.InvalidPayloadError{Problems: []compat.Problem{{Message: "payload cannot be validated"}}}
		}
	}()
	v, err := decodeJSON(payload)
	if err != nil {
		var je *jsonError
		msg := err.Error()
		if errors.As(err, &je) {
			msg = fmt.Sprintf("invalid JSON at line %d, column %d: %s", je.line, je.column, je.msg)
		}
		return &compat.InvalidPayloadError{Problems: []compat.Problem{{Path: "", Message: msg}}}
	}
	return s.validateValue(v)
}

// validateValue validates an already decoded value (numbers as json.Number).
func (s *Schema) validateValue(v any) error {
	err := s.validate(v)
	if err == nil {
		return nil
	}
	if errors.Is(err, errValidationTooComplex) {
		return &compat.InvalidPayloadError{Problems: []compat.Problem{{Message: problemTooComplex}}}
	}
	var ve *sjs.ValidationError
	if !errors.As(err, &ve) {
		return &compat.InvalidPayloadError{Problems: []compat.Problem{{Message: err.Error()}}}
	}
	return &compat.InvalidPayloadError{Problems: problems(ve)}
}

// validate validates v against the schema with bounded work: unmetered when
// the estimate allows, else with a metered copy (see cost.go), which may give
// errValidationTooComplex.
func (s *Schema) validate(v any) error { return s.forms().validate(v) }

func (s *forms) validate(v any) error {
	if estimateWithin(s.compiled, v, estimateBudget) {
		return s.compiled.Validate(v)
	}
	return s.validateMetered(v)
}

// maxProblems bounds the problems one payload reports; the rest are counted in
// a last problem.
const maxProblems = 100

// problems flattens a validation error tree to its leaf causes, in instance order,
// without duplicates.
func problems(ve *sjs.ValidationError) []compat.Problem {
	var out []compat.Problem
	seen := map[compat.Problem]bool{}
	for _, l := range leafErrors(ve) {
		if _, ok := l.ErrorKind.(*kind.Group); ok {
			continue
		}
		p := compat.Problem{Path: jsonPointer(l.InstanceLocation...), Message: l.ErrorKind.LocalizedString(printer)}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = append(out, compat.Problem{Message: ve.ErrorKind.LocalizedString(printer)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	if len(out) > maxProblems {
		more := len(out) - maxProblems
		out = append(out[:maxProblems], compat.Problem{Message: fmt.Sprintf("and %d more problems", more)})
	}
	return out
}
