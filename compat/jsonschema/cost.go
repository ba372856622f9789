package jsonschema

import (
	"errors"
	"fmt"
	"sync"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// The validator (santhosh-tekuri/jsonschema) follows every path through a schema
// and memoizes nothing. A schema whose definition Li is anyOf two subschemas that
// both lead to L(i-1) makes it try 2^i paths for a value that fails every branch,
// and it keeps an error for each: a 2 KB schema and the payload 42 take gigabytes.
// A valid value passes the first branch at every level, so it costs little.
//
// The library has no hook to stop it, so Herald bounds it in two steps:
//
//   - estimateWithin walks the (subschema, value) pairs the library could visit,
//     assuming every branch is tried, and stops at estimateBudget pairs. It
//     allocates nothing; for ordinary schemas and payloads it finishes far below
//     the bound and the payload is validated with the compiled schema, as before.
//   - Past the bound, the payload is validated with a metered copy of the
//     schema, compiled with a vocabulary that counts the subschemas the library
//     completes and stops it after meterBudget of them. A valid payload usually
//     passes well within that; an invalid one against an adversarial schema
//     stops and is reported as too complex to validate.

// Bounds on validation work, in (subschema, value) pairs.
const (
	// estimateBudget bounds the estimate; below it validation runs unmetered.
	estimateBudget = 1 << 16
	// estimateDepth bounds the estimate's recursion through subschemas that
	// apply to the same value ($ref cycles among them) and nested values.
	estimateDepth = 4096
	// meterBudget bounds the subschemas a metered validation completes. Each
	// keeps at most one error of a hundred bytes or so, so a stopped
	// validation has used a few megabytes.
	meterBudget = 1 << 15
)

// estimateWithin reports whether validating v against s visits at most max
// (subschema, value) pairs even if every applicator tries every subschema.
func estimateWithin(s *sjs.Schema, v any, max int) bool {
	e := estimator{left: max}
	return e.visit(s, v, 0)
}

// estimator counts down the pairs an estimate may still visit.
type estimator struct{ left int }

// visit counts s applied to v and everything it applies below; false means the
// budget or estimateDepth ran out.
func (e *estimator) visit(s *sjs.Schema, v any, depth int) bool {
	if s == nil {
		return true
	}
	e.left--
	if e.left < 0 || depth > estimateDepth {
		return false
	}
	if s.Bool != nil {
		return true
	}
	depth++
	// Subschemas that apply to v itself. (No slice literals here: the
	// estimate runs before every validation and must not allocate.)
	if !e.visit(s.Ref, v, depth) || !e.visit(s.RecursiveRef, v, depth) || !e.visit(dynamicRef(s), v, depth) ||
		!e.visit(s.Not, v, depth) || !e.visit(s.If, v, depth) || !e.visit(s.Then, v, depth) || !e.visit(s.Else, v, depth) ||
		!e.each(s.AllOf, v, depth) || !e.each(s.AnyOf, v, depth) || !e.each(s.OneOf, v, depth) {
		return false
	}
	switch v := v.(type) {
	case map[string]any:
		return e.object(s, v, depth)
	case []any:
		return e.array(s, v, depth)
	}
	return true
}

// each visits every schema of xs with v.
func (e *estimator) each(xs []*sjs.Schema, v any, depth int) bool {
	for _, x := range xs {
		if !e.visit(x, v, depth) {
			return false
		}
	}
	return true
}

func (e *estimator) object(s *sjs.Schema, obj map[string]any, depth int) bool {
	for key, dep := range s.Dependencies {
		if x, ok := dep.(*sjs.Schema); ok {
			if _, present := obj[key]; present && !e.visit(x, obj, depth) {
				return false
			}
		}
	}
	for key, x := range s.DependentSchemas {
		if _, ok := obj[key]; ok && !e.visit(x, obj, depth) {
			return false
		}
	}
	for name, pv := range obj {
		matched := false
		if x, ok := s.Properties[name]; ok {
			matched = true
			if !e.visit(x, pv, depth) {
				return false
			}
		}
		for re, x := range s.PatternProperties {
			if re.MatchString(name) {
				matched = true
				if !e.visit(x, pv, depth) {
					return false
				}
			}
		}
		if x, ok := s.AdditionalProperties.(*sjs.Schema); ok && !matched && !e.visit(x, pv, depth) {
			return false
		}
		if !e.visit(s.UnevaluatedProperties, pv, depth) {
			return false
		}
		// A property name is validated as a string; boxing it allocates, so
		// only when a propertyNames schema needs it.
		if s.PropertyNames != nil && !e.visit(s.PropertyNames, name, depth) {
			return false
		}
	}
	return true
}

func (e *estimator) array(s *sjs.Schema, arr []any, depth int) bool {
	for i, item := range arr {
		var x *sjs.Schema
		switch items := s.Items.(type) {
		case *sjs.Schema:
			x = items
		case []*sjs.Schema:
			if i < len(items) {
				x = items[i]
			} else if a, ok := s.AdditionalItems.(*sjs.Schema); ok {
				x = a
			}
		}
		if i < len(s.PrefixItems) {
			x = s.PrefixItems[i]
		} else if s.Items2020 != nil {
			x = s.Items2020
		}
		if !e.visit(x, item, depth) || !e.visit(s.Contains, item, depth) || !e.visit(s.UnevaluatedItems, item, depth) {
			return false
		}
	}
	return true
}

// errValidationTooComplex stops a metered validation. The meter panics with it
// from inside the library, which offers no other way out of a validation, and
// Schema.validateValue recovers it; it never leaves this package.
var errValidationTooComplex = errors.New("validation too complex")

// problemTooComplex is the message of a payload whose validation was stopped.
var problemTooComplex = fmt.Sprintf("the payload is too complex to validate against this schema: it would take more than %d subschema checks (the schema applies shared definitions along many paths)", meterBudget)

// meter is a copy of a compiled schema whose every subschema counts its
// completed validations against a budget. A meter is used by one validation at
// a time: Schema.meters hands it out.
type meter struct {
	root  *sjs.Schema
	steps int
	max   int
}

// Validate is the meter's schema extension, called by the library after each
// subschema with keywords has been validated.
func (m *meter) Validate(*sjs.ValidatorContext, any) {
	m.steps++
	if m.steps > m.max {
		panic(errValidationTooComplex)
	}
}

// meterVocabulary is the URL of the vocabulary that attaches a meter to every
// subschema. It declares no keywords.
const meterVocabulary = "urn:herald:meter"

// newMeter compiles a metered copy of s from the documents it was built from.
func (s *forms) newMeter() (*meter, error) {
	m := &meter{max: meterBudget}
	c := sjs.NewCompiler()
	c.DefaultDraft(sjs.Draft7)
	c.UseLoader(noLoader{})
	c.RegisterVocabulary(&sjs.Vocabulary{
		URL: meterVocabulary,
		Compile: func(*sjs.CompilerContext, map[string]any) (sjs.SchemaExt, error) {
			return m, nil
		},
	})
	// Drafts from 2019-09 on run only the vocabularies their meta-schema
	// declares; the meter must run in every one.
	c.AssertVocabs()
	for u, d := range s.documents() {
		if err := c.AddResource(u, d); err != nil {
			return nil, err
		}
	}
	root, err := c.Compile(rootURL)
	if err != nil {
		return nil, err
	}
	m.root = root
	return m, nil
}

// noLoader refuses every URL: a metered copy is built only from documents
// that were already loaded once.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: %w", url, errNotSupplied)
}

// meters hands out metered copies of one schema, built on first need.
type meters struct {
	pool sync.Pool // of *meter
}

// validateMetered validates v with a metered copy of s. It returns
// errValidationTooComplex when the meter ran out.
func (s *forms) validateMetered(v any) (err error) {
	m, _ := s.meters.pool.Get().(*meter)
	if m == nil {
		if m, err = s.newMeter(); err != nil {
			return err
		}
	}
	m.steps = 0
	defer func() {
		if r := recover(); r != nil {
			if r != errValidationTooComplex { //nolint:errorlint // the panic value is the sentinel itself, never wrapped
				panic(r)
			}
			err = errValidationTooComplex
		}
		s.meters.pool.Put(m)
	}()
	return m.root.Validate(v)
}
