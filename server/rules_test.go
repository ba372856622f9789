package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/rulebook"
)

// ruleEntry is one element of GET /v1/compat/rules.
type ruleEntry struct {
	ID      string `json:"id"`
	Format  string `json:"format"`
	Purpose string `json:"purpose"`
}

func decodeRules(t *testing.T, r result) []ruleEntry {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Rules []ruleEntry `json:"rules"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return body.Rules
}

// wantRules is rulebook.All filtered by keep, in the form the endpoint answers.
func wantRules(keep func(compat.RuleInfo) bool) []ruleEntry {
	var out []ruleEntry
	for _, r := range rulebook.All() {
		if keep(r) {
			out = append(out, ruleEntry{ID: r.ID, Format: r.Format, Purpose: r.Purpose})
		}
	}
	return out
}

func TestCompatRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("AllInListOrder", func(t *testing.T) {
		got := decodeRules(t, e.must(http.StatusOK, "GET", "/v1/compat/rules", ""))
		want := wantRules(func(compat.RuleInfo) bool { return true })
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("rules differ from rulebook.All (-want +got):\n%s", d)
		}
		// The shared rule is listed with an empty format, not without one.
		if !strings.Contains(string(e.must(http.StatusOK, "GET", "/v1/compat/rules", "").body), `"format":""`) {
			t.Error("a shared rule does not carry an empty format")
		}
	})
	for _, format := range []string{"AVRO", "JSON", "PROTOBUF"} {
		t.Run("Format"+format, func(t *testing.T) {
			got := decodeRules(t, e.must(http.StatusOK, "GET", "/v1/compat/rules?format="+format, ""))
			want := wantRules(func(r compat.RuleInfo) bool { return r.Format == format || r.Format == "" })
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rules differ (-want +got):\n%s", d)
			}
			own := 0
			for _, r := range got {
				if r.Format == format {
					own++
				}
			}
			if own == 0 {
				t.Errorf("format=%s lists none of its own rules", format)
			}
		})
	}
	t.Run("EmptyFormatIsNoFilter", func(t *testing.T) {
		if got := decodeRules(t, e.must(http.StatusOK, "GET", "/v1/compat/rules?format=", "")); len(got) != len(rulebook.All()) {
			t.Errorf("format= listed %d rules, want %d", len(got), len(rulebook.All()))
		}
	})
	for _, format := range []string{"XML", "avro", "%3Cb%3E"} {
		t.Run("UnknownFormat400/"+format, func(t *testing.T) {
			r := e.do("GET", "/v1/compat/rules?format="+format, "")
			wantError(t, r, http.StatusBadRequest, 40002, "want AVRO, JSON or PROTOBUF")
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
		})
	}
	t.Run("NoPageWithoutCatalog", func(t *testing.T) {
		e.must(http.StatusNotFound, "GET", "/ui/rules", "")
	})
}

func TestPageRules(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/rules", http.StatusOK)
	expect(t, doc, "title", 1, "Compatibility rules")
	expect(t, doc, `header nav a[href="/ui/rules"][aria-current="page"]`, 1, "Rules")
	expect(t, doc, `a[href="/v1/compat/rules"]`, 1, "")
	// One section per format, in the order the formats first appear in the list.
	var headings []string
	doc.Find("section.rule-group h2").Each(func(_ int, s *goquery.Selection) {
		headings = append(headings, strings.TrimSpace(s.Contents().First().Text()))
	})
	if d := cmp.Diff([]string{"All formats", "Avro", "JSON Schema", "Protobuf"}, headings); d != "" {
		t.Errorf("format sections (-want +got):\n%s", d)
	}
	expect(t, doc, `nav.toc a[href="#format-PROTOBUF"]`, 1, "Protobuf")
	// Every rule is a row anchored at its id, in its format's section, with its
	// id in code and its purpose.
	if n := doc.Find("table.rules tbody tr").Length(); n != len(rulebook.All()) {
		t.Errorf("%d rule rows, want %d", n, len(rulebook.All()))
	}
	section := map[string]string{"": "format-all", "AVRO": "format-AVRO", "JSON": "format-JSON", "PROTOBUF": "format-PROTOBUF"}
	for _, r := range rulebook.All() {
		row := doc.Find("section#" + section[r.Format] + " tr#" + r.ID)
		if row.Length() != 1 {
			t.Errorf("rule %s: %d rows in section %s, want 1", r.ID, row.Length(), section[r.Format])
			continue
		}
		if got := row.Find(`a[href="#` + r.ID + `"] code`).Text(); got != r.ID {
			t.Errorf("rule %s: id cell %q", r.ID, got)
		}
		if got := row.Find("td").Eq(1).Text(); got != r.Purpose {
			t.Errorf("rule %s: purpose %q, want %q", r.ID, got, r.Purpose)
		}
	}
	// Other pages link to it from the navigation too.
	expect(t, e.page("/ui/events", http.StatusOK), `header nav a[href="/ui/rules"]:not([aria-current])`, 1, "Rules")
}

func TestPageDiffLinksRules(t *testing.T) {
	t.Parallel()
	e := newCatalogEnv(t)
	doc := e.page("/ui/events/order-placed/diff?from=3&to=1", http.StatusOK)
	const rule = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
	expect(t, doc, `tr.change.breaking .rule a[href="/ui/rules#`+rule+`"] code`, 1, rule)
	// Every rule link points at a row of the rules page.
	rules := e.page("/ui/rules", http.StatusOK)
	links := doc.Find(`.rule a[href^="/ui/rules#"]`)
	if links.Length() == 0 {
		t.Fatal("no rule links on the diff page")
	}
	links.Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		id := strings.TrimPrefix(href, "/ui/rules#")
		if rules.Find("tr#"+id).Length() != 1 {
			t.Errorf("diff links to %s, which the rules page does not list", href)
		}
	})
}
