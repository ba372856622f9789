package catalog

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The catalog-as-code decoder is driven by the yaml struct tags of the catalog
// types, so that a new field is one line: the field with its tag. Each struct is
// decoded from a mapping whose keys are the tag names; a key that is not a tag is
// an error with a suggestion. Options after the name, beside omitempty:
//
//	required   the value must be given and not be empty ("sends entry has no event")
//	short      a scalar written in place of the whole mapping sets this field
//	           (sends: [order-placed] is sends: [{event: order-placed}])
//	also=KEY   KEY is another name for the field (a branch's when is its label)
//	under=KEY  the key is allowed only in entries of a list named KEY
//	           (fields: only under receives)
//	bool       on a pointer to a struct: true or false may be written in place of
//	           the mapping; true is the empty struct, false none
//	entities   on a list: each entry is an entity with an id, the key of its
//	           source positions ("services/order-service") and unique per list
//	nest=FIELD on an entity list: an entry may list entries of its own kind under
//	           the list's key; they follow it, with FIELD set to its id
//
// A type names itself in messages with yamlName; one that does not is named after
// the key it sits under ("sends entry", "sends event"). A type whose file form
// differs from its fields implements yamlFormer, and one that checks itself after
// decoding implements yamlChecker.

// yamlNamed is implemented by a catalog type that names itself in decode errors:
// whole names a value of the type ("flow step must be a mapping"), field prefixes
// its fields ("step end must be true or false").
type yamlNamed interface {
	yamlName() (whole, field string)
}

// yamlFormer is implemented by a catalog type whose file form is another struct:
// the decoder fills form, then calls done, which sets the value from it.
type yamlFormer interface {
	yamlForm() (form any, done func(m *mapping))
}

// yamlChecker is implemented by a catalog type that checks (or completes) itself
// once its fields are decoded, even when its node was not a mapping.
type yamlChecker interface {
	checkYAML(m *mapping)
}

// fieldInfo is what the decoder knows of one struct field, from its tag.
type fieldInfo struct {
	key      string
	also     []string
	index    []int
	typ      reflect.Type
	required bool
	short    bool
	boolean  bool
	entities bool
	under    string
	nest     string
}

// typeInfo is what the decoder knows of one struct type, computed once.
type typeInfo struct {
	fields  []*fieldInfo
	byKey   map[string]*fieldInfo
	allowed []string // every key in field order, each alias after its field
	short   *fieldInfo
	// allowedUnder is set when some keys are allowed only under some list
	// keys: the keys allowed under each of those, and under "" elsewhere.
	allowedUnder map[string][]string
	whole, field string
	named        bool
}

// typeInfos caches typeInfo by reflect.Type.
var typeInfos sync.Map

var (
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// infoOf returns the decoding plan of struct type t. A field of a kind the
// decoder cannot fill is a programming error, found by the tests that decode
// every catalog type, so it panics.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeInfos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{byKey: map[string]*fieldInfo{}}
	if n, ok := reflect.Zero(t).Interface().(yamlNamed); ok {
		ti.whole, ti.field = n.yamlName()
		ti.named = true
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		if !sf.IsExported() || tag == "-" || tag == "" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		f := &fieldInfo{key: name, index: sf.Index, typ: sf.Type}
		for _, o := range strings.Split(opts, ",") {
			o, arg, _ := strings.Cut(o, "=")
			switch o {
			case "", "omitempty":
			case "required":
				f.required = true
			case "short":
				f.short = true
				ti.short = f
			case "also":
				f.also = append(f.also, arg)
			case "under":
				f.under = arg
				if ti.allowedUnder == nil {
					ti.allowedUnder = map[string][]string{"": nil}
				}
				ti.allowedUnder[arg] = nil
			case "bool":
				f.boolean = true
			case "entities":
				f.entities = true
			case "nest":
				f.nest = arg
			default:
				panic(fmt.Sprintf("catalog: %s.%s: unknown yaml tag option %q", t.Name(), sf.Name, o))
			}
		}
		checkFieldType(t, sf)
		ti.fields = append(ti.fields, f)
		for _, k := range append([]string{f.key}, f.also...) {
			ti.byKey[k] = f
			ti.allowed = append(ti.allowed, k)
		}
	}
	for under := range ti.allowedUnder {
		for _, k := range ti.allowed {
			if f := ti.byKey[k]; f.under == "" || f.under == under {
				ti.allowedUnder[under] = append(ti.allowedUnder[under], k)
			}
		}
	}
	got, loaded := typeInfos.LoadOrStore(t, ti)
	if !loaded {
		// Plan the struct types it holds now, so that a bad field among them
		// is found as early; t is stored first, as it may hold itself.
		for _, f := range ti.fields {
			if st := structIn(f.typ); st != nil {
				infoOf(st)
			}
		}
	}
	return got.(*typeInfo)
}

// structIn returns the struct type a field of type t is decoded into, if any.
func structIn(t reflect.Type) reflect.Type {
	if t == rawMessageType || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return nil
	}
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		return t
	}
	return nil
}

// checkFieldType panics on a field the decoder cannot fill.
func checkFieldType(t reflect.Type, sf reflect.StructField) {
	ft := sf.Type
	bad := func() {
		panic(fmt.Sprintf("catalog: %s.%s: the YAML decoder cannot fill a %s", t.Name(), sf.Name, ft))
	}
	switch {
	case ft == rawMessageType, reflect.PointerTo(ft).Implements(textUnmarshalerType):
		return
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
		return
	case strings.Contains(sf.Tag.Get("yaml"), ",bool"):
		bad() // true or false stands for a mapping only on a pointer to a struct
	}
	switch ft.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Int32, reflect.Struct:
	case reflect.Slice:
		if k := ft.Elem().Kind(); k != reflect.String && k != reflect.Struct {
			bad()
		}
	default:
		bad()
	}
}

// names returns how values of struct type t are named in errors when they sit
// under key.
func names(ti *typeInfo, key string) (whole, field string) {
	if ti.named {
		return ti.whole, ti.field
	}
	return key + " entry", key
}

// mapping is one struct's node as its hooks see it.
type mapping struct {
	d     *decoder
	n     *node
	index int    // position in the list it is an entry of, else -1
	path  string // Source key of the value, "" when positions are not kept
}

// isMap reports whether the node was a mapping (else its fields are zero).
func (m *mapping) isMap() bool { return m.n.kind == nMap }

// keyIndex returns the position of key among the mapping's keys, or -1.
func (m *mapping) keyIndex(key string) int {
	for i, k := range m.n.keys {
		if k.kind == nScalar && k.text == key {
			return i
		}
	}
	return -1
}

// has reports whether the mapping gives key.
func (m *mapping) has(key string) bool { return m.keyIndex(key) >= 0 }

// valuePos returns where the value of key is written (the mapping's position if
// it is not).
func (m *mapping) valuePos(key string) Pos {
	if i := m.keyIndex(key); i >= 0 {
		return m.n.vals[i].pos
	}
	return m.n.pos
}

// errorf reports a problem at p.
func (m *mapping) errorf(p Pos, format string, args ...any) { m.d.errorf(p, format, args...) }

// setSource records p as the position of the value's subkey key.
func (m *mapping) setSource(key string, p Pos) {
	if m.path != "" {
		m.d.src.set(m.path+"."+key, p)
	}
}

// dctx is where a struct value sits: the key of the list or field it is under,
// its Source key, and its index in a list.
type dctx struct {
	key   string
	path  string
	index int
	extra []string // keys allowed besides the fields, handled by the caller
}

// decodeValue decodes n into v, a struct value, with its file form, short form,
// names and hooks. It reports whether n was a mapping (or a short form).
func (d *decoder) decodeValue(v reflect.Value, n *node, c dctx) bool {
	ti := infoOf(v.Type())
	if ti.short != nil && n.kind == nScalar {
		v.FieldByIndex(ti.short.index).SetString(n.text)
		return true
	}
	whole, field := names(ti, c.key)
	target, tti := v, ti
	var done func(*mapping)
	if f, ok := v.Addr().Interface().(yamlFormer); ok {
		var form any
		form, done = f.yamlForm()
		target = reflect.ValueOf(form).Elem()
		tti = infoOf(target.Type())
	}
	ok := d.decodeStruct(target, tti, n, c, whole, field)
	if ok {
		for _, f := range tti.fields {
			if f.required && target.FieldByIndex(f.index).IsZero() {
				d.errorf(n.pos, "%s entry has no %s", field, f.key)
			}
		}
	}
	if done != nil {
		done(&mapping{d: d, n: n, index: c.index, path: c.path})
	}
	if ch, isChecker := v.Addr().Interface().(yamlChecker); isChecker {
		ch.checkYAML(&mapping{d: d, n: n, index: c.index, path: c.path})
	}
	return ok
}

// decodeStruct walks a mapping, checking that every key is allowed and not
// repeated, and decodes each value into its field of v.
func (d *decoder) decodeStruct(v reflect.Value, ti *typeInfo, n *node, c dctx, whole, field string) bool {
	if n.kind != nMap {
		d.errorf(n.pos, "%s must be a mapping, got %s", whole, n.kind)
		return false
	}
	allowed := ti.allowed
	if ti.allowedUnder != nil {
		var ok bool
		if allowed, ok = ti.allowedUnder[c.key]; !ok {
			allowed = ti.allowedUnder[""]
		}
	}
	if len(c.extra) > 0 {
		allowed = append(allowed[:len(allowed):len(allowed)], c.extra...)
	}
	if c.path != "" {
		for i, k := range n.keys {
			d.src.set(c.path+"."+k.text, n.vals[i].pos)
		}
	}
	seen := map[string]bool{}
	for i, k := range n.keys {
		key := k.text
		if k.kind != nScalar {
			d.errorf(k.pos, "%s: keys must be plain words", whole)
			continue
		}
		if seen[key] {
			d.errorf(k.pos, "%s: key %q appears twice", whole, key)
			continue
		}
		seen[key] = true
		if !slices.Contains(allowed, key) {
			msg := fmt.Sprintf("%s: unknown field %q", whole, key)
			if s := suggest(key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += fmt.Sprintf(" (allowed: %s)", strings.Join(allowed, ", "))
			}
			d.errorf(k.pos, "%s", msg)
			continue
		}
		f := ti.byKey[key]
		if f == nil {
			continue // an extra key: the caller reads it
		}
		d.decodeField(v.FieldByIndex(f.index), n.vals[i], f, name{field, key}, c.path)
	}
	return true
}

// decodeField decodes n into one field. what names the value in errors (its key
// as written), path is the Source key of the struct holding it.
func (d *decoder) decodeField(fv reflect.Value, n *node, f *fieldInfo, what name, path string) {
	key := what.key
	sub := func() string {
		if path == "" {
			return ""
		}
		return path + "." + key
	}
	switch t := fv.Type(); {
	case t == rawMessageType:
		fv.SetBytes(toJSON(n))
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(d.str(n, what))); err != nil {
			d.errorf(n.pos, "%v", err)
		}
	case t.Kind() == reflect.Pointer:
		if f.boolean && n.kind == nScalar {
			whole, _ := names(infoOf(t.Elem()), key)
			if d.boolean(n, name{key: whole}) {
				fv.Set(reflect.New(t.Elem()))
			}
			return
		}
		p := reflect.New(t.Elem())
		d.decodeValue(p.Elem(), n, dctx{key: key, path: sub(), index: -1})
		fv.Set(p)
	case t.Kind() == reflect.Struct:
		d.decodeValue(fv, n, dctx{key: key, path: sub(), index: -1})
	case t.Kind() == reflect.String:
		fv.SetString(d.str(n, what))
	case t.Kind() == reflect.Bool:
		fv.SetBool(d.boolean(n, what))
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		if s := d.strs(n, what); s != nil {
			fv.Set(reflect.ValueOf(s).Convert(t))
		}
	case t.Kind() == reflect.Slice:
		items := d.list(n, key)
		list := sub()
		for i, it := range items {
			if f.entities {
				d.entity(fv, it, f, "", 0)
				continue
			}
			ip := ""
			if path != "" {
				ip = list + "[" + strconv.Itoa(i) + "]"
				d.src.set(ip, it.pos)
			}
			elem := reflect.New(t.Elem()).Elem()
			if d.decodeValue(elem, it, dctx{key: key, path: ip, index: i}) {
				fv.Set(reflect.Append(fv, elem))
			}
		}
	default: // the ints infoOf allows
		fv.SetInt(d.integer(n, what))
	}
}

// maxNest bounds how deep entities nest under their own kind (domains in domains).
const maxNest = 16

// entity decodes one entry of an entity list and appends it to list, then the
// entries nested under it. parent is the id of the entry it is nested under.
func (d *decoder) entity(list reflect.Value, n *node, f *fieldInfo, parent string, depth int) {
	t := list.Type().Elem()
	_, field := names(infoOf(t), f.key)
	id, path := "", ""
	if n.kind == nMap {
		id = idOf(n)
		path = f.key + "/" + id
		d.src.set(path, n.pos)
		if id == "" {
			d.errorf(n.pos, "%s entry has no id", field)
		}
	}
	c := dctx{key: f.key, path: path, index: -1}
	if f.nest != "" {
		c.extra = []string{f.key}
	}
	elem := reflect.New(t).Elem()
	if !d.decodeValue(elem, n, c) {
		return
	}
	m := &mapping{d: d, n: n, index: -1, path: path}
	if f.nest != "" && parent != "" {
		if m.has(f.nest) {
			d.errorf(m.valuePos(f.nest), "%s %q is nested under %q and also names a %s: use one or the other", field, id, parent, f.nest)
		}
		elem.FieldByIndex(infoOf(t).byKey[f.nest].index).SetString(parent)
	}
	list.Set(reflect.Append(list, elem))
	if id != "" {
		key := f.key + "/" + id
		if p, ok := d.src.defined[key]; ok {
			d.errorf(n.pos, "duplicate %s id %q: already defined at %s:%d", field, id, p.File, p.Line)
		} else {
			d.src.defined[key] = n.pos
		}
	}
	if f.nest == "" {
		return
	}
	var children []*node
	if i := m.keyIndex(f.key); i >= 0 {
		children = d.list(n.vals[i], f.key)
	}
	if depth > maxNest {
		d.errorf(n.pos, "%s nested too deeply", f.key)
		return
	}
	for _, ch := range children {
		d.entity(list, ch, f, id, depth+1)
	}
}
