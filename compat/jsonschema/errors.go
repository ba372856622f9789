package jsonschema

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/heraldhq/herald/compat"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// compileError turns an error from the compiler into a *compat.SchemaError that
// names the reference (if any), the JSON pointer and, where it can be found, the
// line and column.
func compileError(err error, text []byte, doc any, ld *refLoader) *compat.SchemaError {
	se := &compat.SchemaError{Message: err.Error()}
	var (
		sve  *sjs.SchemaValidationError
		lue  *sjs.LoadURLError
		rxe  *sjs.InvalidRegexError
		pie  *sjs.ParseIDError
		pae  *sjs.ParseAnchorError
		die  *sjs.DuplicateIDError
		dae  *sjs.DuplicateAnchorError
		anf  *sjs.AnchorNotFoundError
		jpe  *sjs.JSONPointerNotFoundError
		ijp  *sjs.InvalidJsonPointerError
		ude  *sjs.UnsupportedDraftError
		ime  *sjs.InvalidMetaSchemaURLError
		mce  *sjs.MetaSchemaCycleError
		mme  *sjs.MetaSchemaMismatchError
		pue  *sjs.ParseURLError
		uve  *sjs.UnsupportedVocabularyError
		locs string
	)
	switch {
	case errors.As(err, &sve):
		locs = sve.URL
		var ve *sjs.ValidationError
		if errors.As(sve.Err, &ve) {
			leaves := leafErrors(ve)
			if len(leaves) > 0 {
				// Report the deepest problem: it is the most specific.
				sort.SliceStable(leaves, func(i, j int) bool {
					return len(leaves[i].InstanceLocation) > len(leaves[j].InstanceLocation)
				})
				l := leaves[0]
				se.Message = "not a valid JSON Schema: " + l.ErrorKind.LocalizedString(printer)
				file, _ := splitLocation(sve.URL, ld)
				se.File = file
				se.Path = pointerPath(l.InstanceLocation)
				return withPosition(se, text, ld)
			}
		}
		se.Message = "not a valid JSON Schema"
	case errors.As(err, &lue):
		target := ld.name(lue.URL)
		if errors.Is(lue.Err, errNotSupplied) {
			se.Message = fmt.Sprintf("unresolved reference %q: %v", target, errNotSupplied)
		} else {
			se.Message = fmt.Sprintf("cannot load reference %q: %v", target, lue.Err)
		}
		if ptr := findRef(doc, lue.URL, ld.base); ptr != "" {
			se.Path = ptr
			return withPosition(se, text, ld)
		}
		return se
	case errors.As(err, &rxe):
		locs = rxe.URL
		se.Message = fmt.Sprintf("invalid regular expression %q: %v", rxe.Regex, rxe.Err)
	case errors.As(err, &pie):
		locs, se.Message = pie.URL, "invalid $id"
	case errors.As(err, &pae):
		locs, se.Message = pae.URL, "invalid anchor"
	case errors.As(err, &die):
		locs = die.URL + "#" + die.Ptr2
		se.Message = fmt.Sprintf("duplicate $id %q, also declared at %s", ld.name(die.ID), fragmentPath(die.Ptr1))
	case errors.As(err, &dae):
		locs = dae.URL + "#" + dae.Ptr2
		se.Message = fmt.Sprintf("duplicate anchor %q, also declared at %s", dae.Anchor, fragmentPath(dae.Ptr1))
	case errors.As(err, &anf):
		locs = anf.URL
		se.Message = fmt.Sprintf("$ref %q: anchor not found", relativeTo(anf.Reference, ld))
	case errors.As(err, &jpe):
		locs = jpe.URL
		se.Message = fmt.Sprintf("$ref %q: no such location", relativeTo(jpe.URL, ld))
		if ptr := findRef(doc, jpe.URL, ld.base); ptr != "" {
			se.Path = ptr
			return withPosition(se, text, ld)
		}
	case errors.As(err, &ijp):
		locs = ijp.URL
		se.Message = fmt.Sprintf("$ref %q: invalid JSON pointer", relativeTo(ijp.URL, ld))
	case errors.As(err, &ude):
		locs, se.Message = ude.URL, "unsupported $schema dialect"
	case errors.As(err, &ime):
		locs, se.Message = ime.URL, fmt.Sprintf("invalid $schema: %v", ime.Err)
	case errors.As(err, &mce):
		locs, se.Message = mce.URL, "cycle in resolving $schema"
	case errors.As(err, &mme):
		locs, se.Message = mme.URL, "$schema differs from the root's $schema"
	case errors.As(err, &pue):
		se.Message = fmt.Sprintf("invalid URI %q: %v", relativeTo(pue.URL, ld), pue.Err)
	case errors.As(err, &uve):
		locs, se.Message = uve.URL, fmt.Sprintf("unsupported vocabulary %q", uve.Vocabulary)
	default:
		se.Message = strings.ReplaceAll(err.Error(), rootURL, "")
	}
	if locs != "" {
		se.File, se.Path = splitLocation(locs, ld)
		return withPosition(se, text, ld)
	}
	return se
}

// withPosition fills Line and Column from Path, in the root text or in the text
// of the reference named by File.
func withPosition(se *compat.SchemaError, text []byte, ld *refLoader) *compat.SchemaError {
	if se.Path == "" {
		return se
	}
	if se.File != "" {
		text = nil
		for _, r := range ld.refs {
			if r.name == se.File {
				text = []byte(r.text)
			}
		}
	}
	if off, ok := locate(text, pathTokens(se.Path)); ok {
		se.Line, se.Column = lineColumn(text, off)
	}
	return se
}

// leafErrors flattens a validation error tree to the errors that have no causes.
func leafErrors(e *sjs.ValidationError) []*sjs.ValidationError {
	if len(e.Causes) == 0 {
		return []*sjs.ValidationError{e}
	}
	var out []*sjs.ValidationError
	for _, c := range e.Causes {
		out = append(out, leafErrors(c)...)
	}
	return out
}

// splitLocation splits an absolute schema location (URL#pointer) into the
// reference name ("" for the root) and a "#/..." path.
func splitLocation(loc string, ld *refLoader) (file, path string) {
	u, frag, _ := strings.Cut(loc, "#")
	if p, err := url.PathUnescape(frag); err == nil {
		frag = p
	}
	return ld.name(u), fragmentPath(frag)
}

// fragmentPath renders a JSON pointer as a "#/..." path; the root is "#/".
func fragmentPath(ptr string) string {
	if ptr == "" || ptr == "/" {
		return "#/"
	}
	return "#" + ptr
}

// pointerPath renders pointer tokens as a "#/..." path.
func pointerPath(tokens []string) string {
	return fragmentPath(jsonPointer(tokens...))
}

// jsonPointer joins tokens into a JSON pointer ("" for none), escaping ~ and /.
func jsonPointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(compat.EscapePointer(t))
	}
	return b.String()
}

// unescapeToken undoes JSON pointer escaping in one token.
func unescapeToken(t string) string {
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// relativeTo rewrites an absolute URL for people: the root document becomes its
// fragment and references their names.
func relativeTo(u string, ld *refLoader) string {
	base, frag, hasFrag := strings.Cut(u, "#")
	name := ld.name(base)
	if hasFrag {
		return name + "#" + frag
	}
	return name
}

// findRef returns the "#/..." path of the first "$ref" in doc whose value resolves
// to target (ignoring fragments unless target has one), or "".
func findRef(doc any, target, base string) string {
	tbase, tfrag, tHasFrag := strings.Cut(target, "#")
	var found string
	var walk func(v any, path []string) bool
	walk = func(v any, path []string) bool {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				abs := resolveURL(base, r)
				_, rfrag, _ := strings.Cut(r, "#")
				if abs == tbase && (!tHasFrag || rfrag == tfrag) {
					found = pointerPath(append(path, "$ref"))
					return true
				}
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if walk(v[k], append(path, k)) {
					return true
				}
			}
		case []any:
			for i, e := range v {
				if walk(e, append(path, fmt.Sprint(i))) {
					return true
				}
			}
		}
		return false
	}
	walk(doc, nil)
	return found
}
