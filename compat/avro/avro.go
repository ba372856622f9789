// Package avro is Herald's Avro format: it parses Avro schemas (with references to
// named types defined in other schemas), gives their stored, normalized and
// fingerprint forms, validates payloads in Avro binary or in plain JSON, and answers
// the compatibility primitive "can this reader schema read data written with that
// writer schema?".
//
// Parsing and fingerprints build on github.com/twmb/avro. The compatibility check is
// our own port of the semantics of Apache Avro's SchemaCompatibility over the Avro
// specification's "Schema Resolution" rules: every incompatibility is reported (not
// only the first), with Apache Avro's six error types as rule ids and a JSON Pointer
// into the reader schema built the way Java builds it ("/fields/2/type/symbols"), so
// Confluent-style messages can be rendered from a Violation.
//
// Paths: every path this package produces is a JSON Pointer. Schema errors and
// violations point into a schema ("/fields/2/type"; a violation at the root of the
// reader schema is "/", as in Java), payload problems point into the payload
// ("/items/3/price").
//
// The package does no I/O: references arrive as text.
package avro

import (
	"bytes"
	"context"
	"encoding/json"

	tavro "github.com/twmb/avro"

	"github.com/heraldhq/herald/compat"
)

// Format is the Avro compat.Format. The zero value is ready to use and safe for
// concurrent use.
type Format struct{}

var _ compat.Format = Format{}

// New returns the Avro format.
func New() compat.Format { return Format{} }

// Type returns compat.Avro.
func (Format) Type() compat.SchemaType { return compat.Avro }

// Parse parses Avro schema text. refs hold the schemas that define named types the
// text uses, flattened with dependencies first; each is parsed in turn so its named
// types are known to the ones after it. A bad schema gives a *compat.SchemaError
// whose File names the bad reference (empty for text itself) and whose Path is a
// JSON Pointer to the offending element.
func (Format) Parse(text string, refs []compat.Reference) (compat.Schema, error) {
	return Parse(text, refs)
}

// CanRead reports why reader cannot read data written with writer; see the package
// comment for the rules. Both must be *Schema values from this package; a schema of
// another kind gives one TYPE_MISMATCH violation. Each pair of named types is
// compared once, and a violation inside one is reported once, at the path by which
// it was first reached. The walk counts node pairs against opts.Limits.MaxNodes and
// stops with a *compat.LimitError past it, or with ctx's error once ctx is done.
func (Format) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	r, ok1 := reader.(*Schema)
	w, ok2 := writer.(*Schema)
	if !ok1 || !ok2 || r == nil || w == nil {
		return []compat.Violation{{Rule: RuleTypeMismatch, Path: "/", Message: "both schemas must be parsed Avro schemas"}}, nil
	}
	return canRead(r.root, w.root, compat.CheckBudget(ctx, opts))
}

// Schema is a parsed, valid Avro schema. It is immutable and safe for concurrent use.
//
// It keeps what validation and compatibility checks walk (the node graph) and
// the stored text, and nothing else: the twmb/avro schema the text was parsed
// with weighs three times the graph, and only the Parsing Canonical Form needs
// it, so that is derived again when asked for.
type Schema struct {
	canonical string
	// refs are the references the schema was parsed with, for
	// ParsingCanonicalForm; their texts are shared with the caller's.
	refs []compat.Reference
	root *node
}

var _ compat.Schema = (*Schema)(nil)

// Parse parses Avro schema text with its references; see Format.Parse.
func Parse(text string, refs []compat.Reference) (*Schema, error) {
	var cache tavro.SchemaCache
	b := newBuilder()
	for _, ref := range refs {
		if _, err := parseOne(&cache, b, ref.Text, ref.Name, true); err != nil {
			return nil, err
		}
	}
	raw, err := parseOne(&cache, b, text, "", false)
	if err != nil {
		return nil, err
	}
	root, err := b.build(raw.Root(), false)
	if err != nil {
		return nil, err
	}
	var kept []compat.Reference
	if len(refs) > 0 {
		kept = append(kept, refs...)
	}
	return &Schema{canonical: canonicalText(compact(text)), refs: kept, root: root}, nil
}

// parseOne parses one schema text into cache, and on failure locates the problem
// so the error can name a path. fromRef marks the named types it defines as
// belonging to a reference.
func parseOne(cache *tavro.SchemaCache, b *builder, text, file string, fromRef bool) (*tavro.Schema, error) {
	raw, err := cache.Parse(text)
	if err != nil {
		se := locate(text, b.known)
		if se == nil {
			se = &compat.SchemaError{Message: err.Error()}
		}
		se.File = file
		return nil, se
	}
	if fromRef {
		if _, err := b.build(raw.Root(), true); err != nil {
			if se, ok := err.(*compat.SchemaError); ok {
				se.File = file
			}
			return nil, err
		}
	}
	return raw, nil
}

// compact removes insignificant whitespace from valid JSON, keeping key order.
func compact(text string) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return text
	}
	return buf.String()
}

// Type returns compat.Avro.
func (s *Schema) Type() compat.SchemaType { return compat.Avro }

// Canonical returns the stored form: the submitted JSON with whitespace removed, a
// nested type's "namespace" dropped where it repeats the enclosing one (see
// canonicalText), and everything else (key order, doc, aliases, defaults, custom
// attributes) as written.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized returns the form used for identity when normalize=true. It erases what
// does not change meaning and keeps what does:
//
//   - names are written in full ("com.acme.Order") and "namespace" is dropped (kept
//     only as "namespace":"" where a null-namespace type sits inside a namespaced one);
//   - keys come in a fixed order (type, name, namespace, aliases, doc, fields,
//     symbols, default, items, values, size, logicalType, precision, scale), then
//     custom attributes sorted by key; field keys likewise (name, aliases, doc, type,
//     default, order);
//   - a primitive without attributes collapses to its bare name ({"type":"int"} is
//     "int"); "order":"ascending" (the default) is dropped;
//   - type aliases are qualified and sorted, field aliases sorted;
//   - defaults and attribute values are re-encoded canonically (object keys sorted,
//     numbers in shortest form, bytes as code points);
//   - each named type is defined at its first use and referenced by full name after;
//     types defined in references stay references.
//
// Unlike the Parsing Canonical Form it keeps doc, aliases, defaults, logical types and
// custom attributes, since each of them changes compatibility or documentation.
//
// It is written afresh on each call, not kept: the registry asks for it once per
// registration with normalize=true.
func (s *Schema) Normalized() string { return normalize(s.root) }

// ParsingCanonicalForm returns the Avro specification's Parsing Canonical Form, with
// the definitions of referenced types inlined.
// It parses the stored text again (the parsed form does not keep twmb/avro's
// schema), so it costs a parse.
func (s *Schema) ParsingCanonicalForm() string { return string(s.pcf()) }

// Fingerprint returns the CRC-64-AVRO (Rabin) fingerprint of the schema's Parsing
// Canonical Form, the fingerprint Avro single-object encoding uses. It costs a
// parse, as ParsingCanonicalForm does.
func (s *Schema) Fingerprint() uint64 { return Fingerprint(s.pcf()) }

// pcf parses the canonical text with the references again and returns its
// Parsing Canonical Form. The canonical text differs from the submitted one only
// in whitespace and repeated namespaces, which the form erases anyway.
func (s *Schema) pcf() []byte {
	var cache tavro.SchemaCache
	for _, r := range s.refs {
		if _, err := cache.Parse(r.Text); err != nil {
			return nil // cannot happen: these texts parsed when s was built
		}
	}
	raw, err := cache.Parse(s.canonical)
	if err != nil {
		return nil
	}
	return raw.Canonical()
}

// Fingerprint returns the CRC-64-AVRO (Rabin) fingerprint of b, as the Avro
// specification defines it. Pass a Parsing Canonical Form to fingerprint a schema.
func Fingerprint(b []byte) uint64 {
	h := tavro.NewRabin()
	h.Write(b)
	return h.Sum64()
}
