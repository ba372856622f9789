package jsonschema_test

import (
	"fmt"
	"github.com/heraldhq/herald/compat/compattest"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
)

type ruleAt struct{ Rule, Path string }

func violationsAt(vs []compat.Violation) []ruleAt {
	out := []ruleAt{}
	for _, v := range vs {
		out = append(out, ruleAt{v.Rule, v.Path})
	}
	return out
}

func TestCanReadViolations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		writer, reader string
		policy         compat.Policy
		want           []ruleAt
		message        string // a substring of the first violation's message
	}{
		{
			name:    "NestedPathThroughRef",
			writer:  `{"properties":{"home":{"$ref":"#/definitions/a"}},"definitions":{"a":{"properties":{"zip":{"type":"string","maxLength":10}}}}}`,
			reader:  `{"properties":{"home":{"$ref":"#/definitions/a"}},"definitions":{"a":{"properties":{"zip":{"type":"string","maxLength":5}}}}}`,
			want:    []ruleAt{{"MAX_LENGTH_DECREASED", "#/properties/home/properties/zip/maxLength"}},
			message: "from 10 to 5",
		},
		{
			name:    "EscapedPropertyName",
			writer:  `{"properties":{"a/b~c":{"type":"string"}}}`,
			reader:  `{"properties":{"a/b~c":{"type":"number"}}}`,
			want:    []ruleAt{{"TYPE_CHANGED", "#/properties/a~1b~0c"}},
			message: "from string to number",
		},
		{
			name:   "RootPath",
			writer: `{"type":"number"}`,
			reader: `{"type":"integer"}`,
			want:   []ruleAt{{"TYPE_NARROWED", "#/"}},
		},
		{
			name:    "OpenModelStrict",
			writer:  `{"type":"object","properties":{"a":{"type":"string"}}}`,
			reader:  `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
			want:    []ruleAt{{"OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b"}},
			message: `"b"`,
		},
		{
			name:   "OpenModelLenient",
			writer: `{"type":"object","properties":{"a":{"type":"string"}}}`,
			reader: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":false}`,
			policy: compat.Lenient,
			want:   []ruleAt{},
		},
		{
			name:   "LenientStillRefusesRequired",
			writer: `{"type":"object","properties":{"a":{"type":"string"}}}`,
			reader: `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["b"]}`,
			policy: compat.Lenient,
			want:   []ruleAt{{"REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b"}},
		},
		{
			name:   "SeveralViolationsSortedByPath",
			writer: `{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"integer","minimum":0}},"additionalProperties":false}`,
			reader: `{"type":"object","properties":{"a":{"type":"integer","minimum":1}},"additionalProperties":false,"required":["a"]}`,
			want: []ruleAt{
				{"MINIMUM_INCREASED", "#/properties/a/minimum"},
				{"PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/properties/b"},
				{"REQUIRED_ATTRIBUTE_ADDED", "#/required/a"},
			},
		},
		{
			name:   "CombinedBranchPath",
			writer: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`,
			reader: `{"type":"string"}`,
			want:   []ruleAt{{"TYPE_CHANGED", "#/anyOf/1"}},
		},
		{
			name:   "TupleItemPath2020",
			writer: `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"},{"type":"string"}]}`,
			reader: `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"},{"type":"string","maxLength":2}]}`,
			want:   []ruleAt{{"MAX_LENGTH_ADDED", "#/prefixItems/1/maxLength"}},
		},
		{
			name:    "EnumValueRejectedByReader",
			writer:  `{"enum":["a","bcd"]}`,
			reader:  `{"enum":["a"]}`,
			want:    []ruleAt{{"ENUM_ARRAY_NARROWED", "#/enum"}},
			message: `"bcd"`,
		},
		{
			name:   "BooleanSchemas",
			writer: `false`,
			reader: `{"type":"string"}`,
			want:   []ruleAt{},
		},
	}
	f := jsonschema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vs := compattest.CanRead(t, f, mustParse(t, tt.reader), mustParse(t, tt.writer), compat.Options{Policy: tt.policy})
			if got := violationsAt(vs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v\n%v", got, tt.want, vs)
			}
			if tt.message != "" && (len(vs) == 0 || !strings.Contains(vs[0].Message, tt.message)) {
				t.Errorf("first message %v does not contain %q", vs, tt.message)
			}
		})
	}
}

func TestCanReadAcrossReferences(t *testing.T) {
	t.Parallel()
	refs := func(zip string) []compat.Reference {
		return []compat.Reference{{Name: "address.json", Text: `{"type":"object","properties":{"zip":` + zip + `}}`}}
	}
	writer := mustParse(t, `{"properties":{"home":{"$ref":"address.json"}}}`, refs(`{"type":"string"}`)...)
	reader := mustParse(t, `{"properties":{"home":{"$ref":"address.json"}}}`, refs(`{"type":"integer"}`)...)
	same := mustParse(t, `{"properties":{"home":{"$ref":"address.json"}}}`, refs(`{"type":"string"}`)...)
	f := jsonschema.New()
	if got := violationsAt(compattest.CanRead(t, f, reader, writer, compat.Options{})); fmt.Sprint(got) != fmt.Sprint([]ruleAt{{"TYPE_CHANGED", "#/properties/home/properties/zip"}}) {
		t.Errorf("changed reference: got %v", got)
	}
	if vs := compattest.CanRead(t, f, same, writer, compat.Options{}); len(vs) != 0 {
		t.Errorf("same reference text: got %v, want none", vs)
	}
}

func TestCanReadRecursionTerminates(t *testing.T) {
	t.Parallel()
	// Mutually recursive definitions reached through oneOf at every level.
	gen := func(leaf string, n int) string {
		var b strings.Builder
		b.WriteString(`{"$ref":"#/definitions/d0","definitions":{`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"d%d":{"oneOf":[{"type":"%s"},{"type":"object","properties":{"a":{"$ref":"#/definitions/d%d"},"b":{"$ref":"#/definitions/d%d"}}}]}`,
				i, leaf, (i+1)%n, (i+2)%n)
		}
		b.WriteString("}}")
		return b.String()
	}
	f := jsonschema.New()
	w, r := mustParse(t, gen("string", 30)), mustParse(t, gen("string", 30))
	if vs := compattest.CanRead(t, f, r, w, compat.Options{}); len(vs) != 0 {
		t.Errorf("identical recursive schemas: %v", vs)
	}
	r2 := mustParse(t, gen("integer", 30))
	if vs := compattest.CanRead(t, f, r2, w, compat.Options{}); len(vs) == 0 {
		t.Errorf("changed leaf type inside recursion: no violation")
	}
}

func TestCanReadConcurrent(t *testing.T) {
	t.Parallel()
	f := jsonschema.New()
	w := mustParse(t, `{"type":"object","properties":{"a":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/definitions/n"}}}}}`)
	r := mustParse(t, `{"type":"object","properties":{"a":{"$ref":"#/definitions/n"}},"definitions":{"n":{"type":"object","properties":{"v":{"type":"string"},"next":{"$ref":"#/definitions/n"}}}}}`)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if len(compattest.CanRead(t, f, r, w, compat.Options{})) == 0 {
					t.Error("concurrent CanRead lost a violation")
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestRulesDocumented(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range jsonschema.Rules() {
		if r.Format != "JSON" {
			continue
		}
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Purpose == "" || strings.ToUpper(r.ID) != r.ID {
			t.Errorf("rule %+v needs an UPPER_SNAKE id and a purpose", r)
		}
	}
}

// TestMessagesNameReaderAndWriter checks that a rule's message holds in both
// directions: the diff page shows the forward violation of an added property
// (the old version reading the new one's data) next to the word "added", so a
// message saying the property "was removed" contradicted it.
func TestMessagesNameReaderAndWriter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, old, new string
		rule, want     string
	}{
		{
			name: "PropertyAddedReadForward",
			old:  `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
			new:  `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"additionalProperties":false}`,
			rule: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
			want: `property "b" is in the writer's schema but not the reader's closed content model`,
		},
		{
			name: "TupleItemAddedReadForward",
			old:  `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"}],"items":false}`,
			new:  `{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"string"},{"type":"string"}],"items":false}`,
			rule: "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL",
			want: "item 1 is in the writer's tuple but not the reader's closed one",
		},
		{
			name: "PropertyRemovedReadForward",
			old:  `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}}}`,
			new:  `{"type":"object","properties":{"a":{"type":"string"}}}`,
			rule: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
			want: `property "b" is in the reader's schema but not the writer's open content model`,
		},
	}
	f := jsonschema.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Forward: the old version reads data written with the new one.
			vs := compattest.CanRead(t, f, mustParse(t, tt.old), mustParse(t, tt.new), compat.Options{})
			if len(vs) != 1 || vs[0].Rule != tt.rule {
				t.Fatalf("got %v, want one %s", vs, tt.rule)
			}
			if !strings.Contains(vs[0].Message, tt.want) {
				t.Errorf("message %q does not contain %q", vs[0].Message, tt.want)
			}
			for _, word := range []string{"was removed", "was added"} {
				if strings.Contains(vs[0].Message, word) {
					t.Errorf("message %q says %q, which is true in one direction only", vs[0].Message, word)
				}
			}
		})
	}
}
