package protobuf

import (
	"fmt"
	"iter"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// The normalized printer writes a file descriptor back as .proto source in one fixed
// layout. What it keeps: every declaration and its order within its kind (messages,
// fields, enums, values, services, methods), because message indexes and readability
// depend on it. What it erases: comments, whitespace, import order, option order,
// the spelling of type references (always fully qualified), the default labels
// (proto2 optional is always written, proto3 singular never is), and where nested
// declarations sat between fields. It has no error path: every descriptor that
// compiled can be printed, and the result compiles to the same descriptor.

type printer struct {
	b       strings.Builder
	res     typeResolver
	syntax  protoreflect.Syntax
	edition string
}

func printFile(d *descs) string {
	f := d.file
	p := &printer{res: d.resolver, syntax: f.Syntax()}
	if p.syntax == protoreflect.Editions {
		p.edition = editionName(f)
		fmt.Fprintf(&p.b, "edition = %q;\n", p.edition)
	} else {
		fmt.Fprintf(&p.b, "syntax = %q;\n", p.syntax.String())
	}
	if pkg := f.Package(); pkg != "" {
		fmt.Fprintf(&p.b, "package %s;\n", pkg)
	}

	imps := f.Imports()
	lines := make([]string, 0, imps.Len())
	for i := 0; i < imps.Len(); i++ {
		imp := imps.Get(i)
		mod := ""
		if imp.IsPublic {
			mod = "public "
		}
		lines = append(lines, fmt.Sprintf("import %s%s;\n", mod, quote(imp.Path())))
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		p.b.WriteString("\n")
		for _, l := range lines {
			p.b.WriteString(l)
		}
	}
	if opts := p.options(f.Options()); len(opts) > 0 {
		p.b.WriteString("\n")
		p.optionStatements(opts, 0)
	}

	ms := f.Messages()
	for i := 0; i < ms.Len(); i++ {
		p.b.WriteString("\n")
		p.message(ms.Get(i), 0)
	}
	es := f.Enums()
	for i := 0; i < es.Len(); i++ {
		p.b.WriteString("\n")
		p.enum(es.Get(i), 0)
	}
	if f.Extensions().Len() > 0 {
		p.b.WriteString("\n")
		p.extensions(f.Extensions(), 0)
	}
	ss := f.Services()
	for i := 0; i < ss.Len(); i++ {
		p.b.WriteString("\n")
		p.service(ss.Get(i))
	}
	return p.b.String()
}

func editionName(f protoreflect.FileDescriptor) string {
	ed := protodesc.ToFileDescriptorProto(f).GetEdition()
	return strings.TrimPrefix(ed.String(), "EDITION_")
}

func (p *printer) indent(depth int) {
	for i := 0; i < depth; i++ {
		p.b.WriteString("  ")
	}
}

// isGroupField reports whether fd is written with proto2 group syntax, which
// declares its message inline.
func (p *printer) isGroupField(fd protoreflect.FieldDescriptor) bool {
	return fd.Kind() == protoreflect.GroupKind && p.syntax == protoreflect.Proto2
}

func (p *printer) message(md protoreflect.MessageDescriptor, depth int) {
	p.indent(depth)
	fmt.Fprintf(&p.b, "message %s {\n", md.Name())
	p.messageBody(md, depth+1)
	p.closeBlock(depth)
}

func (p *printer) messageBody(md protoreflect.MessageDescriptor, depth int) {
	p.optionStatements(p.options(md.Options()), depth)

	// Fields and nested messages are written in their own orders. Group fields sit
	// in both lists (the group declares a nested message inline), so they are the
	// points where the two orders meet: before each group come the fields and then
	// the nested messages that precede it in their respective lists.
	fields, nested := md.Fields(), md.Messages()
	fi, ni := 0, 0
	printedOneofs := map[int]bool{}
	writeField := func(fd protoreflect.FieldDescriptor) {
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if !printedOneofs[od.Index()] {
				printedOneofs[od.Index()] = true
				p.oneof(od, depth)
			}
			return
		}
		p.field(fd, depth, false)
	}
	writeNested := func(m protoreflect.MessageDescriptor) {
		if m.IsMapEntry() {
			return
		}
		p.message(m, depth)
	}
	for fi < fields.Len() {
		fd := fields.Get(fi)
		od := fd.ContainingOneof()
		if !p.isGroupField(fd) || (od != nil && !od.IsSynthetic()) {
			writeField(fd)
			fi++
			continue
		}
		// A top-level group: flush nested messages declared before its message.
		for ni < nested.Len() && nested.Get(ni).FullName() != fd.Message().FullName() {
			writeNested(nested.Get(ni))
			ni++
		}
		if ni < nested.Len() {
			ni++ // the group's own message, written by the field
		}
		p.field(fd, depth, false)
		fi++
	}

	p.reserved(md.ReservedRanges(), md.ReservedNames(), depth)
	ers := md.ExtensionRanges()
	for i := 0; i < ers.Len(); i++ {
		r := ers.Get(i)
		p.indent(depth)
		fmt.Fprintf(&p.b, "extensions %s", rangeText(int64(r[0]), int64(r[1])-1))
		var opts []option
		if o := md.ExtensionRangeOptions(i); o != nil {
			opts = p.options(o)
		}
		p.compactOptions(opts)
		p.b.WriteString(";\n")
	}

	es := md.Enums()
	for i := 0; i < es.Len(); i++ {
		p.enum(es.Get(i), depth)
	}
	for ; ni < nested.Len(); ni++ {
		m := nested.Get(ni)
		if p.isGroupMessage(md, m) {
			continue
		}
		writeNested(m)
	}
	p.extensions(md.Extensions(), depth)
}

// isGroupMessage reports whether m is the inline message of one of parent's group
// fields (those are written with the field).
func (p *printer) isGroupMessage(parent, m protoreflect.MessageDescriptor) bool {
	fs := parent.Fields()
	for i := 0; i < fs.Len(); i++ {
		fd := fs.Get(i)
		if p.isGroupField(fd) && fd.Message().FullName() == m.FullName() {
			return true
		}
	}
	return false
}

// openBlock writes the first line of a oneof, enum or service block, then the
// option statements of its descriptor inside it.
func (p *printer) openBlock(keyword string, name protoreflect.Name, opts proto.Message, depth int) {
	p.indent(depth)
	fmt.Fprintf(&p.b, "%s %s {\n", keyword, name)
	p.optionStatements(p.options(opts), depth+1)
}

// closeBlock writes the closing brace of a block.
func (p *printer) closeBlock(depth int) {
	p.indent(depth)
	p.b.WriteString("}\n")
}

// elems ranges over a protoreflect list (Fields, EnumValues, Methods…).
func elems[T any](l interface {
	Len() int
	Get(i int) T
}) iter.Seq[T] {
	return func(yield func(T) bool) {
		for i := 0; i < l.Len(); i++ {
			if !yield(l.Get(i)) {
				return
			}
		}
	}
}

func (p *printer) oneof(od protoreflect.OneofDescriptor, depth int) {
	p.openBlock("oneof", od.Name(), od.Options(), depth)
	for fd := range elems(od.Fields()) {
		p.field(fd, depth+1, true)
	}
	p.closeBlock(depth)
}

func (p *printer) label(fd protoreflect.FieldDescriptor, inOneof bool) string {
	if fd.IsMap() || inOneof {
		return ""
	}
	switch {
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated "
	case p.syntax == protoreflect.Editions:
		return ""
	case fd.Cardinality() == protoreflect.Required:
		return "required "
	case p.syntax == protoreflect.Proto2:
		return "optional "
	case fd.HasOptionalKeyword():
		return "optional "
	}
	return ""
}

// jsonCamelCase is protoc's default JSON name: underscores dropped, the letter
// after each one upper-cased.
func jsonCamelCase(s string) string {
	b := make([]byte, 0, len(s))
	under := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' {
			if under && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
		}
		under = c == '_'
	}
	return string(b)
}

func typeName(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return "." + string(fd.Message().FullName())
	case protoreflect.EnumKind:
		return "." + string(fd.Enum().FullName())
	}
	return fd.Kind().String()
}

func (p *printer) field(fd protoreflect.FieldDescriptor, depth int, inOneof bool) {
	p.indent(depth)
	p.b.WriteString(p.label(fd, inOneof))
	var opts []option
	if fd.HasDefault() {
		opts = append(opts, option{name: "default", value: defaultText(fd)})
	}
	// protocompile records a JSON name for every field, so HasJSONName cannot tell an
	// explicit json_name; one that differs from the default is what matters.
	if !fd.IsExtension() && fd.JSONName() != jsonCamelCase(string(fd.Name())) {
		opts = append(opts, option{name: "json_name", value: quote(fd.JSONName())})
	}
	opts = append(opts, p.options(fd.Options())...)
	sortOptions(opts)

	if p.isGroupField(fd) {
		fmt.Fprintf(&p.b, "group %s = %d", fd.Message().Name(), fd.Number())
		p.compactOptions(opts)
		p.b.WriteString(" {\n")
		p.messageBody(fd.Message(), depth+1)
		p.indent(depth)
		p.b.WriteString("}\n")
		return
	}
	if fd.IsMap() {
		fmt.Fprintf(&p.b, "map<%s, %s>", typeName(fd.MapKey()), typeName(fd.MapValue()))
	} else {
		p.b.WriteString(typeName(fd))
	}
	fmt.Fprintf(&p.b, " %s = %d", fd.Name(), fd.Number())
	p.compactOptions(opts)
	p.b.WriteString(";\n")
}

func (p *printer) extensions(xs protoreflect.ExtensionDescriptors, depth int) {
	if xs.Len() == 0 {
		return
	}
	// Group by extendee, in order of first appearance.
	var order []protoreflect.FullName
	by := map[protoreflect.FullName][]protoreflect.FieldDescriptor{}
	for i := 0; i < xs.Len(); i++ {
		x := xs.Get(i)
		n := x.ContainingMessage().FullName()
		if _, ok := by[n]; !ok {
			order = append(order, n)
		}
		by[n] = append(by[n], x)
	}
	for _, n := range order {
		p.indent(depth)
		fmt.Fprintf(&p.b, "extend .%s {\n", n)
		for _, x := range by[n] {
			p.field(x, depth+1, false)
		}
		p.indent(depth)
		p.b.WriteString("}\n")
	}
}

func (p *printer) enum(ed protoreflect.EnumDescriptor, depth int) {
	p.openBlock("enum", ed.Name(), ed.Options(), depth)
	for v := range elems(ed.Values()) {
		p.indent(depth + 1)
		fmt.Fprintf(&p.b, "%s = %d", v.Name(), v.Number())
		p.compactOptions(p.options(v.Options()))
		p.b.WriteString(";\n")
	}
	p.reserved(ed.ReservedRanges(), ed.ReservedNames(), depth+1)
	p.closeBlock(depth)
}

// reserved writes reserved ranges and names. Message field ranges are half-open,
// enum ranges inclusive.
func (p *printer) reserved(ranges interface{ Len() int }, names protoreflect.Names, depth int) {
	var parts []string
	switch rs := ranges.(type) {
	case protoreflect.FieldRanges:
		for i := 0; i < rs.Len(); i++ {
			r := rs.Get(i)
			parts = append(parts, rangeText(int64(r[0]), int64(r[1])-1))
		}
	case protoreflect.EnumRanges:
		for i := 0; i < rs.Len(); i++ {
			r := rs.Get(i)
			parts = append(parts, rangeText(int64(r[0]), int64(r[1])))
		}
	}
	if len(parts) > 0 {
		p.indent(depth)
		fmt.Fprintf(&p.b, "reserved %s;\n", strings.Join(parts, ", "))
	}
	if names.Len() > 0 {
		ns := make([]string, names.Len())
		for i := range ns {
			if p.syntax == protoreflect.Editions {
				ns[i] = string(names.Get(i))
			} else {
				ns[i] = quote(string(names.Get(i)))
			}
		}
		p.indent(depth)
		fmt.Fprintf(&p.b, "reserved %s;\n", strings.Join(ns, ", "))
	}
}

func rangeText(lo, hi int64) string {
	if lo == hi {
		return strconv.FormatInt(lo, 10)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

func (p *printer) service(sd protoreflect.ServiceDescriptor) {
	p.openBlock("service", sd.Name(), sd.Options(), 0)
	for m := range elems(sd.Methods()) {
		p.indent(1)
		in, out := "", ""
		if m.IsStreamingClient() {
			in = "stream "
		}
		if m.IsStreamingServer() {
			out = "stream "
		}
		fmt.Fprintf(&p.b, "rpc %s(%s.%s) returns (%s.%s)", m.Name(), in, m.Input().FullName(), out, m.Output().FullName())
		if opts := p.options(m.Options()); len(opts) > 0 {
			p.b.WriteString(" {\n")
			p.optionStatements(opts, 2)
			p.indent(1)
			p.b.WriteString("}\n")
		} else {
			p.b.WriteString(";\n")
		}
	}
	p.b.WriteString("}\n")
}

// option is one option assignment, already rendered.
type option struct {
	name, value string
}

func sortOptions(opts []option) {
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].name < opts[j].name })
}

func (p *printer) optionStatements(opts []option, depth int) {
	for _, o := range opts {
		p.indent(depth)
		fmt.Fprintf(&p.b, "option %s = %s;\n", o.name, o.value)
	}
}

func (p *printer) compactOptions(opts []option) {
	if len(opts) == 0 {
		return
	}
	p.b.WriteString(" [")
	for i, o := range opts {
		if i > 0 {
			p.b.WriteString(", ")
		}
		fmt.Fprintf(&p.b, "%s = %s", o.name, o.value)
	}
	p.b.WriteString("]")
}

// options renders every option set in an options message, sorted by name; a
// repeated option gives one assignment per element, in order. Custom options
// (extensions) are decoded with the compiled files' resolver, so they print by name.
func (p *printer) options(m proto.Message) []option {
	if m == nil || !m.ProtoReflect().IsValid() {
		return nil
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil || len(raw) == 0 {
		return nil
	}
	dm := dynamicpb.NewMessage(m.ProtoReflect().Descriptor())
	if err := (proto.UnmarshalOptions{Resolver: p.res, AllowPartial: true}).Unmarshal(raw, dm); err != nil {
		return nil
	}
	var out []option
	for _, fd := range sortedFields(dm) {
		name := string(fd.Name())
		if fd.IsExtension() {
			name = "(" + string(fd.FullName()) + ")"
		}
		v := dm.Get(fd)
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, option{name: name, value: p.value(fd, l.Get(i))})
			}
			continue
		}
		out = append(out, option{name: name, value: p.value(fd, v)})
	}
	sortOptions(out)
	return out
}

// sortedFields lists the populated fields of m: regular fields by number, then
// extensions by full name.
func sortedFields(m protoreflect.Message) []protoreflect.FieldDescriptor {
	var fs []protoreflect.FieldDescriptor
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		fs = append(fs, fd)
		return true
	})
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.IsExtension() != b.IsExtension() {
			return !a.IsExtension()
		}
		if a.IsExtension() {
			return a.FullName() < b.FullName()
		}
		return a.Number() < b.Number()
	})
	return fs
}

// value renders one option value (a single element for repeated fields) in the
// text-format syntax .proto files accept.
func (p *printer) value(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return p.aggregate(v.Message())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return strconv.FormatInt(int64(v.Enum()), 10)
	}
	return scalarText(fd.Kind(), v)
}

func (p *printer) aggregate(m protoreflect.Message) string {
	var parts []string
	for _, fd := range sortedFields(m) {
		name := string(fd.Name())
		if fd.Kind() == protoreflect.GroupKind && !fd.IsExtension() {
			name = string(fd.Message().Name())
		}
		if fd.IsExtension() {
			name = "[" + string(fd.FullName()) + "]"
		}
		v := m.Get(fd)
		switch {
		case fd.IsMap():
			keys := make([]protoreflect.MapKey, 0, v.Map().Len())
			v.Map().Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				keys = append(keys, k)
				return true
			})
			sort.Slice(keys, func(i, j int) bool { return mapKeyLess(keys[i], keys[j]) })
			entries := make([]string, len(keys))
			for i, k := range keys {
				entries[i] = fmt.Sprintf("{ key: %s value: %s }",
					p.value(fd.MapKey(), k.Value()), p.value(fd.MapValue(), v.Map().Get(k)))
			}
			parts = append(parts, fmt.Sprintf("%s: [%s]", name, strings.Join(entries, ", ")))
		case fd.IsList():
			l := v.List()
			elems := make([]string, l.Len())
			for i := range elems {
				elems[i] = p.value(fd, l.Get(i))
			}
			parts = append(parts, fmt.Sprintf("%s: [%s]", name, strings.Join(elems, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%s: %s", name, p.value(fd, v)))
		}
	}
	if len(parts) == 0 {
		return "{}"
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

func mapKeyLess(a, b protoreflect.MapKey) bool {
	switch x := a.Interface().(type) {
	case bool:
		return !x && b.Bool()
	case string:
		return x < b.String()
	case int32, int64:
		return a.Int() < b.Int()
	case uint32, uint64:
		return a.Uint() < b.Uint()
	}
	return a.String() < b.String()
}

func scalarText(k protoreflect.Kind, v protoreflect.Value) string {
	switch k {
	case protoreflect.BoolKind:
		return strconv.FormatBool(v.Bool())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind:
		return floatText(v.Float(), 32)
	case protoreflect.DoubleKind:
		return floatText(v.Float(), 64)
	case protoreflect.StringKind:
		return quote(v.String())
	case protoreflect.BytesKind:
		return quoteBytes(v.Bytes())
	}
	return v.String()
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, bits)
	return s
}

func defaultText(fd protoreflect.FieldDescriptor) string {
	if fd.Kind() == protoreflect.EnumKind {
		if ev := fd.DefaultEnumValue(); ev != nil {
			return string(ev.Name())
		}
	}
	return scalarText(fd.Kind(), fd.Default())
}

// quote writes s as a .proto string literal: printable text as is (UTF-8 kept),
// quotes, backslashes and control characters escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "\\%03o", s[i])
			i++
			continue
		}
		writeEscaped(&b, r, s[i:i+size])
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// quoteBytes writes arbitrary bytes as a string literal, escaping every byte that
// is not printable ASCII.
func quoteBytes(bs []byte) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range bs {
		if c >= 0x80 {
			fmt.Fprintf(&b, "\\%03o", c)
			continue
		}
		writeEscaped(&b, rune(c), string(c))
	}
	b.WriteByte('"')
	return b.String()
}

func writeEscaped(b *strings.Builder, r rune, raw string) {
	switch r {
	case '"':
		b.WriteString(`\"`)
	case '\\':
		b.WriteString(`\\`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		if r < 0x20 || r == 0x7f {
			fmt.Fprintf(b, "\\%03o", r)
			return
		}
		b.WriteString(raw)
	}
}
