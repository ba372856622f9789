package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/auth"
)

// subjectRow is one subject of the subjects page.
type subjectRow struct {
	Subject, Name, Context string
	Latest                 registry.Schema
	Versions               int
	Events                 []entityItem
	Topics                 []string
}

// subjectsView is the subjects page.
type subjectsView struct {
	pageMeta
	Contexts []string
	Rows     []subjectRow
	Context  string
	// Total counts the subjects listed over every page; From is the first
	// subject of this page ("" for the first page), Next the first of the next.
	Total      int
	From, Next string
}

// subjectsPerPage bounds the rows of one subjects page: each row reads its
// subject's versions, and a registry may hold a hundred thousand subjects.
const subjectsPerPage = 200

// splitQualified splits a qualified subject (":.ctx:name") into its context
// and name; a subject of the default context has context ".".
func splitQualified(subject string) (ctxName, name string) {
	if strings.HasPrefix(subject, ":.") {
		if i := strings.Index(subject[2:], ":"); i >= 0 {
			return subject[1 : 2+i], subject[3+i:]
		}
	}
	return registry.DefaultContext, subject
}

// subjectUsers says which catalog events and broker topics use each subject.
type subjectUsers struct {
	events map[string][]entityItem
	topics map[string][]string
}

func (p *pages) subjectUsers(ctx context.Context) (subjectUsers, error) {
	u := subjectUsers{events: map[string][]entityItem{}, topics: map[string][]string{}}
	doc := p.cat.Document()
	for i := range doc.Events {
		ev := &doc.Events[i]
		u.events[ev.Subject] = append(u.events[ev.Subject], eventItem(ev))
	}
	if p.s.cfg.Broker == nil {
		return u, nil
	}
	topics, err := p.s.cfg.Broker.Topics(ctx)
	if err != nil {
		return u, err
	}
	for _, t := range topics {
		u.topics[t.ValueSubject] = append(u.topics[t.ValueSubject], t.Name)
		if t.KeySubject != "" && t.KeySubject != t.ValueSubject {
			u.topics[t.KeySubject] = append(u.topics[t.KeySubject], t.Name)
		}
	}
	return u, nil
}

// subjects serves GET /ui/subjects?context=: every subject of the registry,
// catalogued or not, in every context, with its latest version and the events
// and topics that use it.
func (p *pages) subjects(c *gin.Context) error {
	ctx := c.Request.Context()
	reg := p.s.cfg.Registry
	v := subjectsView{pageMeta: p.meta("Subjects", "subjects"), Context: c.Query("context")}
	var err error
	if v.Contexts, err = reg.Contexts(ctx, registry.ListOptions{}); err != nil {
		return err
	}
	prefix := ":*:"
	if v.Context != "" {
		prefix = ":" + v.Context + ":"
	}
	names, err := reg.Subjects(ctx, registry.ListOptions{Prefix: prefix})
	if err != nil {
		return err
	}
	users, err := p.subjectUsers(ctx)
	if err != nil {
		return err
	}
	every := p.s.readsEverySubject(c)
	v.From = c.Query("from")
	for _, s := range names {
		if !every && !p.s.mayRead(c, auth.ReadSubject, auth.Resource{Subject: s}) {
			continue
		}
		v.Total++
		if s < v.From || v.Next != "" {
			continue
		}
		if len(v.Rows) == subjectsPerPage {
			v.Next = s
			continue
		}
		r := subjectRow{Subject: s, Events: users.events[s], Topics: users.topics[s]}
		r.Context, r.Name = splitQualified(s)
		vs, err := reg.Versions(ctx, s, registry.ListOptions{})
		if err != nil {
			return err
		}
		r.Versions = len(vs)
		if len(vs) > 0 {
			if r.Latest, err = reg.Version(ctx, s, vs[len(vs)-1], false); err != nil {
				return err
			}
		}
		v.Rows = append(v.Rows, r)
	}
	p.render(c, http.StatusOK, "subjects", v)
	return nil
}

// subjectVersionRow is one version of the subject page.
type subjectVersionRow struct {
	registry.Schema
	// Referrers are the subject versions whose schemas reference this one.
	Referrers []registry.SubjectVersion
}

// fact is a name and a value of a facts list.
type fact struct{ Name, Value string }

// subjectView is the subject page.
type subjectView struct {
	pageMeta
	Subject, Name, Context string
	Versions               []subjectVersionRow
	Latest                 *subjectVersionRow
	// Code is the latest schema, pretty-printed and highlighted.
	Code              []catalog.Token
	Config            []fact
	Mode              string
	RuleSet, Metadata string
	Events            []entityItem
	Topics            []string
}

// subject serves GET /ui/subjects/{subject}: every version with its id,
// references and referrers; the effective config and mode; the latest rule
// set and metadata; the catalog events and broker topics that use it.
func (p *pages) subject(c *gin.Context) error {
	ctx := c.Request.Context()
	reg := p.s.cfg.Registry
	name := c.Param("subject")
	vs, err := reg.Versions(ctx, name, registry.ListOptions{Deleted: true, DeletedAsNegative: true})
	if err != nil {
		return err
	}
	v := subjectView{pageMeta: p.meta(name, "subjects"), Subject: name}
	v.Context, v.Name = splitQualified(name)
	for _, n := range vs {
		deleted := n < 0
		if deleted {
			n = -n
		}
		sc, err := reg.Version(ctx, name, n, deleted)
		if err != nil {
			return err
		}
		row := subjectVersionRow{Schema: sc}
		ids, err := reg.ReferencedBy(ctx, name, n, registry.ListOptions{})
		if err != nil {
			return err
		}
		for _, id := range ids {
			svs, err := reg.SubjectVersionsByID(ctx, id, name, registry.ListOptions{})
			if err != nil {
				return err
			}
			row.Referrers = append(row.Referrers, svs...)
		}
		v.Versions = append(v.Versions, row)
	}
	for i := len(v.Versions) - 1; i >= 0; i-- {
		if !v.Versions[i].Deleted {
			v.Latest = &v.Versions[i]
			v.RuleSet, v.Metadata = prettyJSON(v.Latest.RuleSet), prettyJSON(v.Latest.Metadata)
			v.Code = catalog.Highlight(v.Latest.Type, catalog.PrettySchema(catalog.SchemaVersion{Type: v.Latest.Type, Text: v.Latest.Text}))
			break
		}
	}
	cfg, err := reg.Config(ctx, name, true)
	if err != nil {
		return err
	}
	v.Config = configFacts(cfg)
	mode, err := reg.Mode(ctx, name, true)
	if err != nil {
		return err
	}
	v.Mode = mode.String()
	users, err := p.subjectUsers(ctx)
	if err != nil {
		return err
	}
	v.Events, v.Topics = users.events[name], users.topics[name]
	p.render(c, http.StatusOK, "subject", v)
	return nil
}

// configFacts lists the fields of an effective config that are set.
func configFacts(cfg registry.Config) []fact {
	var out []fact
	add := func(name string, set bool, value func() string) {
		if set {
			out = append(out, fact{name, value()})
		}
	}
	add("Compatibility", cfg.Compatibility != nil, func() string { return cfg.Compatibility.String() })
	add("Normalize", cfg.Normalize != nil, func() string { return fmt.Sprint(*cfg.Normalize) })
	add("Policy", cfg.Policy != nil, func() string { return fmt.Sprint(*cfg.Policy) })
	add("Protobuf rule set", cfg.RuleSet != nil && *cfg.RuleSet != "", func() string { return *cfg.RuleSet })
	add("Alias", cfg.Alias != nil && *cfg.Alias != "", func() string { return *cfg.Alias })
	add("Compatibility group", cfg.CompatibilityGroup != nil && *cfg.CompatibilityGroup != "", func() string { return *cfg.CompatibilityGroup })
	add("Validate fields", cfg.ValidateFields != nil, func() string { return fmt.Sprint(*cfg.ValidateFields) })
	add("Default metadata", len(cfg.DefaultMetadata) > 0, func() string { return string(cfg.DefaultMetadata) })
	add("Override metadata", len(cfg.OverrideMetadata) > 0, func() string { return string(cfg.OverrideMetadata) })
	add("Default rule set", len(cfg.DefaultRuleSet) > 0, func() string { return string(cfg.DefaultRuleSet) })
	add("Override rule set", len(cfg.OverrideRuleSet) > 0, func() string { return string(cfg.OverrideRuleSet) })
	return out
}

// prettyJSON indents a stored JSON document for display; "" for none or null.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw) // stored as given: show it as it is
	}
	return buf.String()
}
