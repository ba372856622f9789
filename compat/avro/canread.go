package avro

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Rule ids: Apache Avro's SchemaIncompatibilityType names, which Confluent reports.
const (
	// RuleNameMismatch: a named type's name differs and the reader has no alias for
	// the writer's name.
	RuleNameMismatch = "NAME_MISMATCH"
	// RuleFixedSizeMismatch: two fixed types have different sizes.
	RuleFixedSizeMismatch = "FIXED_SIZE_MISMATCH"
	// RuleMissingEnumSymbols: the writer's enum has symbols the reader lacks, and the
	// reader's enum has no default.
	RuleMissingEnumSymbols = "MISSING_ENUM_SYMBOLS"
	// RuleReaderFieldMissingDefaultValue: a reader field is absent from the writer and
	// has no default.
	RuleReaderFieldMissingDefaultValue = "READER_FIELD_MISSING_DEFAULT_VALUE"
	// RuleTypeMismatch: the writer's type cannot be read as, or promoted to, the
	// reader's type.
	RuleTypeMismatch = "TYPE_MISMATCH"
	// RuleMissingUnionBranch: the reader union has no branch for a writer type.
	RuleMissingUnionBranch = "MISSING_UNION_BRANCH"
)

// pairKey identifies a (reader, writer) node pair for memoization.
type pairKey struct{ r, w *node }

// pairResult is a memoized outcome. While a pair is being computed its entry is
// inProgress, and meeting it again counts as compatible, so recursion terminates.
type pairResult struct {
	inProgress bool
	violations []compat.Violation
}

// checker ports Apache Avro's ReaderWriterCompatibilityChecker: it walks reader and
// writer together, collects every incompatibility with a JSON Pointer into the reader
// schema, and memoizes each node pair.
type checker struct {
	memo map[pairKey]*pairResult
	loc  []string
}

func canRead(reader, writer *node) []compat.Violation {
	c := &checker{memo: map[pairKey]*pairResult{}}
	vs := c.compat(reader, writer)
	return dedupe(vs)
}

// dedupe drops repeats: a memoized pair met again returns the violations found the
// first time, as Java's checker does, and reporting them twice helps nobody.
func dedupe(vs []compat.Violation) []compat.Violation {
	if len(vs) < 2 {
		return vs
	}
	seen := make(map[compat.Violation]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (c *checker) path() string {
	if len(c.loc) == 0 {
		return "/"
	}
	return "/" + strings.Join(c.loc, "/")
}

func (c *checker) push(tok string) { c.loc = append(c.loc, tok) }
func (c *checker) pop()            { c.loc = c.loc[:len(c.loc)-1] }

func (c *checker) violation(rule, msg string) compat.Violation {
	return compat.Violation{Rule: rule, Path: c.path(), Message: msg}
}

// compat returns the violations for reading writer with reader, memoized.
func (c *checker) compat(r, w *node) []compat.Violation {
	if !r.named() || !w.named() {
		// Only named types can recur, and a pair of anonymous nodes is met once per
		// path, so memoizing named pairs is enough to terminate and to share work.
		return c.calculate(r, w)
	}
	k := pairKey{r, w}
	if res, ok := c.memo[k]; ok {
		if res.inProgress {
			return nil
		}
		return res.violations
	}
	res := &pairResult{inProgress: true}
	c.memo[k] = res
	vs := c.calculate(r, w)
	res.inProgress, res.violations = false, vs
	return vs
}

func (c *checker) calculate(r, w *node) []compat.Violation {
	if r.kind == w.kind {
		switch r.kind {
		case kNull, kBoolean, kInt, kLong, kFloat, kDouble, kBytes, kString:
			return nil
		case kArray:
			c.push("items")
			defer c.pop()
			return c.compat(r.items, w.items)
		case kMap:
			c.push("values")
			defer c.pop()
			return c.compat(r.values, w.values)
		case kFixed:
			vs := c.checkNames(r, w)
			if r.size != w.size {
				c.push("size")
				vs = append(vs, c.violation(RuleFixedSizeMismatch, fmt.Sprintf(
					"fixed %q has size %d in the reader but %d in the writer, so the bytes cannot be read", r.full, r.size, w.size)))
				c.pop()
			}
			return vs
		case kEnum:
			return append(c.checkNames(r, w), c.checkSymbols(r, w)...)
		case kRecord:
			return append(c.checkNames(r, w), c.checkFields(r, w)...)
		case kUnion:
			var vs []compat.Violation
			for i, wb := range w.branches {
				c.push(strconv.Itoa(i))
				if len(c.compat(r, wb)) > 0 {
					vs = append(vs, c.violation(RuleMissingUnionBranch, fmt.Sprintf(
						"reader union %s has no branch that can read writer union branch %d (%s), so data written with that branch cannot be read",
						describe(r), i, describe(wb))))
				}
				c.pop()
			}
			return vs
		}
		return nil
	}

	// Different kinds. A writer union is readable when every branch is.
	if w.kind == kUnion {
		var vs []compat.Violation
		for _, wb := range w.branches {
			vs = append(vs, c.compat(r, wb)...)
		}
		return vs
	}
	switch r.kind {
	case kLong:
		if w.kind == kInt {
			return nil
		}
	case kFloat:
		if w.kind == kInt || w.kind == kLong {
			return nil
		}
	case kDouble:
		if w.kind == kInt || w.kind == kLong || w.kind == kFloat {
			return nil
		}
	case kBytes:
		if w.kind == kString {
			return nil
		}
	case kString:
		if w.kind == kBytes {
			return nil
		}
	case kUnion:
		for _, rb := range r.branches {
			if len(c.compat(rb, w)) == 0 {
				return nil
			}
		}
		return []compat.Violation{c.violation(RuleMissingUnionBranch, fmt.Sprintf(
			"reader union %s has no branch that can read writer type %s", describe(r), describe(w)))}
	}
	return []compat.Violation{c.violation(RuleTypeMismatch, typeMismatchMessage(r, w))}
}

func typeMismatchMessage(r, w *node) string {
	msg := fmt.Sprintf("reader type %s cannot read writer type %s", describe(r), describe(w))
	if isNumeric(r.kind) && isNumeric(w.kind) {
		msg += "; Avro only widens int to long, float or double, long to float or double, and float to double"
	}
	return msg
}

func isNumeric(k kind) bool { return k == kInt || k == kLong || k == kFloat || k == kDouble }

// checkNames compares named types: the unqualified names must be equal, or the
// writer's full name must be one of the reader's aliases. Changing only the
// namespace is therefore compatible, as in Avro 1.9 and later.
func (c *checker) checkNames(r, w *node) []compat.Violation {
	if r.shortName() == w.shortName() {
		return nil
	}
	for _, a := range r.aliases {
		if a == w.full {
			return nil
		}
	}
	c.push("name")
	defer c.pop()
	return []compat.Violation{c.violation(RuleNameMismatch, fmt.Sprintf(
		"reader %s %q does not match writer %s %q: the names differ and %q is not among the reader's aliases",
		r.kind, r.full, w.kind, w.full, w.full))}
}

// checkSymbols: every writer symbol must be a reader symbol, unless the reader enum
// has a default to read unknown symbols as.
func (c *checker) checkSymbols(r, w *node) []compat.Violation {
	var missing []string
	for _, s := range w.symbols {
		if _, ok := r.symbolIdx[s]; !ok {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 || r.hasEnumDefault {
		return nil
	}
	sort.Strings(missing)
	c.push("symbols")
	defer c.pop()
	what := "symbol"
	if len(missing) > 1 {
		what = "symbols"
	}
	return []compat.Violation{c.violation(RuleMissingEnumSymbols, fmt.Sprintf(
		"writer enum %q has %s %s that reader enum %q lacks, and the reader has no enum default to fall back on",
		w.full, what, strings.Join(missing, ", "), r.full))}
}

// checkFields matches each reader field with a writer field by name or by one of the
// reader field's aliases; a reader field the writer lacks needs a default. Writer
// fields the reader lacks are skipped when reading, so they are fine.
func (c *checker) checkFields(r, w *node) []compat.Violation {
	var vs []compat.Violation
	c.push("fields")
	defer c.pop()
	for _, rf := range r.fields {
		c.push(rf.posStr)
		wf := lookupWriterField(w, rf)
		switch {
		case wf != nil:
			c.push("type")
			vs = append(vs, c.compat(rf.typ, wf.typ)...)
			c.pop()
		case !rf.hasDef:
			// Java 1.12 compares an enum-typed field whose enum has a default against
			// the writer record here, which yields TYPE_MISMATCH; the field still
			// has no default, so we report that, which is what is wrong.
			vs = append(vs, c.violation(RuleReaderFieldMissingDefaultValue, fmt.Sprintf(
				"reader field %q (%s) is missing from the writer schema and has no default, so data written without it cannot be read; give it a default",
				rf.name, describe(rf.typ))))
		}
		c.pop()
	}
	return vs
}

func lookupWriterField(w *node, rf *field) *field {
	if i, ok := w.fieldIdx[rf.name]; ok {
		return w.fields[i]
	}
	for _, a := range rf.aliases {
		if i, ok := w.fieldIdx[a]; ok {
			return w.fields[i]
		}
	}
	return nil
}
