package protobuf

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/heraldhq/herald/compat"
)

// maxProblems bounds the problems reported for one payload.
const maxProblems = 100

// Validate checks one payload.
//
// EncodingBinary is the Confluent wire-format body after the magic byte and schema
// id: the message-index path naming the message, then its protobuf binary.
// EncodingJSON is the Protobuf JSON mapping of the first top-level message.
//
// Both check that the bytes decode as that message, that proto3 strings are valid
// UTF-8 and that proto2 required fields are present. Unknown fields are treated
// differently on purpose: in binary they are accepted, because a producer compiled
// against a newer compatible schema legitimately sends fields this version does not
// declare and Protobuf readers keep them; in JSON an unknown key is far more likely
// a misspelt field and is rejected, as protojson does by default.
//
// It returns nil or an *compat.InvalidPayloadError; it never panics.
func (s *Schema) Validate(payload []byte, enc compat.Encoding) error {
	if enc == compat.EncodingBinary {
		path, n, err := DecodeIndexes(payload)
		if err != nil {
			return invalid("", "message indexes: "+err.Error())
		}
		md, err := s.MessageByIndexes(path)
		if err != nil {
			return invalid("", err.Error())
		}
		return s.validate(payload[n:], enc, md)
	}
	md := s.FirstMessage()
	if md == nil {
		return invalid("", "the schema declares no message")
	}
	return s.validate(payload, enc, md)
}

// ValidateMessage checks one payload as the message with the given full name (for
// example "acme.Order"). For EncodingBinary the payload is bare protobuf binary,
// with no message-index path in front. It returns nil or an
// *compat.InvalidPayloadError.
func (s *Schema) ValidateMessage(payload []byte, enc compat.Encoding, messageName string) error {
	md := s.MessageByName(messageName)
	if md == nil {
		return invalid("", fmt.Sprintf("the schema declares no message %q", messageName))
	}
	return s.validate(payload, enc, md)
}

func (s *Schema) validate(payload []byte, enc compat.Encoding, md protoreflect.MessageDescriptor) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = invalid("", fmt.Sprintf("cannot decode %s: %v", md.FullName(), r))
		}
	}()
	tc := s.descs()
	msg := tc.messageType(md).New().Interface()
	if enc == compat.EncodingBinary {
		uerr := proto.UnmarshalOptions{AllowPartial: true, Resolver: tc.resolver}.Unmarshal(payload, msg)
		if uerr != nil {
			path, detail := locateWireError(payload, md)
			msg := fmt.Sprintf("not a valid %s in protobuf binary: %s", md.FullName(), cleanProtoErr(uerr))
			if detail != "" {
				msg += " (" + detail + ")"
			}
			return invalid(path, msg)
		}
	} else {
		uerr := protojson.UnmarshalOptions{AllowPartial: true, Resolver: tc.resolver}.Unmarshal(payload, msg)
		if uerr != nil {
			return invalid("", fmt.Sprintf("not a valid %s in Protobuf JSON: %s", md.FullName(), cleanProtoErr(uerr)))
		}
	}
	if proto.CheckInitialized(msg) == nil {
		return nil
	}
	var probs []compat.Problem
	missingRequired(msg.ProtoReflect(), "", enc == compat.EncodingJSON, &probs)
	if len(probs) == 0 {
		probs = append(probs, compat.Problem{Message: "required fields are missing"})
	}
	return &compat.InvalidPayloadError{Problems: probs}
}

func invalid(path, msg string) error {
	return &compat.InvalidPayloadError{Problems: []compat.Problem{{Path: path, Message: msg}}}
}

// cleanProtoErr drops the "proto: " prefix and the odd non-breaking spaces the
// protobuf runtime puts in its messages to discourage matching on them.
func cleanProtoErr(err error) string {
	m := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	m = strings.TrimPrefix(m, "proto:")
	return strings.TrimSpace(m)
}

// missingRequired appends a problem for every unset required field in m and in the
// messages it contains, with JSON Pointer paths built from proto field names (JSON
// names for JSON payloads).
func missingRequired(m protoreflect.Message, path string, jsonNames bool, out *[]compat.Problem) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len() && len(*out) < maxProblems; i++ {
		fd := fields.Get(i)
		name := string(fd.Name())
		if jsonNames {
			name = fd.JSONName()
		}
		fpath := path + "/" + compat.EscapePointer(name)
		if fd.Cardinality() == protoreflect.Required && !m.Has(fd) {
			*out = append(*out, compat.Problem{Path: fpath, Message: fmt.Sprintf("required field %s (number %d) is missing", fd.Name(), fd.Number())})
			continue
		}
		if !m.Has(fd) {
			continue
		}
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() == nil {
				continue
			}
			m.Get(fd).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				missingRequired(v.Message(), fpath+"/"+compat.EscapePointer(k.String()), jsonNames, out)
				return len(*out) < maxProblems
			})
		case fd.IsList():
			if fd.Message() == nil {
				continue
			}
			l := m.Get(fd).List()
			for j := 0; j < l.Len(); j++ {
				missingRequired(l.Get(j).Message(), fpath+"/"+strconv.Itoa(j), jsonNames, out)
			}
		case fd.Message() != nil:
			missingRequired(m.Get(fd).Message(), fpath, jsonNames, out)
		}
	}
}

// locateWireError scans malformed binary to say where decoding broke: the JSON
// Pointer of the field being read (field names where the descriptor knows them,
// numbers otherwise) and the byte offset.
func locateWireError(b []byte, md protoreflect.MessageDescriptor) (path, detail string) {
	return scanWire(b, md, "", 0, 0)
}

func scanWire(b []byte, md protoreflect.MessageDescriptor, path string, base, depth int) (string, string) {
	if depth > 64 {
		return path, ""
	}
	off := 0
	for off < len(b) {
		num, typ, n := protowire.ConsumeTag(b[off:])
		if n < 0 {
			return path, fmt.Sprintf("bad field tag at byte %d: %v", base+off, protowire.ParseError(n))
		}
		var fd protoreflect.FieldDescriptor
		fpath := path + "/" + strconv.Itoa(int(num))
		if md != nil {
			if fd = md.Fields().ByNumber(num); fd != nil {
				fpath = path + "/" + string(fd.Name())
			}
		}
		m := protowire.ConsumeFieldValue(num, typ, b[off+n:])
		if m < 0 {
			return fpath, fmt.Sprintf("field %d at byte %d: %v", num, base+off, protowire.ParseError(m))
		}
		if fd != nil && typ == protowire.BytesType && fd.Message() != nil {
			// A map field's message is its entry: key = 1, value = 2.
			if val, vn := protowire.ConsumeBytes(b[off+n:]); vn >= 0 {
				if p, d := scanWire(val, fd.Message(), fpath, base+off+n+(vn-len(val)), depth+1); d != "" {
					return p, d
				}
			}
		}
		off += n + m
	}
	return path, ""
}
