package catalog

import (
	"context"
	"fmt"
	"strings"

	"github.com/heraldhq/herald/compat"
)

// Change is one semantic difference between two schema versions, with the
// compatibility verdict under the subject's level.
type Change struct {
	// Kind is added, removed, type, required, description or rule (a violation that
	// no field change explains, such as a renamed record).
	Kind string
	// Path is the dotted field path.
	Path          string
	Before, After string
	// Breaking is true when a violation in a direction the level enforces is
	// attached to this change.
	Breaking   bool
	Violations []compat.Violation
	// Affected lists the consumers (service ids) this change would break: every
	// consumer, or only those whose declared fields touch Path.
	Affected []string
	// Repeats counts the violations not listed in Violations because they repeat
	// one of them (same rule and direction) on another path to the same shared
	// type: a change to a shared definition is shown once, not once per path.
	Repeats int
}

// Diff compares two versions of an event's schema.
type Diff struct {
	Event    *Event
	From, To SchemaVersion
	// Level is the subject's compatibility level; Verdict is the level the
	// changes were judged under (BACKWARD when the subject's level is NONE).
	Level, Verdict compat.Level
	Versions       []SchemaVersion
	Changes        []Change
	// Compatible is true when no change is breaking.
	Compatible bool
	// Hunks are the changed lines of the two pretty-printed texts, each with
	// diffContext unchanged lines around it, as in a unified diff: a one-line
	// change to a long schema shows as a few lines, not the whole file.
	Hunks []DiffHunk
}

// DiffLine is one line of a text diff: Op is ' ', '+' or '-'.
type DiffLine struct {
	Op   string
	Text string
}

// DiffHunk is one run of changed lines with its context.
type DiffHunk struct {
	// Header is the unified-diff range line, "@@ -12,7 +12,8 @@": where the
	// hunk starts in each text and how many of its lines each text has.
	Header string
	Lines  []DiffLine
}

// diffContext is how many unchanged lines a hunk shows before and after its
// changes, as diff -u does.
const diffContext = 3

// hunks groups a full line diff into hunks: changes closer than twice the
// context share one hunk, so no unchanged line is shown twice.
func hunks(lines []DiffLine) []DiffHunk {
	var out []DiffHunk
	oldLine, newLine := 0, 0 // lines of each text before lines[i]
	// counts[i] holds the old and new line numbers before lines[i].
	counts := make([][2]int, len(lines)+1)
	for i, l := range lines {
		counts[i] = [2]int{oldLine, newLine}
		if l.Op != "+" {
			oldLine++
		}
		if l.Op != "-" {
			newLine++
		}
	}
	counts[len(lines)] = [2]int{oldLine, newLine}
	for i := 0; i < len(lines); {
		if lines[i].Op == " " {
			i++
			continue
		}
		lo := max(i-diffContext, 0)
		// Extend over changes whose context would touch this hunk's.
		end := i // one past the last changed line
		for j := i; j < len(lines) && j-end <= 2*diffContext; j++ {
			if lines[j].Op != " " {
				end = j + 1
			}
		}
		hi := min(end+diffContext, len(lines))
		out = append(out, DiffHunk{Header: hunkHeader(counts[lo], counts[hi]), Lines: lines[lo:hi]})
		i = hi
	}
	return out
}

// hunkHeader writes the "@@ -a,b +c,d @@" line of the hunk between two
// positions: a side with no lines names the line before, as diff -u does.
func hunkHeader(from, to [2]int) string {
	side := func(a, b int) string {
		n := b - a
		if n == 0 {
			return fmt.Sprintf("%d,0", a)
		}
		return fmt.Sprintf("%d,%d", a+1, n)
	}
	return "@@ -" + side(from[0], to[0]) + " +" + side(from[1], to[1]) + " @@"
}

// Diff compares versions from and to of an event's schema: field changes, each
// marked compatible or breaking with its rule, and the consumers each would affect.
// A from or to of 0 is the second-newest or the newest live version.
// Errors: ErrNotFound (event or version), ErrBadRequest (different formats).
func (s *Service) Diff(ctx context.Context, id string, from, to int) (*Diff, error) {
	ev, versions, err := s.eventVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(versions) == 0 {
		return nil, fmt.Errorf("versions of %s: %w", ev.Subject, ErrNotFound)
	}
	reg := s.cfg.Registry
	n := len(versions)
	if to == 0 {
		to = versions[n-1].Version
	}
	if from == 0 {
		from = versions[max(n-2, 0)].Version
	}
	fv, fp, err := reg.Schema(ctx, ev.Subject, from)
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", from, ev.Subject, ErrNotFound)
	}
	tv, tp, err := reg.Schema(ctx, ev.Subject, to)
	if err != nil {
		return nil, fmt.Errorf("version %d of %s: %w", to, ev.Subject, ErrNotFound)
	}
	level, opts, _ := reg.Compatibility(ctx, ev.Subject)
	d := &Diff{Event: ev, From: fv, To: tv, Level: level, Versions: versions}
	_, consumers, _ := s.EventEdges(ctx, id)
	if err := s.compare(ctx, d, fp, tp, opts, consumers); err != nil {
		return nil, err
	}
	lines, err := lineDiff(ctx, PrettySchema(fv), PrettySchema(tv))
	if err != nil {
		return nil, err
	}
	d.Hunks = hunks(lines)
	return d, nil
}

// eventVersions returns an event and its subject's live versions, oldest
// first: none when the registry has none or cannot say.
// Errors: ErrNotFound (the event).
func (s *Service) eventVersions(ctx context.Context, id string) (*Event, []SchemaVersion, error) {
	ev, err := s.Event(id)
	if err != nil {
		return nil, nil, err
	}
	versions, err := s.cfg.Registry.Versions(ctx, ev.Subject)
	if err != nil {
		return ev, nil, nil
	}
	return ev, versions, nil
}

// compare fills d's Verdict, Changes and Compatible, and the consumers each
// breaking change affects, from the versions d.From and d.To (parsed: fp, tp)
// under d.Level: everything a diff shows but the text.
func (s *Service) compare(ctx context.Context, d *Diff, fp, tp compat.Schema, opts compat.Options, consumers []Edge) error {
	reg, ev, fv, tv := s.cfg.Registry, d.Event, d.From, d.To
	d.Verdict = d.Level
	if d.Level == compat.None {
		d.Verdict = compat.Backward
	}
	// The field tables come first: they are the cheaper walk, and a schema too
	// large to list is refused before the comparison runs.
	lim := s.cfg.FieldLimits
	before, err := Fields(ctx, fv.Type, fv.Text, lim)
	if err != nil {
		return fmt.Errorf("fields of version %d of %s: %w", fv.Version, ev.Subject, err)
	}
	after, err := Fields(ctx, tv.Type, tv.Text, lim)
	if err != nil {
		return fmt.Errorf("fields of version %d of %s: %w", tv.Version, ev.Subject, err)
	}
	var viols []compat.Violation
	if fp != nil && tp != nil && fp.Type() == tp.Type() {
		// Backward: can the new version read the old one's data; forward: the reverse.
		for _, c := range [...]struct {
			dir            compat.Direction
			reader, writer compat.Schema
		}{{compat.DirBackward, tp, fp}, {compat.DirForward, fp, tp}} {
			found, err := reg.CanRead(ctx, c.reader, c.writer, opts)
			if err != nil {
				return fmt.Errorf("compare versions %d and %d of %s: %w", fv.Version, tv.Version, ev.Subject, err)
			}
			for _, v := range found {
				v.Direction, v.Version = c.dir, fv.Version
				viols = append(viols, v)
			}
		}
	} else if fv.Type != tv.Type {
		viols = append(viols, compat.Violation{Rule: compat.RuleSchemaTypeChanged, Message: fmt.Sprintf("the format changed from %s to %s", fv.Type, tv.Type), Direction: compat.DirBackward})
	}
	d.Changes = fieldChanges(before, after)
	canons := [2]canon{newCanon(before), newCanon(after)}
	if err := attachViolations(ctx, d, viols, canons, lim.rows()); err != nil {
		return fmt.Errorf("diff versions %d and %d of %s: %w", fv.Version, tv.Version, ev.Subject, err)
	}
	d.Compatible = true
	readers := consumerPaths(consumers, canons)
	for i := range d.Changes {
		c := &d.Changes[i]
		for _, v := range c.Violations {
			if (v.Direction == compat.DirBackward && d.Verdict.Backward()) || (v.Direction == compat.DirForward && d.Verdict.Forward()) || v.Direction == 0 {
				c.Breaking = true
			}
		}
		if c.Breaking {
			d.Compatible = false
			c.Affected = affected(consumers, readers, c.Path)
		}
	}
	return nil
}

func fieldChanges(before, after []Field) []Change {
	bm := map[string]Field{}
	for _, f := range before {
		bm[f.Path] = f
	}
	am := map[string]Field{}
	for _, f := range after {
		am[f.Path] = f
	}
	// parentGone reports whether an enclosing field of path is missing from m:
	// the change is then reported once, on the enclosing field.
	parentGone := func(path string, m map[string]Field) bool {
		for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
			if _, ok := m[strings.TrimSuffix(strings.TrimSuffix(path[:i], "[]"), "{}")]; !ok {
				return true
			}
		}
		return false
	}
	var out []Change
	for _, f := range before {
		a, ok := am[f.Path]
		switch {
		case !ok && parentGone(f.Path, am):
		case !ok:
			out = append(out, Change{Kind: "removed", Path: f.Path, Before: describeField(f)})
		case a.Type != f.Type && (a.RefTo == "" || a.RefTo != f.RefTo):
			// (Two later uses of one shared type are skipped: a change to
			// that type shows once, at its first use.)
			out = append(out, Change{Kind: "type", Path: f.Path, Before: f.Type, After: a.Type})
		case a.Required != f.Required:
			out = append(out, Change{Kind: "required", Path: f.Path, Before: requiredWord(f.Required), After: requiredWord(a.Required)})
		case a.Description != f.Description:
			out = append(out, Change{Kind: "description", Path: f.Path, Before: f.Description, After: a.Description})
		}
	}
	for _, f := range after {
		if _, ok := bm[f.Path]; !ok && !parentGone(f.Path, bm) {
			out = append(out, Change{Kind: "added", Path: f.Path, After: describeField(f)})
		}
	}
	return out
}

func describeField(f Field) string {
	return f.Type + ", " + requiredWord(f.Required)
}

func requiredWord(r bool) string {
	if r {
		return "required"
	}
	return "optional"
}

// pathSegments splits a field path or a violation path (JSON Pointer or dotted)
// into field names, dropping structural words.
func pathSegments(p string) []string {
	p = strings.ReplaceAll(p, "[]", "")
	p = strings.ReplaceAll(p, "{}", "")
	var out []string
	for _, s := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '.' || r == '[' || r == ']' }) {
		switch s {
		case "#", "properties", "items", "fields", "type", "additionalProperties", "definitions", "$defs", "required":
			continue
		}
		out = append(out, s)
	}
	return out
}

// matchLen returns how many trailing segments of change are a suffix of viol.
func matchLen(change, viol []string) int {
	if len(change) == 0 || len(viol) < len(change) {
		return 0
	}
	for i := range change {
		if change[len(change)-1-i] != viol[len(viol)-1-i] {
			return 0
		}
	}
	return len(change)
}

// normPath is the form paths are matched in: segments joined by dots.
func normPath(p string) string { return strings.Join(pathSegments(p), ".") }

// canon maps the normalized path of each later use of a shared type to the
// normalized path of its first use, from one field table.
type canon map[string]string

func newCanon(fs []Field) canon {
	m := canon{}
	for _, f := range fs {
		if f.RefTo != "" {
			m[normPath(f.Path)] = normPath(f.Ref)
		}
	}
	return m
}

// canonical joins segs into a normalized path, replacing every prefix that is a
// later use of a shared type with its first use: the many paths to one shared
// definition become one. First uses are reached through first uses only, so one
// pass suffices.
func (m canon) canonical(segs []string) string {
	if len(m) == 0 {
		return strings.Join(segs, ".")
	}
	var b strings.Builder
	for _, s := range segs {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
		if to, ok := m[b.String()]; ok {
			b.Reset()
			b.WriteString(to)
		}
	}
	return b.String()
}

// maxScans bounds the change-by-change comparisons of one diff's fallback
// matching (a violation no path lookup places): past it, such violations become
// changes of their own. Path lookups are not counted; they cost a map lookup per
// path segment.
const maxScans = 1_000_000

// maxListed bounds the violations listed on one change; the rest are counted in
// Repeats.
const maxListed = 20

// attachViolations attaches each violation to the change it explains best; those
// that explain no change become changes of kind "rule". A violation's path is
// first mapped through the reader's field table (canons holds before's and
// after's; after reads backward, before forward), so that the paths through later uses of a shared type land on the
// change at its first use, where repeats of a rule are counted, not listed.
// Errors: a *compat.LimitError when the changes would pass maxChanges, and ctx's
// error.
func attachViolations(ctx context.Context, d *Diff, viols []compat.Violation, canons [2]canon, maxChanges int) error {
	if len(d.Changes) > maxChanges {
		return &compat.LimitError{What: "changes in a diff", Limit: maxChanges}
	}
	canonBefore, canonAfter := canons[0], canons[1]
	segs := make([][]string, len(d.Changes), len(d.Changes)+1)
	// byPath indexes changes by normalized path (the first of each path).
	byPath := make(map[string]int, len(d.Changes))
	index := func(i int, s []string, key string) {
		segs[i] = s
		if _, ok := byPath[key]; !ok {
			byPath[key] = i
		}
	}
	for i, c := range d.Changes {
		s := pathSegments(c.Path)
		index(i, s, strings.Join(s, "."))
	}
	scans := 0
	budget := compat.NewBudget(ctx, 0, "")
	for _, v := range viols {
		if !budget.Step() {
			return budget.Err()
		}
		cz := canonAfter
		if v.Direction == compat.DirForward {
			cz = canonBefore
		}
		vs := pathSegments(v.Path)
		key := cz.canonical(vs)
		best := longestSuffix(byPath, key)
		if best < 0 && scans < maxScans {
			// A violation on a field's parent (a required property added to a
			// parent, for instance) may name the parent only: try matching
			// changes whose path extends the violation path and whose kind
			// explains it.
			cvs := strings.Split(key, ".")
			if key == "" {
				cvs = nil
			}
			scans += len(d.Changes)
			for i, c := range d.Changes {
				cs := segs[i]
				if len(cvs) > 0 && len(cs) > 0 && containsSeg(v.Message, cs[len(cs)-1]) && matchLen(cvs, cs[:len(cs)-1]) > 0 {
					best = i
					break
				}
				if len(cvs) == 0 && len(cs) == 1 && containsSeg(v.Message, cs[0]) && c.Kind != "description" {
					best = i
					break
				}
			}
		}
		if best < 0 {
			if len(d.Changes) >= maxChanges {
				return &compat.LimitError{What: "changes in a diff", Limit: maxChanges}
			}
			d.Changes = append(d.Changes, Change{Kind: "rule", Path: key})
			best = len(d.Changes) - 1
			segs = append(segs, nil)
			index(best, strings.Split(key, "."), key)
		}
		addViolation(&d.Changes[best], v)
	}
	return nil
}

// longestSuffix returns the change whose normalized path is the longest suffix
// of key (whole segments), or -1; the empty key finds the change of kind "rule"
// at the top, if there is one. Suffixes are substrings of key, so the search
// allocates nothing.
func longestSuffix(byPath map[string]int, key string) int {
	for s := key; ; {
		if i, ok := byPath[s]; ok {
			return i
		}
		dot := strings.IndexByte(s, '.')
		if dot < 0 {
			return -1
		}
		s = s[dot+1:]
	}
}

// addViolation lists v on c, unless it repeats a listed violation (same rule and
// direction) from another path, or c already lists maxListed: then it is counted.
func addViolation(c *Change, v compat.Violation) {
	if len(c.Violations) >= maxListed {
		c.Repeats++
		return
	}
	for _, x := range c.Violations {
		if x.Rule == v.Rule && x.Direction == v.Direction && x.Path != v.Path {
			c.Repeats++
			return
		}
	}
	c.Violations = append(c.Violations, v)
}

// containsSeg reports whether msg mentions name as a quoted or whole word. It
// allocates nothing: the fallback matching calls it once per change.
func containsSeg(msg, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(msg); {
		j := strings.Index(msg[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		var before, after byte
		if j > 0 {
			before = msg[j-1]
		}
		if end < len(msg) {
			after = msg[end]
		}
		switch {
		case (before == '\'' || before == '"' || before == '`') && after == before:
			return true
		case before == ' ' && (after == ' ' || end == len(msg)):
			return true
		}
		i = j + 1
	}
	return false
}

// consumerPaths maps each field path a consumer declares to the normalized paths
// it has in either version's table, through first uses of shared types: a
// consumer reading shippingAddress.country is affected by a change listed at
// billingAddress.country when both addresses are one shared type.
func consumerPaths(consumers []Edge, canons [2]canon) map[string][]string {
	out := map[string][]string{}
	for _, c := range consumers {
		for _, f := range c.Fields {
			if _, ok := out[f]; ok {
				continue
			}
			segs := pathSegments(f)
			a, b := canons[0].canonical(segs), canons[1].canonical(segs)
			out[f] = []string{a}
			if b != a {
				out[f] = append(out[f], b)
			}
		}
	}
	return out
}

// affected returns the consumers a breaking change at path would affect; readers
// is consumerPaths of the consumers.
func affected(consumers []Edge, readers map[string][]string, path string) []string {
	var out []string
	seen := map[string]bool{}
	p := normPath(path)
	for _, c := range consumers {
		if seen[c.Service] {
			continue
		}
		hit := len(c.Fields) == 0 || path == ""
		for _, f := range c.Fields {
			for _, r := range readers[f] {
				if r == p || strings.HasPrefix(r, p+".") || strings.HasPrefix(p, r+".") {
					hit = true
				}
			}
		}
		if hit {
			seen[c.Service] = true
			out = append(out, c.Service)
		}
	}
	return out
}

// lineDiff is a longest-common-subsequence line diff; schemas are small, and
// past 4M cells of table it lists one text removed and the other added. It stops
// with ctx's error when ctx ends.
func lineDiff(ctx context.Context, a, b string) ([]DiffLine, error) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(al)*len(bl) > 4_000_000 {
		out := make([]DiffLine, 0, len(al)+len(bl))
		for _, l := range al {
			out = append(out, DiffLine{Op: "-", Text: l})
		}
		for _, l := range bl {
			out = append(out, DiffLine{Op: "+", Text: l})
		}
		return out, nil
	}
	n, m := len(al), len(bl)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []DiffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case al[i] == bl[j]:
			out = append(out, DiffLine{Op: " ", Text: al[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, DiffLine{Op: "-", Text: al[i]})
			i++
		default:
			out = append(out, DiffLine{Op: "+", Text: bl[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, DiffLine{Op: "-", Text: al[i]})
	}
	for ; j < m; j++ {
		out = append(out, DiffLine{Op: "+", Text: bl[j]})
	}
	return out, nil
}
