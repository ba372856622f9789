package textpos_test

import (
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/textpos"
)

func TestList(t *testing.T) {
	t.Parallel()
	one := []textpos.Problem{{File: "f", Line: 1, Column: 2, Message: "x"}}
	if got, want := textpos.List("catalog", one), "catalog has 1 error: f:1:2: x"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
	two := append(one, textpos.Problem{Message: "y"})
	if got, want := textpos.List("auth file", two), "auth file has 2 errors: f:1:2: x; y"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestProblemString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    textpos.Problem
		want string
	}{
		{textpos.Problem{File: "a.yaml", Line: 3, Column: 7, Message: "bad"}, "a.yaml:3:7: bad"},
		{textpos.Problem{File: "a.yaml", Message: "bad"}, "a.yaml: bad"},
		{textpos.Problem{Line: 2, Column: 1, Message: "bad"}, "2:1: bad"},
		{textpos.Problem{Message: "bad"}, "bad"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestWritePlaceAppends(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("prefix ")
	textpos.WritePlace(&b, "", 0, 0)
	textpos.WritePlace(&b, "f", 0, 0)
	if got := b.String(); got != "prefix f: " {
		t.Errorf("got %q: an empty place must add nothing, even after other text", got)
	}
}
