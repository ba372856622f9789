package jsonschema_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/jsonschema/compiled"
)

// The compiled validator may only ever answer "certainly valid"; the full
// validator decides everything else and writes the errors. These tests hold
// it to that: it never accepts what the full validator refuses (soundness),
// it accepts what the full validator accepts in the cases it claims
// (completeness), and Validate's errors are the full validator's.

// checkAgreement validates payload both ways and fails t on any disagreement.
// It returns whether the full validator accepted it and whether the compiled
// one did.
// orderFree renders a validation error with the letters of each message
// sorted: the full validator lists some names (additional properties) in map
// order, so two runs of it differ in their order only.
func orderFree(err error) []string {
	if err == nil {
		return nil
	}
	ip, ok := err.(*compat.InvalidPayloadError)
	if !ok {
		return []string{err.Error()}
	}
	var out []string
	for _, p := range ip.Problems {
		m := []rune(p.Message)
		sort.Slice(m, func(i, j int) bool { return m[i] < m[j] })
		out = append(out, p.Path+" "+string(m))
	}
	sort.Strings(out)
	return slices.Compact(out) // the full validator removes duplicates before sorting names
}

func checkAgreement(t *testing.T, s compat.Schema, payload string) (full, fast bool) {
	t.Helper()
	fullErr := jsonschema.FullValidate(s, []byte(payload))
	fast, _ = jsonschema.FastValid(s, []byte(payload))
	if fast && fullErr != nil {
		t.Fatalf("compiled validator accepts %s against %s; the full validator refuses it: %v", payload, s.Canonical(), fullErr)
	}
	got := s.Validate([]byte(payload), compat.EncodingJSON)
	if diff := cmp.Diff(orderFree(fullErr), orderFree(got)); diff != "" {
		t.Fatalf("Validate(%s) against %s differs from the full validator (-full +Validate):\n%s", payload, s.Canonical(), diff)
	}
	return fullErr == nil, fast
}

// linesSchema is the realistic event schema: required, enum,
// minimum, maxLength, formats and an array of line objects.
const linesSchema = `{
  "type": "object",
  "required": ["orderId", "customerId", "status", "placedAt", "currency", "total", "lines"],
  "additionalProperties": false,
  "properties": {
    "orderId": {"type": "string", "format": "uuid"},
    "customerId": {"type": "string", "minLength": 3, "maxLength": 64, "pattern": "^cus_[a-z0-9]+$"},
    "status": {"enum": ["placed", "paid", "shipped", "cancelled"]},
    "placedAt": {"type": "string", "format": "date-time"},
    "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
    "total": {"type": "number", "minimum": 0, "multipleOf": 0.01},
    "note": {"type": "string", "maxLength": 200},
    "shipping": {
      "type": "object",
      "required": ["country", "city"],
      "properties": {
        "country": {"type": "string", "minLength": 2, "maxLength": 2},
        "city": {"type": "string", "maxLength": 100},
        "street": {"type": "string", "maxLength": 200},
        "zip": {"type": "string", "maxLength": 16}
      }
    },
    "lines": {
      "type": "array", "minItems": 1, "maxItems": 100,
      "items": {
        "type": "object",
        "required": ["sku", "quantity", "unitPrice"],
        "additionalProperties": false,
        "properties": {
          "sku": {"type": "string", "maxLength": 32},
          "name": {"type": "string", "maxLength": 120},
          "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
          "unitPrice": {"type": "number", "exclusiveMinimum": 0},
          "discount": {"type": ["number", "null"], "minimum": 0, "maximum": 1}
        }
      }
    }
  }
}`

// linesEvent is compattest.OrderEvent, valid against linesSchema.
func linesEvent(i int) string { return compattest.OrderEvent(i) }

func TestCompiledAgreesWithFull(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, schema string
		valid        []string // both validators accept, the compiled one too
		invalid      []string // the full validator refuses
		deferred     []string // valid, but left to the full validator
	}{
		{name: "OrderEvents", schema: linesSchema,
			valid: []string{linesEvent(1), linesEvent(99)},
			invalid: []string{`{}`, strings.Replace(linesEvent(1), `"paid"`, `"lost"`, 1), strings.Replace(linesEvent(1), `"quantity":3`, `"quantity":3.5`, 1),
				strings.Replace(linesEvent(1), `"total":101.01`, `"total":101.001`, 1), strings.Replace(linesEvent(1), `"DE"`, `"DEU"`, 1),
				strings.Replace(linesEvent(1), `2025-03-14`, `2025-02-30`, 1), strings.Replace(linesEvent(1), `"unitPrice":3.99`, `"unitPrice":0`, 1)},
			deferred: []string{strings.Replace(linesEvent(1), `"customerId"`, `"customerId":"x","customerId"`, 1)}},
		{name: "Types", schema: `{"type":["integer","string","null"]}`,
			valid: []string{`1`, `1.0`, `1e2`, `-0`, `"s"`, `null`, ` 7 `}, invalid: []string{`1.5`, `true`, `{}`, `[]`, `1 2`, `01`, `1.`, `"\x"`, ``}},
		{name: "Numbers", schema: `{"minimum":-1.5,"exclusiveMaximum":100,"multipleOf":0.5}`,
			valid: []string{`-1.5`, `0`, `99.5`, `15e-1`, `"not a number"`}, invalid: []string{`-2`, `100`, `0.25`, `1e3`}},
		{name: "BigNumbers", schema: `{"type":"integer","maximum":100000000000000000000000}`,
			valid: []string{`99999999999999999999999`, `1`}, invalid: []string{`100000000000000000000001`, `0.5`}},
		{name: "HugeExponent", schema: `{"type":"integer"}`, invalid: []string{`1.5`}, deferred: []string{`1e500`}},
		{name: "Strings", schema: `{"minLength":2,"maxLength":3,"pattern":"^a"}`,
			valid: []string{`"ab"`, `"aéé"`, `"a\u00e9"`, `"a\ud83d\ude00"`, `5`}, invalid: []string{`"a"`, `"abcd"`, `"ba"`, `"a\u0000bcd"`},
			deferred: []string{`"a\ud800"`, "\"a\xff\""}},
		{name: "EnumAndConst", schema: `{"enum":[1,"a",null,true,{"k":1}],"not":{"const":"a"}}`,
			valid: []string{`1`, `1.0`, `null`, `true`}, invalid: []string{`"a"`, `2`, `false`, `{"k":2}`}, deferred: []string{`{"k":1}`}},
		{name: "Objects", schema: `{"type":"object","properties":{"a":{"type":"string"}},"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false,"required":["a"],"minProperties":1,"maxProperties":3,"propertyNames":{"maxLength":3}}`,
			valid: []string{`{"a":"s"}`, `{"a":"s","x-1":2}`, `{"\u0061":"s"}`}, invalid: []string{`{}`, `{"a":1}`, `{"a":"s","b":1}`, `{"a":"s","x-1":"s"}`, `{"a":"s","x-11":1}`, `{"a":"s","x-1":1,"x-2":2,"x-3":3}`, `[]`},
			deferred: []string{`{"a":1,"a":"s"}`, `{"\u0061":"s","x-1":1}`}},
		{name: "Dependencies", schema: `{"dependencies":{"a":["b"],"c":{"required":["d"]}}}`,
			valid: []string{`{}`, `{"a":1,"b":2}`, `{"c":1,"d":2}`}, invalid: []string{`{"a":1}`, `{"c":1}`}},
		{name: "DependentKeywords", schema: `{"$schema":"https://json-schema.org/draft/2020-12/schema","dependentRequired":{"a":["b"]},"dependentSchemas":{"c":{"maxProperties":1}}}`,
			valid: []string{`{"a":1,"b":2}`, `{"c":1}`}, invalid: []string{`{"a":1}`, `{"c":1,"d":2}`}},
		{name: "Arrays2020", schema: `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":{"type":"integer"},"contains":{"const":2},"minContains":1,"maxContains":2,"uniqueItems":true,"maxItems":4}`,
			valid: []string{`["a",2]`, `["a",1,2]`}, invalid: []string{`[2]`, `[]`, `["a"]`, `["a",2,2]`, `[1,2]`, `["a",2,1.5]`, `["a",1,2,3,4]`, `["a",2.0,2]`}},
		{name: "ArraysDraft7", schema: `{"items":[{"type":"string"}],"additionalItems":false,"minItems":1}`,
			valid: []string{`["a"]`}, invalid: []string{`[]`, `["a",1]`, `[1]`}},
		{name: "UniqueComposite", schema: `{"uniqueItems":true}`,
			valid: []string{`[1,"1",true,null]`, `[]`}, invalid: []string{`[1,1.0]`, `[{"a":1},{"a":1}]`}, deferred: []string{`[{"a":1},{"a":2}]`}},
		{name: "Applicators", schema: `{"oneOf":[{"type":"string"},{"type":"integer"},{"type":"number","minimum":10}],"anyOf":[{"maxLength":2},{"type":"number"}],"not":{"const":"no"},"if":{"type":"integer"},"then":{"maximum":5},"else":{"minLength":1}}`,
			valid: []string{`"ab"`, `3`, `10.5`}, invalid: []string{`12`, `"abc"`, `"no"`, `""`, `true`}},
		{name: "Refs", schema: `{"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"},"v":{"type":"integer"}}}},"$ref":"#/$defs/node"}`,
			valid: []string{`{"v":1,"next":{"v":2,"next":{}}}`}, invalid: []string{`{"next":{"next":{"v":"x"}}}`}},
		{name: "Formats", schema: `{"properties":{"d":{"format":"date"},"t":{"format":"time"},"dt":{"format":"date-time"},"u":{"format":"uuid"},"e":{"format":"email"},"h":{"format":"hostname"},"i":{"format":"ipv4"}}}`,
			valid:   []string{`{"d":"2024-02-29","t":"23:59:59.5+01:00","dt":"2024-01-01t00:00:00z","u":"550E8400-e29b-41d4-a716-446655440000","e":"a.b+c@d-e.f","h":"a-1.b","i":"10.0.0.1"}`, `{"e":"\"q\"@x.y","h":"a.b."}`, `{"t":"23:59:60Z","d":5}`},
			invalid: []string{`{"d":"2023-02-29"}`, `{"t":"24:00:00Z"}`, `{"dt":"2024-01-01 00:00:00Z"}`, `{"u":"550e8400e29b41d4a716446655440000"}`, `{"e":"nope"}`, `{"e":"a..b@c"}`, `{"h":"-a.b"}`, `{"i":"10.0.0"}`, `{"t":"12:00:60Z"}`}},
		{name: "FalseAndTrue", schema: `{"properties":{"a":false,"b":true}}`, valid: []string{`{"b":[1,{"x":[]}]}`}, invalid: []string{`{"a":null}`, `{"b":[1,}`}},
		{name: "RefCycle", schema: `{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}`, invalid: []string{`1`}},
		{name: "Draft4", schema: `{"$schema":"http://json-schema.org/draft-04/schema#","properties":{"n":{"minimum":1,"exclusiveMinimum":true}},"definitions":{"x":{"type":"string"}}}`,
			valid: []string{`{"n":1.5}`}, invalid: []string{`{"n":1}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, c.schema)
			if !s.(*jsonschema.Schema).Compiled() {
				t.Fatalf("schema falls back to the full validator")
			}
			for _, p := range c.valid {
				if full, fast := checkAgreement(t, s, p); !full || !fast {
					t.Errorf("valid %s: full validator %v, compiled %v; want both true", p, full, fast)
				}
			}
			for _, p := range c.invalid {
				if full, _ := checkAgreement(t, s, p); full {
					t.Errorf("invalid %s: the full validator accepts it", p)
				}
			}
			for _, p := range c.deferred {
				if full, fast := checkAgreement(t, s, p); !full || fast {
					t.Errorf("deferred %s: full validator %v, compiled %v; want true, false", p, full, fast)
				}
			}
		})
	}
}

func TestCompiledFallsBackForUnclaimedKeywords(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"UnevaluatedProperties": `{"$schema":"https://json-schema.org/draft/2020-12/schema","unevaluatedProperties":false}`,
		"DynamicRef":            `{"$schema":"https://json-schema.org/draft/2020-12/schema","$dynamicAnchor":"n","items":{"$dynamicRef":"#n"}}`,
		"RecursiveRef":          `{"$schema":"https://json-schema.org/draft/2019-09/schema","$recursiveAnchor":true,"items":{"$recursiveRef":"#"}}`,
	} {
		t.Run(name+"UsesTheFullValidator", func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, text)
			before := jsonschema.Stats().FallbackSchemas
			if s.(*jsonschema.Schema).Compiled() {
				t.Fatal("compiled; want the full validator")
			}
			if after := jsonschema.Stats().FallbackSchemas; after <= before {
				t.Errorf("FallbackSchemas %d -> %d; want it counted", before, after)
			}
			if _, compiled := jsonschema.FastValid(s, []byte(`{}`)); compiled {
				t.Error("FastValid has a compiled validator")
			}
		})
	}
}

// TestCompiledValidAllocatesNothing pins the fast path's promise: no
// allocation for a valid payload.
func TestCompiledValidAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	s := mustParse(t, linesSchema)
	payload := []byte(linesEvent(7))
	if ok, _ := jsonschema.FastValid(s, payload); !ok {
		t.Fatal("the order event is not accepted by the compiled validator")
	}
	if n := testing.AllocsPerRun(200, func() { _ = s.Validate(payload, compat.EncodingJSON) }); n != 0 {
		t.Errorf("Validate of a valid order event: %v allocations, want 0", n)
	}
}

// TestCompiledWorkIsBounded checks that adversarial schemas stop at the
// budget (and the full validator then answers within its own bound).
func TestCompiledWorkIsBounded(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, schema, payload string
	}{
		{"AnyOfFanOutInvalid", compattest.JSONSchemaAnyOf(40, "string"), `42`},
		{"FanOutDeepInstance", compattest.JSONSchemaFanOut(40, "string"), compattest.NestedJSON(30, `"x"`)},
		{"DeepNesting", `{"items":{"$ref":"#"}}`, strings.Repeat("[", 5000) + strings.Repeat("]", 5000)},
	} {
		t.Run(c.name+"StaysWithinBudget", func(t *testing.T) {
			t.Parallel()
			s := mustParse(t, c.schema)
			steps, within := jsonschema.FastSteps(s, []byte(c.payload))
			budget := compiled.BudgetBase + compiled.BudgetPerByte*len(c.payload)
			if steps > budget+1 {
				t.Errorf("%d steps, budget %d", steps, budget)
			}
			_ = within
			checkAgreement(t, s, c.payload)
		})
	}
	t.Run("ValidFanOutIsLinear", func(t *testing.T) {
		t.Parallel()
		s := mustParse(t, compattest.JSONSchemaAnyOf(40, "string"))
		steps, within := jsonschema.FastSteps(s, []byte(`"x"`))
		if !within || steps > 200 {
			t.Errorf("%d steps (within %v) for a valid value through 40 levels; want about 2 per level", steps, within)
		}
	})
}

// gen builds random schemas and instances from a small vocabulary, so that
// they meet often enough to exercise both verdicts.
type gen struct {
	r      *rand.Rand
	draft7 bool
	defs   int
}

var (
	genNames    = []string{"a", "b", "c", "ab", "x-1"}
	genStrings  = []string{"", "a", "a-b.c", "-a.b", "a..b@c", "\"q\"@x.y", "ab", "abc", "é", "a\"b", "2024-01-02", "2024-02-30", "2024-01-02T03:04:05Z", "12:00:00+01:00", "550e8400-e29b-41d4-a716-446655440000", "x@y.z", "10.1.2.3"}
	genNumbers  = []string{"0", "1", "-1", "2", "3", "1.5", "2.0", "-0.25", "10", "1e2", "0.1", "7"}
	genPatterns = []string{"^a", "b$", "^[a-c]+$", "é"}
	genFormats  = []string{"date", "date-time", "time", "uuid", "email", "hostname", "ipv4"}
	genTypes    = []string{"null", "boolean", "integer", "number", "string", "array", "object"}
)

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) scalar() any {
	switch g.r.IntN(4) {
	case 0:
		return nil
	case 1:
		return g.r.IntN(2) == 0
	case 2:
		return json.Number(g.pick(genNumbers))
	}
	return g.pick(genStrings)
}

// distinct returns up to n scalars that differ as JSON values.
func (g *gen) distinct(n int) []any {
	var out []any
	seen := map[string]bool{}
	for range n {
		v := g.scalar()
		k := fmt.Sprint(v)
		if x, ok := v.(json.Number); ok {
			f, _ := x.Float64()
			k = fmt.Sprint("n", f)
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func (g *gen) value(depth int) any {
	if depth > 2 || g.r.IntN(3) > 0 {
		return g.scalar()
	}
	if g.r.IntN(2) == 0 {
		arr := make([]any, g.r.IntN(4))
		for i := range arr {
			arr[i] = g.value(depth + 1)
		}
		return arr
	}
	obj := map[string]any{}
	for range g.r.IntN(4) {
		obj[g.pick(genNames)] = g.value(depth + 1)
	}
	return obj
}

func (g *gen) list(depth, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = g.schema(depth + 1)
	}
	return out
}

func (g *gen) schema(depth int) any {
	if g.r.IntN(12) == 0 {
		return g.r.IntN(3) > 0
	}
	s := map[string]any{}
	n := 1 + g.r.IntN(3)
	if depth > 2 {
		n = 1
	}
	for range n {
		switch k := g.r.IntN(30); {
		case k < 3:
			if g.r.IntN(2) == 0 {
				s["type"] = g.pick(genTypes)
			} else {
				a, b := g.r.IntN(len(genTypes)), g.r.IntN(len(genTypes)-1)
				if b >= a {
					b++
				}
				s["type"] = []any{genTypes[a], genTypes[b]}
			}
		case k == 3:
			s["enum"] = g.distinct(3)
		case k == 4:
			s["const"] = g.scalar()
		case k == 5:
			s["minLength"], s["maxLength"] = g.r.IntN(3), 1+g.r.IntN(3)
		case k == 6:
			s["pattern"] = g.pick(genPatterns)
		case k == 7:
			s["format"] = g.pick(genFormats)
		case k == 8:
			s["minimum"], s["exclusiveMaximum"] = json.Number(g.pick(genNumbers)), json.Number(g.pick(genNumbers))
		case k == 9:
			s["multipleOf"] = json.Number(g.pick([]string{"1", "0.5", "2", "0.1", "3"}))
		case k < 13 && depth < 3:
			props := map[string]any{}
			for range 1 + g.r.IntN(2) {
				props[g.pick(genNames)] = g.schema(depth + 1)
			}
			s["properties"] = props
			if g.r.IntN(2) == 0 {
				s["required"] = []any{g.pick(genNames)}
			}
		case k == 13 && depth < 3:
			if g.r.IntN(2) == 0 {
				s["additionalProperties"] = false
			} else {
				s["additionalProperties"] = g.schema(depth + 1)
			}
		case k == 14 && depth < 3:
			s["patternProperties"] = map[string]any{g.pick(genPatterns): g.schema(depth + 1)}
		case k == 15:
			s["propertyNames"] = map[string]any{"maxLength": 1}
			s["minProperties"], s["maxProperties"] = g.r.IntN(2), 1+g.r.IntN(3)
		case k < 18 && depth < 3:
			if g.draft7 && g.r.IntN(2) == 0 {
				s["items"] = g.list(depth, 1+g.r.IntN(2))
				s["additionalItems"] = g.schema(depth + 1)
			} else if !g.draft7 && g.r.IntN(2) == 0 {
				s["prefixItems"] = g.list(depth, 1+g.r.IntN(2))
				s["items"] = g.schema(depth + 1)
			} else {
				s["items"] = g.schema(depth + 1)
			}
		case k == 18 && depth < 3:
			s["contains"] = g.schema(depth + 1)
			if !g.draft7 && g.r.IntN(2) == 0 {
				s["minContains"], s["maxContains"] = g.r.IntN(2), 1+g.r.IntN(2)
			}
		case k == 19:
			s["minItems"], s["maxItems"], s["uniqueItems"] = g.r.IntN(2), 1+g.r.IntN(3), g.r.IntN(2) == 0
		case k < 23 && depth < 3:
			s[g.pick([]string{"allOf", "anyOf", "oneOf"})] = g.list(depth, 1+g.r.IntN(3))
		case k == 23 && depth < 3:
			s["not"] = g.schema(depth + 1)
		case k == 24 && depth < 3:
			s["if"], s["then"], s["else"] = g.schema(depth+1), g.schema(depth+1), g.schema(depth+1)
		case k == 25 && depth < 3:
			if g.draft7 {
				s["dependencies"] = map[string]any{g.pick(genNames): []any{g.pick(genNames)}, g.pick(genNames): g.schema(depth + 1)}
			} else {
				s["dependentRequired"] = map[string]any{g.pick(genNames): []any{g.pick(genNames)}}
				s["dependentSchemas"] = map[string]any{g.pick(genNames): g.schema(depth + 1)}
			}
		case k == 26 && g.defs > 0:
			s["$ref"] = fmt.Sprintf("#/%s/d%d", g.defsKey(), g.r.IntN(g.defs))
		}
	}
	return s
}

func (g *gen) defsKey() string {
	if g.draft7 {
		return "definitions"
	}
	return "$defs"
}

// root returns a schema with definitions that refer only to earlier ones.
func (g *gen) root() string {
	defs := map[string]any{}
	g.defs = 0
	for i := range g.r.IntN(3) {
		defs[fmt.Sprintf("d%d", i)] = g.schema(1)
		g.defs = i + 1
	}
	s, ok := g.schema(0).(map[string]any)
	if !ok {
		s = map[string]any{"not": map[string]any{"type": "null"}}
	}
	if len(defs) > 0 {
		s[g.defsKey()] = defs
	}
	if g.draft7 {
		s["$schema"] = "http://json-schema.org/draft-07/schema#"
	} else {
		s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestCompiledDifferential runs the compiled and the full validator on
// generated schemas × generated instances: the compiled one never accepts
// what the full one refuses, Validate's errors are the full one's, and the
// compiled one accepts almost all that the full one accepts (the rest is
// what it leaves to the full validator by design, such as uniqueItems over
// objects).
func TestCompiledDifferential(t *testing.T) {
	t.Parallel()
	schemas, instances := 3000, 12
	if testing.Short() {
		schemas = 300
	}
	r := rand.New(rand.NewPCG(12, 34))
	fullValid, fastValid, unparsed := 0, 0, 0
	var misses []string
	for i := range schemas {
		g := &gen{r: r, draft7: i%2 == 1}
		text := g.root()
		s, err := jsonschema.New().Parse(text, nil)
		if err != nil {
			unparsed++ // such as an enum that repeats a value
			continue
		}
		for range instances {
			b, err := json.Marshal(g.value(0))
			if err != nil {
				t.Fatal(err)
			}
			full, fast := checkAgreement(t, s, string(b))
			if full {
				fullValid++
				if fast {
					fastValid++
				} else if len(misses) < 10 {
					misses = append(misses, fmt.Sprintf("%s against %s", b, text))
				}
			}
		}
	}
	if unparsed > schemas/10 {
		t.Fatalf("%d of %d generated schemas do not parse", unparsed, schemas)
	}
	sort.Strings(misses)
	t.Logf("full validator accepted %d instances, the compiled one %d", fullValid, fastValid)
	if fullValid == 0 || float64(fastValid) < 0.999*float64(fullValid) {
		t.Errorf("compiled validator accepts %d of the %d instances the full one accepts; want ≥ 97%%; some:\n%s", fastValid, fullValid, strings.Join(misses, "\n"))
	}
}

// FuzzCompiledEqualsFull holds the compiled validator to soundness and the
// errors to the full validator's on arbitrary schemas and payloads.
func FuzzCompiledEqualsFull(f *testing.F) {
	payloads := []string{`{}`, `{"a":"abcd"}`, `[1,[2,[3]]]`, `12.5e3`, `"x-y"`, `null`, `{"k":"a","a":1}`, `{"a":1,"c":2,"x-1":"s"}`, `{"a":`, ``, `[1,1.0]`, `{"a":1,"a":"s"}`}
	for i, s := range fuzzSchemas {
		f.Add(s, payloads[i%len(payloads)])
	}
	f.Add(linesSchema, linesEvent(3))
	f.Fuzz(func(t *testing.T, schema, payload string) {
		s, err := jsonschema.New().Parse(schema, nil)
		if err != nil {
			return
		}
		checkAgreement(t, s, payload)
	})
}
