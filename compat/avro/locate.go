package avro

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/heraldhq/herald/compat"
)

// locate finds where schema text that the parser rejected goes wrong, so the error
// can carry a path and a message a person understands. known holds the full names
// already defined by references. It returns nil when it finds nothing to blame; the
// caller then falls back to the parser's own message.
func locate(text string, known map[string]*node) *compat.SchemaError {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return jsonError(text, err)
	}
	if dec.More() {
		return &compat.SchemaError{Message: "invalid JSON: unexpected data after the schema"}
	}
	l := &locator{defs: map[string]locDef{}}
	for name := range known {
		l.defs[name] = locDef{}
	}
	if err := l.schema(v, "", ""); err != nil {
		return err
	}
	return nil
}

// jsonError turns a JSON syntax error into a SchemaError with line and column.
func jsonError(text string, err error) *compat.SchemaError {
	se := &compat.SchemaError{Message: "invalid JSON: " + err.Error()}
	var syn *json.SyntaxError
	off := int64(-1)
	if errors.As(err, &syn) {
		off = syn.Offset
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		off = int64(len(text))
	}
	if off >= 0 && off <= int64(len(text)) {
		prefix := text[:off]
		se.Line = strings.Count(prefix, "\n") + 1
		se.Column = utf8.RuneCountInString(prefix[strings.LastIndexByte(prefix, '\n')+1:]) + 1
	}
	return se
}

// locDef is a named type seen by the locator: its JSON body and namespace, or the
// zero value for a type defined in a reference.
type locDef struct {
	body map[string]any
	ns   string
}

type locator struct {
	defs map[string]locDef
}

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validFullName(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range strings.Split(s, ".") {
		if !nameRE.MatchString(p) {
			return false
		}
	}
	return true
}

func serr(path, format string, args ...any) *compat.SchemaError {
	return &compat.SchemaError{Path: path, Message: fmt.Sprintf(format, args...)}
}

func ptr(path string, tok any) string {
	switch t := tok.(type) {
	case int:
		return path + "/" + strconv.Itoa(t)
	case string:
		return path + "/" + compat.EscapePointer(t)
	}
	return path
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// lookup resolves a type name used in namespace ns.
func (l *locator) lookup(name, ns string) (locDef, string, bool) {
	if !strings.Contains(name, ".") && ns != "" {
		if d, ok := l.defs[ns+"."+name]; ok {
			return d, ns + "." + name, true
		}
	}
	d, ok := l.defs[name]
	return d, name, ok
}

func (l *locator) schema(v any, ns, path string) *compat.SchemaError {
	switch t := v.(type) {
	case string:
		if _, ok := primitiveKinds[t]; ok {
			return nil
		}
		if _, _, ok := l.lookup(t, ns); !ok {
			return serr(path, "unknown type name %q: it is neither a primitive type nor a named type defined earlier in this schema or its references", t)
		}
		return nil
	case []any:
		seen := map[string]int{}
		for i, br := range t {
			p := ptr(path, i)
			if _, ok := br.([]any); ok {
				return serr(p, "a union may not directly contain another union")
			}
			if err := l.schema(br, ns, p); err != nil {
				return err
			}
			key := l.unionKey(br, ns)
			if j, dup := seen[key]; dup {
				return serr(p, "union branches %d and %d are both %s; a union may hold each type only once (named types once per name)", j, i, key)
			}
			seen[key] = i
		}
		return nil
	case map[string]any:
		return l.object(t, ns, path)
	}
	return serr(path, "a schema must be a type name, an object or a union array, not a JSON %s", jsonKind(v))
}

// unionKey names a union branch for the duplicate check.
func (l *locator) unionKey(v any, ns string) string {
	switch t := v.(type) {
	case string:
		if _, ok := primitiveKinds[t]; ok {
			return t
		}
		_, full, _ := l.lookup(t, ns)
		return full
	case map[string]any:
		typ, _ := t["type"].(string)
		switch typ {
		case "record", "error", "enum", "fixed":
			name, _ := t["name"].(string)
			n, _ := t["namespace"].(string)
			if _, ok := t["namespace"]; !ok {
				n = ns
			}
			return qualify(name, n)
		}
		if _, ok := t["type"].(map[string]any); ok {
			return l.unionKey(t["type"], ns)
		}
		return l.unionKey(typ, ns)
	}
	return jsonKind(v)
}

func (l *locator) define(obj map[string]any, ns, path string) (string, string, *compat.SchemaError) {
	nameV, ok := obj["name"]
	if !ok {
		return "", "", serr(path, "a %v needs a \"name\"", obj["type"])
	}
	name, ok := nameV.(string)
	if !ok {
		return "", "", serr(ptr(path, "name"), "a name must be a string, not a JSON %s", jsonKind(nameV))
	}
	if nsV, ok := obj["namespace"]; ok && nsV != nil {
		s, ok := nsV.(string)
		if !ok {
			return "", "", serr(ptr(path, "namespace"), "a namespace must be a string, not a JSON %s", jsonKind(nsV))
		}
		if s != "" && !validFullName(s) {
			return "", "", serr(ptr(path, "namespace"), "invalid namespace %q: each dotted part must start with a letter or _ and hold only letters, digits and _", s)
		}
		ns = s
	} else if ok && nsV == nil {
		ns = ""
	}
	if !validFullName(name) {
		return "", "", serr(ptr(path, "name"), "invalid name %q: it must start with a letter or _ and hold only letters, digits and _", name)
	}
	full := qualify(name, ns)
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		ns = full[:i]
	} else {
		ns = ""
	}
	if _, ok := primitiveKinds[name]; ok {
		return "", "", serr(ptr(path, "name"), "%q is a primitive type name and cannot name a %v", name, obj["type"])
	}
	if _, dup := l.defs[full]; dup {
		return "", "", serr(ptr(path, "name"), "type %q is defined more than once", full)
	}
	if al, ok := obj["aliases"]; ok {
		arr, ok := al.([]any)
		if !ok {
			return "", "", serr(ptr(path, "aliases"), "aliases must be an array of names")
		}
		for i, a := range arr {
			s, ok := a.(string)
			if !ok || !validFullName(s) {
				return "", "", serr(ptr(ptr(path, "aliases"), i), "invalid alias %v", a)
			}
		}
	}
	l.defs[full] = locDef{body: obj, ns: ns}
	return full, ns, nil
}

func (l *locator) object(obj map[string]any, ns, path string) *compat.SchemaError {
	tv, ok := obj["type"]
	if !ok {
		return serr(path, "missing \"type\"")
	}
	typ, ok := tv.(string)
	if !ok {
		// {"type": {...}} or {"type": [...]}: a wrapped schema.
		return l.schema(tv, ns, ptr(path, "type"))
	}
	switch typ {
	case "record", "error":
		_, ns, err := l.define(obj, ns, path)
		if err != nil {
			return err
		}
		fv, ok := obj["fields"]
		if !ok {
			return serr(path, "a record needs \"fields\"")
		}
		fields, ok := fv.([]any)
		if !ok {
			return serr(ptr(path, "fields"), "\"fields\" must be an array, not a JSON %s", jsonKind(fv))
		}
		names := map[string]int{}
		for i, f := range fields {
			fp := ptr(ptr(path, "fields"), i)
			fo, ok := f.(map[string]any)
			if !ok {
				return serr(fp, "a field must be an object, not a JSON %s", jsonKind(f))
			}
			name, ok := fo["name"].(string)
			if !ok {
				return serr(fp, "a field needs a string \"name\"")
			}
			if !nameRE.MatchString(name) {
				return serr(ptr(fp, "name"), "invalid field name %q: it must start with a letter or _ and hold only letters, digits and _", name)
			}
			if j, dup := names[name]; dup {
				return serr(ptr(fp, "name"), "field %q is declared twice (fields %d and %d)", name, j, i)
			}
			names[name] = i
			ft, ok := fo["type"]
			if !ok {
				return serr(fp, "field %q needs a \"type\"", name)
			}
			if err := l.schema(ft, ns, ptr(fp, "type")); err != nil {
				return err
			}
			if d, ok := fo["default"]; ok {
				if msg := l.checkDefault(ft, ns, d, 0); msg != "" {
					return serr(ptr(fp, "default"), "invalid default for field %q: %s", name, msg)
				}
			}
			if o, ok := fo["order"]; ok {
				if s, _ := o.(string); s != "ascending" && s != "descending" && s != "ignore" {
					return serr(ptr(fp, "order"), "order must be \"ascending\", \"descending\" or \"ignore\", not %v", o)
				}
			}
		}
		return nil
	case "enum":
		if _, _, err := l.define(obj, ns, path); err != nil {
			return err
		}
		sv, ok := obj["symbols"].([]any)
		if !ok {
			return serr(path, "an enum needs \"symbols\", an array of names")
		}
		seen := map[string]bool{}
		for i, s := range sv {
			str, ok := s.(string)
			if !ok || !nameRE.MatchString(str) {
				return serr(ptr(ptr(path, "symbols"), i), "invalid enum symbol %v: it must start with a letter or _ and hold only letters, digits and _", s)
			}
			if seen[str] {
				return serr(ptr(ptr(path, "symbols"), i), "enum symbol %q is listed twice", str)
			}
			seen[str] = true
		}
		if d, ok := obj["default"]; ok {
			if s, _ := d.(string); !seen[s] {
				return serr(ptr(path, "default"), "enum default %v is not one of the enum's symbols", d)
			}
		}
		return nil
	case "fixed":
		if _, _, err := l.define(obj, ns, path); err != nil {
			return err
		}
		sz, ok := obj["size"].(json.Number)
		if !ok {
			return serr(path, "a fixed needs a \"size\"")
		}
		if n, err := sz.Int64(); err != nil || n < 0 || n > math.MaxInt32 {
			return serr(ptr(path, "size"), "fixed size must be a non-negative integer, not %s", sz)
		}
		return l.logical(obj, path)
	case "array":
		it, ok := obj["items"]
		if !ok {
			return serr(path, "an array needs \"items\"")
		}
		return l.schema(it, ns, ptr(path, "items"))
	case "map":
		vv, ok := obj["values"]
		if !ok {
			return serr(path, "a map needs \"values\"")
		}
		return l.schema(vv, ns, ptr(path, "values"))
	}
	if _, ok := primitiveKinds[typ]; ok {
		return l.logical(obj, path)
	}
	return l.schema(typ, ns, ptr(path, "type"))
}

// logical checks decimal parameters, the one logical type the parser validates.
func (l *locator) logical(obj map[string]any, path string) *compat.SchemaError {
	if obj["logicalType"] != "decimal" {
		return nil
	}
	p, ok := obj["precision"].(json.Number)
	pi, err := p.Int64()
	if !ok || err != nil || pi <= 0 {
		return serr(ptr(path, "precision"), "a decimal needs a positive integer precision")
	}
	if sv, ok := obj["scale"]; ok {
		s, ok := sv.(json.Number)
		si, err := s.Int64()
		if !ok || err != nil || si < 0 || si > pi {
			return serr(ptr(path, "scale"), "a decimal scale must be an integer from 0 to the precision (%d)", pi)
		}
	}
	if obj["type"] == "fixed" {
		if sz, err := obj["size"].(json.Number).Int64(); err == nil {
			max := int64(math.Floor(math.Log10(2) * float64(8*sz-1)))
			if pi > max {
				return serr(ptr(path, "precision"), "a fixed of %d bytes holds at most %d decimal digits, not %d", sz, max, pi)
			}
		}
	}
	return nil
}

// checkDefault reports why d is not a valid default for schema s, or "".
func (l *locator) checkDefault(s any, ns string, d any, depth int) string {
	if depth > 64 {
		return ""
	}
	switch t := s.(type) {
	case []any:
		for _, br := range t {
			if l.checkDefault(br, ns, d, depth+1) == "" {
				return ""
			}
		}
		return fmt.Sprintf("a JSON %s matches no branch of the union", jsonKind(d))
	case string:
		if _, ok := primitiveKinds[t]; ok {
			return primitiveDefault(t, d)
		}
		def, _, ok := l.lookup(t, ns)
		if !ok || def.body == nil {
			return ""
		}
		return l.checkDefault(def.body, def.ns, d, depth+1)
	case map[string]any:
		typ, _ := t["type"].(string)
		switch typ {
		case "record", "error":
			obj, ok := d.(map[string]any)
			if !ok {
				return fmt.Sprintf("expected an object for record, got a JSON %s", jsonKind(d))
			}
			inner := ns
			if nsV, ok := t["namespace"].(string); ok {
				inner = nsV
			}
			if name, _ := t["name"].(string); strings.Contains(name, ".") {
				inner = name[:strings.LastIndexByte(name, '.')]
			}
			fields, _ := t["fields"].([]any)
			for _, f := range fields {
				fo, _ := f.(map[string]any)
				name, _ := fo["name"].(string)
				v, ok := obj[name]
				if !ok {
					if _, has := fo["default"]; has {
						continue
					}
					return fmt.Sprintf("field %q is missing from the default record", name)
				}
				if msg := l.checkDefault(fo["type"], inner, v, depth+1); msg != "" {
					return fmt.Sprintf("field %q: %s", name, msg)
				}
			}
			return ""
		case "enum":
			str, ok := d.(string)
			if !ok {
				return fmt.Sprintf("expected an enum symbol string, got a JSON %s", jsonKind(d))
			}
			syms, _ := t["symbols"].([]any)
			for _, s := range syms {
				if s == str {
					return ""
				}
			}
			return fmt.Sprintf("%q is not one of the enum's symbols", str)
		case "fixed":
			str, ok := d.(string)
			if !ok {
				return fmt.Sprintf("expected a string for fixed, got a JSON %s", jsonKind(d))
			}
			sz, _ := t["size"].(json.Number).Int64()
			if int64(utf8.RuneCountInString(str)) != sz {
				return fmt.Sprintf("a fixed of size %d needs a %d-character string", sz, sz)
			}
			return ""
		case "array":
			arr, ok := d.([]any)
			if !ok {
				return fmt.Sprintf("expected an array, got a JSON %s", jsonKind(d))
			}
			return elementDefaults(l, t["items"], ns, slices.All(arr), "item %d: %s", depth)
		case "map":
			obj, ok := d.(map[string]any)
			if !ok {
				return fmt.Sprintf("expected an object for map, got a JSON %s", jsonKind(d))
			}
			return elementDefaults(l, t["values"], ns, maps.All(obj), "key %q: %s", depth)
		}
		return l.checkDefault(t["type"], ns, d, depth+1)
	}
	return ""
}

// elementDefaults checks each element of an array or map default against typ,
// the items or values type, and returns the first problem, placed by format
// (given the index or key, then the problem), or "".
func elementDefaults[K any](l *locator, typ any, ns string, elems iter.Seq2[K, any], format string, depth int) string {
	for k, e := range elems {
		if msg := l.checkDefault(typ, ns, e, depth+1); msg != "" {
			return fmt.Sprintf(format, k, msg)
		}
	}
	return ""
}

func primitiveDefault(typ string, d any) string {
	want := map[string]string{"null": "null", "boolean": "true or false", "int": "an integer", "long": "an integer",
		"float": "a number", "double": "a number", "bytes": "a string", "string": "a string"}[typ]
	bad := fmt.Sprintf("expected %s for %s, got a JSON %s", want, typ, jsonKind(d))
	switch typ {
	case "null":
		if d != nil {
			return bad
		}
	case "boolean":
		if _, ok := d.(bool); !ok {
			return bad
		}
	case "int", "long":
		n, ok := d.(json.Number)
		if !ok {
			return bad
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return fmt.Sprintf("%s is not a whole %s", n, typ)
		}
		if typ == "int" && (i < math.MinInt32 || i > math.MaxInt32) {
			return fmt.Sprintf("%s is out of range for int", n)
		}
	case "float", "double":
		if _, ok := d.(json.Number); !ok {
			if s, _ := d.(string); s != "NaN" && s != "Infinity" && s != "-Infinity" {
				return bad
			}
		}
	case "bytes", "string":
		if _, ok := d.(string); !ok {
			return bad
		}
	}
	return ""
}
