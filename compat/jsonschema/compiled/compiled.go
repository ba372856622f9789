// Package compiled is Herald's fast path for JSON Schema payload validation.
// A Schema (a plain description of a compiled JSON Schema, which package
// jsonschema builds from its full validator's model) is compiled once into a
// tree of typed checks, and Validator.Valid checks the raw JSON bytes of a
// payload against it in one pass: no interface{} tree, no big.Rat for the
// numbers events carry, and no allocation when the payload is valid.
//
// Valid answers only "certainly valid". When a payload is invalid, or when the
// fast path cannot be sure (invalid UTF-8 that encoding/json would replace,
// duplicate keys, a number too large for 128-bit arithmetic, a spent work
// budget), it returns false and the caller runs the full validator, which
// decides and writes the error messages. So errors are the full validator's,
// byte for byte, and the fast path only has to be sound: it must never accept
// what the full validator refuses. The differential tests in package jsonschema
// hold it to that.
//
// Work is bounded: every value the validator applies a subschema to, and every
// token it skips, counts against a budget linear in the payload's size
// (Budget); past it Valid gives up and returns false.
package compiled

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"sync"
)

// Schema describes one compiled subschema: the keywords that apply, with
// references already resolved to the Schemas they name. Nil and empty fields
// are absent keywords. Schemas may form cycles through Ref and the
// applicators.
type Schema struct {
	// Bool is set for the boolean schemas true and false.
	Bool *bool

	// Types lists "null", "boolean", "number", "integer", "string", "array",
	// "object"; empty accepts every type.
	Types []string
	// Enum holds the allowed values when HasEnum (decoded JSON: nil, bool,
	// string, json.Number, float64, []any, map[string]any).
	Enum    []any
	HasEnum bool
	// Const is the one allowed value, when set.
	Const *any
	// Format names an asserted format; FormatCheck decides a string the
	// package has no fast recogniser for (or one the recogniser declines).
	// FormatCheck is required with Format.
	Format      string
	FormatCheck func(string) bool

	// String keywords. Lengths count code points.
	MinLength, MaxLength *int
	Pattern              *regexp.Regexp

	// Number keywords.
	Minimum, Maximum, ExclusiveMinimum, ExclusiveMaximum, MultipleOf *big.Rat

	// Object keywords. AdditionalProperties false is a Schema with Bool false.
	Required             []string
	Properties           map[string]*Schema
	PatternProperties    []PatternProperty
	AdditionalProperties *Schema
	PropertyNames        *Schema
	DependentRequired    map[string][]string
	DependentSchemas     map[string]*Schema
	// Dependents lists more dependentRequired/dependentSchemas entries:
	// draft 7's "dependencies" may repeat a property dependentRequired names.
	Dependents                   []Dependent
	MinProperties, MaxProperties *int

	// Array keywords. PrefixItems apply by position, Items to the rest.
	PrefixItems              []*Schema
	Items                    *Schema
	Contains                 *Schema
	MinContains, MaxContains *int
	MinItems, MaxItems       *int
	UniqueItems              bool

	// Applicators to the value itself.
	Ref                 *Schema
	AllOf, AnyOf, OneOf []*Schema
	Not                 *Schema
	If, Then, Else      *Schema
}

// PatternProperty applies Schema to members whose name matches Pattern.
type PatternProperty struct {
	Pattern *regexp.Regexp
	Schema  *Schema
}

// Dependent is one conditional on a property's presence: the names it
// requires, or a schema the whole object must pass.
type Dependent struct {
	Property string
	Required []string
	Schema   *Schema
}

// Validator is a compiled schema. It is immutable and safe for concurrent use.
type Validator struct {
	root *node
	runs sync.Pool // of *run
}

// Budget bounds the work of one Valid call, in subschema applications and
// skipped values: BudgetBase plus BudgetPerByte for each payload byte.
const (
	BudgetBase    = 1 << 16
	BudgetPerByte = 32
)

// ErrUnsupported is wrapped by Compile's errors for schemas it cannot take.
var ErrUnsupported = errors.New("unsupported by the compiled validator")

// Compile builds a Validator. It fails, wrapping ErrUnsupported, only on a
// description it cannot represent (a Format without a FormatCheck).
func Compile(s *Schema) (*Validator, error) {
	c := compiler{nodes: map[*Schema]*node{}}
	root, err := c.node(s)
	if err != nil {
		return nil, err
	}
	return &Validator{root: root}, nil
}

// Type bits of node.types.
const (
	tNull uint8 = 1 << iota
	tBool
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeBits = map[string]uint8{
	"null": tNull, "boolean": tBool, "number": tNumber, "integer": tInteger,
	"string": tString, "array": tArray, "object": tObject,
}

// node is a compiled subschema.
type node struct {
	always, never bool  // true and false schemas (and {} for always)
	types         uint8 // 0: any
	enums         []enum

	// string
	minLen, maxLen int // -1: absent
	pattern        *regexp.Regexp
	format         func([]byte) bool
	formatCheck    func(string) bool
	stringKw       bool // some string keyword is present

	// number
	min, max, exMin, exMax, multipleOf *bound
	numberKw                           bool

	// object
	members          map[string]*member
	patterns         []patternNode
	additional       *node
	propNames        *node
	required         []int // bits
	deps             []dep
	nbits            int
	minProps, maxPro int
	objectKw         bool

	// array
	prefix                   []*node
	items, contains          *node
	minContains, maxContains int
	minItems, maxItems       int
	unique                   bool
	arrayKw                  bool

	// applicators
	ref                 *node
	allOf, anyOf, oneOf []*node
	not, ifn, then, els *node
}

// member is what a property name means to an object node.
type member struct {
	schema *node // properties entry, or nil
	bit    int   // presence bit, or -1
}

type patternNode struct {
	re     *regexp.Regexp
	schema *node
}

// dep is a dependentRequired or dependentSchemas entry.
type dep struct {
	bit    int
	need   []int
	schema *node
}

// enum is one enum or const: the allowed values, by kind.
type enum struct {
	null, tru, fls bool
	strs           map[string]bool
	nums           []*bound
	objects        bool // composite values are present: an object or array
	arrays         bool // instance is left to the full validator
}

type compiler struct {
	nodes map[*Schema]*node
}

func (c *compiler) list(xs []*Schema) ([]*node, error) {
	if len(xs) == 0 {
		return nil, nil
	}
	out := make([]*node, len(xs))
	for i, x := range xs {
		n, err := c.node(x)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func intOr(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

func boundOf(x *big.Rat) *bound {
	if x == nil {
		return nil
	}
	return newBound(x)
}

func (c *compiler) node(s *Schema) (*node, error) {
	if s == nil {
		return nil, nil
	}
	if n, ok := c.nodes[s]; ok {
		return n, nil
	}
	n := &node{minLen: -1, maxLen: -1, minProps: -1, maxPro: -1, minContains: -1, maxContains: -1, minItems: -1, maxItems: -1}
	c.nodes[s] = n
	if s.Bool != nil {
		n.always, n.never = *s.Bool, !*s.Bool
		return n, nil
	}
	for _, t := range s.Types {
		n.types |= typeBits[t]
	}
	if s.HasEnum {
		n.enums = append(n.enums, compileEnum(s.Enum))
	}
	if s.Const != nil {
		n.enums = append(n.enums, compileEnum([]any{*s.Const}))
	}
	n.minLen, n.maxLen, n.pattern = intOr(s.MinLength, -1), intOr(s.MaxLength, -1), s.Pattern
	if s.Format != "" {
		if s.FormatCheck == nil {
			return nil, fmt.Errorf("format %q without a check: %w", s.Format, ErrUnsupported)
		}
		n.format, n.formatCheck = nativeFormats[s.Format], s.FormatCheck
	}
	n.stringKw = n.minLen >= 0 || n.maxLen >= 0 || n.pattern != nil || n.formatCheck != nil
	n.min, n.max, n.exMin, n.exMax, n.multipleOf = boundOf(s.Minimum), boundOf(s.Maximum), boundOf(s.ExclusiveMinimum), boundOf(s.ExclusiveMaximum), boundOf(s.MultipleOf)
	n.numberKw = n.min != nil || n.max != nil || n.exMin != nil || n.exMax != nil || n.multipleOf != nil

	if err := c.object(s, n); err != nil {
		return nil, err
	}
	if err := c.array(s, n); err != nil {
		return nil, err
	}
	var err error
	if n.ref, err = c.node(s.Ref); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		dst *[]*node
		src []*Schema
	}{{&n.allOf, s.AllOf}, {&n.anyOf, s.AnyOf}, {&n.oneOf, s.OneOf}} {
		if *l.dst, err = c.list(l.src); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		dst **node
		src *Schema
	}{{&n.not, s.Not}, {&n.ifn, s.If}, {&n.then, s.Then}, {&n.els, s.Else}} {
		if *p.dst, err = c.node(p.src); err != nil {
			return nil, err
		}
	}
	n.always = n.types == 0 && n.enums == nil && !n.stringKw && !n.numberKw && !n.objectKw && !n.arrayKw &&
		n.ref == nil && n.allOf == nil && n.anyOf == nil && n.oneOf == nil && n.not == nil && n.ifn == nil
	return n, nil
}

func (c *compiler) object(s *Schema, n *node) error {
	bit := func(name string) int {
		m := n.members[name]
		if m == nil {
			m = &member{bit: -1}
			n.members[name] = m
		}
		if m.bit < 0 {
			m.bit = n.nbits
			n.nbits++
		}
		return m.bit
	}
	n.members = map[string]*member{}
	for name, x := range s.Properties {
		sn, err := c.node(x)
		if err != nil {
			return err
		}
		n.members[name] = &member{schema: sn, bit: -1}
	}
	for _, name := range s.Required {
		n.required = append(n.required, bit(name))
	}
	deps := append([]Dependent(nil), s.Dependents...)
	for _, name := range sortedKeys(s.DependentRequired) {
		deps = append(deps, Dependent{Property: name, Required: s.DependentRequired[name]})
	}
	for _, name := range sortedKeys(s.DependentSchemas) {
		deps = append(deps, Dependent{Property: name, Schema: s.DependentSchemas[name]})
	}
	for _, d := range deps {
		cd := dep{bit: bit(d.Property)}
		for _, r := range d.Required {
			cd.need = append(cd.need, bit(r))
		}
		if d.Schema != nil {
			sn, err := c.node(d.Schema)
			if err != nil {
				return err
			}
			cd.schema = sn
		}
		n.deps = append(n.deps, cd)
	}
	for _, pp := range s.PatternProperties {
		sn, err := c.node(pp.Schema)
		if err != nil {
			return err
		}
		n.patterns = append(n.patterns, patternNode{re: pp.Pattern, schema: sn})
	}
	var err error
	if n.additional, err = c.node(s.AdditionalProperties); err != nil {
		return err
	}
	if n.propNames, err = c.node(s.PropertyNames); err != nil {
		return err
	}
	n.minProps, n.maxPro = intOr(s.MinProperties, -1), intOr(s.MaxProperties, -1)
	if len(n.members) == 0 {
		n.members = nil
	}
	n.objectKw = n.members != nil || n.required != nil || n.deps != nil || n.patterns != nil || n.additional != nil || n.propNames != nil || n.minProps >= 0 || n.maxPro >= 0
	return nil
}

func (c *compiler) array(s *Schema, n *node) error {
	var err error
	if n.prefix, err = c.list(s.PrefixItems); err != nil {
		return err
	}
	if n.items, err = c.node(s.Items); err != nil {
		return err
	}
	if n.contains, err = c.node(s.Contains); err != nil {
		return err
	}
	n.minContains, n.maxContains = intOr(s.MinContains, -1), intOr(s.MaxContains, -1)
	n.minItems, n.maxItems = intOr(s.MinItems, -1), intOr(s.MaxItems, -1)
	n.unique = s.UniqueItems
	n.arrayKw = n.prefix != nil || n.items != nil || n.contains != nil || n.minItems >= 0 || n.maxItems >= 0 || n.unique
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// compileEnum sorts enum values by kind. Numbers that cannot be read are
// dropped, which only makes the fast path refuse more.
func compileEnum(vals []any) enum {
	e := enum{strs: map[string]bool{}}
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			e.null = true
		case bool:
			if v {
				e.tru = true
			} else {
				e.fls = true
			}
		case string:
			e.strs[v] = true
		case json.Number:
			if x, ok := new(big.Rat).SetString(string(v)); ok {
				e.nums = append(e.nums, newBound(x))
			}
		case float64:
			if x := new(big.Rat); x.SetFloat64(v) != nil {
				e.nums = append(e.nums, newBound(x))
			}
		case []any:
			e.arrays = true
		case map[string]any:
			e.objects = true
		}
	}
	return e
}
