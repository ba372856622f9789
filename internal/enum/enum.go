// Package enum gives Herald's typed enums their text form from one table.
//
// STYLE.md asks every enum for String, MarshalText and UnmarshalText and a Parse
// function. Written by hand, each enum repeated the same range check, the same
// unmarshal-through-Parse body and a switch over its names; a Text built from the
// names table does that work once, and each enum's methods are one-line calls.
package enum

import "fmt"

// Text is the text form of the enum E: Names[v] is the name of value v.
type Text[E ~int] struct {
	// Type is the enum's Go type name, used by String for a value out of range,
	// as in "Kind(7)".
	Type string
	// Names spells each value, indexed by value. A name may be "" (a zero value
	// that has no name of its own).
	Names []string
	// Empty, when set, is what the empty string parses as (Confluent and Herald
	// treat a missing field as the default). Nil: "" parses only if a name is "".
	Empty *E
	// Fold is applied to the text before it is compared with Names, such as
	// strings.ToUpper for names matched without regard to case. Nil: exact match.
	Fold func(string) string
	// Unknown builds the error for text that is not a name; it gets the text as
	// given, before Fold.
	Unknown func(s string) error
}

// String returns the name of v, or Type(v) when v has no name.
func (t *Text[E]) String(v E) string {
	if v < 0 || int(v) >= len(t.Names) {
		return fmt.Sprintf("%s(%d)", t.Type, int(v))
	}
	return t.Names[v]
}

// Marshal is MarshalText for the enum: the name as bytes.
func (t *Text[E]) Marshal(v E) ([]byte, error) { return []byte(t.String(v)), nil }

// Parse returns the value named s.
func (t *Text[E]) Parse(s string) (E, error) {
	if s == "" && t.Empty != nil {
		return *t.Empty, nil
	}
	folded := s
	if t.Fold != nil {
		folded = t.Fold(s)
	}
	for i, n := range t.Names {
		if n == folded {
			return E(i), nil
		}
	}
	return 0, t.Unknown(s)
}

// Unmarshal is UnmarshalText for the enum: it parses b into *v, and leaves *v as
// it was when b is not a name.
func (t *Text[E]) Unmarshal(v *E, b []byte) error {
	p, err := t.Parse(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Zero returns a pointer to E's zero value, for Text.Empty when "" means the
// zero value.
func Zero[E ~int]() *E { return new(E) }
