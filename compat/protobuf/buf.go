package protobuf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/heraldhq/herald/compat"
)

// buf rule ids (bufbuild/buf's breaking-change rules) of the WIRE and WIRE_JSON
// categories.
const (
	RuleFileSamePackage                       = "FILE_SAME_PACKAGE"
	RuleFieldNoDeleteUnlessNumberReserved     = "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"
	RuleFieldNoDeleteUnlessNameReserved       = "FIELD_NO_DELETE_UNLESS_NAME_RESERVED"
	RuleFieldSameOneof                        = "FIELD_SAME_ONEOF"
	RuleFieldSameDefault                      = "FIELD_SAME_DEFAULT"
	RuleFieldSameName                         = "FIELD_SAME_NAME"
	RuleFieldSameJSONName                     = "FIELD_SAME_JSON_NAME"
	RuleFieldWireCompatibleCardinality        = "FIELD_WIRE_COMPATIBLE_CARDINALITY"
	RuleFieldWireCompatibleType               = "FIELD_WIRE_COMPATIBLE_TYPE"
	RuleFieldWireJSONCompatibleCardinality    = "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY"
	RuleFieldWireJSONCompatibleType           = "FIELD_WIRE_JSON_COMPATIBLE_TYPE"
	RuleMessageSameRequiredFields             = "MESSAGE_SAME_REQUIRED_FIELDS"
	RuleMessageSameJSONFormat                 = "MESSAGE_SAME_JSON_FORMAT"
	RuleReservedMessageNoDelete               = "RESERVED_MESSAGE_NO_DELETE"
	RuleReservedEnumNoDelete                  = "RESERVED_ENUM_NO_DELETE"
	RuleEnumValueNoDeleteUnlessNumberReserved = "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"
	RuleEnumValueNoDeleteUnlessNameReserved   = "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED"
	RuleEnumValueSameName                     = "ENUM_VALUE_SAME_NAME"
	RuleEnumSameJSONFormat                    = "ENUM_SAME_JSON_FORMAT"
	RuleRPCSameRequestType                    = "RPC_SAME_REQUEST_TYPE"
	RuleRPCSameResponseType                   = "RPC_SAME_RESPONSE_TYPE"
	RuleRPCSameClientStreaming                = "RPC_SAME_CLIENT_STREAMING"
	RuleRPCSameServerStreaming                = "RPC_SAME_SERVER_STREAMING"
	RuleRPCSameIdempotencyLevel               = "RPC_SAME_IDEMPOTENCY_LEVEL"
)

// bufChecker applies buf's WIRE or WIRE_JSON rules from a previous (writer) schema
// to a current (reader) one. Messages, enums and services are matched by name
// relative to the package at each nesting level, so a package change is reported
// once (FILE_SAME_PACKAGE) rather than as every declaration deleted. Message types
// of fields are compared by that name too, then by structure when they come from
// references; an incompatible referenced type is reported inside it.
type bufChecker struct {
	json         bool // WIRE_JSON rather than WIRE
	pRoot, cRoot string
	out          []compat.Violation
	memo         map[[2]protoreflect.FullName]bool
	// budget counts the message, field and enum pairs compared.
	budget *compat.Budget
}

// bufCheck runs the rule set within budget, stopping with the budget's error once
// it is spent.
func bufCheck(previous, current *Schema, set RuleSet, budget *compat.Budget) ([]compat.Violation, error) {
	pf, cf := previous.descs().file, current.descs().file
	c := &bufChecker{
		json:   set == WireJSON,
		pRoot:  pf.Path(),
		cRoot:  cf.Path(),
		memo:   map[[2]protoreflect.FullName]bool{},
		budget: budget,
	}
	if pf.Package() != cf.Package() {
		c.add(RuleFileSamePackage, "#/", fmt.Sprintf("package changed from %q to %q", pf.Package(), cf.Package()))
	}
	c.messages("#/", pf.Messages(), cf.Messages())
	c.enums("#/", pf.Enums(), cf.Enums())
	c.services(pf.Services(), cf.Services())
	if err := budget.Err(); err != nil {
		return nil, err
	}
	return c.out, nil
}

func (c *bufChecker) add(rule, path, msg string) {
	c.out = append(c.out, compat.Violation{Rule: rule, Path: path, Message: msg})
}

func (c *bufChecker) messages(path string, pms, cms protoreflect.MessageDescriptors) {
	_, cBy, _ := userMessages(cms)
	pOrder, pBy, _ := userMessages(pms)
	for _, n := range pOrder {
		if cm, ok := cBy[n]; ok {
			c.message(join(path, n), pBy[n], cm)
		}
	}
}

func (c *bufChecker) enums(path string, pes, ces protoreflect.EnumDescriptors) {
	for i := 0; i < pes.Len(); i++ {
		pe := pes.Get(i)
		if ce := ces.ByName(pe.Name()); ce != nil {
			c.enum(join(path, string(pe.Name())), pe, ce)
		}
	}
}

func (c *bufChecker) message(path string, pm, cm protoreflect.MessageDescriptor) {
	if !c.budget.Step() {
		return
	}
	name := localName(cm)
	c.messages(path, pm.Messages(), cm.Messages())
	c.enums(path, pm.Enums(), cm.Enums())

	pfs, cfs := pm.Fields(), cm.Fields()
	for i := 0; i < pfs.Len(); i++ {
		pf := pfs.Get(i)
		fpath := path + "/" + strconv.Itoa(int(pf.Number()))
		cf := cfs.ByNumber(pf.Number())
		if cf == nil {
			if !cm.ReservedRanges().Has(pf.Number()) {
				c.add(RuleFieldNoDeleteUnlessNumberReserved, fpath, fmt.Sprintf("field %d (%s) was deleted from %s without reserving its number", pf.Number(), pf.Name(), name))
			}
			if c.json && !cm.ReservedNames().Has(pf.Name()) {
				c.add(RuleFieldNoDeleteUnlessNameReserved, fpath, fmt.Sprintf("field %d (%s) was deleted from %s without reserving its name", pf.Number(), pf.Name(), name))
			}
			continue
		}
		c.field(fpath, name, pf, cf)
	}

	if pr, cr := requiredNumbers(pm), requiredNumbers(cm); pr != cr {
		c.add(RuleMessageSameRequiredFields, path, fmt.Sprintf("the required fields of %s changed from [%s] to [%s]", name, pr, cr))
	}
	c.reservedMessage(path, name, pm, cm)
	if c.json {
		if pj, cj := jsonFormat(pm), jsonFormat(cm); pj != cj {
			c.add(RuleMessageSameJSONFormat, path, fmt.Sprintf("the JSON format of %s changed from %s to %s", name, pj, cj))
		}
	}
}

func requiredNumbers(md protoreflect.MessageDescriptor) string {
	var nums []string
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		if fs.Get(i).Cardinality() == protoreflect.Required {
			nums = append(nums, fmt.Sprint(fs.Get(i).Number()))
		}
	}
	return strings.Join(nums, ", ")
}

func (c *bufChecker) reservedMessage(path, name string, pm, cm protoreflect.MessageDescriptor) {
	prs := pm.ReservedRanges()
	for i := 0; i < prs.Len(); i++ {
		r := prs.Get(i)
		if !covered(fieldSpans(cm.ReservedRanges()), int64(r[0]), int64(r[1])-1) {
			c.add(RuleReservedMessageNoDelete, path, fmt.Sprintf("reserved range %s of %s was deleted or shrunk", rangeText(int64(r[0]), int64(r[1])-1), name))
		}
	}
	pns := pm.ReservedNames()
	for i := 0; i < pns.Len(); i++ {
		if !cm.ReservedNames().Has(pns.Get(i)) {
			c.add(RuleReservedMessageNoDelete, path, fmt.Sprintf("reserved name %q of %s was deleted", pns.Get(i), name))
		}
	}
}

// cardinality is buf's cardinality group of a field. For WIRE, repeated and map
// share a group (a map is a repeated entry message on the wire).
func (c *bufChecker) cardinality(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		if c.json {
			return "map"
		}
		return "repeated"
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated"
	case fd.Cardinality() == protoreflect.Required:
		return "required"
	}
	return "optional"
}

// typeGroup is the group of kinds a value may move between: for WIRE, kinds that
// share a wire encoding; for WIRE_JSON, those that also share a JSON form.
func (c *bufChecker) typeGroup(k protoreflect.Kind) string {
	if c.json {
		switch k {
		case protoreflect.Int32Kind, protoreflect.Uint32Kind:
			return "int32/uint32"
		case protoreflect.Int64Kind, protoreflect.Uint64Kind:
			return "int64/uint64"
		}
	} else {
		switch k {
		case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.BoolKind:
			return "varint"
		case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
			return "zigzag"
		}
	}
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "fixed32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "fixed64"
	}
	return k.String()
}

func (c *bufChecker) field(path, msgName string, pf, cf protoreflect.FieldDescriptor) {
	if !c.budget.Step() {
		return
	}
	// Messages are only built for changes found: this runs for every field.
	name := func() string { return fmt.Sprintf("field %d (%s) of %s", cf.Number(), cf.Name(), msgName) }
	if po, co := realOneof(pf), realOneof(cf); oneofName(po) != oneofName(co) {
		c.add(RuleFieldSameOneof, path, fmt.Sprintf("%s moved from %s to %s", name(), oneofLabel(po), oneofLabel(co)))
	}
	cardRule, typeRule := RuleFieldWireCompatibleCardinality, RuleFieldWireCompatibleType
	if c.json {
		cardRule, typeRule = RuleFieldWireJSONCompatibleCardinality, RuleFieldWireJSONCompatibleType
	}
	if pc, cc := c.cardinality(pf), c.cardinality(cf); pc != cc {
		c.add(cardRule, path, fmt.Sprintf("%s changed cardinality from %s to %s", name(), cardinalityName(pf), cardinalityName(cf)))
	}
	switch {
	case pf.IsMap() && cf.IsMap():
		c.valueType(path, func() string { return name() + " (map key)" }, typeRule, pf.MapKey(), cf.MapKey())
		c.valueType(path, func() string { return name() + " (map value)" }, typeRule, pf.MapValue(), cf.MapValue())
	case pf.IsMap() != cf.IsMap():
		c.add(typeRule, path, fmt.Sprintf("%s changed type from %s to %s", name(), describeType(pf), describeType(cf)))
	default:
		c.valueType(path, name, typeRule, pf, cf)
	}
	if pf.Kind() == cf.Kind() && (pf.HasDefault() || cf.HasDefault()) && !pf.IsList() && pf.Message() == nil {
		if pd, cd := defaultText(pf), defaultText(cf); pd != cd {
			c.add(RuleFieldSameDefault, path, fmt.Sprintf("%s changed default from %s to %s", name(), pd, cd))
		}
	}
	if c.json {
		if pf.Name() != cf.Name() {
			c.add(RuleFieldSameName, path, fmt.Sprintf("field %d of %s was renamed from %s to %s", cf.Number(), msgName, pf.Name(), cf.Name()))
		}
		if pf.JSONName() != cf.JSONName() {
			c.add(RuleFieldSameJSONName, path, fmt.Sprintf("%s changed JSON name from %q to %q", name(), pf.JSONName(), cf.JSONName()))
		}
	}
}

func oneofName(od protoreflect.OneofDescriptor) protoreflect.Name {
	if od == nil {
		return ""
	}
	return od.Name()
}

func oneofLabel(od protoreflect.OneofDescriptor) string {
	if od == nil {
		return "no oneof"
	}
	return "oneof " + string(od.Name())
}

func cardinalityName(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap():
		return "map"
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated"
	case fd.Cardinality() == protoreflect.Required:
		return "required"
	case fd.HasPresence():
		return "optional (explicit presence)"
	}
	return "optional (implicit presence)"
}

// valueType compares the value types of two fields (or of map keys or values).
func (c *bufChecker) valueType(path string, name func() string, rule string, pf, cf protoreflect.FieldDescriptor) {
	pk, ck := pf.Kind(), cf.Kind()
	changed := func() string {
		return fmt.Sprintf("%s changed type from %s to %s", name(), describeType(pf), describeType(cf))
	}
	switch {
	case pk == protoreflect.StringKind && ck == protoreflect.BytesKind && !c.json:
		// Every string is valid bytes on the wire; the reverse may not be UTF-8.
	case c.typeGroup(pk) != c.typeGroup(ck):
		c.add(rule, path, changed())
	case pk == protoreflect.EnumKind:
		pe, ce := pf.Enum(), cf.Enum()
		if localName(pe) == localName(ce) {
			return
		}
		if pe.Name() != ce.Name() || !valuesSubset(pe, ce) {
			c.add(rule, path, changed()+": a different enum is only allowed with the same short name and every previous value")
		}
	case pf.Message() != nil:
		pm, cm := pf.Message(), cf.Message()
		if localName(pm) != localName(cm) {
			c.add(rule, path, changed())
			return
		}
		if pm.ParentFile().Path() == c.pRoot && cm.ParentFile().Path() == c.cRoot {
			return // both in the schema: compared with its messages
		}
		key := [2]protoreflect.FullName{pm.FullName(), cm.FullName()}
		if _, seen := c.memo[key]; seen {
			return
		}
		c.memo[key] = true
		c.message("#/"+strings.ReplaceAll(localName(cm), ".", "/"), pm, cm)
	}
}

func valuesSubset(pe, ce protoreflect.EnumDescriptor) bool {
	vs := pe.Values()
	for i := 0; i < vs.Len(); i++ {
		if ce.Values().ByNumber(vs.Get(i).Number()) == nil {
			return false
		}
	}
	return true
}

func (c *bufChecker) enum(path string, pe, ce protoreflect.EnumDescriptor) {
	if !c.budget.Step() {
		return
	}
	name := localName(ce)
	pvs, cvs := pe.Values(), ce.Values()
	for i := 0; i < pvs.Len(); i++ {
		pv := pvs.Get(i)
		vpath := join(path, fmt.Sprint(pv.Number()))
		if cvs.ByNumber(pv.Number()) == nil {
			if pvs.ByNumber(pv.Number()) != pv {
				continue // aliases of a deleted number: reported once
			}
			if !ce.ReservedRanges().Has(pv.Number()) {
				c.add(RuleEnumValueNoDeleteUnlessNumberReserved, vpath, fmt.Sprintf("value %d (%s) was deleted from enum %s without reserving its number", pv.Number(), pv.Name(), name))
			}
			if c.json && !ce.ReservedNames().Has(pv.Name()) {
				c.add(RuleEnumValueNoDeleteUnlessNameReserved, vpath, fmt.Sprintf("value %d (%s) was deleted from enum %s without reserving its name", pv.Number(), pv.Name(), name))
			}
			continue
		}
		if c.json && !hasValueNamed(cvs, pv.Number(), pv.Name()) {
			c.add(RuleEnumValueSameName, vpath, fmt.Sprintf("value %d of enum %s is no longer named %s (now %s)", pv.Number(), name, pv.Name(), namesOf(cvs, pv.Number())))
		}
	}
	prs := pe.ReservedRanges()
	for i := 0; i < prs.Len(); i++ {
		r := prs.Get(i)
		if !covered(enumSpans(ce.ReservedRanges()), int64(r[0]), int64(r[1])) {
			c.add(RuleReservedEnumNoDelete, path, fmt.Sprintf("reserved range %s of enum %s was deleted or shrunk", rangeText(int64(r[0]), int64(r[1])), name))
		}
	}
	pns := pe.ReservedNames()
	for i := 0; i < pns.Len(); i++ {
		if !ce.ReservedNames().Has(pns.Get(i)) {
			c.add(RuleReservedEnumNoDelete, path, fmt.Sprintf("reserved name %q of enum %s was deleted", pns.Get(i), name))
		}
	}
	if c.json {
		if pj, cj := jsonFormat(pe), jsonFormat(ce); pj != cj {
			c.add(RuleEnumSameJSONFormat, path, fmt.Sprintf("the JSON format of enum %s changed from %s to %s", name, pj, cj))
		}
	}
}

// span is an inclusive range of numbers.
type span struct{ lo, hi int64 }

func fieldSpans(rs protoreflect.FieldRanges) []span {
	out := make([]span, rs.Len())
	for i := range out {
		out[i] = span{int64(rs.Get(i)[0]), int64(rs.Get(i)[1]) - 1}
	}
	return out
}

func enumSpans(rs protoreflect.EnumRanges) []span {
	out := make([]span, rs.Len())
	for i := range out {
		out[i] = span{int64(rs.Get(i)[0]), int64(rs.Get(i)[1])}
	}
	return out
}

// covered reports whether lo..hi lies inside the union of spans, without walking
// it number by number.
func covered(spans []span, lo, hi int64) bool {
	sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
	next := lo
	for _, s := range spans {
		if s.lo > next {
			break
		}
		if s.hi >= next {
			next = s.hi + 1
		}
	}
	return next > hi
}

func hasValueNamed(vs protoreflect.EnumValueDescriptors, n protoreflect.EnumNumber, name protoreflect.Name) bool {
	v := vs.ByName(name)
	return v != nil && v.Number() == n
}

func namesOf(vs protoreflect.EnumValueDescriptors, n protoreflect.EnumNumber) string {
	var names []string
	for i := 0; i < vs.Len(); i++ {
		if vs.Get(i).Number() == n {
			names = append(names, string(vs.Get(i).Name()))
		}
	}
	return strings.Join(names, ", ")
}

// jsonFormat is the effective json_format feature of a message or enum: the
// nearest explicit setting on it or an enclosing declaration, else the default of
// the file's edition (LEGACY_BEST_EFFORT for proto2 and proto3, ALLOW after).
func jsonFormat(d protoreflect.Descriptor) string {
	for cur := d; cur != nil; cur = cur.Parent() {
		var fs *descriptorpb.FeatureSet
		switch o := cur.Options().(type) {
		case *descriptorpb.MessageOptions:
			fs = o.GetFeatures()
		case *descriptorpb.EnumOptions:
			fs = o.GetFeatures()
		case *descriptorpb.FileOptions:
			fs = o.GetFeatures()
		}
		if fs != nil && fs.JsonFormat != nil {
			return fs.GetJsonFormat().String()
		}
		if _, isFile := cur.(protoreflect.FileDescriptor); isFile {
			break
		}
	}
	if d.ParentFile().Syntax() == protoreflect.Editions {
		return descriptorpb.FeatureSet_ALLOW.String()
	}
	return descriptorpb.FeatureSet_LEGACY_BEST_EFFORT.String()
}

func (c *bufChecker) services(pss, css protoreflect.ServiceDescriptors) {
	for i := 0; i < pss.Len(); i++ {
		ps := pss.Get(i)
		cs := css.ByName(ps.Name())
		if cs == nil {
			continue
		}
		pms := ps.Methods()
		for j := 0; j < pms.Len(); j++ {
			pm := pms.Get(j)
			cm := cs.Methods().ByName(pm.Name())
			if cm == nil {
				continue
			}
			path := join(join("#/", string(ps.Name())), string(pm.Name()))
			rpc := fmt.Sprintf("rpc %s.%s", ps.Name(), pm.Name())
			if a, b := localName(pm.Input()), localName(cm.Input()); a != b {
				c.add(RuleRPCSameRequestType, path, fmt.Sprintf("%s changed request type from %s to %s", rpc, a, b))
			}
			if a, b := localName(pm.Output()), localName(cm.Output()); a != b {
				c.add(RuleRPCSameResponseType, path, fmt.Sprintf("%s changed response type from %s to %s", rpc, a, b))
			}
			if pm.IsStreamingClient() != cm.IsStreamingClient() {
				c.add(RuleRPCSameClientStreaming, path, fmt.Sprintf("%s changed client streaming from %v to %v", rpc, pm.IsStreamingClient(), cm.IsStreamingClient()))
			}
			if pm.IsStreamingServer() != cm.IsStreamingServer() {
				c.add(RuleRPCSameServerStreaming, path, fmt.Sprintf("%s changed server streaming from %v to %v", rpc, pm.IsStreamingServer(), cm.IsStreamingServer()))
			}
			if a, b := idempotency(pm), idempotency(cm); a != b {
				c.add(RuleRPCSameIdempotencyLevel, path, fmt.Sprintf("%s changed idempotency level from %s to %s", rpc, a, b))
			}
		}
	}
}

func idempotency(md protoreflect.MethodDescriptor) descriptorpb.MethodOptions_IdempotencyLevel {
	if o, ok := md.Options().(*descriptorpb.MethodOptions); ok {
		return o.GetIdempotencyLevel()
	}
	return descriptorpb.MethodOptions_IDEMPOTENCY_UNKNOWN
}
