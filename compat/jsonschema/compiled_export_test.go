package jsonschema

import "github.com/heraldhq/herald/compat"

// FastValid is the compiled validator's verdict on payload; compiled is false
// when s falls back to the full validator.
func FastValid(s compat.Schema, payload []byte) (valid, compiled bool) {
	fast := s.(*Schema).fastValidator()
	if fast == nil {
		return false, false
	}
	return fast.Valid(payload), true
}

// FullValidate validates payload with the full validator only.
func FullValidate(s compat.Schema, payload []byte) error {
	return s.(*Schema).validateFull(payload)
}

// FastSteps is the work the compiled validator does on payload, and whether
// it stayed within its budget.
func FastSteps(s compat.Schema, payload []byte) (steps int, within bool) {
	return s.(*Schema).fastValidator().Steps(payload)
}
