package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// File is one catalog-as-code file: its name (a path relative to the applied
// folder, used in error messages) and its YAML (or JSON) content.
type File struct {
	Name string `json:"name"`
	Data string `json:"content"`
}

// Pos is a place in a catalog file.
type Pos struct {
	File   string
	Line   int
	Column int
}

// Problem is one reason a catalog cannot be applied.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// String formats the problem as file:line:column: message.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(":")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", p.Line, p.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ApplyError lists every problem found in a catalog; nothing was changed. It wraps
// ErrInvalid.
type ApplyError struct {
	Problems []Problem
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("catalog has 1 error: ")
	} else {
		fmt.Fprintf(&b, "catalog has %d errors: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *ApplyError) Unwrap() error { return ErrInvalid }

// ErrorDetails returns the problems, one detail each, for /v1 error bodies.
func (e *ApplyError) ErrorDetails() any { return e.Problems }

// Source remembers where each entity and field of a parsed Document was written,
// so that validation errors can name the file and line. Keys look like
// "services/order-service", "services/order-service.domain",
// "services/order-service.sends[1]" and "flows/checkout.steps[2].service".
type Source struct {
	pos       map[string]Pos
	entityPos map[tkey]Pos
}

func (s *Source) entityPosSet(k tkey, p Pos) { s.entityPos[k] = p }

// at returns the best known position for key: the key itself, else the closest
// enclosing key, else nothing.
func (s *Source) at(key string) Pos {
	if s == nil {
		return Pos{}
	}
	for {
		if p, ok := s.pos[key]; ok {
			return p
		}
		i := strings.LastIndexAny(key, ".[")
		if i <= 0 {
			return Pos{}
		}
		key = key[:i]
	}
}

func (s *Source) set(key string, p Pos) {
	if _, ok := s.pos[key]; !ok {
		s.pos[key] = p
	}
}

// ParseFiles parses catalog files (YAML or JSON) into one Document. Entities may be
// spread over any number of files. Every syntax and shape error is reported with
// its file and line; ids defined twice are reported at the second definition.
// Semantic checks (references between entities, subjects) are done by Validate.
func ParseFiles(files []File) (*Document, *Source, error) {
	doc := &Document{}
	src := &Source{pos: map[string]Pos{}, entityPos: map[tkey]Pos{}}
	var probs []Problem
	for _, f := range files {
		d := &decoder{file: f.Name, src: src}
		d.parse([]byte(f.Data), doc)
		probs = append(probs, d.probs...)
	}
	probs = append(probs, duplicates(doc, src)...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, nil, &ApplyError{Problems: probs}
	}
	doc.sort()
	return doc, src, nil
}

func sortProblems(p []Problem) {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].File != p[j].File {
			return p[i].File < p[j].File
		}
		return p[i].Line < p[j].Line
	})
}

// duplicates reports ids defined more than once per kind. ParseFiles keeps entities
// in file order, so the second definition is the one reported.
func duplicates(doc *Document, src *Source) []Problem {
	var probs []Problem
	check := func(kind string, ids []string, poss []Pos) {
		first := map[string]Pos{}
		for i, id := range ids {
			if id == "" {
				continue
			}
			if p, ok := first[id]; ok {
				probs = append(probs, Problem{File: poss[i].File, Line: poss[i].Line, Column: poss[i].Column,
					Message: fmt.Sprintf("duplicate %s id %q: already defined at %s:%d", kind, id, p.File, p.Line)})
				continue
			}
			first[id] = poss[i]
		}
	}
	collect := func(n int, id func(int) string, pos func(int) Pos) ([]string, []Pos) {
		ids, ps := make([]string, n), make([]Pos, n)
		for i := range n {
			ids[i], ps[i] = id(i), pos(i)
		}
		return ids, ps
	}
	ids, ps := collect(len(doc.Teams), func(i int) string { return doc.Teams[i].ID }, func(i int) Pos { return src.entityPos[tkey{"teams", i}] })
	check("team", ids, ps)
	ids, ps = collect(len(doc.Domains), func(i int) string { return doc.Domains[i].ID }, func(i int) Pos { return src.entityPos[tkey{"domains", i}] })
	check("domain", ids, ps)
	ids, ps = collect(len(doc.Services), func(i int) string { return doc.Services[i].ID }, func(i int) Pos { return src.entityPos[tkey{"services", i}] })
	check("service", ids, ps)
	ids, ps = collect(len(doc.Events), func(i int) string { return doc.Events[i].ID }, func(i int) Pos { return src.entityPos[tkey{"events", i}] })
	check("event", ids, ps)
	ids, ps = collect(len(doc.Flows), func(i int) string { return doc.Flows[i].ID }, func(i int) Pos { return src.entityPos[tkey{"flows", i}] })
	check("flow", ids, ps)
	return probs
}

// sort orders every entity list by id, so that exports and storage are stable.
func (doc *Document) sort() {
	sort.SliceStable(doc.Teams, func(i, j int) bool { return doc.Teams[i].ID < doc.Teams[j].ID })
	sort.SliceStable(doc.Domains, func(i, j int) bool { return doc.Domains[i].ID < doc.Domains[j].ID })
	sort.SliceStable(doc.Services, func(i, j int) bool { return doc.Services[i].ID < doc.Services[j].ID })
	sort.SliceStable(doc.Events, func(i, j int) bool { return doc.Events[i].ID < doc.Events[j].ID })
	sort.SliceStable(doc.Flows, func(i, j int) bool { return doc.Flows[i].ID < doc.Flows[j].ID })
}

// ExportYAML encodes doc in the catalog-as-code format. Applying the output gives
// the same catalog.
func ExportYAML(doc *Document) ([]byte, error) {
	j, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	y, err := yaml.JSONToYAML(j)
	if err != nil {
		return nil, err
	}
	return append([]byte("# Herald catalog, exported. Apply with: herald catalog apply FILE\n"), y...), nil
}

// node is a YAML node reduced to what the catalog needs, with its position.
type node struct {
	kind  nodeKind
	pos   Pos
	text  string // scalars: the value as written
	value any    // scalars: the typed value (string, int, float, bool, nil)
	keys  []*node
	vals  []*node
	items []*node
}

type nodeKind int

const (
	nScalar nodeKind = iota
	nMap
	nSeq
	nNull
)

func (k nodeKind) String() string {
	switch k {
	case nMap:
		return "a mapping"
	case nSeq:
		return "a list"
	case nNull:
		return "empty"
	}
	return "a scalar"
}

// tkey identifies the i-th entity of a kind in parse order (before sorting).
type tkey struct {
	kind string
	i    int
}

// decoder decodes one file's AST into a Document, collecting problems.
type decoder struct {
	file  string
	src   *Source
	probs []Problem
}

func (d *decoder) errorf(p Pos, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: p.Line, Column: p.Column, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) parse(data []byte, doc *Document) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			d.errorf(Pos{Line: se.Token.Position.Line, Column: se.Token.Position.Column}, "YAML syntax error: %s", se.Message)
			return
		}
		d.errorf(Pos{Line: 1, Column: 1}, "YAML syntax error: %v", err)
		return
	}
	for _, dn := range f.Docs {
		if dn == nil || dn.Body == nil {
			continue
		}
		root := d.convert(dn.Body, 0)
		if root == nil || root.kind == nNull {
			continue
		}
		d.top(root, doc)
	}
}

// convert turns a goccy AST node into a node, resolving anchors, aliases and tags.
func (d *decoder) convert(n ast.Node, depth int) *node {
	if n == nil {
		return &node{kind: nNull}
	}
	if depth > 64 {
		d.errorf(d.posOf(n), "document nested too deeply")
		return &node{kind: nNull}
	}
	pos := d.posOf(n)
	switch t := n.(type) {
	case *ast.MappingNode:
		out := &node{kind: nMap, pos: pos}
		for _, mv := range t.Values {
			d.addPair(out, mv, depth)
		}
		return out
	case *ast.MappingValueNode:
		out := &node{kind: nMap, pos: pos}
		d.addPair(out, t, depth)
		return out
	case *ast.SequenceNode:
		out := &node{kind: nSeq, pos: pos}
		for _, v := range t.Values {
			out.items = append(out.items, d.convert(v, depth+1))
		}
		return out
	case *ast.AnchorNode:
		return d.convert(t.Value, depth+1)
	case *ast.AliasNode:
		d.errorf(pos, "YAML aliases are not supported in catalog files: repeat the value")
		return &node{kind: nNull, pos: pos}
	case *ast.TagNode:
		return d.convert(t.Value, depth+1)
	case *ast.NullNode:
		return &node{kind: nNull, pos: pos}
	case *ast.CommentGroupNode, *ast.CommentNode:
		return &node{kind: nNull, pos: pos}
	case *ast.LiteralNode:
		s := t.Value.Value
		return &node{kind: nScalar, pos: pos, text: s, value: s}
	case ast.ScalarNode:
		v := t.GetValue()
		var text string
		switch x := v.(type) {
		case string:
			text = x
		case nil:
			return &node{kind: nNull, pos: pos}
		default:
			text = fmt.Sprint(x)
			if tok := n.GetToken(); tok != nil {
				text = tok.Value
			}
		}
		return &node{kind: nScalar, pos: pos, text: text, value: v}
	}
	d.errorf(pos, "unsupported YAML construct %s", n.Type())
	return &node{kind: nNull, pos: pos}
}

func (d *decoder) addPair(out *node, mv *ast.MappingValueNode, depth int) {
	k := d.convert(mv.Key, depth+1)
	v := d.convert(mv.Value, depth+1)
	if v.kind == nNull && v.pos.Line == 0 {
		v.pos = k.pos
	}
	out.keys = append(out.keys, k)
	out.vals = append(out.vals, v)
}

func (d *decoder) posOf(n ast.Node) Pos {
	tok := n.GetToken()
	if mv, ok := n.(*ast.MappingValueNode); ok && mv.Key != nil {
		tok = mv.Key.GetToken()
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key != nil {
		tok = m.Values[0].Key.GetToken()
	}
	if tok == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tok.Position.Line, Column: tok.Position.Column}
}

// fields walks a mapping, checking that every key is allowed (and not repeated),
// and calls fn for each. A non-mapping is reported with what.
func (d *decoder) fields(n *node, what string, allowed []string, fn func(key string, v *node)) bool {
	if n.kind != nMap {
		d.errorf(n.pos, "%s must be a mapping, got %s", what, n.kind)
		return false
	}
	seen := map[string]bool{}
	for i, k := range n.keys {
		key := k.text
		if k.kind != nScalar {
			d.errorf(k.pos, "%s: keys must be plain words", what)
			continue
		}
		if seen[key] {
			d.errorf(k.pos, "%s: key %q appears twice", what, key)
			continue
		}
		seen[key] = true
		if !contains(allowed, key) {
			msg := fmt.Sprintf("%s: unknown field %q", what, key)
			if s := suggest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (allowed: %s)", strings.Join(allowed, ", "))
			}
			d.errorf(k.pos, "%s", msg)
			continue
		}
		fn(key, n.vals[i])
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the allowed key closest to key, if it is close enough to be a typo.
func suggest(key string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if dd := editDistance(key, a); dd < bestD {
			best, bestD = a, dd
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) str(n *node, what string) string {
	switch n.kind {
	case nNull:
		return ""
	case nScalar:
		return n.text
	}
	d.errorf(n.pos, "%s must be text, got %s", what, n.kind)
	return ""
}

// strs reads a list of strings; a single string is accepted as a list of one.
func (d *decoder) strs(n *node, what string) []string {
	switch n.kind {
	case nNull:
		return nil
	case nScalar:
		return []string{n.text}
	case nSeq:
		out := make([]string, 0, len(n.items))
		for _, it := range n.items {
			if it.kind != nScalar {
				d.errorf(it.pos, "%s: each entry must be text, got %s", what, it.kind)
				continue
			}
			out = append(out, it.text)
		}
		return out
	}
	d.errorf(n.pos, "%s must be a list of text, got %s", what, n.kind)
	return nil
}

func (d *decoder) boolean(n *node, what string) bool {
	if n.kind == nNull {
		return false
	}
	if b, ok := n.value.(bool); ok && n.kind == nScalar {
		return b
	}
	d.errorf(n.pos, "%s must be true or false, got %q", what, n.text)
	return false
}

func (d *decoder) list(n *node, what string) []*node {
	switch n.kind {
	case nNull:
		return nil
	case nSeq:
		return n.items
	}
	d.errorf(n.pos, "%s must be a list, got %s", what, n.kind)
	return nil
}

// top decodes the root mapping of a document.
func (d *decoder) top(root *node, doc *Document) {
	d.fields(root, "catalog file", []string{"teams", "domains", "services", "events", "flows"}, func(key string, v *node) {
		for _, it := range d.list(v, key) {
			switch key {
			case "teams":
				d.team(it, doc)
			case "domains":
				d.domain(it, "", doc, 0)
			case "services":
				d.service(it, doc)
			case "events":
				d.event(it, doc)
			case "flows":
				d.flow(it, doc)
			}
		}
	})
}

// idOf reads the id field of an entity mapping early, so that field positions can
// be keyed by it.
func idOf(n *node) string {
	for i, k := range n.keys {
		if k.text == "id" && n.vals[i].kind == nScalar {
			return n.vals[i].text
		}
	}
	return ""
}

// entity records the position of a new entity and returns the key prefix of its
// fields.
func (d *decoder) entity(kind string, n *node, index int) string {
	id := idOf(n)
	d.src.entityPosSet(tkey{kind, index}, n.pos)
	prefix := kind + "/" + id
	d.src.set(prefix, n.pos)
	for i, k := range n.keys {
		d.src.set(prefix+"."+k.text, n.vals[i].pos)
	}
	if id == "" && n.kind == nMap {
		d.errorf(n.pos, "%s entry has no id", strings.TrimSuffix(kind, "s"))
	}
	return prefix
}

func (d *decoder) team(n *node, doc *Document) {
	var t Team
	if n.kind == nMap {
		d.entity("teams", n, len(doc.Teams))
	}
	ok := d.fields(n, "team", []string{"id", "name", "description", "email", "chat", "members"}, func(k string, v *node) {
		switch k {
		case "id":
			t.ID = d.str(v, "team id")
		case "name":
			t.Name = d.str(v, "team name")
		case "description":
			t.Description = d.str(v, "team description")
		case "email":
			t.Email = d.str(v, "team email")
		case "chat":
			t.Chat = d.str(v, "team chat")
		case "members":
			t.Members = d.strs(v, "team members")
		}
	})
	if ok {
		doc.Teams = append(doc.Teams, t)
	}
}

func (d *decoder) domain(n *node, parent string, doc *Document, depth int) {
	var dm Domain
	var children []*node
	if n.kind == nMap {
		d.entity("domains", n, len(doc.Domains))
	}
	ok := d.fields(n, "domain", []string{"id", "name", "description", "parent", "owners", "tags", "domains"}, func(k string, v *node) {
		switch k {
		case "id":
			dm.ID = d.str(v, "domain id")
		case "name":
			dm.Name = d.str(v, "domain name")
		case "description":
			dm.Description = d.str(v, "domain description")
		case "parent":
			dm.Parent = d.str(v, "domain parent")
			if parent != "" {
				d.errorf(v.pos, "domain %q is nested under %q and also names a parent: use one or the other", idOf(n), parent)
			}
		case "owners":
			dm.Owners = d.strs(v, "domain owners")
		case "tags":
			dm.Tags = d.strs(v, "domain tags")
		case "domains":
			children = d.list(v, "domains")
		}
	})
	if !ok {
		return
	}
	if parent != "" {
		dm.Parent = parent
	}
	doc.Domains = append(doc.Domains, dm)
	if depth > 16 {
		d.errorf(n.pos, "domains nested too deeply")
		return
	}
	for _, c := range children {
		d.domain(c, dm.ID, doc, depth+1)
	}
}

func (d *decoder) service(n *node, doc *Document) {
	var s Application
	prefix := ""
	if n.kind == nMap {
		prefix = d.entity("services", n, len(doc.Services))
	}
	ok := d.fields(n, "service", []string{"id", "name", "description", "domain", "owners", "tags", "repository", "external", "sends", "receives"}, func(k string, v *node) {
		switch k {
		case "id":
			s.ID = d.str(v, "service id")
		case "name":
			s.Name = d.str(v, "service name")
		case "description":
			s.Description = d.str(v, "service description")
		case "domain":
			s.Domain = d.str(v, "service domain")
		case "owners":
			s.Owners = d.strs(v, "service owners")
		case "tags":
			s.Tags = d.strs(v, "service tags")
		case "repository":
			s.Repository = d.str(v, "service repository")
		case "external":
			s.External = d.boolean(v, "service external")
		case "sends":
			s.Sends = d.messages(v, prefix+".sends", "sends")
		case "receives":
			s.Receives = d.messages(v, prefix+".receives", "receives")
		}
	})
	if ok {
		doc.Services = append(doc.Services, s)
	}
}

// messages reads a sends or receives list: each entry is an event id, or a mapping
// {event, fields}.
func (d *decoder) messages(n *node, prefix, what string) []Message {
	var out []Message
	for i, it := range d.list(n, what) {
		key := fmt.Sprintf("%s[%d]", prefix, i)
		d.src.set(key, it.pos)
		if it.kind == nScalar {
			out = append(out, Message{Event: it.text})
			continue
		}
		var m Message
		allowed := []string{"event"}
		if what == "receives" {
			allowed = append(allowed, "fields")
		}
		if d.fields(it, what+" entry", allowed, func(k string, v *node) {
			switch k {
			case "event":
				m.Event = d.str(v, what+" event")
			case "fields":
				m.Fields = d.strs(v, "fields")
			}
		}) {
			if m.Event == "" {
				d.errorf(it.pos, "%s entry has no event", what)
			}
			out = append(out, m)
		}
	}
	return out
}

func (d *decoder) event(n *node, doc *Document) {
	var e Event
	prefix := ""
	if n.kind == nMap {
		prefix = d.entity("events", n, len(doc.Events))
	}
	ok := d.fields(n, "event", []string{"id", "name", "kind", "domain", "subject", "topic", "description", "owners", "tags", "examples", "deprecated"}, func(k string, v *node) {
		switch k {
		case "id":
			e.ID = d.str(v, "event id")
		case "name":
			e.Name = d.str(v, "event name")
		case "kind":
			kind, err := ParseKind(d.str(v, "event kind"))
			if err != nil {
				d.errorf(v.pos, "%v", err)
			}
			e.Kind = kind
		case "domain":
			e.Domain = d.str(v, "event domain")
		case "subject":
			e.Subject = d.str(v, "event subject")
		case "topic":
			e.Topic = d.str(v, "event topic")
		case "description":
			e.Description = d.str(v, "event description")
		case "owners":
			e.Owners = d.strs(v, "event owners")
		case "tags":
			e.Tags = d.strs(v, "event tags")
		case "examples":
			for i, it := range d.list(v, "examples") {
				d.src.set(fmt.Sprintf("%s.examples[%d]", prefix, i), it.pos)
				var ex Example
				d.fields(it, "example", []string{"name", "description", "value"}, func(k string, v *node) {
					switch k {
					case "name":
						ex.Name = d.str(v, "example name")
					case "description":
						ex.Description = d.str(v, "example description")
					case "value":
						ex.Value = toJSON(v)
					}
				})
				if ex.Value == nil {
					d.errorf(it.pos, "example %q has no value", ex.Name)
				}
				if ex.Name == "" {
					ex.Name = fmt.Sprintf("example %d", i+1)
				}
				e.Examples = append(e.Examples, ex)
			}
		case "deprecated":
			if v.kind == nScalar {
				if d.boolean(v, "deprecated") {
					e.Deprecated = &Deprecation{}
				}
				return
			}
			dep := &Deprecation{}
			d.fields(v, "deprecated", []string{"date", "message", "replacement"}, func(k string, v *node) {
				switch k {
				case "date":
					dep.Date = d.str(v, "deprecation date")
				case "message":
					dep.Message = d.str(v, "deprecation message")
				case "replacement":
					dep.Replacement = d.str(v, "deprecation replacement")
				}
			})
			e.Deprecated = dep
		}
	})
	if ok {
		doc.Events = append(doc.Events, e)
	}
}

func (d *decoder) flow(n *node, doc *Document) {
	var f Flow
	prefix := ""
	if n.kind == nMap {
		prefix = d.entity("flows", n, len(doc.Flows))
	}
	ok := d.fields(n, "flow", []string{"id", "name", "description", "domain", "owners", "tags", "steps"}, func(k string, v *node) {
		switch k {
		case "id":
			f.ID = d.str(v, "flow id")
		case "name":
			f.Name = d.str(v, "flow name")
		case "description":
			f.Description = d.str(v, "flow description")
		case "domain":
			f.Domain = d.str(v, "flow domain")
		case "owners":
			f.Owners = d.strs(v, "flow owners")
		case "tags":
			f.Tags = d.strs(v, "flow tags")
		case "steps":
			for i, it := range d.list(v, "steps") {
				f.Steps = append(f.Steps, d.step(it, fmt.Sprintf("%s.steps[%d]", prefix, i), i))
			}
		}
	})
	if ok {
		doc.Flows = append(doc.Flows, f)
	}
}

func (d *decoder) step(n *node, key string, i int) Step {
	st := Step{ID: strconv.Itoa(i + 1)}
	d.src.set(key, n.pos)
	if n.kind == nMap {
		for j, k := range n.keys {
			d.src.set(key+"."+k.text, n.vals[j].pos)
		}
	}
	hasAction := false
	d.fields(n, "flow step", []string{"id", "title", "service", "sends", "receives", "next", "end"}, func(k string, v *node) {
		switch k {
		case "end":
			st.End = d.boolean(v, "step end")
		case "id":
			st.ID = d.str(v, "step id")
		case "title":
			st.Title = d.str(v, "step title")
		case "service":
			st.Service = d.str(v, "step service")
		case "sends", "receives":
			if hasAction {
				d.errorf(v.pos, "flow step has both sends and receives: split it into two steps")
			}
			hasAction = true
			st.Event = d.str(v, "step "+k)
			d.src.set(key+".event", v.pos)
			if k == "receives" {
				st.Action = Receives
			}
		case "next":
			for j, it := range d.list(v, "next") {
				d.src.set(fmt.Sprintf("%s.next[%d]", key, j), it.pos)
				if it.kind == nScalar {
					st.Next = append(st.Next, Branch{Step: it.text})
					continue
				}
				var b Branch
				d.fields(it, "next entry", []string{"step", "label", "when"}, func(k string, v *node) {
					switch k {
					case "step":
						b.Step = d.str(v, "next step")
					case "label", "when":
						b.Label = d.str(v, "next "+k)
					}
				})
				st.Next = append(st.Next, b)
			}
		}
	})
	if n.kind == nMap && !hasAction {
		d.errorf(n.pos, "flow step %q needs sends: EVENT or receives: EVENT", st.ID)
	}
	return st
}

// toJSON encodes a node as JSON, keeping the key order as written.
func toJSON(n *node) json.RawMessage {
	var b bytes.Buffer
	writeJSON(&b, n)
	return json.RawMessage(b.Bytes())
}

func writeJSON(b *bytes.Buffer, n *node) {
	switch n.kind {
	case nNull:
		b.WriteString("null")
	case nMap:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k.text)
			b.Write(kb)
			b.WriteByte(':')
			writeJSON(b, n.vals[i])
		}
		b.WriteByte('}')
	case nSeq:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, it)
		}
		b.WriteByte(']')
	default:
		switch v := n.value.(type) {
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case int, int64, uint64, int32, uint32:
			fmt.Fprint(b, v)
		case float64:
			vb, err := json.Marshal(v)
			if err != nil {
				vb, _ = json.Marshal(n.text)
			}
			b.Write(vb)
		default:
			vb, _ := json.Marshal(n.text)
			b.Write(vb)
		}
	}
}
