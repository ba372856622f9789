// Package compat is Herald's contract brain: compatibility levels, violations as
// data, and the level engine that walks previous versions in the right direction.
//
// Each schema format (compat/avro, compat/jsonschema, compat/protobuf) implements one
// primitive, Format.CanRead: can a reader schema read data written with a writer
// schema? Levels (BACKWARD, FORWARD, FULL and their transitive forms) are built on it
// by Check. The package does no I/O: references arrive already resolved, as text.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/heraldhq/herald/internal/enum"
	"github.com/heraldhq/herald/internal/textpos"
)

// SchemaType names a schema format as the Confluent API spells it.
type SchemaType int

// Schema types. The zero value is Avro, because the Confluent API treats a missing
// schemaType as AVRO.
const (
	Avro SchemaType = iota
	JSON
	Protobuf
)

// schemaTypeText spells the types as Confluent does; "" is AVRO.
var schemaTypeText = enum.Text[SchemaType]{
	Type:    "SchemaType",
	Names:   []string{Avro: "AVRO", JSON: "JSON", Protobuf: "PROTOBUF"},
	Empty:   enum.Zero[SchemaType](),
	Unknown: func(s string) error { return fmt.Errorf("%w %s", ErrUnknownSchemaType, s) },
}

// SchemaTypes lists every supported type in a stable order.
var SchemaTypes = []SchemaType{JSON, Protobuf, Avro}

// String returns the Confluent spelling: AVRO, JSON or PROTOBUF.
func (t SchemaType) String() string { return schemaTypeText.String(t) }

// MarshalText implements encoding.TextMarshaler.
func (t SchemaType) MarshalText() ([]byte, error) { return schemaTypeText.Marshal(t) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseSchemaType's rules.
func (t *SchemaType) UnmarshalText(b []byte) error { return schemaTypeText.Unmarshal(t, b) }

// ErrUnknownSchemaType is returned by ParseSchemaType for names it does not know.
var ErrUnknownSchemaType = errors.New("unknown schema type")

// ParseSchemaType parses a schema type name. Matching is case-sensitive, as in
// Confluent; the empty string means AVRO.
func ParseSchemaType(s string) (SchemaType, error) { return schemaTypeText.Parse(s) }

// Reference is a resolved schema reference: the name the referring schema uses for it
// (a Protobuf import path, a JSON Schema $ref URI, an Avro full name) and its text.
// Parse receives references flattened and ordered so that every reference comes after
// the references it depends on.
type Reference struct {
	Name string
	Text string
}

// Schema is a parsed, valid schema of one format. Implementations are immutable and
// safe for concurrent use, so they can be cached by id.
type Schema interface {
	// Type reports the schema's format.
	Type() SchemaType
	// Canonical returns the form stored and returned by the registry: the submitted
	// schema with insignificant formatting removed. Two schemas with the same
	// canonical text (and references) are the same schema and share an id.
	Canonical() string
	// Normalized returns the stronger form used when normalize=true: it also
	// erases differences that do not change meaning (key order, import and option
	// order, default labels). Normalized(Normalized(x)) == Normalized(x).
	Normalized() string
	// Validate checks one payload in the given encoding. It returns nil or an
	// *InvalidPayloadError listing every problem with its path.
	Validate(payload []byte, enc Encoding) error
}

// Format is one schema format: how to parse it and its compatibility primitive.
type Format interface {
	// Type reports the format this value handles.
	Type() SchemaType
	// Parse parses and validates schema text. refs are the resolved references.
	// A bad schema gives a *SchemaError.
	Parse(text string, refs []Reference) (Schema, error)
	// CanRead returns the violations that stop reader from reading data written
	// with writer; none means compatible. Both schemas come from this Format's
	// Parse. Direction and Version of the returned violations are left zero; Check
	// fills them in. The work is bounded by opts.Limits and by ctx (use
	// CheckBudget): it fails with a *LimitError or the context's error, never
	// with a partial list taken as a verdict. A violation at a shared
	// definition is reported once, however many paths reach it.
	CanRead(ctx context.Context, reader, writer Schema, opts Options) ([]Violation, error)
}

// Formats is a set of formats keyed by the schema type each handles.
type Formats map[SchemaType]Format

// FormatsOf returns fs keyed by the type each handles.
func FormatsOf(fs ...Format) Formats {
	m := make(Formats, len(fs))
	for _, f := range fs {
		m[f.Type()] = f
	}
	return m
}

// CanRead is the CanRead of the format of reader's type. A type the set does
// not hold has no compatibility primitive, hence nothing to report.
func (fs Formats) CanRead(ctx context.Context, reader, writer Schema, opts Options) ([]Violation, error) {
	f, ok := fs[reader.Type()]
	if !ok {
		return nil, nil
	}
	return f.CanRead(ctx, reader, writer, opts)
}

// Encoding is how a payload is encoded for Schema.Validate.
type Encoding int

const (
	// EncodingJSON is a JSON document: JSON Schema's natural form, Avro's JSON
	// mapping of a datum (plain JSON, unions as their value), Protobuf's JSON mapping.
	EncodingJSON Encoding = iota
	// EncodingBinary is the format's own binary encoding: Avro binary, Protobuf
	// binary preceded by the Confluent message-index path, or UTF-8 JSON text for
	// JSON Schema. It is the payload of the Confluent wire format after the
	// magic byte and schema id.
	EncodingBinary
)

// String returns "json" or "binary".
func (e Encoding) String() string {
	if e == EncodingBinary {
		return "binary"
	}
	return "json"
}

// Problem is one reason a payload does not match its schema.
type Problem struct {
	// Path locates the offending value inside the payload, as a JSON Pointer
	// ("" is the whole payload, "/items/3/price" a nested value).
	Path string `json:"path"`
	// Message says what was expected, for a person.
	Message string `json:"message"`
}

// pointerEscaper escapes a JSON Pointer reference token (RFC 6901).
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// EscapePointer escapes one JSON Pointer reference token (RFC 6901): "~" becomes
// "~0" and "/" becomes "~1". The format packages build Problem and Violation
// paths with it.
func EscapePointer(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return pointerEscaper.Replace(token)
}

// InvalidPayloadError is returned by Schema.Validate when a payload breaks its schema.
type InvalidPayloadError struct {
	Problems []Problem
}

func (e *InvalidPayloadError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid payload"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Path != "" {
			b.WriteString(p.Path)
			b.WriteString(": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// SchemaError reports a schema that cannot be parsed or is not valid.
type SchemaError struct {
	// File is the reference name the error is in, or "" for the schema itself.
	File string
	// Line and Column are 1-based; zero when unknown.
	Line, Column int
	// Path is a JSON Pointer or dotted path inside the schema, when known.
	Path string
	// Message says what is wrong.
	Message string
}

func (e *SchemaError) Error() string {
	var b strings.Builder
	textpos.WritePlace(&b, e.File, e.Line, e.Column)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Policy selects how strictly JSON Schema open content models are treated.
type Policy int

const (
	// Strict is Confluent's default: adding a property to an open content model,
	// or closing or narrowing one, is incompatible.
	Strict Policy = iota
	// Lenient allows those changes (Confluent 8.2's LENIENT).
	Lenient
)

// policyText spells the policies; matching ignores case and "" is STRICT.
var policyText = enum.Text[Policy]{
	Type:  "Policy",
	Names: []string{Strict: "STRICT", Lenient: "LENIENT"},
	Empty: enum.Zero[Policy](),
	Fold:  strings.ToUpper,
	Unknown: func(s string) error {
		return fmt.Errorf("unknown compatibility policy %q: want STRICT or LENIENT", s)
	},
}

// String returns STRICT or LENIENT.
func (p Policy) String() string { return policyText.String(p) }

// MarshalText implements encoding.TextMarshaler.
func (p Policy) MarshalText() ([]byte, error) { return policyText.Marshal(p) }

// UnmarshalText implements encoding.TextUnmarshaler; matching ignores case.
func (p *Policy) UnmarshalText(b []byte) error { return policyText.Unmarshal(p, b) }

// ParsePolicy parses STRICT or LENIENT, ignoring case.
func ParsePolicy(s string) (Policy, error) { return policyText.Parse(s) }

// Options tune a compatibility check. The zero value is Confluent's default behaviour.
type Options struct {
	// Policy is the JSON Schema content-model policy. Zero: Strict.
	Policy Policy
	// RuleSet selects the Protobuf rule set: "" or "CONFLUENT" (default), "WIRE_JSON"
	// or "WIRE" (buf's categories).
	RuleSet string
	// Limits bound the work of the check. Zero: the defaults.
	Limits Limits
}
