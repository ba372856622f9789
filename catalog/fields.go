package catalog

import (
	"bytes"
	"encoding/json"
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
}

// maxFieldDepth bounds nesting in field tables (recursive types stop there).
const maxFieldDepth = 8

// Fields extracts the field table of a schema from its text, for any format.
// A schema that cannot be read gives no fields.
func Fields(t compat.SchemaType, text string) []Field {
	switch t {
	case compat.JSON:
		return jsonFields(text)
	case compat.Avro:
		return avroFields(text)
	case compat.Protobuf:
		return protoFields(text)
	}
	return nil
}

// ---- JSON Schema ----

func decodeOrdered(text string) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// orderedKeys returns the keys of a JSON object in document order, found by
// re-scanning the raw text; falls back to sorted order.
func orderedKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return keys
		}
		ks, _ := k.(string)
		keys = append(keys, ks)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

type jsonWalker struct {
	root map[string]json.RawMessage
	out  []Field
}

func jsonFields(text string) []Field {
	var root map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &root); err != nil {
		return nil
	}
	w := &jsonWalker{root: root}
	w.object(root, "", 0, map[string]bool{})
	return w.out
}

// resolve follows a local $ref ("#/definitions/x", "#/$defs/x").
func (w *jsonWalker) resolve(m map[string]json.RawMessage, seen map[string]bool) (map[string]json.RawMessage, string) {
	for range 8 {
		r, ok := m["$ref"]
		if !ok {
			return m, ""
		}
		var ref string
		_ = json.Unmarshal(r, &ref)
		if !strings.HasPrefix(ref, "#/") || seen[ref] {
			return m, ref
		}
		cur := w.root
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			raw, ok := cur[part]
			if !ok {
				return m, ref
			}
			var next map[string]json.RawMessage
			if json.Unmarshal(raw, &next) != nil {
				return m, ref
			}
			cur = next
		}
		m = cur
	}
	return m, ""
}

func (w *jsonWalker) object(m map[string]json.RawMessage, prefix string, depth int, seen map[string]bool) {
	if depth > maxFieldDepth {
		return
	}
	props, ok := m["properties"]
	if !ok {
		return
	}
	var req []string
	_ = json.Unmarshal(m["required"], &req)
	var pm map[string]json.RawMessage
	if json.Unmarshal(props, &pm) != nil {
		return
	}
	for _, name := range orderedKeys(props) {
		var sub map[string]json.RawMessage
		if json.Unmarshal(pm[name], &sub) != nil {
			sub = map[string]json.RawMessage{}
		}
		target, ref := w.resolve(sub, seen)
		path := joinPath(prefix, name)
		f := Field{Path: path, Name: name, Depth: depth, Type: jsonType(target, ref), Required: contains(req, name)}
		f.Description = jsonString(sub["description"])
		if f.Description == "" {
			f.Description = jsonString(target["description"])
		}
		w.out = append(w.out, f)
		if ref != "" && seen[ref] {
			continue
		}
		next := seen
		if ref != "" {
			next = copySet(seen, ref)
		}
		if _, ok := target["properties"]; ok {
			w.object(target, path, depth+1, next)
		} else if items, ok := target["items"]; ok {
			var im map[string]json.RawMessage
			if json.Unmarshal(items, &im) == nil {
				it, iref := w.resolve(im, next)
				if iref == "" || !next[iref] {
					if iref != "" {
						next = copySet(next, iref)
					}
					w.object(it, path+"[]", depth+1, next)
				}
			}
		}
	}
}

func copySet(m map[string]bool, k string) map[string]bool {
	n := make(map[string]bool, len(m)+1)
	for x := range m {
		n[x] = true
	}
	n[k] = true
	return n
}

func jsonString(raw json.RawMessage) string {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func jsonType(m map[string]json.RawMessage, ref string) string {
	var t string
	if raw, ok := m["type"]; ok {
		var one string
		var many []string
		if json.Unmarshal(raw, &one) == nil {
			t = one
		} else if json.Unmarshal(raw, &many) == nil {
			t = strings.Join(many, " | ")
		}
	}
	if t == "" {
		switch {
		case m["oneOf"] != nil:
			t = "oneOf"
		case m["anyOf"] != nil:
			t = "anyOf"
		case m["enum"] != nil:
			t = "enum"
		case m["const"] != nil:
			t = "const"
		case ref != "":
			t = refName(ref)
		default:
			t = "any"
		}
	}
	if t == "array" {
		var im map[string]json.RawMessage
		if json.Unmarshal(m["items"], &im) == nil {
			var r string
			_ = json.Unmarshal(im["$ref"], &r)
			t = "array<" + jsonType(im, r) + ">"
		}
	}
	if f := jsonString(m["format"]); f != "" {
		t += " (" + f + ")"
	}
	if m["enum"] != nil {
		var vals []any
		if json.Unmarshal(m["enum"], &vals) == nil && len(vals) <= 8 {
			parts := make([]string, len(vals))
			for i, v := range vals {
				b, _ := json.Marshal(v)
				parts[i] = string(b)
			}
			t += " {" + strings.Join(parts, ", ") + "}"
		}
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

type avroWalker struct {
	named map[string]any
	out   []Field
}

func avroFields(text string) []Field {
	v, ok := decodeOrdered(text)
	if !ok {
		return nil
	}
	w := &avroWalker{named: map[string]any{}}
	w.collect(v, "")
	if m, ok := v.(map[string]any); ok && m["type"] == "record" {
		w.record(m, "", 0, map[string]bool{})
	}
	return w.out
}

// collect indexes named types by full and short name.
func (w *avroWalker) collect(v any, ns string) {
	switch t := v.(type) {
	case []any:
		for _, x := range t {
			w.collect(x, ns)
		}
	case map[string]any:
		name, _ := t["name"].(string)
		if n, ok := t["namespace"].(string); ok {
			ns = n
		}
		switch t["type"] {
		case "record", "error", "enum", "fixed":
			if name != "" {
				w.named[name] = t
				if ns != "" && !strings.Contains(name, ".") {
					w.named[ns+"."+name] = t
				}
				if i := strings.LastIndex(name, "."); i >= 0 {
					w.named[name[i+1:]] = t
				}
			}
		}
		if fs, ok := t["fields"].([]any); ok {
			for _, f := range fs {
				if fm, ok := f.(map[string]any); ok {
					w.collect(fm["type"], ns)
				}
			}
		}
		w.collect(t["items"], ns)
		w.collect(t["values"], ns)
	}
}

func (w *avroWalker) record(m map[string]any, prefix string, depth int, seen map[string]bool) {
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
		w.out = append(w.out, Field{Path: path, Name: name, Depth: depth, Type: w.typeName(typ), Required: !hasDefault && !nullable, Description: doc})
		w.nested(typ, path, depth+1, seen)
	}
}

// nested descends into the records a field type contains.
func (w *avroWalker) nested(typ any, path string, depth int, seen map[string]bool) {
	switch t := typ.(type) {
	case string:
		if r, ok := w.named[t].(map[string]any); ok && r["type"] == "record" && !seen[t] {
			w.record(r, path, depth, copySet(seen, t))
		}
	case []any:
		for _, b := range t {
			if b != "null" {
				w.nested(b, path, depth, seen)
			}
		}
	case map[string]any:
		switch t["type"] {
		case "record", "error":
			name, _ := t["name"].(string)
			if !seen[name] {
				w.record(t, path, depth, copySet(seen, name))
			}
		case "array":
			w.nested(t["items"], path+"[]", depth, seen)
		case "map":
			w.nested(t["values"], path+"{}", depth, seen)
		}
	}
}

func (w *avroWalker) typeName(typ any) string {
	switch t := typ.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, len(t))
		for i, b := range t {
			parts[i] = w.typeName(b)
		}
		return strings.Join(parts, " | ")
	case map[string]any:
		kind, _ := t["type"].(string)
		if lt, ok := t["logicalType"].(string); ok {
			return kind + " (" + lt + ")"
		}
		switch kind {
		case "array":
			return "array<" + w.typeName(t["items"]) + ">"
		case "map":
			return "map<" + w.typeName(t["values"]) + ">"
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
		return w.typeName(t["type"])
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
// types are expanded. The scanner only needs to be good enough for documentation:
// the registry's parser has already validated the schema.
func protoFields(text string) []Field {
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
		return nil
	}
	var out []Field
	var walk func(m *protoMsg, scope []*protoMsg, prefix string, depth int, seen map[string]bool)
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
	walk = func(m *protoMsg, scope []*protoMsg, prefix string, depth int, seen map[string]bool) {
		if depth > maxFieldDepth {
			return
		}
		scope = append(scope, m)
		for _, f := range m.fields {
			path := joinPath(prefix, f.name)
			typ := f.typ
			if f.label == "repeated" {
				typ = "repeated " + typ
			}
			out = append(out, Field{Path: path, Name: f.name, Depth: depth, Type: typ, Required: f.label == "required", Description: f.comment})
			if n := lookup(f.typ, scope); n != nil && !seen[n.name] {
				sub := path
				if f.label == "repeated" {
					sub += "[]"
				}
				walk(n, scope, sub, depth+1, copySet(seen, n.name))
			}
		}
	}
	first := top[order[0]]
	walk(first, nil, "", 0, map[string]bool{first.name: true})
	return out
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
