package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Field is one row of a schema's field table. Nested fields have dotted paths.
type Field struct {
	// Path is the dotted path from the root ("customer.address.city").
	Path string `json:"path"`
	// Name is the last element of Path.
	Name string `json:"name"`
	// Depth is the nesting level, 0 for top-level fields.
	Depth int `json:"depth"`
	// Type is the field's type as the format spells it ("string", "array<Item>",
	// "null | long", "map<string, int64>").
	Type        string `json:"type"`
	Required    bool   `json:"required"`
	Description string `json:"description,omitempty"`
	// RefTo is set on a later use of a shared type (a JSON Schema $ref target, an
	// Avro named type, a Protobuf message) and names it; Ref is then the path of
	// the row where that type was first used, under which its fields are listed
	// ("" for the top level). The fields are not repeated under this row: listing
	// them at every use takes work exponential in the nesting of shared types.
	RefTo string `json:"refTo,omitempty"`
	Ref   string `json:"ref,omitempty"`
}

// FieldLimits bound the work of one field extraction, so that no schema, however
// it is shaped, makes a field table (or a diff built from two) unbounded. The zero
// value means the defaults.
type FieldLimits struct {
	// MaxRows bounds the rows of one field table and the changes of one diff.
	// Zero: DefaultMaxFieldRows.
	MaxRows int
	// MaxNodes bounds the schema nodes one extraction visits. Zero:
	// DefaultMaxFieldNodes.
	MaxNodes int
}

// Default field limits. A large real schema has a few hundred fields; a table of
// thousands is no longer read by anyone.
const (
	DefaultMaxFieldRows  = 5000
	DefaultMaxFieldNodes = 200_000
)

func (l FieldLimits) rows() int  { return orDefault(l.MaxRows, DefaultMaxFieldRows) }
func (l FieldLimits) nodes() int { return orDefault(l.MaxNodes, DefaultMaxFieldNodes) }

// maxFieldDepth bounds nesting in field tables. Shared types are listed once, so
// the bound is not what keeps the table small; it keeps the walk's stack small on
// deeply nested inline types, and it is deep enough that a change at the bottom
// of a realistic (or adversarial, 60-level) schema still shows.
const maxFieldDepth = 128

// maxJSONNesting bounds the nesting of a JSON document the field walker decodes.
const maxJSONNesting = 512

// Fields extracts the field table of a schema from its text, for any format.
// Each shared type is listed once, under its first use; later uses are one row
// with RefTo and Ref set. A schema that cannot be read gives no fields.
//
// Errors: a *compat.LimitError when the table would pass lim.MaxRows rows or the
// walk lim.MaxNodes nodes, and ctx's error when ctx ends; the rows found until
// then are returned with the error.
func Fields(ctx context.Context, t compat.SchemaType, text string, lim FieldLimits) ([]Field, error) {
	ft := &fieldTable{budget: compat.NewBudget(ctx, lim.nodes(), "schema nodes visited"), maxRows: lim.rows()}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch t {
	case compat.JSON:
		jsonFields(ft, text)
	case compat.Avro:
		avroFields(ft, text)
	case compat.Protobuf:
		protoFields(ft, text)
	}
	return ft.out, ft.err
}

// fieldTable collects the rows of one extraction against its limits.
type fieldTable struct {
	budget  *compat.Budget
	maxRows int
	out     []Field
	// err is the first limit reached; once set, the walk stops.
	err error
}

// step counts one visited node; false once a limit is reached.
func (ft *fieldTable) step() bool {
	if ft.err != nil {
		return false
	}
	if !ft.budget.Step() {
		ft.err = ft.budget.Err()
		return false
	}
	return true
}

// add appends a row and returns its index, or -1 once a limit is reached.
func (ft *fieldTable) add(f Field) int {
	if !ft.step() {
		return -1
	}
	if len(ft.out) >= ft.maxRows {
		ft.err = &compat.LimitError{What: "rows in a field table", Limit: ft.maxRows}
		return -1
	}
	ft.out = append(ft.out, f)
	return len(ft.out) - 1
}

// ref marks row i as a later use of the shared type named name, listed under path.
func (ft *fieldTable) ref(i int, name, path string) {
	if ft.out[i].RefTo == "" {
		ft.out[i].RefTo, ft.out[i].Ref = name, path
	}
}

// ---- JSON Schema ----

// jnode is a decoded JSON value that keeps object members in document order,
// which a field table follows. The document is decoded once; the walk then
// follows pointers, so nothing is decoded twice however often it is reached.
type jnode struct {
	// kind is '{', '[', 's' (string), or 'v' (number, bool, null).
	kind byte
	// keys and vals are an object's members, or (vals only) an array's elements.
	keys []string
	vals []*jnode
	// index maps keys to positions, built for large objects only.
	index map[string]int
	// str is a string's value; scalar a number's, bool's or null's.
	str    string
	scalar any
}

// indexFrom is the member count from which an object gets a map index: smaller
// objects are searched in order, which is faster and allocates nothing.
const indexFrom = 16

// get returns the member k of an object, or nil.
func (n *jnode) get(k string) *jnode {
	if n == nil || n.kind != '{' {
		return nil
	}
	if n.index != nil {
		if i, ok := n.index[k]; ok {
			return n.vals[i]
		}
		return nil
	}
	for i, key := range n.keys {
		if key == k {
			return n.vals[i]
		}
	}
	return nil
}

// text returns a string member's value, or "".
func (n *jnode) text(k string) string {
	if v := n.get(k); v != nil && v.kind == 's' {
		return v.str
	}
	return ""
}

// errTooDeep stops decoding a document nested past maxJSONNesting.
var errTooDeep = errors.New("too deeply nested")

// decodeJSON decodes text into a jnode tree.
func decodeJSON(text string) (*jnode, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := decodeNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the schema")
	}
	return n, nil
}

func decodeNode(dec *json.Decoder, depth int) (*jnode, error) {
	if depth > maxJSONNesting {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &jnode{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				ks, _ := k.(string)
				n.keys = append(n.keys, ks)
			}
			v, err := decodeNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.keys) >= indexFrom {
			n.index = make(map[string]int, len(n.keys))
			for i, k := range n.keys {
				if _, dup := n.index[k]; !dup {
					n.index[k] = i
				}
			}
		}
		return n, nil
	case string:
		return &jnode{kind: 's', str: t}, nil
	default:
		return &jnode{kind: 'v', scalar: t}, nil
	}
}

// compact writes n as compact JSON.
func (n *jnode) compact(b *bytes.Buffer) {
	switch n.kind {
	case 's':
		q, _ := json.Marshal(n.str)
		b.Write(q)
	case 'v':
		q, _ := json.Marshal(n.scalar)
		b.Write(q)
	default:
		open, closing := byte('['), byte(']')
		if n.kind == '{' {
			open, closing = '{', '}'
		}
		b.WriteByte(open)
		for i, v := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			if n.kind == '{' {
				q, _ := json.Marshal(n.keys[i])
				b.Write(q)
				b.WriteByte(':')
			}
			v.compact(b)
		}
		b.WriteByte(closing)
	}
}

type jsonWalker struct {
	ft   *fieldTable
	root *jnode
	// first maps each $ref target already used to the path under which its
	// fields are listed: the memo that keeps a shared definition to one listing.
	first map[*jnode]string
}

func jsonFields(ft *fieldTable, text string) {
	root, err := decodeJSON(text)
	if err != nil || root.kind != '{' {
		return
	}
	w := &jsonWalker{ft: ft, root: root, first: map[*jnode]string{}}
	// A root that is only a $ref ({"$ref": "#/$defs/Order", "$defs": ...}) lists
	// the fields of its target.
	top, _ := w.resolve(root)
	w.first[top] = ""
	w.first[root] = ""
	w.object(top, "", 0)
}

// resolve follows local $refs ("#", "#/definitions/x", "#/$defs/x") from m and
// returns the target and the last $ref followed ("" when m has none). A $ref it
// cannot follow leaves m as the target.
func (w *jsonWalker) resolve(m *jnode) (*jnode, string) {
	last := ""
	for range 8 {
		ref := m.text("$ref")
		if ref == "" || !w.ft.step() {
			return m, last
		}
		last = ref
		if ref != "#" && !strings.HasPrefix(ref, "#/") {
			return m, ref
		}
		cur := w.root
		if ref != "#" {
			for _, part := range strings.Split(ref[2:], "/") {
				part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
				next := cur.get(part)
				if next == nil || next.kind != '{' {
					return m, ref
				}
				cur = next
			}
		}
		m = cur
	}
	return m, last
}

func (w *jsonWalker) object(m *jnode, prefix string, depth int) {
	if depth > maxFieldDepth {
		return
	}
	props := m.get("properties")
	if props == nil || props.kind != '{' {
		return
	}
	required := map[string]bool{}
	if req := m.get("required"); req != nil && req.kind == '[' {
		for _, r := range req.vals {
			if r.kind == 's' {
				required[r.str] = true
			}
		}
	}
	for i, name := range props.keys {
		sub := props.vals[i]
		target, ref := w.resolve(sub)
		path := joinPath(prefix, name)
		f := Field{Path: path, Name: name, Depth: depth, Type: jsonType(target, ref), Required: required[name]}
		f.Description = sub.text("description")
		if f.Description == "" {
			f.Description = target.text("description")
		}
		row := w.ft.add(f)
		if row < 0 {
			return
		}
		// The node whose fields nest under this row: the target, or for an
		// array its items.
		nest, nestPath, nestRef := target, path, ref
		if target.get("properties") == nil {
			items := target.get("items")
			if items == nil || items.kind != '{' {
				// A leaf. A shared one is still marked, so that a change to
				// it shows once, at its first use.
				if ref != "" {
					w.share(row, target, ref, path)
				}
				continue
			}
			nest, nestRef = w.resolve(items)
			nestPath = path + "[]"
		}
		if nestRef != "" && !w.share(row, nest, nestRef, nestPath) {
			continue
		}
		w.object(nest, nestPath, depth+1)
	}
}

// share records the first use of the $ref target n at path, and reports whether
// its fields should be listed there; a later use marks row as a reference.
func (w *jsonWalker) share(row int, n *jnode, ref, path string) bool {
	if at, ok := w.first[n]; ok {
		w.ft.ref(row, refName(ref), at)
		return false
	}
	w.first[n] = path
	return true
}

func jsonType(m *jnode, ref string) string {
	var t string
	if v := m.get("type"); v != nil {
		switch v.kind {
		case 's':
			t = v.str
		case '[':
			parts := make([]string, 0, len(v.vals))
			for _, x := range v.vals {
				if x.kind == 's' {
					parts = append(parts, x.str)
				}
			}
			t = strings.Join(parts, " | ")
		}
	}
	if t == "" {
		switch {
		case m.get("oneOf") != nil:
			t = "oneOf"
		case m.get("anyOf") != nil:
			t = "anyOf"
		case m.get("enum") != nil:
			t = "enum"
		case m.get("const") != nil:
			t = "const"
		case ref != "":
			t = refName(ref)
		default:
			t = "any"
		}
	}
	if t == "array" {
		if im := m.get("items"); im != nil && im.kind == '{' {
			// Items are named, not expanded: their $ref's name, or their own
			// type one level down (an array of arrays shows as such).
			t = "array<" + jsonType(im, im.text("$ref")) + ">"
		}
	}
	if f := m.text("format"); f != "" {
		t += " (" + f + ")"
	}
	if e := m.get("enum"); e != nil && e.kind == '[' && len(e.vals) <= 8 {
		var b bytes.Buffer
		b.WriteString(" {")
		for i, v := range e.vals {
			if i > 0 {
				b.WriteString(", ")
			}
			v.compact(&b)
		}
		b.WriteString("}")
		t += b.String()
	}
	return t
}

func refName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// ---- Avro ----

// avroDef is a named Avro type (record, error, enum or fixed).
type avroDef struct {
	name string
	m    map[string]any
}

type avroWalker struct {
	ft *fieldTable
	// named maps full and short names to their definitions.
	named map[string]*avroDef
	// first maps each named type already used to the path under which its
	// fields are listed: the memo Avro's own resolution keeps for named types.
	first map[*avroDef]string
}

func avroFields(ft *fieldTable, text string) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return
	}
	w := &avroWalker{ft: ft, named: map[string]*avroDef{}, first: map[*avroDef]string{}}
	w.collect(v, "", 0)
	m, ok := v.(map[string]any)
	if !ok || (m["type"] != "record" && m["type"] != "error") {
		return
	}
	if d := w.def(m); d != nil {
		w.first[d] = ""
	}
	w.record(m, "", 0)
}

// collect indexes named types by full and short name.
func (w *avroWalker) collect(v any, ns string, depth int) {
	if depth > maxJSONNesting || !w.ft.step() {
		return
	}
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			w.collect(x, ns, depth+1)
		}
	case map[string]any:
		name, _ := t["name"].(string)
		if n, ok := t["namespace"].(string); ok {
			ns = n
		}
		switch t["type"] {
		case "record", "error", "enum", "fixed":
			if name != "" {
				d := &avroDef{name: name, m: t}
				w.named[name] = d
				if ns != "" && !strings.Contains(name, ".") {
					w.named[ns+"."+name] = d
				}
				if i := strings.LastIndex(name, "."); i >= 0 {
					w.named[name[i+1:]] = d
				}
			}
		}
		if fs, ok := t["fields"].([]any); ok {
			for _, f := range fs {
				if fm, ok := f.(map[string]any); ok {
					w.collect(fm["type"], ns, depth+1)
				}
			}
		}
		w.collect(t["items"], ns, depth+1)
		w.collect(t["values"], ns, depth+1)
	}
}

// def returns the definition of an inline named type.
func (w *avroWalker) def(m map[string]any) *avroDef {
	name, _ := m["name"].(string)
	return w.named[name]
}

func (w *avroWalker) record(m map[string]any, prefix string, depth int) {
	if depth > maxFieldDepth {
		return
	}
	fs, _ := m["fields"].([]any)
	for _, f := range fs {
		fm, ok := f.(map[string]any)
		if !ok {
			continue
		}
		name, _ := fm["name"].(string)
		path := joinPath(prefix, name)
		_, hasDefault := fm["default"]
		typ := fm["type"]
		nullable := false
		if u, ok := typ.([]any); ok {
			for _, b := range u {
				if b == "null" {
					nullable = true
				}
			}
		}
		doc, _ := fm["doc"].(string)
		row := w.ft.add(Field{Path: path, Name: name, Depth: depth, Type: w.typeName(typ, 0), Required: !hasDefault && !nullable, Description: doc})
		if row < 0 {
			return
		}
		w.nested(row, typ, path, depth+1)
	}
}

// nested descends into the named types a field type contains: a record's fields
// are listed at its first use, and every later use of a named type marks row as
// a reference to it.
func (w *avroWalker) nested(row int, typ any, path string, depth int) {
	if depth > maxFieldDepth || !w.ft.step() {
		return
	}
	var d *avroDef
	switch t := typ.(type) {
	case string:
		d = w.named[t]
	case []any:
		for _, b := range t {
			if b != "null" {
				w.nested(row, b, path, depth)
			}
		}
		return
	case map[string]any:
		switch t["type"] {
		case "record", "error", "enum", "fixed":
			d = w.def(t)
		case "array":
			w.nested(row, t["items"], path+"[]", depth)
			return
		case "map":
			w.nested(row, t["values"], path+"{}", depth)
			return
		default:
			return
		}
	}
	if d == nil {
		return
	}
	if at, ok := w.first[d]; ok {
		w.ft.ref(row, d.name, at)
		return
	}
	w.first[d] = path
	if d.m["type"] == "record" || d.m["type"] == "error" {
		w.record(d.m, path, depth)
	}
}

// typeName spells a field type; nested named types are spelled by name, so the
// work is bounded by the field's own declaration.
func (w *avroWalker) typeName(typ any, depth int) string {
	if depth > maxJSONNesting || !w.ft.step() {
		return "?"
	}
	switch t := typ.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, b := range t {
			parts[i] = w.typeName(b, depth+1)
		}
		return strings.Join(parts, " | ")
	case map[string]any:
		kind, _ := t["type"].(string)
		if lt, ok := t["logicalType"].(string); ok {
			return kind + " (" + lt + ")"
		}
		switch kind {
		case "array":
			return "array<" + w.typeName(t["items"], depth+1) + ">"
		case "map":
			return "map<" + w.typeName(t["values"], depth+1) + ">"
		case "record", "error", "fixed":
			n, _ := t["name"].(string)
			return n
		case "enum":
			n, _ := t["name"].(string)
			if syms, ok := t["symbols"].([]any); ok && len(syms) <= 8 {
				parts := make([]string, len(syms))
				for i, s := range syms {
					parts[i], _ = s.(string)
				}
				return "enum " + n + " {" + strings.Join(parts, ", ") + "}"
			}
			return "enum " + n
		}
		return w.typeName(t["type"], depth+1)
	}
	return "?"
}

// ---- Protobuf ----

// protoMsg is a message found by the small Protobuf scanner.
type protoMsg struct {
	name   string
	fields []protoField
	nested map[string]*protoMsg
}

type protoField struct {
	label, typ, name, comment string
}

// protoFields scans Protobuf text: the field table is the first top-level message's
// (the one Confluent serializers use by default). Nested and same-file message
// types are expanded at their first use; later uses refer to it. The scanner only
// needs to be good enough for documentation: the registry's parser has already
// validated the schema.
func protoFields(ft *fieldTable, text string) {
	toks := protoTokens(text)
	top := map[string]*protoMsg{}
	var order []string
	p := &protoParser{toks: toks}
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.text == "message" && p.i+1 < len(p.toks) {
			m := p.message()
			if m != nil {
				top[m.name] = m
				order = append(order, m.name)
			}
			continue
		}
		p.i++
	}
	if len(order) == 0 {
		return
	}
	lookup := func(name string, scope []*protoMsg) *protoMsg {
		name = strings.TrimPrefix(name, ".")
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = name[i+1:]
		}
		for i := len(scope) - 1; i >= 0; i-- {
			if n, ok := scope[i].nested[name]; ok {
				return n
			}
		}
		return top[name]
	}
	// first maps each message already used to the path under which its fields
	// are listed.
	first := map[*protoMsg]string{}
	var walk func(m *protoMsg, scope []*protoMsg, prefix string, depth int)
	walk = func(m *protoMsg, scope []*protoMsg, prefix string, depth int) {
		if depth > maxFieldDepth {
			return
		}
		scope = append(scope[:len(scope):len(scope)], m)
		for _, f := range m.fields {
			path := joinPath(prefix, f.name)
			typ := f.typ
			if f.label == "repeated" {
				typ = "repeated " + typ
			}
			row := ft.add(Field{Path: path, Name: f.name, Depth: depth, Type: typ, Required: f.label == "required", Description: f.comment})
			if row < 0 {
				return
			}
			n := lookup(f.typ, scope)
			if n == nil {
				continue
			}
			sub := path
			if f.label == "repeated" {
				sub += "[]"
			}
			if at, ok := first[n]; ok {
				ft.ref(row, n.name, at)
				continue
			}
			first[n] = sub
			walk(n, scope, sub, depth+1)
		}
	}
	root := top[order[0]]
	first[root] = ""
	walk(root, nil, "", 0)
}

type protoTok struct {
	text    string
	comment string // leading comment, for the token that starts a field
}

// protoTokens splits Protobuf text into tokens, attaching each run of comments
// to the next token.
func protoTokens(s string) []protoTok {
	var toks []protoTok
	var pending []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if c == '\n' && i+1 < len(s) && len(pending) > 0 {
				// A blank line detaches comments from what follows.
				j := i + 1
				for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r') {
					j++
				}
				if j < len(s) && s[j] == '\n' {
					pending = nil
				}
			}
			i++
		case strings.HasPrefix(s[i:], "//"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			pending = append(pending, strings.TrimSpace(s[i+2:i+j]))
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return toks
			}
			pending = append(pending, strings.TrimSpace(strings.Trim(s[i+2:i+2+j], "* \n")))
			i += j + 4
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			toks = append(toks, protoTok{text: s[i:min(j+1, len(s))]})
			i = j + 1
		case isIdent(c) || c == '.':
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			toks = append(toks, protoTok{text: s[i:j], comment: strings.Join(pending, " ")})
			pending = nil
			i = j
		default:
			toks = append(toks, protoTok{text: string(c)})
			pending = nil
			i++
		}
	}
	return toks
}

func isIdent(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

type protoParser struct {
	toks []protoTok
	i    int
}

func (p *protoParser) peek(k int) string {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k].text
	}
	return ""
}

// skipBlock skips from an opening brace to its match.
func (p *protoParser) skipBlock() {
	depth := 0
	for p.i < len(p.toks) {
		switch p.toks[p.i].text {
		case "{":
			depth++
		case "}":
			depth--
			if depth == 0 {
				p.i++
				return
			}
		}
		p.i++
	}
}

// skipStatement skips to the next ';' at this level (or a block).
func (p *protoParser) skipStatement() {
	for p.i < len(p.toks) {
		switch p.toks[p.i].text {
		case ";":
			p.i++
			return
		case "{":
			p.skipBlock()
			return
		case "}":
			return
		}
		p.i++
	}
}

// message parses "message Name { ... }" starting at the keyword.
func (p *protoParser) message() *protoMsg {
	p.i++ // message
	m := &protoMsg{name: p.peek(0), nested: map[string]*protoMsg{}}
	p.i++
	if p.peek(0) != "{" {
		return nil
	}
	p.i++
	p.body(m, false)
	return m
}

// body parses message members until the closing brace.
func (p *protoParser) body(m *protoMsg, inOneof bool) {
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		switch t.text {
		case "}":
			p.i++
			return
		case "message":
			if n := p.message(); n != nil {
				m.nested[n.name] = n
			}
			continue
		case "oneof":
			p.i += 2
			if p.peek(0) == "{" {
				p.i++
				p.body(m, true)
			}
			continue
		case "enum", "extend", "extensions", "reserved", "option", "import", "package", "syntax":
			p.skipStatement()
			continue
		case ";":
			p.i++
			continue
		}
		comment := t.comment
		label := ""
		if t.text == "repeated" || t.text == "optional" || t.text == "required" {
			label = t.text
			p.i++
		}
		var typ string
		if p.peek(0) == "map" && p.peek(1) == "<" {
			typ = "map<" + p.peek(2) + ", " + p.peek(4) + ">"
			p.i += 6
		} else {
			typ = p.peek(0)
			p.i++
		}
		name := p.peek(0)
		if p.peek(1) == "=" && name != "" && isIdent(name[0]) {
			if inOneof {
				label = "oneof"
			}
			m.fields = append(m.fields, protoField{label: label, typ: typ, name: name, comment: comment})
		}
		p.skipStatement()
	}
}

// FieldNames returns the distinct field names of a field table, sorted.
func FieldNames(fs []Field) []string {
	set := map[string]bool{}
	for _, f := range fs {
		set[f.Name] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
