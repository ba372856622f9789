package web_test

import (
	"io/fs"
	"testing"

	"github.com/heraldhq/herald/web"
)

func TestTemplatesParse(t *testing.T) {
	t.Parallel()
	tmpl, err := web.Templates()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range web.Pages {
		if tmpl[p] == nil || tmpl[p].Lookup("content") == nil || tmpl[p].Lookup("layout.html") == nil {
			t.Errorf("page %s: missing content or layout", p)
		}
	}
	for _, f := range []string{"style.css", "tail.js"} {
		if _, err := fs.Stat(web.Static(), f); err != nil {
			t.Errorf("static %s: %v", f, err)
		}
	}
}

func TestEntityURL(t *testing.T) {
	t.Parallel()
	for kind, want := range map[string]string{"command": "/ui/events/a%20b", "service": "/ui/services/a%20b", "bogus": "/ui/"} {
		if got := web.EntityURL(kind, "a b"); got != want {
			t.Errorf("EntityURL(%s) = %s, want %s", kind, got, want)
		}
	}
}
