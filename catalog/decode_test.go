package catalog

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDecoderKeysFollowTags pins the keys each catalog type accepts, in the order
// "(allowed: ...)" lists them: the tags are the only place they are written.
func TestDecoderKeysFollowTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[Document](), []string{"teams", "domains", "services", "events", "flows"}},
		{reflect.TypeFor[Team](), []string{"id", "name", "description", "email", "chat", "members"}},
		{reflect.TypeFor[Domain](), []string{"id", "name", "description", "parent", "owners", "tags"}},
		{reflect.TypeFor[Application](), []string{"id", "name", "description", "domain", "owners", "tags", "repository", "external", "sends", "receives"}},
		{reflect.TypeFor[Message](), []string{"event", "fields"}},
		{reflect.TypeFor[Event](), []string{"id", "name", "kind", "domain", "subject", "topic", "description", "owners", "tags", "examples", "deprecated"}},
		{reflect.TypeFor[Example](), []string{"name", "description", "value"}},
		{reflect.TypeFor[Deprecation](), []string{"date", "message", "replacement"}},
		{reflect.TypeFor[Flow](), []string{"id", "name", "description", "domain", "owners", "tags", "steps"}},
		{reflect.TypeFor[stepJSON](), []string{"id", "title", "service", "sends", "receives", "next", "end"}},
		{reflect.TypeFor[Branch](), []string{"step", "label", "when"}},
	} {
		t.Run(tc.typ.Name(), func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, infoOf(tc.typ).allowed); diff != "" {
				t.Errorf("keys of %s (-want +got):\n%s", tc.typ, diff)
			}
		})
	}
}

// gadget is a type the catalog does not have, to show that a field of each kind
// the decoder fills is one tagged line.
type gadget struct {
	Name     string            `yaml:"name,required,short"`
	Count    int               `yaml:"count,omitempty"`
	Big      int64             `yaml:"big,omitempty"`
	On       bool              `yaml:"on,omitempty,also=enabled"`
	Labels   []string          `yaml:"labels,omitempty"`
	Parts    []gadget          `yaml:"parts,omitempty"`
	Extra    string            `yaml:"extra,omitempty,under=parts"`
	Kind     Kind              `yaml:"kind,omitempty"`
	Inner    *Deprecation      `yaml:"inner,omitempty,bool"`
	Raw      []byte            `yaml:"-"`
	internal map[string]string //nolint:unused // an untagged field the decoder must skip
}

// decodeGadget decodes src into a gadget and returns it with the problems.
func decodeGadget(t *testing.T, src string) (gadget, []string) {
	t.Helper()
	budget := maxTokens
	d := &decoder{file: "g.yaml", src: newSource(), budget: &budget}
	var g gadget
	d.parseInto(t, []byte(src), &g)
	var probs []string
	for _, p := range d.probs {
		probs = append(probs, p.String())
	}
	return g, probs
}

// parseInto is parse for any root type, for tests.
func (d *decoder) parseInto(t *testing.T, data []byte, v any) {
	t.Helper()
	for _, root := range d.roots(data) {
		d.decodeValue(reflect.ValueOf(v).Elem(), root, dctx{key: "gadget", index: -1})
	}
}

func TestDecoderFillsEveryKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		src       string
		want      gadget
		wantProbs []string
	}{
		{
			name: "AllKindsDecoded",
			src:  "name: g\ncount: 3\nbig: 9000000000\nenabled: true\nlabels: one\nkind: query\ninner: true\nparts: [p1, {name: p2, extra: x, parts: [p3]}]\n",
			want: gadget{Name: "g", Count: 3, Big: 9000000000, On: true, Labels: []string{"one"}, Kind: KindQuery, Inner: &Deprecation{},
				Parts: []gadget{{Name: "p1"}, {Name: "p2", Extra: "x", Parts: []gadget{{Name: "p3"}}}}},
		},
		{
			name:      "NotAWholeNumber",
			src:       "name: g\ncount: 1.5\nbig: [1]\n",
			want:      gadget{Name: "g"},
			wantProbs: []string{`g.yaml:2:8: gadget count must be a whole number, got "1.5"`, `g.yaml:3:6: gadget big must be a whole number, got a list`},
		},
		{
			name:      "RequiredMissing",
			src:       "count: 1\n",
			want:      gadget{Count: 1},
			wantProbs: []string{`g.yaml:1:1: gadget entry has no name`},
		},
		{
			name:      "KeyOnlyUnderItsList",
			src:       "name: g\nextra: x\n",
			want:      gadget{Name: "g"},
			wantProbs: []string{`g.yaml:2:1: gadget entry: unknown field "extra" (allowed: name, count, big, on, enabled, labels, parts, kind, inner)`},
		},
		{
			name:      "NestedEntryNamedByItsKey",
			src:       "name: g\nparts: [{name: p, coutn: 2}]\n",
			want:      gadget{Name: "g", Parts: []gadget{{Name: "p"}}},
			wantProbs: []string{`g.yaml:2:19: parts entry: unknown field "coutn" (did you mean "count"?)`},
		},
		{
			name:      "BadTextValue",
			src:       "name: g\nkind: fact\ninner: maybe\n",
			want:      gadget{Name: "g"},
			wantProbs: []string{`g.yaml:2:7: unknown kind "fact": want event, command or query`, `g.yaml:3:8: deprecated must be true or false, got "maybe"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, probs := decodeGadget(t, tc.src)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(gadget{})); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantProbs, probs); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecoderRefusesTagsItCannotFollow checks that a tag the decoder does not
// understand stops the first decode of its type, naming the field.
func TestDecoderRefusesTagsItCannotFollow(t *testing.T) {
	t.Parallel()
	type unknownOption struct {
		A string `yaml:"a,sometimes"`
	}
	type mapField struct {
		M map[string]string `yaml:"m"`
	}
	type boolOnString struct {
		S string `yaml:"s,bool"`
	}
	for _, tc := range []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"UnknownOption", reflect.TypeFor[unknownOption](), `unknownOption.A: unknown yaml tag option "sometimes"`},
		{"MapField", reflect.TypeFor[mapField](), "mapField.M: the YAML decoder cannot fill a map[string]string"},
		{"BoolOnString", reflect.TypeFor[boolOnString](), "boolOnString.S: the YAML decoder cannot fill a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			msg := func() (msg string) {
				defer func() { msg = fmt.Sprint(recover()) }()
				infoOf(tc.typ)
				return ""
			}()
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("infoOf(%s) panic = %q, want it to contain %q", tc.typ, msg, tc.want)
			}
		})
	}
}

func TestParseFilesBounded(t *testing.T) {
	t.Parallel()
	t.Run("FlowNestingRefusedBeforeParsing", func(t *testing.T) {
		t.Parallel()
		deep := "teams: " + strings.Repeat("[", maxFlowDepth+5) + strings.Repeat("]", maxFlowDepth+5) + "\n"
		_, _, err := ParseFiles([]File{{Name: "deep.yaml", Data: deep}})
		want := fmt.Sprintf("deep.yaml:1:%d: document nested too deeply", len("teams: ")+maxFlowDepth+1)
		if err == nil || err.Error() != "catalog has 1 error: "+want {
			t.Fatalf("err = %v, want %s", err, want)
		}
	})
	t.Run("TokenBudgetSharedByFiles", func(t *testing.T) {
		t.Parallel()
		file := "teams:\n" + strings.Repeat("  - id: t\n", 20)
		budget := 150 // the file is about 100 tokens: one fits, two do not
		src := newSource()
		var doc Document
		var probs []Problem
		for _, name := range []string{"a.yaml", "b.yaml"} {
			d := &decoder{file: name, src: src, budget: &budget}
			d.parse([]byte(file), &doc)
			probs = append(probs, d.probs...)
		}
		if len(doc.Teams) != 20 {
			t.Errorf("decoded %d teams, want the 20 of the first file only", len(doc.Teams))
		}
		var msgs []string
		for _, p := range probs {
			msgs = append(msgs, p.String())
		}
		wantDup := `a.yaml:3:5: duplicate team id "t": already defined at a.yaml:2`
		wantBig := fmt.Sprintf("b.yaml:1:1: catalog too large: over %d YAML tokens in all; split it and apply the parts one by one", maxTokens)
		if len(msgs) != 20 || msgs[0] != wantDup || msgs[19] != wantBig {
			t.Errorf("problems = %q, want 19 duplicates then %q", msgs, wantBig)
		}
	})
	t.Run("WholeCatalogOverBudgetIsOneProblem", func(t *testing.T) {
		t.Parallel()
		var b strings.Builder
		b.WriteString("teams: [")
		for i := range maxTokens / 2 {
			fmt.Fprintf(&b, "t%d,", i)
		}
		b.WriteString("]\n")
		_, _, err := ParseFiles([]File{{Name: "big.yaml", Data: b.String()}})
		var ae *ApplyError
		if !errors.As(err, &ae) || len(ae.Problems) != 1 || !strings.Contains(ae.Problems[0].Message, "catalog too large") {
			t.Fatalf("err = %v, want one catalog too large problem", err)
		}
	})
	// A file of many mistakes, in two files so that the kept ones come from
	// both decoders, is answered with the first maxProblems, in file order,
	// and a count of the rest.
	t.Run("ProblemsListedUpToTheCap", func(t *testing.T) {
		t.Parallel()
		file := "teams:\n" + strings.Repeat("  - id: t\n    nmae: x\n", 30)
		files := make([]File, 0, 5)
		for i := range 5 {
			files = append(files, File{Name: fmt.Sprintf("f%d.yaml", i), Data: strings.ReplaceAll(file, "id: t", fmt.Sprintf("id: t%d", i))})
		}
		// Each file: 30 misspelled keys and 29 duplicate ids; 5 files: 295.
		_, _, err := ParseFiles(files)
		var ae *ApplyError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want an *ApplyError", err)
		}
		checkCapped(t, ae.Problems, 295, "f0.yaml")
	})
	t.Run("ValidationProblemsListedUpToTheCap", func(t *testing.T) {
		t.Parallel()
		doc := &Document{}
		for i := range 250 {
			doc.Services = append(doc.Services, Application{ID: fmt.Sprintf("s%03d", i), Sends: []Message{{Event: "nope"}}})
		}
		var ae *ApplyError
		if err := Validate(doc, nil, nil); !errors.As(err, &ae) {
			t.Fatalf("Validate = %v, want an *ApplyError", err)
		}
		checkCapped(t, ae.Problems, 250, "")
	})
}

// checkCapped checks that problems are the first maxProblems of total, the
// first of them in file first, then one that counts the rest.
func checkCapped(t *testing.T, problems []Problem, total int, first string) {
	t.Helper()
	if len(problems) != maxProblems+1 {
		t.Fatalf("%d problems listed, want %d and one that counts the rest", len(problems), maxProblems)
	}
	if problems[0].File != first {
		t.Errorf("first problem %q, want one in %q", problems[0], first)
	}
	want := fmt.Sprintf("and %d more problems, not listed: fix the ones above first", total-maxProblems)
	if last := problems[maxProblems]; last.Message != want || last.File != "" {
		t.Errorf("last problem = %q, want %q", last, want)
	}
}
