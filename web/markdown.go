package web

import (
	"html"
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Markdown renders an entity's description, written by catalog authors, as
// HTML. It knows paragraphs, headings, emphasis, code spans, fenced code,
// lists (one level deep), block quotes, rules, links, <autolinks> and bare
// http(s) URLs, and nothing else: every other
// character is text, escaped, so raw HTML never passes through. Links keep
// only http, https and mailto targets (anything else, javascript: included,
// stays visible as text), and the output carries no style or event attribute,
// so it renders under the pages' Content-Security-Policy.
//
// Work is bounded: input past maxMarkdownBytes is cut with a note, and each
// nesting level of inline markup rescans its span once, so rendering is linear
// in the input times maxMarkdownDepth.
func Markdown(src string) template.HTML {
	cut := false
	if len(src) > maxMarkdownBytes {
		n := maxMarkdownBytes
		for n > 0 && !utf8.RuneStart(src[n]) {
			n--
		}
		src, cut = src[:n], true
	}
	src = strings.ToValidUTF8(strings.ReplaceAll(src, "\r\n", "\n"), "\uFFFD")
	var b strings.Builder
	b.Grow(len(src) + len(src)/4)
	renderBlocks(&b, strings.Split(src, "\n"), 0)
	if cut {
		b.WriteString("<p class=\"md-cut\">The rest of this description is too long to show here.</p>\n")
	}
	return template.HTML(b.String()) //nolint:gosec // every piece of author text above is escaped; only fixed tags and checked hrefs are written raw
}

// MarkdownText returns a description as one line of plain text, for the
// summaries of lists and search results: the markup Markdown renders is
// dropped (a link keeps its text, not its target) and whitespace collapses.
// The result is text, escaped by the template that shows it.
func MarkdownText(src string) string {
	h := string(Markdown(src))
	var b strings.Builder
	b.Grow(len(h))
	inTag := false
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c == '<':
			inTag = true
		case c == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteByte(c)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// maxMarkdownBytes bounds the description text one render reads: a catalog
// description is prose, and a larger one is cut rather than slowing the page.
const maxMarkdownBytes = 64 << 10

// maxMarkdownDepth bounds nesting: block quotes in block quotes, emphasis in
// link text in emphasis. Deeper markup is shown as text.
const maxMarkdownDepth = 4

// listKind is the kind of list a line opens: none, bullets or numbers.
type listKind int

const (
	noList listKind = iota
	bulletList
	orderedList
)

// blockWriter accumulates the open paragraph or list of renderBlocks.
type blockWriter struct {
	b     *strings.Builder
	depth int
	para  []string
	list  listKind
	items [][]string
}

func (w *blockWriter) flushPara() {
	if len(w.para) == 0 {
		return
	}
	w.b.WriteString("<p>")
	renderInline(w.b, strings.Join(w.para, "\n"), w.depth, true)
	w.b.WriteString("</p>\n")
	w.para = w.para[:0]
}

func (w *blockWriter) flushList() {
	if w.list == noList {
		return
	}
	tag := "ul"
	if w.list == orderedList {
		tag = "ol"
	}
	w.b.WriteString("<" + tag + ">\n")
	for _, it := range w.items {
		w.b.WriteString("<li>")
		renderInline(w.b, strings.Join(it, "\n"), w.depth, true)
		w.b.WriteString("</li>\n")
	}
	w.b.WriteString("</" + tag + ">\n")
	w.list, w.items = noList, w.items[:0]
}

func (w *blockWriter) flush() {
	w.flushPara()
	w.flushList()
}

// renderBlocks writes the block structure of lines: each line is looked at a
// bounded number of times (a block quote's lines once more per level).
func renderBlocks(b *strings.Builder, lines []string, depth int) {
	w := &blockWriter{b: b, depth: depth}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t := strings.TrimLeft(line, " \t")
		indent := len(line) - len(t)
		switch {
		case strings.TrimSpace(line) == "":
			w.flushPara()
			// A blank line between two items keeps one list; anything else
			// after it closes the list.
			if w.list != noList {
				j := i + 1
				for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
					j++
				}
				if j == len(lines) {
					w.flushList()
				} else if k, _ := listItem(strings.TrimLeft(lines[j], " \t")); k != w.list {
					w.flushList()
				}
			}
		case indent < 4 && fenceLen(t) > 0:
			w.flush()
			i = writeFence(b, lines, i, t)
		case indent < 4 && headingLevel(t) > 0:
			w.flush()
			n := headingLevel(t)
			// Descriptions sit under the page's h1 and h2: their top heading is h3.
			tag := "h" + string(rune('0'+min(n+2, 6)))
			text := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(t[n:]), "#"))
			b.WriteString("<" + tag + ">")
			renderInline(b, text, depth, true)
			b.WriteString("</" + tag + ">\n")
		case indent < 4 && isRule(t):
			w.flush()
			b.WriteString("<hr>\n")
		case indent < 4 && strings.HasPrefix(t, ">") && depth < maxMarkdownDepth:
			w.flush()
			var quoted []string
			for ; i < len(lines); i++ {
				q := strings.TrimLeft(lines[i], " \t")
				if !strings.HasPrefix(q, ">") {
					break
				}
				q = strings.TrimPrefix(q[1:], " ")
				quoted = append(quoted, q)
			}
			i--
			b.WriteString("<blockquote>\n")
			renderBlocks(b, quoted, depth+1)
			b.WriteString("</blockquote>\n")
		default:
			if k, n := listItem(t); k != noList && indent < 4 {
				w.flushPara()
				if w.list != k {
					w.flushList()
					w.list = k
				}
				w.items = append(w.items, []string{strings.TrimSpace(t[n:])})
				continue
			}
			if w.list != noList && len(w.para) == 0 {
				// An indented or lazy line continues the open item.
				last := &w.items[len(w.items)-1]
				*last = append(*last, strings.TrimSpace(t))
				continue
			}
			w.para = append(w.para, strings.TrimSpace(t))
		}
	}
	w.flush()
}

// fenceLen returns the length of the code fence t opens (three or more
// backticks or tildes), or 0.
func fenceLen(t string) int {
	if t == "" || (t[0] != '`' && t[0] != '~') {
		return 0
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.Contains(t[n:], "`")) {
		return 0
	}
	return n
}

// writeFence writes the fenced code block opened by lines[i] (trimmed: open),
// escaped, and returns the index of its closing line (or the last line: an
// unclosed fence runs to the end, as CommonMark has it).
func writeFence(b *strings.Builder, lines []string, i int, open string) int {
	n, c := fenceLen(open), open[0]
	b.WriteString("<pre class=\"code\"><code>")
	j := i + 1
	for ; j < len(lines); j++ {
		t := strings.TrimLeft(lines[j], " \t")
		if m := fenceLen(t); m >= n && t[0] == c && strings.TrimSpace(t[m:]) == "" {
			break
		}
		if j > i+1 {
			b.WriteByte('\n')
		}
		b.WriteString(html.EscapeString(lines[j]))
	}
	b.WriteString("</code></pre>\n")
	return min(j, len(lines)-1)
}

// headingLevel returns n for a line of n (1..6) '#' then a space or nothing.
func headingLevel(t string) int {
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(t) && t[n] != ' ' && t[n] != '\t') {
		return 0
	}
	return n
}

// isRule reports whether t is a thematic break: three or more of one of - * _,
// spaces allowed between.
func isRule(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" || (t[0] != '-' && t[0] != '*' && t[0] != '_') {
		return false
	}
	n := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case t[0]:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

// listItem returns the kind of list item t opens and the length of its marker
// ("- ", "* ", "+ ", "1. ", "1) "), or noList.
func listItem(t string) (listKind, int) {
	if len(t) >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && (t[1] == ' ' || t[1] == '\t') {
		return bulletList, 2
	}
	n := 0
	for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	if n > 0 && n+1 < len(t) && (t[n] == '.' || t[n] == ')') && (t[n+1] == ' ' || t[n+1] == '\t') {
		return orderedList, n + 2
	}
	return noList, 0
}

// inlineState remembers, for one span, which openers have no closer left: a
// search that fails once fails for every later opener too, which keeps a span
// of many unmatched openers linear.
type inlineState struct {
	noCloser   map[string]bool
	noLink     bool
	noAutolink bool
}

// renderInline writes s with its code spans, emphasis and links; links says
// whether links may start here (not inside a link's own text).
func renderInline(b *strings.Builder, s string, depth int, links bool) {
	st := inlineState{noCloser: map[string]bool{}}
	text := 0 // start of the text not written yet
	flush := func(end int) {
		b.WriteString(html.EscapeString(s[text:end]))
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			flush(i)
			b.WriteString(html.EscapeString(s[i+1 : i+2]))
			i += 2
			text = i
			continue
		case c == '`':
			n := runLen(s, i, '`')
			run := s[i : i+n]
			if !st.noCloser[run] {
				if j := strings.Index(s[i+n:], run); j >= 0 {
					flush(i)
					code := s[i+n : i+n+j]
					if len(code) > 1 && code[0] == ' ' && code[len(code)-1] == ' ' {
						code = code[1 : len(code)-1]
					}
					b.WriteString("<code>")
					b.WriteString(html.EscapeString(code))
					b.WriteString("</code>")
					i += n + j + n
					text = i
					continue
				}
				st.noCloser[run] = true
			}
			i += n
			continue
		case (c == '*' || c == '_') && depth < maxMarkdownDepth:
			if end, ok := emphasis(b, s, i, depth, links, &st, flush); ok {
				i, text = end, end
				continue
			}
			i += runLen(s, i, c)
			continue
		case c == '[' && links && depth < maxMarkdownDepth && !st.noLink:
			if end, ok := link(b, s, i, depth, &st, flush); ok {
				i, text = end, end
				continue
			}
		case c == '<' && links && !st.noAutolink:
			if end, ok := autolink(b, s, i, &st, flush); ok {
				i, text = end, end
				continue
			}
		case c == 'h' && links && (i == 0 || !isWordByte(s[i-1])) && (strings.HasPrefix(s[i:], "https://") || strings.HasPrefix(s[i:], "http://")):
			end, ok := bareURL(b, s, i, flush)
			if ok {
				text = end
			}
			// A target that is not a link stays text; either way the scan
			// goes on after it, so each byte is scanned once.
			i = max(end, i+1)
			continue
		}
		i++
	}
	flush(len(s))
}

// emphasis writes the *em*, _em_, **strong** or __strong__ span opening at i,
// if it has a closer, and returns where it ends. An underscore inside a word
// (snake_case) opens nothing, nor does a delimiter before a space.
func emphasis(b *strings.Builder, s string, i, depth int, links bool, st *inlineState, flush func(int)) (int, bool) {
	c := s[i]
	n := min(runLen(s, i, c), 2)
	delim := s[i : i+n]
	if st.noCloser[delim] || i+n >= len(s) || s[i+n] == ' ' || s[i+n] == '\n' {
		return 0, false
	}
	if c == '_' && i > 0 && isWordByte(s[i-1]) {
		return 0, false
	}
	from := i + n
	for {
		j := strings.Index(s[from:], delim)
		if j < 0 {
			st.noCloser[delim] = true
			return 0, false
		}
		j += from
		end := j + n
		closes := s[j-1] != ' ' && s[j-1] != '\n' && j > i+n
		if n == 1 && end < len(s) && s[end] == c {
			// Part of a longer run: a strong closer, not this one.
			closes = false
			for end < len(s) && s[end] == c {
				end++
			}
		}
		if c == '_' && end < len(s) && isWordByte(s[end]) {
			closes = false
		}
		if closes {
			flush(i)
			tag := "em"
			if n == 2 {
				tag = "strong"
			}
			b.WriteString("<" + tag + ">")
			renderInline(b, s[i+n:j], depth+1, links)
			b.WriteString("</" + tag + ">")
			return j + n, true
		}
		from = max(end, j+1)
	}
}

// link writes the [text](target) link opening at i and returns where it ends.
// A target that is not http, https or mailto is written as the text it was.
func link(b *strings.Builder, s string, i, depth int, st *inlineState, flush func(int)) (int, bool) {
	j := strings.Index(s[i+1:], "](")
	if j < 0 {
		st.noLink = true
		return 0, false
	}
	j += i + 1
	k := strings.IndexByte(s[j+2:], ')')
	if k < 0 {
		st.noLink = true
		return 0, false
	}
	k += j + 2
	target := strings.TrimSpace(s[j+2 : k])
	flush(i)
	if !safeURL(target) {
		b.WriteString(html.EscapeString(s[i : k+1]))
		return k + 1, true
	}
	writeAnchor(b, target)
	renderInline(b, s[i+1:j], depth+1, false)
	b.WriteString("</a>")
	return k + 1, true
}

// autolink writes the <https://…> link opening at i.
func autolink(b *strings.Builder, s string, i int, st *inlineState, flush func(int)) (int, bool) {
	rest := s[i+1:]
	if !strings.HasPrefix(rest, "http://") && !strings.HasPrefix(rest, "https://") && !strings.HasPrefix(rest, "mailto:") {
		return 0, false
	}
	// The target ends at the first character a URL cannot hold, so a run of
	// openers without a closer scans each byte once.
	k := strings.IndexAny(rest, "> \t\n<")
	if k < 0 {
		st.noAutolink = true
		return 0, false
	}
	if rest[k] != '>' {
		return 0, false
	}
	target := rest[:k]
	k += i + 1
	if !safeURL(target) {
		return 0, false
	}
	flush(i)
	writeAnchor(b, target)
	b.WriteString(html.EscapeString(target))
	b.WriteString("</a>")
	return k + 1, true
}

// bareURL writes the http or https URL starting at i as a link, as GitHub
// does with URLs in text, and returns where it ends. When the URL is not one
// safeURL accepts it writes nothing and returns false, with the end: the
// caller leaves it as text. Trailing punctuation ends a sentence, not the URL.
func bareURL(b *strings.Builder, s string, i int, flush func(int)) (int, bool) {
	end := i
	for end < len(s) && end-i <= maxURLBytes && s[end] > ' ' && s[end] != '<' && s[end] != '>' {
		end++
	}
	for end > i && strings.IndexByte(".,;:!?)'\"*_", s[end-1]) >= 0 {
		end--
	}
	target := s[i:end]
	if !safeURL(target) {
		return end, false
	}
	flush(i)
	writeAnchor(b, target)
	b.WriteString(html.EscapeString(target))
	b.WriteString("</a>")
	return end, true
}

// writeAnchor opens a link to a target safeURL accepted. Descriptions are
// written by catalog authors, not by this site: their links pass no referrer
// and no ranking.
func writeAnchor(b *strings.Builder, target string) {
	b.WriteString("<a href=\"")
	b.WriteString(html.EscapeString(target))
	b.WriteString("\" rel=\"nofollow noopener noreferrer\">")
}

// maxURLBytes bounds a link target.
const maxURLBytes = 2048

// safeURL reports whether target is an absolute http or https URL with a
// host, or a mailto URL: the only links a description may carry.
func safeURL(target string) bool {
	if target == "" || len(target) > maxURLBytes || strings.ContainsAny(target, " \t\n<>\"'`\\") {
		return false
	}
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != "" && u.Opaque == ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

func isPunct(c byte) bool {
	return c < 0x80 && strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) >= 0
}

func isWordByte(c byte) bool {
	return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
