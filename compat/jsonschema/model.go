package jsonschema

import (
	"math/big"
	"sort"
	"strconv"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// The compatibility checker works on a model of nodes built from the compiled
// schema. Like Confluent's model, a schema object whose keywords belong to several
// families (a type's keywords, enum, not, allOf...) becomes a synthetic allOf of one
// node per family, and a list of types becomes a synthetic anyOf of one node per
// type. $ref nodes point at the node of their target, so recursive schemas give
// cyclic graphs; the checker memoizes pairs to terminate.

// nodeKind is what a node accepts.
type nodeKind int

const (
	kEmpty    nodeKind = iota // accepts everything: true, {} or annotations only
	kFalse                    // accepts nothing
	kRef                      // stands for target
	kString                   // a string with constraints
	kNumber                   // a number (or integer) with constraints
	kBoolean                  // any boolean
	kNull                     // null
	kObject                   // an object with constraints
	kArray                    // an array with constraints
	kEnum                     // one of values (enum or const)
	kNot                      // anything sub rejects
	kCombined                 // allOf, anyOf or oneOf of subs
	kCond                     // if/then/else
)

var kindNames = [...]string{
	kEmpty: "any value", kFalse: "no value", kRef: "reference", kString: "string",
	kNumber: "number", kBoolean: "boolean", kNull: "null", kObject: "object",
	kArray: "array", kEnum: "enum", kNot: "not", kCombined: "combined schema", kCond: "conditional",
}

func (k nodeKind) String() string { return kindNames[k] }

// criterion is the combining keyword of a kCombined node.
type criterion int

const (
	allOf criterion = iota
	anyOf
	oneOf
)

func (c criterion) String() string {
	switch c {
	case anyOf:
		return "anyOf"
	case oneOf:
		return "oneOf"
	}
	return "allOf"
}

// bound is a numeric limit; exclusive limits reject the value itself.
type bound struct {
	v         *big.Rat
	exclusive bool
	keyword   string // minimum, exclusiveMinimum, maximum or exclusiveMaximum
}

// slot is what an object or array accepts beyond its named properties or tuple
// items: anything (open), nothing (closed), or values matching a schema.
type slot struct {
	closed  bool
	schema  *node  // nil when open or closed
	keyword string // the keyword that set it; "" when absent
}

func (s slot) open() bool { return !s.closed && s.schema == nil }

// pattern is one patternProperties entry.
type pattern struct {
	re     sjs.Regexp
	source string
	schema *node
}

// propDep is one property dependency: when the key is present, names must be.
type propDep struct {
	names   []string
	keyword string
}

// schemaDep is one schema dependency: when the key is present, schema applies.
type schemaDep struct {
	schema  *node
	keyword string
}

// node is one element of the model. Only the fields for its kind are set.
type node struct {
	kind nodeKind
	// src is the compiled schema this node stands for in full; nil for the
	// synthetic per-family parts of a schema object.
	src *sjs.Schema
	// owner is the parsed schema src belongs to.
	owner *forms
	// requires is set on a type's part when "type" names the type; without it
	// the part constrains values of its type and lets other types through.
	requires bool
	// def is the node's default value, when its schema has one.
	def *any

	target *node // kRef

	// kString
	minLength, maxLength *int
	pattern              string // "" when absent
	hasPattern           bool
	format               string // asserted format, "" when absent

	// kNumber
	integer    bool
	lower      *bound
	upper      *bound
	multipleOf *big.Rat

	// kObject
	props         map[string]*node
	propNames     []string // sorted
	required      map[string]bool
	requiredList  []string // sorted
	additional    slot
	patterns      []pattern // sorted by source
	minProps      *int
	maxProps      *int
	propDeps      map[string]propDep
	schemaDeps    map[string]schemaDep
	propertyNames *node

	// kArray
	tuple        []*node
	tupleKeyword string // items or prefixItems
	rest         slot   // items after the tuple
	ignoredAddl  slot   // additionalItems next to a non-array items (compared for Confluent parity)
	minItems     *int
	maxItems     *int
	unique       bool
	contains     *node
	minContains  *int
	maxContains  *int

	// kEnum
	values      []any
	enumKeyword string // enum or const

	// kNot
	sub *node

	// kCombined
	crit         criterion
	subs         []*node
	segs         []string // path segment of each sub: "/allOf/0", or "" for synthetic parts
	synthetic    bool
	distinctSubs []int // indexes of subs without structural duplicates; unset when synthetic

	// kCond
	ifNode, thenNode, elseNode *node
}

// builder turns compiled schemas into nodes, one node per compiled schema.
type builder struct {
	owner  *forms
	nodes  map[*sjs.Schema]*node
	extras map[*sjs.Schema]*sjs.Schema // additionalItems ignored by the validator
}

func (b *builder) build(s *sjs.Schema) *node {
	if s == nil {
		return nil
	}
	if n, ok := b.nodes[s]; ok {
		return n
	}
	n := &node{src: s, owner: b.owner, def: s.Default}
	b.nodes[s] = n
	if s.Bool != nil {
		if *s.Bool {
			n.kind = kEmpty
		} else {
			n.kind = kFalse
		}
		return n
	}

	var parts []*node
	var segs []string
	add := func(p *node, seg string) {
		if p != nil {
			parts = append(parts, p)
			segs = append(segs, seg)
		}
	}

	// References. Drafts before 2019-09 ignore a $ref's siblings, and the
	// compiler leaves them out; later drafts apply both.
	for _, r := range []*sjs.Schema{s.Ref, s.RecursiveRef, dynamicRef(s)} {
		if r != nil {
			add(&node{kind: kRef, target: b.build(r)}, "")
		}
	}

	// Type-specific keywords: one part per declared type, or, without "type",
	// one part per family whose keywords are present.
	if s.Types != nil {
		types := s.Types.ToStrings()
		hasNumber := false
		for _, t := range types {
			if t == "number" {
				hasNumber = true
			}
		}
		var typed []*node
		for _, t := range types {
			switch t {
			case "string":
				typed = append(typed, b.stringPart(s))
			case "number":
				typed = append(typed, b.numberPart(s, false))
			case "integer":
				if !hasNumber { // integer ⊂ number
					typed = append(typed, b.numberPart(s, true))
				}
			case "boolean":
				typed = append(typed, &node{kind: kBoolean})
			case "null":
				typed = append(typed, &node{kind: kNull})
			case "object":
				typed = append(typed, b.objectPart(s))
			case "array":
				typed = append(typed, b.arrayPart(s))
			}
		}
		for _, t := range typed {
			t.requires = true
		}
		if len(typed) == 1 {
			add(typed[0], "")
		} else if len(typed) > 1 {
			c := &node{kind: kCombined, crit: anyOf, subs: typed, segs: make([]string, len(typed)), synthetic: true}
			add(c, "")
		}
	} else {
		if hasStringKeywords(s) {
			add(b.stringPart(s), "")
		}
		if hasNumberKeywords(s) {
			add(b.numberPart(s, false), "")
		}
		if hasObjectKeywords(s) {
			if p := b.objectPart(s); !trivialObject(p) {
				add(p, "")
			}
		}
		if hasArrayKeywords(s) || b.extras[s] != nil {
			if p := b.arrayPart(s); !trivialArray(p) {
				add(p, "")
			}
		}
	}

	if s.Enum != nil {
		add(&node{kind: kEnum, values: s.Enum.Values, enumKeyword: "enum"}, "")
	}
	if s.Const != nil {
		add(&node{kind: kEnum, values: []any{*s.Const}, enumKeyword: "const"}, "")
	}
	if s.Not != nil {
		add(&node{kind: kNot, sub: b.build(s.Not)}, "")
	}
	for _, c := range []struct {
		crit criterion
		subs []*sjs.Schema
	}{{allOf, s.AllOf}, {anyOf, s.AnyOf}, {oneOf, s.OneOf}} {
		if len(c.subs) == 0 {
			continue
		}
		cn := &node{kind: kCombined, crit: c.crit}
		for i, sub := range c.subs {
			cn.subs = append(cn.subs, b.build(sub))
			cn.segs = append(cn.segs, "/"+c.crit.String()+"/"+strconv.Itoa(i))
		}
		cn.distinctSubs = uniqueSubs(cn.subs)
		add(cn, "")
	}
	if s.If != nil {
		add(&node{kind: kCond, ifNode: b.build(s.If), thenNode: b.build(s.Then), elseNode: b.build(s.Else)}, "")
	}

	switch len(parts) {
	case 0:
		n.kind = kEmpty
	case 1:
		p := parts[0]
		src, owner, def := n.src, n.owner, n.def
		*n = *p
		n.src, n.owner, n.def = src, owner, def
		if n.def == nil {
			n.def = p.def
		}
	default:
		n.kind = kCombined
		n.crit = allOf
		n.subs = parts
		n.segs = segs
		n.synthetic = true
	}
	return n
}

func dynamicRef(s *sjs.Schema) *sjs.Schema {
	if s.DynamicRef != nil {
		return s.DynamicRef.Ref
	}
	return nil
}

func hasStringKeywords(s *sjs.Schema) bool {
	return s.MinLength != nil || s.MaxLength != nil || s.Pattern != nil || s.Format != nil
}

func hasNumberKeywords(s *sjs.Schema) bool {
	return s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil || s.ExclusiveMaximum != nil || s.MultipleOf != nil
}

func hasObjectKeywords(s *sjs.Schema) bool {
	return s.MaxProperties != nil || s.MinProperties != nil || len(s.Required) > 0 || s.PropertyNames != nil ||
		s.Properties != nil || s.PatternProperties != nil || s.AdditionalProperties != nil || s.Dependencies != nil ||
		s.DependentRequired != nil || s.DependentSchemas != nil || s.UnevaluatedProperties != nil
}

func hasArrayKeywords(s *sjs.Schema) bool {
	return s.MinItems != nil || s.MaxItems != nil || s.UniqueItems || s.Contains != nil || s.Items != nil ||
		s.AdditionalItems != nil || s.PrefixItems != nil || s.Items2020 != nil || s.UnevaluatedItems != nil
}

// trivialObject reports an object part with no constraint at all, such as
// {"properties":{}}: it accepts everything, like {}.
func trivialObject(n *node) bool {
	return len(n.props) == 0 && len(n.required) == 0 && n.additional.open() && len(n.patterns) == 0 &&
		n.minProps == nil && n.maxProps == nil && len(n.propDeps) == 0 && len(n.schemaDeps) == 0 && n.propertyNames == nil
}

func trivialArray(n *node) bool {
	return len(n.tuple) == 0 && n.rest.open() && n.ignoredAddl.keyword == "" && n.minItems == nil && n.maxItems == nil &&
		!n.unique && n.contains == nil
}

func (b *builder) stringPart(s *sjs.Schema) *node {
	n := &node{kind: kString, minLength: s.MinLength, maxLength: s.MaxLength}
	if s.Pattern != nil {
		n.pattern, n.hasPattern = s.Pattern.String(), true
	}
	if s.Format != nil {
		n.format = s.Format.Name
	}
	return n
}

func (b *builder) numberPart(s *sjs.Schema, integer bool) *node {
	n := &node{kind: kNumber, integer: integer, multipleOf: s.MultipleOf}
	n.lower = tighter(boundOf(s.Minimum, false, "minimum"), boundOf(s.ExclusiveMinimum, true, "exclusiveMinimum"), 1)
	n.upper = tighter(boundOf(s.Maximum, false, "maximum"), boundOf(s.ExclusiveMaximum, true, "exclusiveMaximum"), -1)
	return n
}

func boundOf(v *big.Rat, exclusive bool, keyword string) *bound {
	if v == nil {
		return nil
	}
	return &bound{v: v, exclusive: exclusive, keyword: keyword}
}

// tighter returns the stricter of two lower (dir 1) or upper (dir -1) bounds.
func tighter(a, b *bound, dir int) *bound {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	c := a.v.Cmp(b.v) * dir
	switch {
	case c > 0:
		return a
	case c < 0:
		return b
	case b.exclusive:
		return b
	}
	return a
}

func (b *builder) objectPart(s *sjs.Schema) *node {
	n := &node{kind: kObject, minProps: s.MinProperties, maxProps: s.MaxProperties}
	n.props = make(map[string]*node, len(s.Properties))
	for name, ps := range s.Properties {
		n.props[name] = b.build(ps)
		n.propNames = append(n.propNames, name)
	}
	sort.Strings(n.propNames)
	n.required = make(map[string]bool, len(s.Required))
	for _, r := range s.Required {
		if !n.required[r] {
			n.required[r] = true
			n.requiredList = append(n.requiredList, r)
		}
	}
	sort.Strings(n.requiredList)
	for re, ps := range s.PatternProperties {
		n.patterns = append(n.patterns, pattern{re: re, source: re.String(), schema: b.build(ps)})
	}
	sort.Slice(n.patterns, func(i, j int) bool { return n.patterns[i].source < n.patterns[j].source })
	n.additional = b.slotOf(s.AdditionalProperties, "additionalProperties")
	if n.additional.keyword == "" && s.UnevaluatedProperties != nil {
		n.additional = b.slotOf(s.UnevaluatedProperties, "unevaluatedProperties")
	}
	for key, d := range s.Dependencies {
		switch d := d.(type) {
		case []string:
			n.addPropDep(key, d, "dependencies")
		case *sjs.Schema:
			n.addSchemaDep(key, b.build(d), "dependencies")
		}
	}
	for key, names := range s.DependentRequired {
		n.addPropDep(key, names, "dependentRequired")
	}
	for key, ds := range s.DependentSchemas {
		n.addSchemaDep(key, b.build(ds), "dependentSchemas")
	}
	if s.PropertyNames != nil {
		n.propertyNames = b.build(s.PropertyNames)
	}
	return n
}

func (n *node) addPropDep(key string, names []string, keyword string) {
	if n.propDeps == nil {
		n.propDeps = map[string]propDep{}
	}
	d := n.propDeps[key]
	d.names = append(d.names, names...)
	d.keyword = keyword
	n.propDeps[key] = d
}

func (n *node) addSchemaDep(key string, s *node, keyword string) {
	if n.schemaDeps == nil {
		n.schemaDeps = map[string]schemaDep{}
	}
	n.schemaDeps[key] = schemaDep{schema: s, keyword: keyword}
}

// slotOf reads an additionalProperties-like value: nil, a bool or a schema. true
// and {} are open.
func (b *builder) slotOf(v any, keyword string) slot {
	switch v := v.(type) {
	case bool:
		if v {
			return slot{keyword: keyword}
		}
		return slot{closed: true, keyword: keyword}
	case *sjs.Schema:
		if v == nil {
			return slot{}
		}
		if v.Bool != nil {
			return slot{closed: !*v.Bool, keyword: keyword}
		}
		n := b.build(v)
		if n.kind == kEmpty {
			return slot{keyword: keyword}
		}
		return slot{schema: n, keyword: keyword}
	}
	return slot{}
}

func (b *builder) arrayPart(s *sjs.Schema) *node {
	n := &node{kind: kArray, minItems: s.MinItems, maxItems: s.MaxItems, unique: s.UniqueItems,
		minContains: s.MinContains, maxContains: s.MaxContains}
	switch items := s.Items.(type) {
	case []*sjs.Schema:
		n.tupleKeyword = "items"
		for _, it := range items {
			n.tuple = append(n.tuple, b.build(it))
		}
		n.rest = b.slotOf(s.AdditionalItems, "additionalItems")
	case *sjs.Schema:
		n.rest = b.slotOf(items, "items")
	}
	if len(s.PrefixItems) > 0 {
		n.tupleKeyword = "prefixItems"
		for _, it := range s.PrefixItems {
			n.tuple = append(n.tuple, b.build(it))
		}
	}
	if s.Items2020 != nil {
		n.rest = b.slotOf(s.Items2020, "items")
	}
	if n.rest.keyword == "" && s.UnevaluatedItems != nil {
		n.rest = b.slotOf(s.UnevaluatedItems, "unevaluatedItems")
	}
	if x := b.extras[s]; x != nil {
		n.ignoredAddl = b.slotOf(x, "additionalItems")
	}
	if s.Contains != nil {
		n.contains = b.build(s.Contains)
	}
	return n
}

// deref follows references to the node they stand for. A cycle made only of
// references accepts everything.
func deref(n *node) *node {
	for i := 0; n != nil && n.kind == kRef; i++ {
		if i > 1000 {
			return &node{kind: kEmpty}
		}
		n = n.target
	}
	return n
}

// children lists the compiled subschemas of s.
func children(s *sjs.Schema) []*sjs.Schema {
	var out []*sjs.Schema
	add := func(xs ...*sjs.Schema) {
		for _, x := range xs {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	add(s.Ref, s.RecursiveRef, dynamicRef(s), s.Not, s.If, s.Then, s.Else, s.PropertyNames,
		s.UnevaluatedProperties, s.Contains, s.Items2020, s.UnevaluatedItems, s.ContentSchema)
	add(s.AllOf...)
	add(s.AnyOf...)
	add(s.OneOf...)
	add(s.PrefixItems...)
	for _, p := range s.Properties {
		add(p)
	}
	for _, p := range s.PatternProperties {
		add(p)
	}
	for _, p := range s.DependentSchemas {
		add(p)
	}
	for _, d := range s.Dependencies {
		if d, ok := d.(*sjs.Schema); ok {
			add(d)
		}
	}
	if x, ok := s.AdditionalProperties.(*sjs.Schema); ok {
		add(x)
	}
	if x, ok := s.AdditionalItems.(*sjs.Schema); ok {
		add(x)
	}
	switch it := s.Items.(type) {
	case *sjs.Schema:
		add(it)
	case []*sjs.Schema:
		add(it...)
	}
	return out
}

// uniqueSubs returns the indexes of subs, leaving out each one whose normalized
// JSON repeats an earlier one's. It runs once per model, not per comparison.
func uniqueSubs(subs []*node) []int {
	out := make([]int, 0, len(subs))
	seen := map[string]bool{}
	for i, s := range subs {
		k := structuralKey(s)
		if k != "" && seen[k] {
			continue
		}
		if k != "" {
			seen[k] = true
		}
		out = append(out, i)
	}
	return out
}

// structuralKey is a structural identity for a node: its normalized JSON when it
// stands for a whole schema, "" for synthetic parts.
func structuralKey(n *node) string {
	if n.src == nil || n.owner == nil {
		return ""
	}
	if raw := n.owner.rawAt(n.src.Location); raw != nil {
		return normalize(raw)
	}
	return ""
}
