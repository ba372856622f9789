package protobuf

import (
	"encoding/binary"
	"errors"
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Confluent message indexes name one message of a .proto file in the wire format:
// the 0-based position of a top-level message among the file's messages, then of a
// nested message among its parent's nested messages, and so on. Enums do not count,
// and neither do the synthetic map-entry messages (Confluent's Java serdes, which
// work on source-level declarations, never see them).

// maxIndexDepth bounds the decoded path length; nesting deeper than this is not a
// real schema and would only let a hostile payload allocate.
const maxIndexDepth = 128

// ErrBadIndexes is wrapped by errors about malformed or unknown message indexes.
var ErrBadIndexes = errors.New("bad message indexes")

// AppendIndexes appends the Confluent encoding of the message-index path to b: the
// path length then each index, all zig-zag varints, except that [0] (and the empty
// path, which means the same) is written as the single byte 0x00.
func AppendIndexes(b []byte, path []int) []byte {
	if len(path) == 0 || (len(path) == 1 && path[0] == 0) {
		return append(b, 0)
	}
	b = binary.AppendVarint(b, int64(len(path)))
	for _, i := range path {
		b = binary.AppendVarint(b, int64(i))
	}
	return b
}

// EncodeIndexes returns the Confluent encoding of a message-index path; see
// AppendIndexes.
func EncodeIndexes(path []int) []byte { return AppendIndexes(nil, path) }

// DecodeIndexes reads a message-index path from the start of b and returns it with
// the number of bytes read. A count of zero decodes as [0]. Errors wrap
// ErrBadIndexes.
func DecodeIndexes(b []byte) (path []int, n int, err error) {
	count, k := binary.Varint(b)
	if k <= 0 {
		return nil, 0, fmt.Errorf("%w: truncated or overlong path length", ErrBadIndexes)
	}
	n = k
	if count == 0 {
		return []int{0}, n, nil
	}
	if count < 0 || count > maxIndexDepth {
		return nil, 0, fmt.Errorf("%w: path length %d out of range", ErrBadIndexes, count)
	}
	path = make([]int, count)
	for i := range path {
		v, k := binary.Varint(b[n:])
		if k <= 0 {
			return nil, 0, fmt.Errorf("%w: truncated index %d of %d", ErrBadIndexes, i+1, count)
		}
		if v < 0 || v > 1<<31-1 {
			return nil, 0, fmt.Errorf("%w: index %d is %d", ErrBadIndexes, i+1, v)
		}
		path[i] = int(v)
		n += k
	}
	return path, n, nil
}

// MessageAt returns the message the index path names in fd. The empty path means
// [0]. Errors wrap ErrBadIndexes.
func MessageAt(fd protoreflect.FileDescriptor, path []int) (protoreflect.MessageDescriptor, error) {
	if len(path) == 0 {
		path = []int{0}
	}
	var md protoreflect.MessageDescriptor
	ms := fd.Messages()
	for _, idx := range path {
		next := nthMessage(ms, idx)
		if next == nil {
			where := "the schema"
			if md != nil {
				where = string(md.FullName())
			}
			return nil, fmt.Errorf("%w: %v: %s has no message at index %d", ErrBadIndexes, path, where, idx)
		}
		md = next
		ms = md.Messages()
	}
	return md, nil
}

// nthMessage returns the idx-th message of ms not counting map entries, or nil.
func nthMessage(ms protoreflect.MessageDescriptors, idx int) protoreflect.MessageDescriptor {
	if idx < 0 {
		return nil
	}
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			continue
		}
		if idx == 0 {
			return m
		}
		idx--
	}
	return nil
}

// IndexPath returns the message-index path of md within its file. It is nil for a
// map-entry message, which has no index.
func IndexPath(md protoreflect.MessageDescriptor) []int {
	if md.IsMapEntry() {
		return nil
	}
	var rev []int
	var d protoreflect.Descriptor = md
	for {
		m, ok := d.(protoreflect.MessageDescriptor)
		if !ok {
			break
		}
		parent := m.Parent()
		var siblings protoreflect.MessageDescriptors
		switch p := parent.(type) {
		case protoreflect.MessageDescriptor:
			siblings = p.Messages()
		case protoreflect.FileDescriptor:
			siblings = p.Messages()
		default:
			return nil
		}
		pos := 0
		for i := 0; i < m.Index(); i++ {
			if !siblings.Get(i).IsMapEntry() {
				pos++
			}
		}
		rev = append(rev, pos)
		d = parent
	}
	path := make([]int, len(rev))
	for i, v := range rev {
		path[len(rev)-1-i] = v
	}
	return path
}

// FindMessage returns the message with the given full name declared in fd (a
// leading dot is allowed), or nil.
func FindMessage(fd protoreflect.FileDescriptor, name string) protoreflect.MessageDescriptor {
	if len(name) > 0 && name[0] == '.' {
		name = name[1:]
	}
	var find func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor
	find = func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if string(m.FullName()) == name {
				return m
			}
			if r := find(m.Messages()); r != nil {
				return r
			}
		}
		return nil
	}
	return find(fd.Messages())
}

// MessageByIndexes returns the schema's message named by a message-index path.
// Errors wrap ErrBadIndexes.
func (s *Schema) MessageByIndexes(path []int) (protoreflect.MessageDescriptor, error) {
	return MessageAt(s.descs().file, path)
}

// MessageByName returns the schema's message with the given full name (for example
// "acme.Order.Line"; a leading dot is allowed), or nil when it declares none.
func (s *Schema) MessageByName(name string) protoreflect.MessageDescriptor {
	return FindMessage(s.descs().file, name)
}

// IndexesOf returns the message-index path of the schema's message with the given
// full name. Errors wrap ErrBadIndexes.
func (s *Schema) IndexesOf(name string) ([]int, error) {
	md := s.MessageByName(name)
	if md == nil {
		return nil, fmt.Errorf("%w: no message %q in the schema", ErrBadIndexes, name)
	}
	path := IndexPath(md)
	if path == nil {
		return nil, fmt.Errorf("%w: %q is a map entry and has no index", ErrBadIndexes, name)
	}
	return path, nil
}
