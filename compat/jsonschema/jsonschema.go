// Package jsonschema is Herald's JSON Schema format: it parses schemas (drafts 4, 6,
// 7, 2019-09 and 2020-12, draft-07 when "$schema" is absent), gives their canonical
// and normalized forms, validates JSON payloads, and decides compatibility with
// Confluent's open/closed content-model rules.
//
// Parsing and validation use github.com/santhosh-tekuri/jsonschema/v6. References
// arrive as data (compat.Reference); the package never reads files or the network:
// a $ref that does not name a supplied reference is a *compat.SchemaError.
//
// The compatibility primitive, Format.CanRead(reader, writer), is a hand-written diff
// over the compiled schema model in the style of Confluent's json-schema-provider:
// every change from writer to reader is classified, and the changes that could make
// the reader reject data the writer accepted are reported as violations. The rule
// ids are constants listed, with their purpose, in Rules (rules.go); compat/rulebook
// joins them with the other formats' rules.
//
// The verdicts agree with every case Confluent publishes for its JSON Schema
// checker, under both the STRICT and LENIENT policies, including two of its
// quirks: a "required" name that no property declares is ignored, and
// "additionalItems" is compared even next to a non-array "items". Herald goes
// further where Confluent does not compare at all, always towards what the
// validator enforces: an asserted "format" (drafts 4 to 7), if/then/else,
// numeric bounds compared as intervals (exclusiveMaximum 11 equals maximum 10
// for integers), multipleOf divisibility with exact rationals, and an enum
// writer read exactly (each value is validated against the reader).
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/derived"
	"github.com/heraldhq/herald/compat/jsonschema/compiled"
	"github.com/heraldhq/herald/internal/jsonlex"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// Limits that bound the work a hostile schema can cause.
const (
	// MaxSchemaSize is the largest schema or reference text Parse accepts, in bytes.
	MaxSchemaSize = 4 << 20
	// MaxSchemaDepth is the deepest nesting of JSON arrays and objects Parse accepts.
	MaxSchemaDepth = 256
	// MaxReferences is the most references one schema may bring.
	MaxReferences = 1000
)

// rootURL is the base URI of a schema that declares no absolute "$id". It has a
// path so that relative reference names ("address.json") resolve next to it.
const rootURL = "mem://herald/schema.json"

// Format is the JSON Schema compat.Format. The zero value is ready to use.
type Format struct{}

var _ compat.Format = Format{}

// New returns the JSON Schema format.
func New() compat.Format { return Format{} }

// Type reports compat.JSON.
func (Format) Type() compat.SchemaType { return compat.JSON }

// Schema is a parsed, compiled JSON Schema. It is immutable and safe for
// concurrent use.
type Schema struct {
	canonical string
	// refs are the references the schema was parsed with, kept to compile
	// it again.
	refs []compat.Reference
	// sources holds the text of every document the compiled schema was built
	// from, by URL: the root (its canonical text) at rootURL and the references
	// under the URL they were loaded as.
	sources []source

	// built holds the compiled forms while formsCache keeps them.
	built derived.Slot[forms]
}

// forms are what a schema compiles to: the full validator, and the fast
// validator, the compatibility model and the decoded documents built from it
// on first use. They cost 15–25 times the text (santhosh-tekuri's compiled
// schema alone about 12), so they live in formsCache, bounded by bytes, and
// are compiled again from the sources when it dropped them; a schema itself
// keeps little more than its text.
type forms struct {
	compiled *sjs.Schema
	sources  []source

	// The decoded documents weigh ~7 times their text and only
	// compatibility checks and metered validation need them after
	// compiling, so they are decoded again then (documents).
	docsOnce sync.Once
	docs     map[string]any // built by documents
	// extras holds, for drafts before 2020-12, the compiled "additionalItems"
	// next to a non-array "items". Validation ignores it, as the specification
	// says; the checker compares it, as Confluent does.
	extras map[*sjs.Schema]*sjs.Schema

	modelOnce sync.Once
	model     *node // built on first use by CanRead

	// meters holds metered copies of compiled, for payloads whose
	// validation could take too long (see cost.go).
	meters meters

	fastOnce sync.Once
	fast     *compiled.Validator // the fast path, nil for a fallback schema (compiled_build.go)
}

var _ compat.Schema = (*Schema)(nil)

// formsCostPerByte estimates the compiled forms' heap from the sources'
// length: the full validator is measured at about 12 times the text, and the
// fast validator and compatibility model, when built, add as much again.
const formsCostPerByte = 24

// defaultFormsCacheBytes bounds the compiled forms kept for all JSON schemas
// of the process: about 1,400 schemas of 20 properties.
const defaultFormsCacheBytes = 48 << 20

var formsCache = derived.NewCache(defaultFormsCacheBytes)

// SetFormsCacheBytes bounds the estimated bytes of the compiled forms kept for
// all JSON schemas of the process (default 48 MiB) and returns the previous
// bound. Zero or less keeps only the forms compiled last. A schema whose forms
// were dropped compiles them again on its next use.
func SetFormsCacheBytes(n int64) int64 { return formsCache.SetMaxBytes(n) }

func (s *Schema) cost() int64 {
	var n int
	for _, src := range s.sources {
		n += len(src.text)
	}
	return int64(n) * formsCostPerByte
}

// forms returns the schema's compiled forms, compiling them again when the
// cache dropped them.
func (s *Schema) forms() *forms {
	return s.built.Get(formsCache, func() (*forms, int64) {
		f, _, err := compileForms(s.canonical, s.refs)
		if err != nil {
			// The same text compiled when s was parsed.
			panic(fmt.Sprintf("jsonschema: compiling a parsed schema again failed: %v", err))
		}
		return f, s.cost()
	})
}

// Type reports compat.JSON.
func (s *Schema) Type() compat.SchemaType { return compat.JSON }

// Canonical returns the submitted document as compact JSON: whitespace removed, key
// order and number spelling kept.
func (s *Schema) Canonical() string { return s.canonical }

// Normalized returns compact JSON with object keys sorted at every level, so that
// schemas differing only in formatting and key order compare equal.
//
// It is written afresh on each call, not kept: the registry asks for it once per
// registration with normalize=true.
func (s *Schema) Normalized() string {
	doc, err := decodeJSON([]byte(s.canonical))
	if err != nil {
		return s.canonical // cannot happen: the canonical text decoded when s was parsed
	}
	return normalize(doc)
}

// source is the text of one document a schema was compiled from.
type source struct {
	url, text string
}

// documents returns the decoded documents the schema was compiled from, by
// URL, decoding them on first use.
func (s *forms) documents() map[string]any {
	s.docsOnce.Do(func() {
		docs := make(map[string]any, len(s.sources))
		for _, src := range s.sources {
			if d, err := decodeJSON([]byte(src.text)); err == nil { // they decoded when s was parsed
				docs[src.url] = d
			}
		}
		s.docs = docs
	})
	return s.docs
}

// Parse parses and compiles schema text. refs supply the documents the schema's
// $refs name: a reference's Name is the $ref URI, absolute or relative to the
// schema's base URI. A bad schema or reference gives a *compat.SchemaError.
func (Format) Parse(text string, refs []compat.Reference) (s compat.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, &compat.SchemaError{Message: fmt.Sprintf("schema cannot be compiled: %v", r)}
		}
	}()
	ps, err := parse(text, refs)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return ps, nil
}

func parse(text string, refs []compat.Reference) (*Schema, error) {
	f, canonical, err := compileForms(text, refs)
	if err != nil {
		return nil, err
	}
	s := &Schema{canonical: canonical, refs: append([]compat.Reference(nil), refs...), sources: f.sources}
	s.built.Set(formsCache, f, s.cost())
	return s, nil
}

// compileForms decodes and compiles text with its references.
func compileForms(text string, refs []compat.Reference) (*forms, string, error) {
	doc, canonical, err := decodeDocument("", text)
	if err != nil {
		return nil, "", err
	}
	if len(refs) > MaxReferences {
		return nil, "", &compat.SchemaError{Message: fmt.Sprintf("too many references: %d, at most %d are allowed", len(refs), MaxReferences)}
	}
	ld := &refLoader{}
	for _, r := range refs {
		rdoc, _, err := decodeDocument(r.Name, r.Text)
		if err != nil {
			return nil, "", err
		}
		ld.refs = append(ld.refs, loadedRef{name: r.Name, text: r.Text, doc: rdoc})
	}

	c := sjs.NewCompiler()
	c.DefaultDraft(sjs.Draft7)
	c.UseLoader(ld)
	if err := c.AddResource(rootURL, doc); err != nil {
		return nil, "", &compat.SchemaError{Message: err.Error()}
	}
	ld.base = baseURL(doc)
	compiled, err := c.Compile(rootURL)
	if err != nil {
		return nil, "", compileError(err, []byte(text), doc, ld)
	}
	s := &forms{compiled: compiled, sources: []source{{rootURL, canonical}}}
	docs := map[string]any{rootURL: doc}
	for u, d := range ld.loaded {
		docs[u] = d
		s.sources = append(s.sources, source{u, ld.texts[u]})
	}
	s.compileExtras(c, docs)
	return s, canonical, nil
}

// compileExtras finds "additionalItems" keywords the compiler skipped (those
// next to a non-array "items") and compiles them on their own.
func (s *forms) compileExtras(c *sjs.Compiler, docs map[string]any) {
	seen := map[*sjs.Schema]bool{}
	stack := []*sjs.Schema{s.compiled}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == nil || seen[x] {
			continue
		}
		seen[x] = true
		stack = append(stack, children(x)...)
		if x.DraftVersion >= 2020 || x.AdditionalItems != nil {
			continue
		}
		if _, isTuple := x.Items.([]*sjs.Schema); isTuple {
			continue
		}
		raw, ok := rawIn(docs, x.Location).(map[string]any)
		if !ok {
			continue
		}
		if _, ok := raw["additionalItems"]; !ok {
			continue
		}
		extra, err := c.Compile(x.Location + "/additionalItems")
		if err != nil {
			continue
		}
		if s.extras == nil {
			s.extras = map[*sjs.Schema]*sjs.Schema{}
		}
		s.extras[x] = extra
	}
}

// rawAt returns the JSON value at a compiled schema's location (URL#pointer), or
// nil when it cannot be found.
func (s *forms) rawAt(loc string) any { return rawIn(s.documents(), loc) }

// rawIn returns the JSON value at a location (URL#pointer) in docs, or nil
// when it cannot be found.
func rawIn(docs map[string]any, loc string) any {
	u, frag, _ := strings.Cut(loc, "#")
	v, ok := docs[u]
	if !ok {
		return nil
	}
	if frag == "" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		tok = unescapeToken(tok)
		switch x := v.(type) {
		case map[string]any:
			if v, ok = x[tok]; !ok {
				return nil
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// decodeDocument checks the size and depth of text, decodes it keeping numbers
// exact, and returns its compact form. file names a reference in errors.
func decodeDocument(file, text string) (any, string, error) {
	if len(text) > MaxSchemaSize {
		return nil, "", &compat.SchemaError{File: file, Message: fmt.Sprintf("schema is %d bytes, larger than the %d allowed", len(text), MaxSchemaSize)}
	}
	if off, ok := depthWithin([]byte(text), MaxSchemaDepth); !ok {
		line, col := lineColumn([]byte(text), off)
		return nil, "", &compat.SchemaError{File: file, Line: line, Column: col, Message: fmt.Sprintf("schema nests deeper than %d levels", MaxSchemaDepth)}
	}
	doc, err := decodeJSON([]byte(text))
	if err != nil {
		var je *jsonError
		if errors.As(err, &je) {
			return nil, "", &compat.SchemaError{File: file, Line: je.line, Column: je.column, Message: "invalid JSON: " + je.msg}
		}
		return nil, "", &compat.SchemaError{File: file, Message: "invalid JSON: " + err.Error()}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return nil, "", &compat.SchemaError{File: file, Message: "invalid JSON: " + err.Error()}
	}
	return doc, buf.String(), nil
}

// jsonError is a JSON syntax error with its 1-based position.
type jsonError struct {
	line, column int
	msg          string
}

func (e *jsonError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.column, e.msg) }

// decodeJSON decodes exactly one JSON value, numbers as json.Number. Syntax errors
// come back as *jsonError with a line and column.
func decodeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, syntaxError(b, err, d.InputOffset())
	}
	off := d.InputOffset()
	if _, err := d.Token(); err != io.EOF {
		// Report the first non-space byte after the value.
		for off < int64(len(b)) && isSpace(b[off]) {
			off++
		}
		line, col := lineColumn(b, off)
		return nil, &jsonError{line: line, column: col, msg: "unexpected data after the top-level value"}
	}
	return v, nil
}

func syntaxError(b []byte, err error, fallback int64) error {
	off := fallback
	msg := err.Error()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
		if off > 0 {
			off-- // Offset counts the byte that caused the error.
		}
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		off = int64(len(b))
		msg = "unexpected end of JSON input"
	}
	line, col := lineColumn(b, off)
	return &jsonError{line: line, column: col, msg: msg}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// lineColumn converts a byte offset into a 1-based line and column (in bytes).
func lineColumn(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	if off < 0 {
		off = 0
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// depthWithin reports whether arrays and objects in b nest at most max deep, and
// otherwise the offset where the limit is crossed. Strings are skipped.
func depthWithin(b []byte, max int) (int64, bool) {
	depth := 0
	var str jsonlex.Strings
	for i, c := range b {
		if str.Next(c) {
			continue
		}
		switch c {
		case '{', '[':
			depth++
			if depth > max {
				return int64(i), false
			}
		case '}', ']':
			depth--
		}
	}
	return 0, true
}

// baseURL returns the absolute base URI of the root document: its "$id" (or
// draft-04 "id") resolved against rootURL.
func baseURL(doc any) string {
	obj, ok := doc.(map[string]any)
	if !ok {
		return rootURL
	}
	id, _ := obj["$id"].(string)
	if id == "" {
		id, _ = obj["id"].(string)
	}
	if id == "" {
		return rootURL
	}
	return resolveURL(rootURL, id)
}

// resolveURL resolves ref against base, dropping any fragment; on error it
// returns ref unchanged.
func resolveURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	u := b.ResolveReference(r)
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}

// loadedRef is a decoded reference.
type loadedRef struct {
	name string
	text string
	doc  any
}

// refLoader serves $ref targets from the supplied references only. It never
// touches the filesystem or the network.
type refLoader struct {
	base   string // the root document's absolute base URI
	refs   []loadedRef
	loaded map[string]any    // documents served, by the URL asked for
	texts  map[string]string // their texts, by the same URL
}

// errNotSupplied is the cause of a $ref to a document that was not supplied.
var errNotSupplied = errors.New("not among the schema's references (Herald never loads schemas from files or the network)")

// Load implements jsonschema.URLLoader.
func (l *refLoader) Load(u string) (any, error) {
	if r := l.lookup(u); r != nil {
		if l.loaded == nil {
			l.loaded = map[string]any{}
			l.texts = map[string]string{}
		}
		l.loaded[strings.TrimSuffix(u, "#")] = r.doc
		l.texts[strings.TrimSuffix(u, "#")] = r.text
		return r.doc, nil
	}
	return nil, errNotSupplied
}

// lookup finds the reference a resolved URL names: by exact name, by the name
// resolved against the root's base URI or rootURL, or, for relative names, by the
// URL's path ending with the name.
func (l *refLoader) lookup(u string) *loadedRef {
	u = strings.TrimSuffix(u, "#")
	for i := range l.refs {
		n := strings.TrimSuffix(l.refs[i].name, "#")
		if n == u || resolveURL(l.base, n) == u || resolveURL(rootURL, n) == u {
			return &l.refs[i]
		}
	}
	for i := range l.refs {
		n := strings.TrimSuffix(l.refs[i].name, "#")
		if p, err := url.Parse(n); err == nil && !p.IsAbs() && n != "" {
			n = strings.TrimPrefix(n, "./")
			if strings.HasSuffix(u, "/"+n) {
				return &l.refs[i]
			}
		}
	}
	return nil
}

// name returns the reference name for an absolute URL, "" for the root document.
func (l *refLoader) name(u string) string {
	u, _, _ = strings.Cut(u, "#")
	if u == rootURL || u == l.base {
		return ""
	}
	if r := l.lookup(u); r != nil {
		return r.name
	}
	if rel, ok := strings.CutPrefix(u, "mem://herald/"); ok {
		return rel
	}
	return u
}
