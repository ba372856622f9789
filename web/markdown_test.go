package web_test

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/heraldhq/herald/web"
)

func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"Paragraphs", "one\ntwo\n\nthree", "<p>one\ntwo</p>\n<p>three</p>\n"},
		{"Emphasis", "*a* **b** _c_ __d__", "<p><em>a</em> <strong>b</strong> <em>c</em> <strong>d</strong></p>\n"},
		{"NestedEmphasis", "**bold *and* more**", "<p><strong>bold <em>and</em> more</strong></p>\n"},
		{"SnakeCaseStaysText", "order_id and customer_id", "<p>order_id and customer_id</p>\n"},
		{"LoneStarStaysText", "2 * 3 = 6", "<p>2 * 3 = 6</p>\n"},
		{"CodeSpanEscapes", "use `<b>*x*</b>`", "<p>use <code>&lt;b&gt;*x*&lt;/b&gt;</code></p>\n"},
		{"DoubleBacktickCode", "``a`b``", "<p><code>a`b</code></p>\n"},
		{"FencedCode", "```json\n{\"a\": \"<x>\"}\n\n```\nafter", "<pre class=\"code\"><code>{&#34;a&#34;: &#34;&lt;x&gt;&#34;}\n</code></pre>\n<p>after</p>\n"},
		{"UnclosedFenceRunsToEnd", "~~~\ncode", "<pre class=\"code\"><code>code</code></pre>\n"},
		{"Headings", "# Top\n### Deep ###\n####### seven", "<h3>Top</h3>\n<h5>Deep</h5>\n<p>####### seven</p>\n"},
		{"BulletList", "- a\n- b\n  more\n\n- c\n\nafter", "<ul>\n<li>a</li>\n<li>b\nmore</li>\n<li>c</li>\n</ul>\n<p>after</p>\n"},
		{"OrderedList", "1. a\n2) *b*", "<ol>\n<li>a</li>\n<li><em>b</em></li>\n</ol>\n"},
		{"ListKindChanges", "- a\n1. b", "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n"},
		{"Quote", "> quoted *x*\n> more", "<blockquote>\n<p>quoted <em>x</em>\nmore</p>\n</blockquote>\n"},
		{"Rule", "a\n\n---\nb", "<p>a</p>\n<hr>\n<p>b</p>\n"},
		{"Link", "see [the *docs*](https://example.com/a?b=1&c=2)", "<p>see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">the <em>docs</em></a></p>\n"},
		{"Mailto", "[mail](mailto:team@example.com)", "<p><a href=\"mailto:team@example.com\" rel=\"nofollow noopener noreferrer\">mail</a></p>\n"},
		{"Autolink", "<https://example.com/x>", "<p><a href=\"https://example.com/x\" rel=\"nofollow noopener noreferrer\">https://example.com/x</a></p>\n"},
		{"JavascriptLinkIsText", "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"},
		{"UppercaseSchemeIsText", "[x](JaVaScRiPt:alert)", "<p>[x](JaVaScRiPt:alert)</p>\n"},
		{"DataLinkIsText", "[x](data:text/html;base64,PHNjcmlwdD4=)", "<p>[x](data:text/html;base64,PHNjcmlwdD4=)</p>\n"},
		{"RelativeLinkIsText", "[x](/ui/events)", "<p>[x](/ui/events)</p>\n"},
		{"QuoteInURLIsText", "[x](https://a.example/\"onmouseover=alert(1))", "<p>[x](https://a.example/&#34;onmouseover=alert(1))</p>\n"},
		{"RawHTMLEscaped", "<script>alert(1)</script><img src=x onerror=alert(1)>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</p>\n"},
		{"BackslashEscapes", `\*not em\* \<b>`, "<p>*not em* &lt;b&gt;</p>\n"},
		{"BareURL", "docs: https://docs.example/a_b?x=1. (also http://b.example/c)", "<p>docs: <a href=\"https://docs.example/a_b?x=1\" rel=\"nofollow noopener noreferrer\">https://docs.example/a_b?x=1</a>. (also <a href=\"http://b.example/c\" rel=\"nofollow noopener noreferrer\">http://b.example/c</a>)</p>\n"},
		{"BareURLInEmphasis", "**https://x.example**", "<p><strong><a href=\"https://x.example\" rel=\"nofollow noopener noreferrer\">https://x.example</a></strong></p>\n"},
		{"BareURLMidWordIsText", "xhttps://x.example", "<p>xhttps://x.example</p>\n"},
		{"BareURLWithQuoteIsText", `https://x.example/"onclick=alert(1)`, "<p>https://x.example/&#34;onclick=alert(1)</p>\n"},
		{"BareURLWithoutHostIsText", "https:///x", "<p>https:///x</p>\n"},
		{"NoLinkInLinkText", "[a [b](https://b.example)](https://a.example)", "<p><a href=\"https://b.example\" rel=\"nofollow noopener noreferrer\">a [b</a>](<a href=\"https://a.example\" rel=\"nofollow noopener noreferrer\">https://a.example</a>)</p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(web.Markdown(tt.in)); got != tt.want {
				t.Errorf("Markdown(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestMarkdownTooLong checks that a description past the cap is cut, with a
// note, on a rune boundary.
func TestMarkdownTooLong(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("é", 64<<10) // two bytes each: the cap falls inside none
	got := string(web.Markdown(in))
	if !strings.Contains(got, `class="md-cut"`) {
		t.Errorf("no cut note in %d bytes of output", len(got))
	}
	if !utf8.ValidString(got) {
		t.Error("output is not valid UTF-8")
	}
	if len(got) > 70<<10 {
		t.Errorf("output is %d bytes, past the 64 KiB input cap", len(got))
	}
}

// TestMarkdownLinear checks that pathological inputs (many openers without a
// closer, deep nesting) do work proportional to their size: output stays
// proportional and nesting stops at the depth cap.
func TestMarkdownLinear(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"Stars":       strings.Repeat("*a ", 20000),
		"Underscores": strings.Repeat("_a ", 20000),
		"Brackets":    strings.Repeat("[a](", 20000),
		"Backticks":   strings.Repeat("`a ``b ", 10000),
		"Autolinks":   strings.Repeat("<https://a ", 5000),
		"BareURLs":    strings.Repeat("https://\"", 5000),
		"Quotes":      strings.Repeat(">", 20000) + " deep",
		"Nesting":     strings.Repeat("**a *b ", 2000) + strings.Repeat("* b**", 2000),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := string(web.Markdown(in))
			if len(got) > 8*len(in)+200 {
				t.Errorf("%d bytes of output for %d of input", len(got), len(in))
			}
			if n := strings.Count(got, "<blockquote>"); n > 4 {
				t.Errorf("%d nested quotes, past the depth cap", n)
			}
			if n := strings.Count(got, "<strong>") + strings.Count(got, "<em>"); strings.Count(got, "</strong>")+strings.Count(got, "</em>") != n {
				t.Error("unbalanced emphasis tags")
			}
		})
	}
}

// allowedTags are the elements Markdown may write, with the attributes each
// may carry.
var allowedTags = map[string][]string{
	"p": nil, "em": nil, "strong": nil, "code": nil, "pre": {"class"}, "ul": nil, "ol": nil, "li": nil,
	"h3": nil, "h4": nil, "h5": nil, "h6": nil, "blockquote": nil, "hr": nil, "a": {"href", "rel"},
	// The parser adds these around a fragment.
	"html": nil, "head": nil, "body": nil,
}

// checkSafe parses out as a browser would and fails on any element or
// attribute outside allowedTags, and on any link that is not http, https or
// mailto.
func checkSafe(t *testing.T, in, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("Markdown(%q) writes a script tag: %q", in, out)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find("*").Each(func(_ int, s *goquery.Selection) {
		n := s.Nodes[0]
		attrs, ok := allowedTags[n.Data]
		if !ok {
			t.Fatalf("Markdown(%q) writes element <%s>: %q", in, n.Data, out)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "style" || !contains(attrs, a.Key) {
				t.Fatalf("Markdown(%q) writes attribute %s on <%s>: %q", in, a.Key, n.Data, out)
			}
			if a.Key == "href" {
				u, err := url.Parse(a.Val)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto") {
					t.Fatalf("Markdown(%q) links to %q: %q", in, a.Val, out)
				}
				if strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Fatalf("Markdown(%q) links to %q", in, a.Val)
				}
			}
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzMarkdown checks that no input panics or gets past the allowed elements,
// attributes and link schemes. The seeds run in every go test.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{
		"", "plain", "*em* **strong** `code`", "```\n<script>\n```", "[a](https://x.example)",
		"[a](javascript:alert(1))", "<https://x.example>", "<javascript:alert(1)>", "- a\n- b\n\n1. c",
		"> > > quote", "# h\n---", `<img src=x onerror="alert(1)">`, "[x](https://a.example/\" onclick=\"alert(1))",
		"[x](https://a.example/'onmouseover='alert(1))", "**[x](https://a.example)**", "\\", "`", "[", "*", "_",
		"[a](mailto:x@y.example?subject=<script>)", "\x00\xff\xfe", "<https://a.example/\x01>",
		"[a](http:javascript:alert(1))", "https://a.example/\"onmouseover=x", "see http://a.example.", "[a](https:/\\evil.example)", "[a](HTTPS://A.EXAMPLE)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := string(web.Markdown(in))
		checkSafe(t, in, out)
	})
}

func TestMarkdownText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"A **bold** _move_ with `code`.\n\n- one\n- two": "A bold move with code. one two",
		"see [the docs](https://docs.example) & <b>":     "see the docs & <b>",
		"# Title\nbody": "Title body",
		"a&amp;b":       "a&amp;b",
	} {
		if got := web.MarkdownText(in); got != want {
			t.Errorf("MarkdownText(%q) = %q, want %q", in, got, want)
		}
	}
}
