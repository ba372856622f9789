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

func TestEntityURLKinds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, kind, id, want string }{
		{"EventKindsShareEventPages", "command", "place-order", "/ui/events/place-order"},
		{"SubjectWithSlashStaysOneSegment", "subject", "a/b.proto", "/ui/subjects/a%2Fb.proto"},
		{"QualifiedSubject", "subject", ":.staging:x", "/ui/subjects/:.staging:x"},
		{"Topic", "topic", "order-placed", "/ui/topics/order-placed"},
		{"UndeclaredClient", "client", "herald cli", "/ui/clients/herald%20cli"},
		{"UnknownKindGoesHome", "widget", "x", "/ui/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := web.EntityURL(tc.kind, tc.id); got != tc.want {
				t.Errorf("EntityURL(%q, %q) = %q, want %q", tc.kind, tc.id, got, tc.want)
			}
		})
	}
}

func TestBytesFunc(t *testing.T) {
	t.Parallel()
	f := web.Funcs["bytes"].(func(int64) string)
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := f(n); got != want {
			t.Errorf("bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	conformance := web.Funcs["conformance"].(func(int64, int64) string)
	for _, c := range []struct {
		accepted, refused int64
		want              string
	}{
		{0, 0, "—"}, {5, 0, "100%"}, {0, 3, "0%"}, {1, 1, "50%"}, {2, 1, "66.7%"},
		{99999, 1, "99.9%"}, {1, 99999, "0.1%"}, {3, 1, "75%"},
	} {
		if got := conformance(c.accepted, c.refused); got != c.want {
			t.Errorf("conformance(%d, %d) = %q, want %q", c.accepted, c.refused, got, c.want)
		}
	}
}
