// Package protobuf is Herald's Protobuf schema format: parsing with protocompile
// (entirely from memory, references arriving as data), the canonical and normalized
// forms, Confluent message indexes, payload validation with dynamicpb, and the
// compatibility rules (Confluent's structural rules by default, buf's WIRE_JSON and
// WIRE categories on request).
//
// It is the only package in Herald that imports github.com/bufbuild/protocompile;
// everything else sees protoreflect descriptors.
package protobuf

import (
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/derived"
)

// SchemaFile is the file name the schema being parsed gets inside the compilation.
// It shows in descriptors (FileDescriptor.Path) but never in errors, which name the
// schema itself with an empty File. When a reference already uses this name, the
// schema is compiled as "schema~1.proto" (then "~2", ...) instead.
const SchemaFile = "schema.proto"

// Format is the Protobuf compat.Format. The zero value is ready to use.
type Format struct{}

var _ compat.Format = Format{}

// New returns the Protobuf format.
func New() compat.Format { return Format{} }

// Type reports compat.Protobuf.
func (Format) Type() compat.SchemaType { return compat.Protobuf }

// Parse compiles text as a .proto file. Imports are resolved from refs, whose Name is
// the import path, and from the files Confluent always resolves, which are built
// in: the well-known google/protobuf/*.proto files, google/type/*.proto,
// confluent/meta.proto and confluent/type/decimal.proto. Nothing is read from disk. A schema that does not compile gives a
// *compat.SchemaError locating the first error (its message counts the others).
func (Format) Parse(text string, refs []compat.Reference) (compat.Schema, error) {
	s, err := Parse(text, refs)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Schema is a compiled Protobuf schema. It is immutable and safe for concurrent use.
type Schema struct {
	text      string
	canonical string
	refs      []compat.Reference
	// files are the compiled files as a serialized FileDescriptorSet
	// (encodeFiles): what the descriptors are rebuilt from.
	files []byte

	// built holds the descriptors while descriptorCache keeps them.
	built derived.Slot[descs]

	normOnce   sync.Once
	normalized string
}

var _ compat.Schema = (*Schema)(nil)

// Parse is Format.Parse returning the concrete type.
func Parse(text string, refs []compat.Reference) (*Schema, error) {
	files, err := compile(text, refs)
	if err != nil {
		return nil, err
	}
	set, err := encodeFiles(files)
	if err != nil {
		return nil, fmt.Errorf("protobuf: encode compiled files: %w", err)
	}
	s := &Schema{text: text, canonical: canonicalText(text), refs: append([]compat.Reference(nil), refs...), files: set}
	if s.canonical == text {
		s.canonical = s.text // one string, not two equal ones
	}
	s.built.Set(descriptorCache, descsOf(files), int64(len(set))*descCostPerByte)
	return s, nil
}

// Type reports compat.Protobuf.
func (s *Schema) Type() compat.SchemaType { return compat.Protobuf }

// Canonical returns the submitted text with line endings made LF and trailing
// whitespace removed from every line and from the end.
//
// It deliberately does not reprint the schema: Confluent serdes (confluent-kafka-go,
// the Java and .NET clients) parse the text the registry returns and select a message
// by its message-index path, the position of its declaration. A reprint that moved
// declarations would silently make consumers decode with the wrong message. Keeping
// the author's text keeps every declaration where the producer saw it.
func (s *Schema) Canonical() string { return s.canonical }

// Text returns the schema text exactly as submitted.
func (s *Schema) Text() string { return s.text }

// References returns the references the schema was parsed with.
func (s *Schema) References() []compat.Reference {
	return append([]compat.Reference(nil), s.refs...)
}

// Normalized returns the schema printed from its descriptor: no comments, one
// canonical layout, imports and options sorted, type names fully qualified, labels
// and defaults spelled one way. Declaration order of messages, fields, enums and
// values is kept, so message indexes are the same as in Canonical. Parsing the
// result with the same references and normalizing again gives the same text.
func (s *Schema) Normalized() string {
	s.normOnce.Do(func() { s.normalized = printFile(s.descs()) })
	return s.normalized
}

// File returns the compiled file descriptor of the schema itself. Its imports are
// the compiled references and well-known files.
func (s *Schema) File() protoreflect.FileDescriptor { return s.descs().file }

// Files returns the schema's file descriptor followed by every file it imports,
// directly or not, each once.
func (s *Schema) Files() []protoreflect.FileDescriptor {
	return append([]protoreflect.FileDescriptor(nil), s.descs().files...)
}

// Package returns the schema's package name, "" when it declares none.
func (s *Schema) Package() string { return string(s.descs().file.Package()) }

// MessageNames returns the full names of the messages declared in the schema, in
// message-index order: each top-level message followed by its nested messages,
// depth first. Map-entry messages are left out.
func (s *Schema) MessageNames() []string {
	var out []string
	var walk func(ms protoreflect.MessageDescriptors)
	walk = func(ms protoreflect.MessageDescriptors) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			out = append(out, string(m.FullName()))
			walk(m.Messages())
		}
	}
	walk(s.descs().file.Messages())
	return out
}

// FirstMessage returns the first top-level message, the one message index [0]
// names, or nil when the schema declares no message.
func (s *Schema) FirstMessage() protoreflect.MessageDescriptor {
	ms := s.descs().file.Messages()
	if ms.Len() == 0 {
		return nil
	}
	return ms.Get(0)
}

// canonicalText implements Canonical's rule.
func canonicalText(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r\f\v")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), " \t\r\n\f\v")
}
