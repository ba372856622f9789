package protobuf

import (
	"fmt"
	"sync"

	"github.com/bufbuild/protocompile/linker"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/heraldhq/herald/compat/derived"
)

// A compiled file's descriptors cost about twenty times the schema's text
// (protocompile's linker.File, or protobuf-go's filedesc built from the
// FileDescriptorProto: both measured at 14–18 KB for a 1 KB, 20-field message).
// A registry of 100k schemas cannot keep them all. So a Schema keeps its text
// and its files as serialized FileDescriptorProtos (about 0.7× the text), and
// its descriptors live in one process-wide cache bounded by estimated bytes:
// built on first use (compatibility checks, payload validation, message
// indexes), dropped when the cache needs room, rebuilt from the serialized
// form on the next use. Compiling is what a Schema is born from, so the
// descriptors protocompile built are the first entry; nothing is compiled twice.

// descs are a schema's descriptors and what decoding needs beside them.
type descs struct {
	file  protoreflect.FileDescriptor
	files []protoreflect.FileDescriptor // file first, then every import, transitively, each once
	// resolver finds extensions and message types (google.protobuf.Any
	// contents) among files, for the binary and JSON decoders and the printer.
	resolver typeResolver
	// msgTypes holds one dynamic message type per message descriptor used.
	msgTypes sync.Map // protoreflect.FullName → protoreflect.MessageType
}

// typeResolver is what proto.UnmarshalOptions and protojson.UnmarshalOptions
// take as their Resolver.
type typeResolver interface {
	protoregistry.ExtensionTypeResolver
	protoregistry.MessageTypeResolver
}

func (d *descs) messageType(md protoreflect.MessageDescriptor) protoreflect.MessageType {
	if t, ok := d.msgTypes.Load(md.FullName()); ok {
		return t.(protoreflect.MessageType)
	}
	t, _ := d.msgTypes.LoadOrStore(md.FullName(), dynamicpb.NewMessageType(md))
	return t.(protoreflect.MessageType)
}

// descCostPerByte estimates a built file's heap from its serialized
// FileDescriptorProto (the measured ratio is 20–25).
const descCostPerByte = 25

// descsOf wraps what protocompile built.
func descsOf(files linker.Files) *descs {
	out := make([]protoreflect.FileDescriptor, len(files))
	for i, f := range files {
		out[i] = f
	}
	return &descs{file: files[0], files: out, resolver: files.AsResolver()}
}

// encodeFiles serializes the files of a compilation that are not protobuf-go's
// own (the well-known files, which every rebuild takes from
// protoregistry.GlobalFiles), dependencies first and the schema's file last.
func encodeFiles(files linker.Files) ([]byte, error) {
	set := &descriptorpb.FileDescriptorSet{}
	for i := len(files) - 1; i >= 0; i-- {
		f := files[i]
		if w, ok := f.(interface {
			Unwrap() protoreflect.FileDescriptor
		}); ok && i > 0 {
			if std, err := protoregistry.GlobalFiles.FindFileByPath(f.Path()); err == nil && std == w.Unwrap() {
				continue
			}
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(f))
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(set)
}

// decodeFiles rebuilds descriptors from encodeFiles' output.
func decodeFiles(b []byte) (*descs, error) {
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	if len(set.File) == 0 {
		return nil, fmt.Errorf("no files")
	}
	reg := new(protoregistry.Files)
	for _, fdp := range set.File {
		for _, dep := range fdp.GetDependency() {
			if _, err := reg.FindFileByPath(dep); err == nil {
				continue
			}
			std, err := protoregistry.GlobalFiles.FindFileByPath(dep)
			if err != nil {
				return nil, fmt.Errorf("import %q: %w", dep, err)
			}
			if err := reg.RegisterFile(std); err != nil {
				return nil, err
			}
		}
		fd, err := protodesc.NewFile(fdp, reg)
		if err != nil {
			return nil, err
		}
		if err := reg.RegisterFile(fd); err != nil {
			return nil, err
		}
	}
	root, err := reg.FindFileByPath(set.File[len(set.File)-1].GetName())
	if err != nil {
		return nil, err
	}
	return &descs{file: root, files: closure(root), resolver: dynamicpb.NewTypes(reg)}, nil
}

// closure lists f and its transitive imports, each once, f first.
func closure(f protoreflect.FileDescriptor) []protoreflect.FileDescriptor {
	out := []protoreflect.FileDescriptor{f}
	seen := map[string]bool{f.Path(): true}
	for i := 0; i < len(out); i++ {
		imps := out[i].Imports()
		for j := range imps.Len() {
			imp := imps.Get(j)
			if seen[imp.Path()] {
				continue
			}
			seen[imp.Path()] = true
			out = append(out, imp.FileDescriptor)
		}
	}
	return out
}

// defaultDescCacheBytes bounds the descriptors kept for all Protobuf schemas
// of the process: about 1,300 schemas of 20 fields, or 260 of 100.
const defaultDescCacheBytes = 32 << 20

var descriptorCache = derived.NewCache(defaultDescCacheBytes)

// SetDescriptorCacheBytes bounds the estimated bytes of the descriptors kept
// for all Protobuf schemas of the process (default 32 MiB) and returns the
// previous bound. Zero or less keeps only the descriptors built last. A schema
// whose descriptors were dropped rebuilds them on its next use, in tens of
// microseconds for a 20-field message.
func SetDescriptorCacheBytes(n int64) int64 { return descriptorCache.SetMaxBytes(n) }

// descs returns the schema's descriptors, rebuilding them when the cache
// dropped them.
func (s *Schema) descs() *descs {
	return s.built.Get(descriptorCache, func() (*descs, int64) {
		cost := int64(len(s.files)) * descCostPerByte
		d, err := decodeFiles(s.files)
		if err == nil {
			return d, cost
		}
		// The serialized files came from a compilation that succeeded, so
		// this does not happen; compiling the text again is the safe way
		// back if it ever does.
		files, cerr := compile(s.text, s.refs)
		if cerr != nil {
			panic(fmt.Sprintf("protobuf: rebuilding a compiled schema failed: %v; recompiling: %v", err, cerr))
		}
		return descsOf(files), cost
	})
}
