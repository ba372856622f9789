package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/heraldhq/herald/internal/textpos"
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

// Problem is one reason a catalog cannot be applied, at its place in a file.
type Problem = textpos.Problem

// ApplyError lists every problem found in a catalog; nothing was changed. It wraps
// ErrInvalid.
type ApplyError struct {
	Problems []Problem
}

func (e *ApplyError) Error() string { return textpos.List("catalog", e.Problems) }

// Unwrap returns ErrInvalid.
func (e *ApplyError) Unwrap() error { return ErrInvalid }

// ErrorDetails returns the problems, one detail each, for /v1 error bodies.
func (e *ApplyError) ErrorDetails() any { return e.Problems }

// Source remembers where each entity and field of a parsed Document was written,
// so that validation errors can name the file and line. Keys look like
// "services/order-service", "services/order-service.domain",
// "services/order-service.sends[1]" and "flows/checkout.steps[2].service".
type Source struct {
	pos map[string]Pos
	// defined holds where each entity ("services/order-service") was first
	// defined, to report the ones defined again.
	defined map[string]Pos
}

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

// newSource returns an empty Source, ready to record positions.
func newSource() *Source { return &Source{pos: map[string]Pos{}, defined: map[string]Pos{}} }

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
	src := newSource()
	var probs []Problem
	more := 0
	budget := maxTokens
	for _, f := range files {
		d := &decoder{file: f.Name, src: src, budget: &budget}
		d.parse([]byte(f.Data), doc)
		probs = append(probs, d.probs...)
		more += d.dropped
	}
	if len(probs) > 0 {
		return nil, nil, &ApplyError{Problems: listed(probs, more)}
	}
	doc.sort()
	return doc, src, nil
}

// maxProblems bounds the problems one apply reports (and each file's decoder
// and the validator keep): a file of a million mistakes is answered with the
// first hundred and a count of the rest, not with a million lines.
const maxProblems = 100

// listed sorts problems and keeps the first maxProblems, with a last one that
// counts those left out (more of them were never kept).
func listed(probs []Problem, more int) []Problem {
	sortProblems(probs)
	if len(probs) > maxProblems {
		more += len(probs) - maxProblems
		probs = probs[:maxProblems]
	}
	if more > 0 {
		probs = append(probs, Problem{Message: fmt.Sprintf("and %d more problems, not listed: fix the ones above first", more)})
	}
	return probs
}

func sortProblems(p []Problem) {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].File != p[j].File {
			return p[i].File < p[j].File
		}
		return p[i].Line < p[j].Line
	})
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

// plain returns n as the generic values yaml.Unmarshal and encoding/json
// use: map[string]any (a later duplicate key wins), []any, and the scalars.
func (n *node) plain() any {
	switch n.kind {
	case nMap:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k.text] = n.vals[i].plain()
		}
		return m
	case nSeq:
		s := make([]any, len(n.items))
		for i, it := range n.items {
			s[i] = it.plain()
		}
		return s
	case nScalar:
		return n.value
	}
	return nil
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

// decoder decodes one file's AST into a Document, collecting problems.
type decoder struct {
	file  string
	src   *Source
	probs []Problem
	// budget is the number of YAML tokens the files of one ParseFiles may still
	// hold, shared by their decoders.
	budget *int
	// what names the documents decoded, in errors: "catalog files" if empty.
	what string
	// dropped counts the problems found after probs held maxProblems.
	dropped int
}

// Bounds on a catalog. maxTokens bounds the parser's work and memory over all
// the files of one apply (the demo catalog is about 3,000 tokens); maxFlowDepth
// bounds the parser's recursion on [[[...]]] before convert's own limit
// (maxDepth, counted in nodes) applies.
const (
	maxTokens    = 500_000
	maxFlowDepth = 1_000
	maxDepth     = 64
)

func (d *decoder) errorf(p Pos, format string, args ...any) {
	if len(d.probs) >= maxProblems {
		d.dropped++
		return
	}
	d.probs = append(d.probs, Problem{File: d.file, Line: p.Line, Column: p.Column, Message: fmt.Sprintf(format, args...)})
}

func (d *decoder) parse(data []byte, doc *Document) {
	for _, root := range d.roots(data) {
		d.decodeValue(reflect.ValueOf(doc).Elem(), root, dctx{index: -1})
	}
}

// roots parses data, within the token budget and the nesting limit, and returns
// the root node of each document in it that is not empty.
func (d *decoder) roots(data []byte) []*node {
	tokens := lexer.Tokenize(string(data))
	if len(tokens) > *d.budget {
		d.errorf(Pos{Line: 1, Column: 1}, "catalog too large: over %d YAML tokens in all; split it and apply the parts one by one", maxTokens)
		*d.budget = 0
		return nil
	}
	*d.budget -= len(tokens)
	depth := 0
	for _, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			depth++
			if depth > maxFlowDepth {
				d.errorf(Pos{Line: tk.Position.Line, Column: tk.Position.Column}, "document nested too deeply")
				return nil
			}
		case token.SequenceEndType, token.MappingEndType:
			depth--
		}
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			d.errorf(Pos{Line: se.Token.Position.Line, Column: se.Token.Position.Column}, "YAML syntax error: %s", se.Message)
			return nil
		}
		d.errorf(Pos{Line: 1, Column: 1}, "YAML syntax error: %v", err)
		return nil
	}
	var roots []*node
	for _, dn := range f.Docs {
		if dn == nil || dn.Body == nil {
			continue
		}
		if root := d.convert(dn.Body, 0); root != nil && root.kind != nNull {
			roots = append(roots, root)
		}
	}
	return roots
}

// convert turns a goccy AST node into a node, resolving anchors, aliases and tags.
func (d *decoder) convert(n ast.Node, depth int) *node {
	if n == nil {
		return &node{kind: nNull}
	}
	if depth > maxDepth {
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
		what := d.what
		if what == "" {
			what = "catalog files"
		}
		d.errorf(pos, "YAML aliases are not supported in %s: repeat the value", what)
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

// name names a value in errors: field (the prefix of its struct's fields, may
// be empty) and key. It is joined only when a message is written.
type name struct{ field, key string }

func (w name) String() string {
	if w.field == "" {
		return w.key
	}
	return w.field + " " + w.key
}

func (d *decoder) str(n *node, what name) string {
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
func (d *decoder) strs(n *node, what name) []string {
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

func (d *decoder) boolean(n *node, what name) bool {
	if n.kind == nNull {
		return false
	}
	if b, ok := n.value.(bool); ok && n.kind == nScalar {
		return b
	}
	d.errorf(n.pos, "%s must be true or false, got %q", what, n.text)
	return false
}

// integer reads a whole number.
func (d *decoder) integer(n *node, what name) int64 {
	switch n.kind {
	case nNull:
		return 0
	case nScalar:
		switch v := n.value.(type) {
		case int:
			return int64(v)
		case int64:
			return v
		case uint64:
			if v <= math.MaxInt64 {
				return int64(v)
			}
		}
	}
	d.errorf(n.pos, "%s must be a whole number, got %s", what, describe(n))
	return 0
}

// describe is a node as an error message quotes it: a scalar as written, else
// its kind.
func describe(n *node) string {
	if n.kind == nScalar {
		return strconv.Quote(n.text)
	}
	return n.kind.String()
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
	case nMap, nSeq:
		// A mapping is its values, each after its key; a sequence, its items.
		open, end, elems := byte('['), byte(']'), n.items
		if n.kind == nMap {
			open, end, elems = '{', '}', n.vals
		}
		b.WriteByte(open)
		for i, e := range elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if n.kind == nMap {
				kb, _ := json.Marshal(n.keys[i].text)
				b.Write(kb)
				b.WriteByte(':')
			}
			writeJSON(b, e)
		}
		b.WriteByte(end)
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
