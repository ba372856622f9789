// Package web holds the embedded templates and static assets of the catalog
// pages, and the template functions they use. Templates are parsed once, at
// start-up, by Templates; handlers live in server.
package web

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Static returns the static assets (style.css, tail.js, graph.js), served under /ui/static/.
func Static() fs.FS {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return sub
}

// Pages lists the page templates; each is parsed with layout.html and
// partials.html into its own set, so that every page defines "content".
var Pages = []string{"home", "search", "list", "domain", "team", "service", "event", "diff", "flow", "rules", "api", "error", "subjects", "subject", "topics", "topic", "client", "deadletters"}

// Templates parses every page template. A template that does not parse is an
// error, which stops the server at start-up.
func Templates() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(Funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/spark.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	out := make(map[string]*template.Template, len(Pages))
	for _, p := range Pages {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, "templates/"+p+".html"); err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// Funcs are the template functions. They are pure: no I/O, no services.
var Funcs = template.FuncMap{
	"url":         EntityURL,
	"join":        strings.Join,
	"truncate":    truncate,
	"ago":         ago,
	"conformance": conformance,
	"date":        func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"add":         func(a, b int) int { return a + b },
	"query":       url.QueryEscape,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"indent":   func(depth int) int { return depth * 16 },
	"contains": strings.Contains,
	"nodeURL":  nodeURL,
	"bytes":    byteSize,
	"markdown": Markdown,
}

// EntityURL returns the page of an entity: kind is team, domain, service, flow,
// event, command or query, or one of the registry's and the broker's: subject,
// topic, or client (a producer or consumer the catalog does not declare).
func EntityURL(kind, id string) string {
	switch kind {
	case "command", "query", "event":
		kind = "event"
	case "team", "domain", "service", "flow", "subject", "topic", "client":
	default:
		return "/ui/"
	}
	return "/ui/" + kind + "s/" + url.PathEscape(id)
}

// nodeURL returns the link of a graph node: its entity's page, or the graph's
// table twin for a group of collapsed nodes.
func nodeURL(kind, entity string) string {
	if kind == "group" {
		return "#graph-table"
	}
	return EntityURL(kind, entity)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// byteSize formats a byte count for people: 512 B, 1.5 KiB, 3.2 MiB.
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// conformance renders a producer's conformance rate: the share of the events
// it sent that met the contract, accepted of accepted plus refused ("—" when
// it sent none). A rate that is not whole keeps one decimal, and never rounds
// to 100% or 0% while some events were refused or some accepted.
func conformance(accepted, refused int64) string {
	total := accepted + refused
	switch {
	case total <= 0:
		return "—"
	case refused == 0:
		return "100%"
	case accepted == 0:
		return "0%"
	}
	pct := float64(accepted) * 100 / float64(total)
	switch {
	case pct > 99.9:
		return "99.9%"
	case pct < 0.1:
		return "0.1%"
	case pct == float64(int64(pct)):
		return fmt.Sprintf("%d%%", int64(pct))
	}
	return fmt.Sprintf("%.1f%%", pct)
}
