package protobuf

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/heraldhq/herald/compat"
)

// Change is one difference between two versions of a schema, named as Confluent's
// protobuf-provider names it (FIELD_ADDED, MESSAGE_MOVED, PACKAGE_CHANGED, ...).
type Change struct {
	// Type is the Confluent difference type.
	Type string `json:"type"`
	// Path is Confluent's location: "#/" then message names (relative to the
	// package), oneof names and field or enum-constant numbers, as in
	// "#/Order/lines/3".
	Path string `json:"path"`
	// Message explains the change for a person.
	Message string `json:"message"`
	// Compatible reports whether Confluent lets a reader with the updated schema
	// read data written with the original one despite this change.
	Compatible bool `json:"compatible"`
}

// Confluent difference types. The ones marked compatible never stop a check; the
// others are the CONFLUENT rule set's rule ids.
const (
	PackageChanged                 = "PACKAGE_CHANGED"
	MessageAdded                   = "MESSAGE_ADDED"                       // compatible
	MessageRemoved                 = "MESSAGE_REMOVED"                     //
	MessageMoved                   = "MESSAGE_MOVED"                       // compatible
	EnumAdded                      = "ENUM_ADDED"                          // compatible
	EnumRemoved                    = "ENUM_REMOVED"                        // compatible
	EnumConstAdded                 = "ENUM_CONST_ADDED"                    // compatible
	EnumConstChanged               = "ENUM_CONST_CHANGED"                  // compatible
	EnumConstRemoved               = "ENUM_CONST_REMOVED"                  // compatible
	FieldAdded                     = "FIELD_ADDED"                         // compatible
	FieldRemoved                   = "FIELD_REMOVED"                       // compatible
	FieldNameChanged               = "FIELD_NAME_CHANGED"                  // compatible
	FieldKindChanged               = "FIELD_KIND_CHANGED"                  //
	FieldScalarKindChanged         = "FIELD_SCALAR_KIND_CHANGED"           //
	FieldNamedTypeChanged          = "FIELD_NAMED_TYPE_CHANGED"            //
	FieldStringOrBytesLabelChanged = "FIELD_STRING_OR_BYTES_LABEL_CHANGED" // compatible
	FieldNumericLabelChanged       = "FIELD_NUMERIC_LABEL_CHANGED"         //
	RequiredFieldAdded             = "REQUIRED_FIELD_ADDED"                //
	RequiredFieldRemoved           = "REQUIRED_FIELD_REMOVED"              //
	OneofAdded                     = "ONEOF_ADDED"                         // compatible
	OneofRemoved                   = "ONEOF_REMOVED"                       // compatible
	OneofFieldAdded                = "ONEOF_FIELD_ADDED"                   // compatible
	OneofFieldRemoved              = "ONEOF_FIELD_REMOVED"                 //
	OneofFieldMovedToTopLevel      = "ONEOF_FIELD_MOVED_TO_TOP_LEVEL"      // compatible
	MultipleFieldsMovedToOneof     = "MULTIPLE_FIELDS_MOVED_TO_ONEOF"      //
	FieldMovedToExistingOneof      = "FIELD_MOVED_TO_EXISTING_ONEOF"       //
)

var compatibleChanges = map[string]bool{
	MessageAdded: true, MessageMoved: true,
	EnumAdded: true, EnumRemoved: true, EnumConstAdded: true, EnumConstChanged: true, EnumConstRemoved: true,
	FieldAdded: true, FieldRemoved: true, FieldNameChanged: true, FieldStringOrBytesLabelChanged: true,
	OneofAdded: true, OneofRemoved: true, OneofFieldAdded: true, OneofFieldMovedToTopLevel: true,
}

// Diff lists every difference from original to update the way Confluent's
// protobuf-provider sees them, compatible ones included: the semantic diff behind
// the CONFLUENT rule set. Messages and enums are matched by name at each nesting
// level, fields by number across the whole message (oneof members included), enum
// constants by number, oneofs by name. A field whose message type lives in an
// imported file is compared by the type's name relative to its package and then
// by structure, so a type that moved between files or packages unchanged is not a
// change, and one that changed incompatibly is reported inside the imported type
// and as FIELD_NAMED_TYPE_CHANGED at the field.
//
// Syntax, options, services, json_name, defaults and reserved ranges are not
// compared, as in Confluent. One deliberate difference: a label change to or from
// proto2 required is REQUIRED_FIELD_ADDED or REQUIRED_FIELD_REMOVED, where
// Confluent only looks at additions and removals of required fields.
//
// Diff compares each pair of messages once, so its work grows with the size of
// the two schemas, not with the number of paths to a message; it has no bound
// and no context. CanRead through Format runs the same comparison under the
// check's budget.
func Diff(original, update *Schema) []Change {
	out, _ := diff(original, update, compat.NewBudget(context.Background(), 0, ""))
	return out
}

// diff is Diff within budget: every message, field and enum pair compared is one
// step, and the comparison stops with the budget's error once it is spent.
func diff(original, update *Schema, budget *compat.Budget) ([]Change, error) {
	of, uf := original.descs().file, update.descs().file
	d := &differ{memo: map[[2]protoreflect.FullName]bool{}, oRoot: of.Path(), uRoot: uf.Path(), budget: budget}
	if of.Package() != uf.Package() {
		d.add(PackageChanged, "#/", fmt.Sprintf("package changed from %q to %q", of.Package(), uf.Package()))
	}
	d.messages("#/", of.Messages(), uf.Messages())
	d.enums("#/", of.Enums(), uf.Enums())
	if err := budget.Err(); err != nil {
		return nil, err
	}
	return d.out, nil
}

type differ struct {
	out []Change
	// oRoot and uRoot are the file paths of the two schemas themselves, to tell
	// their declarations from those of references.
	oRoot, uRoot string
	// memo records, for pairs of imported message types already compared,
	// whether they were incompatible; a pair in progress counts as compatible,
	// which ends recursion through cyclic types.
	memo map[[2]protoreflect.FullName]bool
	// budget counts the message, field and enum pairs compared.
	budget *compat.Budget
}

func (d *differ) add(typ, path, msg string) {
	d.out = append(d.out, Change{Type: typ, Path: path, Message: msg, Compatible: compatibleChanges[typ]})
}

// join appends a segment to a Confluent path ("#/" + "A" = "#/A", "#/A" + "2" = "#/A/2").
func join(path, seg string) string {
	if strings.HasSuffix(path, "/") {
		return path + seg
	}
	return path + "/" + seg
}

// localName is a message or enum name relative to its file's package.
func localName(d protoreflect.Descriptor) string {
	full := string(d.FullName())
	if pkg := string(d.ParentFile().Package()); pkg != "" {
		return strings.TrimPrefix(full, pkg+".")
	}
	return full
}

// userMessages lists ms without map entries, with their positions counted as
// message indexes count them.
func userMessages(ms protoreflect.MessageDescriptors) (order []string, byName map[string]protoreflect.MessageDescriptor, pos map[string]int) {
	byName = map[string]protoreflect.MessageDescriptor{}
	pos = map[string]int{}
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			continue
		}
		n := string(m.Name())
		pos[n] = len(order)
		order = append(order, n)
		byName[n] = m
	}
	return order, byName, pos
}

func (d *differ) messages(path string, oms, ums protoreflect.MessageDescriptors) {
	oOrder, oBy, oPos := userMessages(oms)
	uOrder, uBy, uPos := userMessages(ums)
	for _, n := range oOrder {
		p := join(path, n)
		um, ok := uBy[n]
		if !ok {
			d.add(MessageRemoved, p, fmt.Sprintf("message %s was removed", localName(oBy[n])))
			continue
		}
		if oPos[n] != uPos[n] {
			d.add(MessageMoved, p, fmt.Sprintf("message %s moved from index %d to %d", localName(um), oPos[n], uPos[n]))
		}
		d.message(p, oBy[n], um)
	}
	for _, n := range uOrder {
		if _, ok := oBy[n]; !ok {
			d.add(MessageAdded, join(path, n), fmt.Sprintf("message %s was added", localName(uBy[n])))
		}
	}
}

func (d *differ) enums(path string, oes, ues protoreflect.EnumDescriptors) {
	uBy := map[string]protoreflect.EnumDescriptor{}
	for i := 0; i < ues.Len(); i++ {
		uBy[string(ues.Get(i).Name())] = ues.Get(i)
	}
	oBy := map[string]bool{}
	for i := 0; i < oes.Len(); i++ {
		oe := oes.Get(i)
		n := string(oe.Name())
		oBy[n] = true
		p := join(path, n)
		ue, ok := uBy[n]
		if !ok {
			d.add(EnumRemoved, p, fmt.Sprintf("enum %s was removed", localName(oe)))
			continue
		}
		d.enumValues(p, oe, ue)
	}
	for i := 0; i < ues.Len(); i++ {
		if ue := ues.Get(i); !oBy[string(ue.Name())] {
			d.add(EnumAdded, join(path, string(ue.Name())), fmt.Sprintf("enum %s was added", localName(ue)))
		}
	}
}

func (d *differ) enumValues(path string, oe, ue protoreflect.EnumDescriptor) {
	if !d.budget.Step() {
		return
	}
	ovs, uvs := oe.Values(), ue.Values()
	for i := 0; i < ovs.Len(); i++ {
		ov := ovs.Get(i)
		if ovs.ByNumber(ov.Number()) != ov {
			continue // an alias: constants are matched by number, first name wins
		}
		p := join(path, fmt.Sprint(ov.Number()))
		uv := uvs.ByNumber(ov.Number())
		switch {
		case uv == nil:
			d.add(EnumConstRemoved, p, fmt.Sprintf("constant %s = %d of enum %s was removed", ov.Name(), ov.Number(), localName(oe)))
		case uv.Name() != ov.Name():
			d.add(EnumConstChanged, p, fmt.Sprintf("constant %d of enum %s was renamed from %s to %s", ov.Number(), localName(oe), ov.Name(), uv.Name()))
		}
	}
	for i := 0; i < uvs.Len(); i++ {
		uv := uvs.Get(i)
		if uvs.ByNumber(uv.Number()) == uv && ovs.ByNumber(uv.Number()) == nil {
			d.add(EnumConstAdded, join(path, fmt.Sprint(uv.Number())), fmt.Sprintf("constant %s = %d was added to enum %s", uv.Name(), uv.Number(), localName(ue)))
		}
	}
}

// realOneof returns fd's oneof, ignoring the synthetic ones of proto3 optional.
func realOneof(fd protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		return od
	}
	return nil
}

// fieldPath is Confluent's path of a field: through its oneof when it has one.
func fieldPath(msgPath string, fd protoreflect.FieldDescriptor) string {
	if od := realOneof(fd); od != nil {
		return msgPath + "/" + string(od.Name()) + "/" + strconv.Itoa(int(fd.Number()))
	}
	return msgPath + "/" + strconv.Itoa(int(fd.Number()))
}

func (d *differ) message(path string, om, um protoreflect.MessageDescriptor) {
	if !d.budget.Step() {
		return
	}
	d.messages(path, om.Messages(), um.Messages())
	d.enums(path, om.Enums(), um.Enums())

	msgName := localName(um)
	ofs, ufs := om.Fields(), um.Fields()
	for i := 0; i < ofs.Len(); i++ {
		of := ofs.Get(i)
		uf := ufs.ByNumber(of.Number())
		if uf == nil {
			switch {
			case of.Cardinality() == protoreflect.Required:
				d.add(RequiredFieldRemoved, join(path, fmt.Sprint(of.Number())), fmt.Sprintf("required field %s (number %d) was removed from %s", of.Name(), of.Number(), msgName))
			case realOneof(of) != nil && oneofSurvives(realOneof(of), ufs):
				d.add(OneofFieldRemoved, fieldPath(path, of), fmt.Sprintf("field %s (number %d) was removed from oneof %s of %s, whose other fields remain", of.Name(), of.Number(), realOneof(of).Name(), msgName))
			default:
				d.add(FieldRemoved, join(path, fmt.Sprint(of.Number())), fmt.Sprintf("field %s (number %d) was removed from %s", of.Name(), of.Number(), msgName))
			}
			continue
		}
		p := fieldPath(path, uf)
		if realOneof(of) != nil && realOneof(uf) == nil {
			d.add(OneofFieldMovedToTopLevel, p, fmt.Sprintf("field %s (number %d) of %s moved out of oneof %s", uf.Name(), uf.Number(), msgName, realOneof(of).Name()))
		}
		if of.Name() != uf.Name() {
			d.add(FieldNameChanged, p, fmt.Sprintf("field %d of %s was renamed from %s to %s", uf.Number(), msgName, of.Name(), uf.Name()))
		}
		d.field(p, msgName, of, uf)
	}
	for i := 0; i < ufs.Len(); i++ {
		uf := ufs.Get(i)
		if ofs.ByNumber(uf.Number()) != nil {
			continue
		}
		switch {
		case uf.Cardinality() == protoreflect.Required:
			d.add(RequiredFieldAdded, join(path, fmt.Sprint(uf.Number())), fmt.Sprintf("required field %s (number %d) was added to %s: data written without it cannot be read", uf.Name(), uf.Number(), msgName))
		case realOneof(uf) != nil:
			d.add(OneofFieldAdded, fieldPath(path, uf), fmt.Sprintf("field %s (number %d) was added to oneof %s of %s", uf.Name(), uf.Number(), realOneof(uf).Name(), msgName))
		default:
			d.add(FieldAdded, join(path, fmt.Sprint(uf.Number())), fmt.Sprintf("field %s (number %d) was added to %s", uf.Name(), uf.Number(), msgName))
		}
	}
	d.oneofs(path, msgName, om, um)
}

// oneofSurvives reports whether od lives on in fields: whether any of its members
// is still declared inside a oneof (under any name). A oneof whose remaining
// members all moved to the top level is gone, and a member removed with it is a
// plain field removal.
func oneofSurvives(od protoreflect.OneofDescriptor, fields protoreflect.FieldDescriptors) bool {
	fs := od.Fields()
	for i := 0; i < fs.Len(); i++ {
		if f := fields.ByNumber(fs.Get(i).Number()); f != nil && realOneof(f) != nil {
			return true
		}
	}
	return false
}

func (d *differ) oneofs(path, msgName string, om, um protoreflect.MessageDescriptor) {
	realOneofs := func(md protoreflect.MessageDescriptor) []protoreflect.OneofDescriptor {
		var out []protoreflect.OneofDescriptor
		for i := 0; i < md.Oneofs().Len(); i++ {
			if od := md.Oneofs().Get(i); !od.IsSynthetic() {
				out = append(out, od)
			}
		}
		return out
	}
	oos, uos := realOneofs(om), realOneofs(um)
	has := func(list []protoreflect.OneofDescriptor, name protoreflect.Name) bool {
		for _, od := range list {
			if od.Name() == name {
				return true
			}
		}
		return false
	}
	for _, oo := range oos {
		if !has(uos, oo.Name()) {
			d.add(OneofRemoved, join(path, string(oo.Name())), fmt.Sprintf("oneof %s was removed from %s", oo.Name(), msgName))
		}
	}
	for _, uo := range uos {
		if !has(oos, uo.Name()) {
			d.add(OneofAdded, join(path, string(uo.Name())), fmt.Sprintf("oneof %s was added to %s", uo.Name(), msgName))
		}
		// Mutual exclusion may only be imposed on fields that already had it:
		// group uo's pre-existing fields by where they were before.
		groups := map[string]bool{}
		var moved []string
		allTop := true
		fs := uo.Fields()
		for i := 0; i < fs.Len(); i++ {
			of := om.Fields().ByNumber(fs.Get(i).Number())
			if of == nil {
				continue
			}
			key := fmt.Sprintf("field %d", of.Number())
			if oo := realOneof(of); oo != nil {
				key = "oneof " + string(oo.Name())
				allTop = false
			}
			if !groups[key] {
				groups[key] = true
				moved = append(moved, key)
			}
		}
		if len(groups) < 2 {
			continue
		}
		sort.Strings(moved)
		p := join(path, string(uo.Name()))
		if allTop {
			d.add(MultipleFieldsMovedToOneof, p, fmt.Sprintf("oneof %s of %s now holds fields that were independent (%s): data that set several of them loses all but one", uo.Name(), msgName, strings.Join(moved, ", ")))
		} else {
			d.add(FieldMovedToExistingOneof, p, fmt.Sprintf("oneof %s of %s now joins fields from different places (%s): data that set several of them loses all but one", uo.Name(), msgName, strings.Join(moved, ", ")))
		}
	}
}

// fieldKind is Confluent's coarse kind of a field.
type fieldKind int

const (
	kindScalar fieldKind = iota // enums count as scalars
	kindMessage
	kindGroup
	kindMap
)

var fieldKindNames = [...]string{"scalar", "message", "group", "map"}

func kindOf(fd protoreflect.FieldDescriptor) fieldKind {
	switch {
	case fd.IsMap():
		return kindMap
	case fd.Kind() == protoreflect.MessageKind:
		return kindMessage
	case fd.Kind() == protoreflect.GroupKind:
		return kindGroup
	}
	return kindScalar
}

// scalarGroup is the group of scalar types whose values can be read as one
// another (protobuf.dev, "Updating A Message Type"), as Confluent groups them.
func scalarGroup(k protoreflect.Kind) string {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.BoolKind, protoreflect.EnumKind:
		return "general number"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "signed number"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "string or bytes"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "fixed32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "fixed64"
	case protoreflect.FloatKind:
		return "float"
	case protoreflect.DoubleKind:
		return "double"
	}
	return k.String()
}

// explicitLabel returns the label written in the source, or "" when the field has
// none (proto3 singular fields, oneof members, map fields, editions singulars).
func explicitLabel(fd protoreflect.FieldDescriptor) string {
	if fd.IsMap() || realOneof(fd) != nil {
		return ""
	}
	switch fd.Cardinality() {
	case protoreflect.Repeated:
		return "repeated"
	case protoreflect.Required:
		return "required"
	}
	if fd.ParentFile().Syntax() == protoreflect.Proto2 || fd.HasOptionalKeyword() {
		return "optional"
	}
	return ""
}

func describeType(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return fmt.Sprintf("map<%s, %s>", describeType(fd.MapKey()), describeType(fd.MapValue()))
	case fd.Message() != nil:
		return localName(fd.Message())
	case fd.Enum() != nil:
		return localName(fd.Enum())
	}
	return fd.Kind().String()
}

func (d *differ) field(path, msgName string, of, uf protoreflect.FieldDescriptor) {
	if !d.budget.Step() {
		return
	}
	// Messages are only built for changes found: this runs for every field.
	name := func() string { return fmt.Sprintf("field %s (number %d) of %s", uf.Name(), uf.Number(), msgName) }
	mapKey := func() string { return name() + " (map key)" }
	mapValue := func() string { return name() + " (map value)" }
	ok, uk := kindOf(of), kindOf(uf)
	if ok != uk {
		d.add(FieldKindChanged, path, fmt.Sprintf("%s changed kind from %s to %s (%s to %s)", name(), fieldKindNames[ok], fieldKindNames[uk], describeType(of), describeType(uf)))
		return
	}
	switch ok {
	case kindScalar:
		d.scalar(path, name, of, uf)
	case kindMessage, kindGroup:
		d.namedType(path, name, of.Message(), uf.Message())
	case kindMap:
		d.scalar(path, mapKey, of.MapKey(), uf.MapKey())
		ov, uv := of.MapValue(), uf.MapValue()
		if kindOf(ov) != kindOf(uv) {
			d.add(FieldKindChanged, path, fmt.Sprintf("%s changed map value kind from %s to %s", name(), describeType(ov), describeType(uv)))
		} else if ov.Message() != nil {
			d.namedType(path, mapValue, ov.Message(), uv.Message())
		} else {
			d.scalar(path, mapValue, ov, uv)
		}
	}
	d.label(path, name, of, uf)
}

func (d *differ) scalar(path string, name func() string, of, uf protoreflect.FieldDescriptor) {
	if og, ug := scalarGroup(of.Kind()), scalarGroup(uf.Kind()); og != ug {
		d.add(FieldScalarKindChanged, path, fmt.Sprintf("%s changed type from %s to %s: %s values cannot be read as %s", name(), describeType(of), describeType(uf), og, ug))
	}
}

func (d *differ) label(path string, name func() string, of, uf protoreflect.FieldDescriptor) {
	ol, ul := explicitLabel(of), explicitLabel(uf)
	if ol == "" || ul == "" || ol == ul {
		return
	}
	switch {
	case ul == "required":
		d.add(RequiredFieldAdded, path, fmt.Sprintf("%s became required (was %s): data written without it cannot be read", name(), ol))
	case ol == "required":
		d.add(RequiredFieldRemoved, path, fmt.Sprintf("%s is no longer required (now %s)", name(), ul))
	case of.Kind() == protoreflect.StringKind || of.Kind() == protoreflect.BytesKind:
		d.add(FieldStringOrBytesLabelChanged, path, fmt.Sprintf("%s changed label from %s to %s", name(), ol, ul))
	case kindOf(of) == kindScalar:
		d.add(FieldNumericLabelChanged, path, fmt.Sprintf("%s changed label from %s to %s: numeric values change encoding (packed or not)", name(), ol, ul))
	}
}

// namedType compares the message types of two fields: by name relative to the
// package, then, when either lives outside the schema's own file, by structure.
func (d *differ) namedType(path string, name func() string, om, um protoreflect.MessageDescriptor) {
	on, un := localName(om), localName(um)
	if on != un {
		d.add(FieldNamedTypeChanged, path, fmt.Sprintf("%s changed type from %s to %s", name(), on, un))
		return
	}
	if om.ParentFile().Path() == d.oRoot && um.ParentFile().Path() == d.uRoot {
		return // both declared in the schema: compared with the schema's messages
	}
	if d.importedIncompatible(om, um) {
		d.add(FieldNamedTypeChanged, path, fmt.Sprintf("%s refers to %s, which changed incompatibly in the referenced schema", name(), un))
	}
}

// importedIncompatible compares two same-named message types of which at least one
// comes from a reference, adds their incompatible differences (paths relative to
// the declaring file's package), and reports whether there were any.
func (d *differ) importedIncompatible(om, um protoreflect.MessageDescriptor) bool {
	key := [2]protoreflect.FullName{om.FullName(), um.FullName()}
	if bad, seen := d.memo[key]; seen {
		return bad
	}
	d.memo[key] = false
	sub := &differ{memo: d.memo, oRoot: d.oRoot, uRoot: d.uRoot, budget: d.budget}
	sub.message("#/"+strings.ReplaceAll(localName(um), ".", "/"), om, um)
	bad := false
	for _, c := range sub.out {
		if !c.Compatible {
			bad = true
			d.out = append(d.out, c)
		}
	}
	d.memo[key] = bad
	return bad
}
