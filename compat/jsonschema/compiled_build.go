package jsonschema

import (
	"fmt"
	"regexp"
	"sync/atomic"

	"github.com/heraldhq/herald/compat/jsonschema/compiled"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// Payloads are validated first by the compiled fast path (package compiled),
// built from the full validator's model the first time a schema validates a
// payload. It only ever says "certainly valid"; everything else, and every
// schema it cannot take, goes to the full validator, which writes the errors.

// ValidatorStats counts how JSON Schema payloads were validated since the
// process started.
type ValidatorStats struct {
	// CompiledSchemas and FallbackSchemas count the schemas that got a
	// compiled validator and those that use the full validator only (they use
	// a keyword the compiled one does not cover, such as
	// unevaluatedProperties or $dynamicRef).
	CompiledSchemas, FallbackSchemas uint64
	// FastValid counts payloads the compiled validator accepted;
	// FullValidations those the full validator checked (invalid payloads,
	// undecided ones, and every payload of a fallback schema).
	FastValid, FullValidations uint64
}

var stats struct {
	compiled, fallback, fast, full atomic.Uint64
}

// Stats returns the validation counters.
func Stats() ValidatorStats {
	return ValidatorStats{
		CompiledSchemas: stats.compiled.Load(), FallbackSchemas: stats.fallback.Load(),
		FastValid: stats.fast.Load(), FullValidations: stats.full.Load(),
	}
}

// fastValidator returns the compiled validator of s, built on first use, or
// nil when s falls back to the full validator.
func (s *Schema) fastValidator() *compiled.Validator { return s.forms().fastValidator() }

func (s *forms) fastValidator() *compiled.Validator {
	s.fastOnce.Do(func() {
		v, err := compileFast(s.compiled)
		if err != nil {
			stats.fallback.Add(1)
			return
		}
		stats.compiled.Add(1)
		s.fast = v
	})
	return s.fast
}

// Compiled reports whether s validates payloads with the compiled validator
// (false: with the full validator only), building it if need be.
func (s *Schema) Compiled() bool { return s.fastValidator() != nil }

// compileFast builds the compiled validator of a full-validator schema.
func compileFast(root *sjs.Schema) (*compiled.Validator, error) {
	b := fastBuilder{done: map[*sjs.Schema]*compiled.Schema{}}
	cs, err := b.schema(root)
	if err != nil {
		return nil, err
	}
	return compiled.Compile(cs)
}

type fastBuilder struct {
	done map[*sjs.Schema]*compiled.Schema
}

func (b *fastBuilder) list(xs []*sjs.Schema) ([]*compiled.Schema, error) {
	if len(xs) == 0 {
		return nil, nil
	}
	out := make([]*compiled.Schema, len(xs))
	for i, x := range xs {
		c, err := b.schema(x)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// byName compiles the schemas of a keyword that maps names to schemas
// (properties, dependentSchemas); nil when there are none.
func (b *fastBuilder) byName(xs map[string]*sjs.Schema) (map[string]*compiled.Schema, error) {
	if len(xs) == 0 {
		return nil, nil
	}
	out := make(map[string]*compiled.Schema, len(xs))
	var err error
	for name, x := range xs {
		if out[name], err = b.schema(x); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// boolOrSchema compiles a keyword that is a boolean or a schema, as
// additionalProperties and additionalItems are: false rejects everything,
// true (or no keyword) is no constraint, nil.
func (b *fastBuilder) boolOrSchema(v any) (*compiled.Schema, error) {
	switch v := v.(type) {
	case bool:
		if !v {
			return fastFalse, nil
		}
	case *sjs.Schema:
		return b.schema(v)
	}
	return nil, nil
}

// goRegexp returns the Go regexp behind the full validator's: Herald keeps
// its default engine, regexp.Compile.
func goRegexp(re sjs.Regexp) (*regexp.Regexp, error) {
	if re == nil {
		return nil, nil
	}
	g, ok := re.(*regexp.Regexp)
	if !ok {
		return nil, fmt.Errorf("regexp engine %T: %w", re, compiled.ErrUnsupported)
	}
	return g, nil
}

var fastFalse = func() *compiled.Schema { f := false; return &compiled.Schema{Bool: &f} }()

func (b *fastBuilder) schema(s *sjs.Schema) (*compiled.Schema, error) {
	if s == nil {
		return nil, nil
	}
	if c, ok := b.done[s]; ok {
		return c, nil
	}
	c := &compiled.Schema{}
	b.done[s] = c
	if s.Bool != nil {
		c.Bool = s.Bool
		return c, nil
	}
	switch {
	case s.RecursiveRef != nil, s.DynamicRef != nil:
		return nil, fmt.Errorf("%s: dynamic references: %w", s.Location, compiled.ErrUnsupported)
	case s.UnevaluatedProperties != nil, s.UnevaluatedItems != nil:
		return nil, fmt.Errorf("%s: unevaluated keywords: %w", s.Location, compiled.ErrUnsupported)
	case s.ContentEncoding != nil, s.ContentMediaType != nil, s.ContentSchema != nil:
		return nil, fmt.Errorf("%s: content keywords: %w", s.Location, compiled.ErrUnsupported)
	case len(s.Extensions) > 0:
		return nil, fmt.Errorf("%s: vocabulary extensions: %w", s.Location, compiled.ErrUnsupported)
	}
	var err error
	if s.Types != nil {
		c.Types = s.Types.ToStrings()
	}
	if s.Enum != nil {
		c.Enum, c.HasEnum = s.Enum.Values, true
	}
	c.Const = s.Const
	if f := s.Format; f != nil {
		validate := f.Validate
		c.Format = f.Name
		c.FormatCheck = func(x string) bool { return validate(x) == nil }
	}
	if s.Ref != nil && s.DraftVersion < 2019 {
		// Before 2019-09 the validator checks type, const, enum and format,
		// then the $ref, and ignores every other keyword beside it.
		c.Ref, err = b.schema(s.Ref)
		return c, err
	}
	c.MinLength, c.MaxLength = s.MinLength, s.MaxLength
	if c.Pattern, err = goRegexp(s.Pattern); err != nil {
		return nil, err
	}
	c.Minimum, c.Maximum, c.ExclusiveMinimum, c.ExclusiveMaximum, c.MultipleOf = s.Minimum, s.Maximum, s.ExclusiveMinimum, s.ExclusiveMaximum, s.MultipleOf

	// Object keywords.
	c.Required = s.Required
	if c.Properties, err = b.byName(s.Properties); err != nil {
		return nil, err
	}
	for re, x := range s.PatternProperties {
		g, err := goRegexp(re)
		if err != nil {
			return nil, err
		}
		cx, err := b.schema(x)
		if err != nil {
			return nil, err
		}
		c.PatternProperties = append(c.PatternProperties, compiled.PatternProperty{Pattern: g, Schema: cx})
	}
	if c.AdditionalProperties, err = b.boolOrSchema(s.AdditionalProperties); err != nil {
		return nil, err
	}
	if c.PropertyNames, err = b.schema(s.PropertyNames); err != nil {
		return nil, err
	}
	for name, d := range s.Dependencies {
		switch d := d.(type) {
		case []string:
			c.Dependents = append(c.Dependents, compiled.Dependent{Property: name, Required: d})
		case *sjs.Schema:
			cd, err := b.schema(d)
			if err != nil {
				return nil, err
			}
			c.Dependents = append(c.Dependents, compiled.Dependent{Property: name, Schema: cd})
		}
	}
	c.DependentRequired = s.DependentRequired
	if c.DependentSchemas, err = b.byName(s.DependentSchemas); err != nil {
		return nil, err
	}
	c.MinProperties, c.MaxProperties = s.MinProperties, s.MaxProperties

	// Array keywords: drafts before 2020-12 spell prefixItems as an array
	// "items" and the rest as "additionalItems".
	if s.DraftVersion < 2020 {
		switch items := s.Items.(type) {
		case *sjs.Schema:
			if c.Items, err = b.schema(items); err != nil {
				return nil, err
			}
		case []*sjs.Schema:
			if c.PrefixItems, err = b.list(items); err != nil {
				return nil, err
			}
			if c.Items, err = b.boolOrSchema(s.AdditionalItems); err != nil {
				return nil, err
			}
		}
	} else {
		if c.PrefixItems, err = b.list(s.PrefixItems); err != nil {
			return nil, err
		}
		if c.Items, err = b.schema(s.Items2020); err != nil {
			return nil, err
		}
	}
	if c.Contains, err = b.schema(s.Contains); err != nil {
		return nil, err
	}
	c.MinContains, c.MaxContains = s.MinContains, s.MaxContains
	c.MinItems, c.MaxItems, c.UniqueItems = s.MinItems, s.MaxItems, s.UniqueItems

	// Applicators.
	if c.Ref, err = b.schema(s.Ref); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		dst *[]*compiled.Schema
		src []*sjs.Schema
	}{{&c.AllOf, s.AllOf}, {&c.AnyOf, s.AnyOf}, {&c.OneOf, s.OneOf}} {
		if *l.dst, err = b.list(l.src); err != nil {
			return nil, err
		}
	}
	for _, p := range []struct {
		dst **compiled.Schema
		src *sjs.Schema
	}{{&c.Not, s.Not}, {&c.If, s.If}, {&c.Then, s.Then}, {&c.Else, s.Else}} {
		if *p.dst, err = b.schema(p.src); err != nil {
			return nil, err
		}
	}
	return c, nil
}
