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

// finding is one entry of what comparing a pair found: a violation at the pair
// itself, or (sub set) the shared outcome of a named pair below it. Findings
// refer to a named pair's outcome instead of copying its violations, so a
// definition reached by many paths costs one entry per path, not one copy of
// its whole subtree's violations per path (which doubles at every level of a
// schema that uses a named type twice).
type finding struct {
	v   compat.Violation
	sub *outcome
}

// outcome is the memoized result of a named pair. While a pair is being computed
// it is inProgress, and meeting it again counts as compatible, so recursion
// terminates, as in Java's checker.
type outcome struct {
	inProgress bool
	findings   []finding
}

// checker ports Apache Avro's ReaderWriterCompatibilityChecker: it walks reader and
// writer together, collects every incompatibility with a JSON Pointer into the reader
// schema, and memoizes each named node pair. A list of findings is non-empty exactly
// when its pair is incompatible; union matching relies on that.
type checker struct {
	memo   map[pairKey]*outcome
	loc    []string
	budget *compat.Budget
}

// canRead compares reader and writer within budget. A violation at a shared named
// type is reported once, with the path by which the walk first reached it.
func canRead(reader, writer *node, budget *compat.Budget) ([]compat.Violation, error) {
	c := &checker{memo: map[pairKey]*outcome{}, budget: budget}
	fs := c.compat(reader, writer)
	if err := budget.Err(); err != nil {
		return nil, err
	}
	return dedupe(flatten(fs, map[*outcome]bool{}, nil)), nil
}

// flatten lists the violations of fs in the order the walk found them, each
// shared outcome once: its first reference lists it, later ones add nothing new.
func flatten(fs []finding, seen map[*outcome]bool, out []compat.Violation) []compat.Violation {
	for _, f := range fs {
		if f.sub == nil {
			out = append(out, f.v)
			continue
		}
		if !seen[f.sub] {
			seen[f.sub] = true
			out = flatten(f.sub.findings, seen, out)
		}
	}
	return out
}

// dedupe drops repeats: different pairs can find the same violation at the same
// path (two writer union branches, say), and reporting it twice helps nobody.
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

func (c *checker) violation(rule, msg string) finding {
	return finding{v: compat.Violation{Rule: rule, Path: c.path(), Message: msg}}
}

// compat returns the findings for reading writer with reader, memoized for named
// pairs. Each call is one step of the budget; once the budget is spent it
// returns nothing and the caller (canRead) reports the budget's error.
func (c *checker) compat(r, w *node) []finding {
	if !c.budget.Step() {
		return nil
	}
	if !r.named() || !w.named() {
		// Only named types can recur or be shared, and a pair of anonymous nodes
		// is met once per visit of its enclosing named pair, so memoizing named
		// pairs is enough to terminate and to share work.
		return c.calculate(r, w)
	}
	k := pairKey{r, w}
	res, ok := c.memo[k]
	if !ok {
		res = &outcome{inProgress: true}
		c.memo[k] = res
		res.findings = c.calculate(r, w)
		res.inProgress = false
	}
	if res.inProgress || len(res.findings) == 0 {
		return nil
	}
	return []finding{{sub: res}}
}

func (c *checker) calculate(r, w *node) []finding {
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
			var vs []finding
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
		var vs []finding
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
		return []finding{c.violation(RuleMissingUnionBranch, fmt.Sprintf(
			"reader union %s has no branch that can read writer type %s", describe(r), describe(w)))}
	}
	return []finding{c.violation(RuleTypeMismatch, typeMismatchMessage(r, w))}
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
func (c *checker) checkNames(r, w *node) []finding {
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
	return []finding{c.violation(RuleNameMismatch, fmt.Sprintf(
		"reader %s %q does not match writer %s %q: the names differ and %q is not among the reader's aliases",
		r.kind, r.full, w.kind, w.full, w.full))}
}

// checkSymbols: every writer symbol must be a reader symbol, unless the reader enum
// has a default to read unknown symbols as.
func (c *checker) checkSymbols(r, w *node) []finding {
	var missing []string
	for _, s := range w.symbols {
		if !r.hasSymbol(s) {
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
	return []finding{c.violation(RuleMissingEnumSymbols, fmt.Sprintf(
		"writer enum %q has %s %s that reader enum %q lacks, and the reader has no enum default to fall back on",
		w.full, what, strings.Join(missing, ", "), r.full))}
}

// checkFields matches each reader field with a writer field by name or by one of the
// reader field's aliases; a reader field the writer lacks needs a default. Writer
// fields the reader lacks are skipped when reading, so they are fine.
func (c *checker) checkFields(r, w *node) []finding {
	var vs []finding
	c.push("fields")
	defer c.pop()
	for _, rf := range r.fields {
		c.push(strconv.Itoa(rf.pos))
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
	if i, ok := w.field(rf.name); ok {
		return w.fields[i]
	}
	for _, a := range rf.aliases {
		if i, ok := w.field(a); ok {
			return w.fields[i]
		}
	}
	return nil
}
