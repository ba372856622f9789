package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldhq/herald/internal/enum"
)

// Level is a compatibility level, as configured per subject or globally.
type Level int

// Levels. The zero value is Backward, the registry default.
const (
	Backward Level = iota
	BackwardTransitive
	Forward
	ForwardTransitive
	Full
	FullTransitive
	None
)

// levelText spells the levels; matching ignores case and surrounding space, as
// Confluent does.
var levelText = enum.Text[Level]{
	Type: "Level",
	Names: []string{
		Backward:           "BACKWARD",
		BackwardTransitive: "BACKWARD_TRANSITIVE",
		Forward:            "FORWARD",
		ForwardTransitive:  "FORWARD_TRANSITIVE",
		Full:               "FULL",
		FullTransitive:     "FULL_TRANSITIVE",
		None:               "NONE",
	},
	Fold: func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) },
	Unknown: func(s string) error {
		return fmt.Errorf("%w %q: valid values are none, backward, backward_transitive, forward, forward_transitive, full, full_transitive", ErrInvalidLevel, s)
	},
}

// Levels lists every level in a stable order.
var Levels = []Level{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ErrInvalidLevel is returned by ParseLevel for an unknown name.
var ErrInvalidLevel = errors.New("invalid compatibility level")

// String returns the level's upper-case name, such as BACKWARD_TRANSITIVE.
func (l Level) String() string { return levelText.String(l) }

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) { return levelText.Marshal(l) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseLevel's rules.
func (l *Level) UnmarshalText(b []byte) error { return levelText.Unmarshal(l, b) }

// ParseLevel parses a level name, ignoring case as Confluent does.
func ParseLevel(s string) (Level, error) { return levelText.Parse(s) }

// Transitive reports whether the level compares against every live version rather
// than only the latest.
func (l Level) Transitive() bool {
	return l == BackwardTransitive || l == ForwardTransitive || l == FullTransitive
}

// Backward reports whether the new schema must read data written with old ones.
func (l Level) Backward() bool {
	return l == Backward || l == BackwardTransitive || l == Full || l == FullTransitive
}

// Forward reports whether old schemas must read data written with the new one.
func (l Level) Forward() bool {
	return l == Forward || l == ForwardTransitive || l == Full || l == FullTransitive
}

// Direction says which way a violation was found.
type Direction int

const (
	// DirBackward: the new schema (reader) cannot read data written with an old one.
	DirBackward Direction = iota + 1
	// DirForward: an old schema (reader) cannot read data written with the new one.
	DirForward
)

// directionText spells the directions; the zero value, no direction, is "".
var directionText = enum.Text[Direction]{
	Type:    "Direction",
	Names:   []string{DirBackward: "backward", DirForward: "forward"},
	Unknown: func(s string) error { return fmt.Errorf("unknown direction %q", s) },
}

// String returns "backward" or "forward", and "" for no direction.
func (d Direction) String() string { return directionText.String(d) }

// MarshalText implements encoding.TextMarshaler.
func (d Direction) MarshalText() ([]byte, error) { return directionText.Marshal(d) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Direction) UnmarshalText(b []byte) error { return directionText.Unmarshal(d, b) }

// Violation is one reason a schema change is incompatible.
type Violation struct {
	// Rule is a stable UPPER_SNAKE rule id from Rules.
	Rule string `json:"rule"`
	// Path locates the change inside the schema: a JSON Pointer into the reader
	// schema for JSON Schema and Avro (as Apache Avro reports it), a path of
	// message and field names for Protobuf.
	Path string `json:"path"`
	// Message explains the change for a person.
	Message string `json:"message"`
	// Direction says which reading failed.
	Direction Direction `json:"direction,omitempty"`
	// Version is the registered version compared against; zero when none.
	Version int `json:"version,omitempty"`
}

// Report is the outcome of Check.
type Report struct {
	Compatible bool        `json:"compatible"`
	Level      Level       `json:"level"`
	Violations []Violation `json:"violations"`
	// Truncated is set when more violations were found than Limits.MaxViolations
	// allows: Violations holds the first ones.
	Truncated bool `json:"truncated,omitempty"`
}

// Previous is an earlier registered version of a subject.
type Previous struct {
	Version int
	Schema  Schema
}

// RuleSchemaTypeChanged is reported when the candidate's format differs from a
// previous version's.
const RuleSchemaTypeChanged = "SCHEMA_TYPE_CHANGED"

// Check decides whether candidate may follow previous (ordered oldest first, live
// versions only) under level. Non-transitive levels compare with the newest version
// only; transitive levels with every version, newest first. Every violation found is
// reported, each marked with its direction and the version it was found against, up
// to opts.Limits.MaxViolations. A comparison that exceeds its limits, or a ctx that
// ends, fails the check with that error: no verdict is given on partial work.
func Check(ctx context.Context, f Format, level Level, candidate Schema, previous []Previous, opts Options) (Report, error) {
	r := Report{Compatible: true, Level: level, Violations: []Violation{}}
	if level == None || len(previous) == 0 {
		return r, nil
	}
	start := 0
	if !level.Transitive() {
		start = len(previous) - 1
	}
	maxV := opts.Limits.violations()
	add := func(vs []Violation, dir Direction, version int) {
		for _, v := range vs {
			if len(r.Violations) >= maxV {
				r.Truncated = true
				return
			}
			v.Direction, v.Version = dir, version
			r.Violations = append(r.Violations, v)
		}
	}
	for i := len(previous) - 1; i >= start; i-- {
		if err := ctx.Err(); err != nil {
			return Report{}, err
		}
		p := previous[i]
		if p.Schema.Type() != candidate.Type() {
			add([]Violation{{
				Rule:    RuleSchemaTypeChanged,
				Message: fmt.Sprintf("Incompatible because of different schema type: %s was %s, new schema is %s", versionName(p.Version), p.Schema.Type(), candidate.Type()),
			}}, 0, p.Version)
			continue
		}
		if level.Backward() {
			vs, err := f.CanRead(ctx, candidate, p.Schema, opts)
			if err != nil {
				return Report{}, err
			}
			add(vs, DirBackward, p.Version)
		}
		if level.Forward() {
			vs, err := f.CanRead(ctx, p.Schema, candidate, opts)
			if err != nil {
				return Report{}, err
			}
			add(vs, DirForward, p.Version)
		}
	}
	r.Compatible = len(r.Violations) == 0
	return r, nil
}

func versionName(v int) string {
	if v == 0 {
		return "the previous schema"
	}
	return fmt.Sprintf("version %d", v)
}
