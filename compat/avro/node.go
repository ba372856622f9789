package avro

import (
	"fmt"
	"strings"

	tavro "github.com/twmb/avro"

	"github.com/heraldhq/herald/compat"
)

// kind is the Avro type of a node.
type kind uint8

const (
	kNull kind = iota
	kBoolean
	kInt
	kLong
	kFloat
	kDouble
	kBytes
	kString
	kRecord
	kEnum
	kArray
	kMap
	kFixed
	kUnion
)

var kindNames = [...]string{
	kNull: "null", kBoolean: "boolean", kInt: "int", kLong: "long", kFloat: "float",
	kDouble: "double", kBytes: "bytes", kString: "string", kRecord: "record",
	kEnum: "enum", kArray: "array", kMap: "map", kFixed: "fixed", kUnion: "union",
}

func (k kind) String() string { return kindNames[k] }

var primitiveKinds = map[string]kind{
	"null": kNull, "boolean": kBoolean, "int": kInt, "long": kLong, "float": kFloat,
	"double": kDouble, "bytes": kBytes, "string": kString,
}

// plainPrimitives are the shared nodes of primitives without attributes, by kind.
var plainPrimitives = func() (ps [kString + 1]node) {
	for k := range ps {
		ps[k].kind = kind(k)
	}
	ps[kNull].zero = true // what markZero would set
	return ps
}()

// node is our resolved schema graph: name references point at the defining node, so
// recursive schemas are cyclic graphs and node identity is type identity.
type node struct {
	kind kind

	// Named types (record, enum, fixed).
	full      string   // full name, "ns.Name" or "Name"
	namespace string   // resolved namespace, "" for the null namespace
	aliases   []string // qualified full names
	doc       string
	fromRef   bool // defined in a reference, not in the schema itself

	fields     []*field
	fieldNames nameIndex

	symbols        []string
	symbolNames    nameIndex
	enumDefault    string
	hasEnumDefault bool

	size int

	items, values *node
	branches      []*node

	logical          string
	precision, scale int
	props            map[string]any

	// zero is true when every value of the type encodes to no bytes (null,
	// fixed(0), records of such types).
	zero bool
}

// field is one record field.
type field struct {
	name    string
	typ     *node
	def     any
	hasDef  bool
	aliases []string
	order   string
	doc     string
	props   map[string]any
	pos     int
}

// shortName returns the unqualified name of a named type.
func (n *node) shortName() string {
	if i := strings.LastIndexByte(n.full, '.'); i >= 0 {
		return n.full[i+1:]
	}
	return n.full
}

func (n *node) named() bool { return n.kind == kRecord || n.kind == kEnum || n.kind == kFixed }

// builder turns twmb/avro SchemaNode trees into nodes, keeping one name table across
// the references and the schema so that shared named types are one node.
type builder struct {
	known   map[string]*node
	pending []pendingRef
	fromRef bool
}

type pendingRef struct {
	slot *(*node)
	name string
	ns   string
}

func newBuilder() *builder { return &builder{known: map[string]*node{}} }

// build converts root. Names it cannot resolve give a *compat.SchemaError.
func (b *builder) build(root *tavro.SchemaNode, fromRef bool) (*node, error) {
	b.fromRef = fromRef
	b.pending = b.pending[:0]
	var out *node
	if err := b.convert(root, "", &out); err != nil {
		return nil, err
	}
	for _, p := range b.pending {
		n := b.resolve(p.name, p.ns)
		if n == nil {
			return nil, &compat.SchemaError{Message: fmt.Sprintf("unknown type name %q", p.name)}
		}
		*p.slot = n
	}
	markZero(out, map[*node]bool{})
	return out, nil
}

func (b *builder) resolve(name, ns string) *node {
	if strings.IndexByte(name, '.') < 0 && ns != "" {
		if n := b.known[ns+"."+name]; n != nil {
			return n
		}
	}
	return b.known[name]
}

func qualify(name, ns string) string {
	if strings.IndexByte(name, '.') >= 0 || ns == "" {
		return name
	}
	return ns + "." + name
}

func (b *builder) convert(sn *tavro.SchemaNode, ns string, slot **node) error {
	if k, ok := primitiveKinds[sn.Type]; ok {
		if sn.LogicalType == "" && sn.Precision == 0 && sn.Scale == 0 && len(sn.Props) == 0 {
			// A bare primitive carries nothing but its kind: every schema
			// shares one node per kind (nodes are never changed once built).
			*slot = &plainPrimitives[k]
			return nil
		}
		*slot = &node{kind: k, logical: sn.LogicalType, precision: sn.Precision, scale: sn.Scale, props: sn.Props}
		return nil
	}
	switch sn.Type {
	case "record", "error", "enum", "fixed":
		full := qualify(sn.Name, sn.Namespace)
		if prev := b.known[full]; prev != nil && prev.fromRef {
			// A type from a reference, inlined by the parser at its first use.
			*slot = prev
			return nil
		}
		n := &node{full: full, namespace: sn.Namespace, doc: sn.Doc, props: sn.Props, fromRef: b.fromRef}
		if i := strings.LastIndexByte(full, '.'); i >= 0 {
			n.namespace = full[:i]
		} else {
			n.namespace = ""
		}
		for _, a := range sn.Aliases {
			n.aliases = append(n.aliases, qualify(a, n.namespace))
		}
		b.known[full] = n
		*slot = n
		switch sn.Type {
		case "enum":
			n.kind = kEnum
			n.symbols = sn.Symbols
			n.symbolNames = newNameIndex(len(n.symbols), func(i int) string { return n.symbols[i] })
			n.enumDefault, n.hasEnumDefault = sn.EnumDefault, sn.HasEnumDefault
		case "fixed":
			n.kind = kFixed
			n.size = sn.Size
			n.logical, n.precision, n.scale = sn.LogicalType, sn.Precision, sn.Scale
		default:
			n.kind = kRecord
			n.fields = make([]*field, len(sn.Fields))
			// One allocation for all the fields rather than one each.
			backing := make([]field, len(sn.Fields))
			for i := range sn.Fields {
				sf := &sn.Fields[i]
				f := &backing[i]
				*f = field{name: sf.Name, def: sf.Default, hasDef: sf.HasDefault, aliases: sf.Aliases,
					order: sf.Order, doc: sf.Doc, props: sf.Props, pos: i}
				n.fields[i] = f
				if err := b.convert(&sf.Type, n.namespace, &f.typ); err != nil {
					return err
				}
			}
			n.fieldNames = newNameIndex(len(n.fields), func(i int) string { return n.fields[i].name })
		}
		return nil
	case "array":
		n := &node{kind: kArray, props: sn.Props}
		*slot = n
		if sn.Items == nil {
			return &compat.SchemaError{Message: "array without items"}
		}
		return b.convert(sn.Items, ns, &n.items)
	case "map":
		n := &node{kind: kMap, props: sn.Props}
		*slot = n
		if sn.Values == nil {
			return &compat.SchemaError{Message: "map without values"}
		}
		return b.convert(sn.Values, ns, &n.values)
	case "union":
		n := &node{kind: kUnion, branches: make([]*node, len(sn.Branches))}
		*slot = n
		for i := range sn.Branches {
			if err := b.convert(&sn.Branches[i], ns, &n.branches[i]); err != nil {
				return err
			}
		}
		return nil
	}
	// A reference to a named type; resolve once every definition is known.
	b.pending = append(b.pending, pendingRef{slot: slot, name: sn.Type, ns: ns})
	return nil
}

// markZero computes node.zero: whether the type's values always encode to nothing.
func markZero(n *node, seen map[*node]bool) bool {
	if n == nil {
		return false
	}
	if seen[n] {
		return n.zero
	}
	seen[n] = true
	switch n.kind {
	case kNull:
		if !n.zero { // the shared null node is already marked: never write to it
			n.zero = true
		}
	case kFixed:
		n.zero = n.size == 0
	case kRecord:
		z := true
		for _, f := range n.fields {
			if !markZero(f.typ, seen) {
				z = false
			}
		}
		n.zero = z
	case kArray:
		markZero(n.items, seen)
	case kMap:
		markZero(n.values, seen)
	case kUnion:
		for _, br := range n.branches {
			markZero(br, seen)
		}
	}
	return n.zero
}

// describe names a type for messages: int, record "a.B", array<string>, [null, string].
func describe(n *node) string {
	return describeDepth(n, 0)
}

func describeDepth(n *node, depth int) string {
	if n == nil {
		return "?"
	}
	switch n.kind {
	case kRecord, kEnum, kFixed:
		return fmt.Sprintf("%s %q", n.kind, n.full)
	case kArray:
		if depth > 3 {
			return "array"
		}
		return "array<" + describeDepth(n.items, depth+1) + ">"
	case kMap:
		if depth > 3 {
			return "map"
		}
		return "map<" + describeDepth(n.values, depth+1) + ">"
	case kUnion:
		parts := make([]string, len(n.branches))
		for i, br := range n.branches {
			parts[i] = branchName(br)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	if n.logical != "" {
		return n.kind.String() + " (" + n.logical + ")"
	}
	return n.kind.String()
}

// branchName is the name Avro's JSON encoding uses for a union branch: the full name
// of a named type, otherwise the type name.
func branchName(n *node) string {
	if n.named() {
		return n.full
	}
	return n.kind.String()
}
