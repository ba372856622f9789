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
	// Lines is a line-by-line diff of the two pretty-printed texts.
	Lines []DiffLine
}

// DiffLine is one line of a text diff: Op is ' ', '+' or '-'.
type DiffLine struct {
	Op   string
	Text string
}

// Diff compares versions from and to of an event's schema: field changes, each
// marked compatible or breaking with its rule, and the consumers each would affect.
// A from or to of 0 is the second-newest or the newest live version.
// Errors: ErrNotFound (event or version), ErrBadRequest (different formats).
func (s *Service) Diff(ctx context.Context, id string, from, to int) (*Diff, error) {
	ev, err := s.Event(id)
	if err != nil {
		return nil, err
	}
	reg := s.cfg.Registry
	versions, err := reg.Versions(ctx, ev.Subject)
	if err != nil || len(versions) == 0 {
		return nil, fmt.Errorf("versions of %s: %w", ev.Subject, ErrNotFound)
	}
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
	d := &Diff{Event: ev, From: fv, To: tv, Level: level, Verdict: level, Versions: versions}
	if level == compat.None {
		d.Verdict = compat.Backward
	}
	_, consumers, _ := s.EventEdges(ctx, id)

	var viols []compat.Violation
	if fp != nil && tp != nil && fp.Type() == tp.Type() {
		back, err := reg.CanRead(ctx, tp, fp, opts)
		if err != nil {
			return nil, fmt.Errorf("compare versions %d and %d of %s: %w", fv.Version, tv.Version, ev.Subject, err)
		}
		for _, v := range back {
			v.Direction, v.Version = compat.DirBackward, fv.Version
			viols = append(viols, v)
		}
		fwd, err := reg.CanRead(ctx, fp, tp, opts)
		if err != nil {
			return nil, fmt.Errorf("compare versions %d and %d of %s: %w", fv.Version, tv.Version, ev.Subject, err)
		}
		for _, v := range fwd {
			v.Direction, v.Version = compat.DirForward, fv.Version
			viols = append(viols, v)
		}
	} else if fv.Type != tv.Type {
		viols = append(viols, compat.Violation{Rule: compat.RuleSchemaTypeChanged, Message: fmt.Sprintf("the format changed from %s to %s", fv.Type, tv.Type), Direction: compat.DirBackward})
	}
	d.Changes = fieldChanges(Fields(fv.Type, fv.Text), Fields(tv.Type, tv.Text))
	attachViolations(d, viols)
	d.Compatible = true
	for i := range d.Changes {
		c := &d.Changes[i]
		for _, v := range c.Violations {
			if (v.Direction == compat.DirBackward && d.Verdict.Backward()) || (v.Direction == compat.DirForward && d.Verdict.Forward()) || v.Direction == 0 {
				c.Breaking = true
			}
		}
		if c.Breaking {
			d.Compatible = false
			c.Affected = affected(consumers, c.Path)
		}
	}
	d.Lines = lineDiff(PrettySchema(fv), PrettySchema(tv))
	return d, nil
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
		case a.Type != f.Type:
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

// attachViolations attaches each violation to the change it explains best; those
// that explain no change become changes of kind "rule".
func attachViolations(d *Diff, viols []compat.Violation) {
	for _, v := range viols {
		vs := pathSegments(v.Path)
		best, bestN := -1, 0
		for i, c := range d.Changes {
			if n := matchLen(pathSegments(c.Path), vs); n > bestN {
				best, bestN = i, n
			}
		}
		// A violation on a field's parent (a required property added to a parent,
		// for instance) may name the parent only: try matching changes whose path
		// extends the violation path and whose kind explains it.
		if best < 0 && len(vs) > 0 {
			for i, c := range d.Changes {
				cs := pathSegments(c.Path)
				if len(cs) > 0 && containsSeg(v.Message, cs[len(cs)-1]) && matchLen(vs, cs[:len(cs)-1]) > 0 {
					best = i
					break
				}
			}
		}
		if best < 0 && len(vs) == 0 {
			for i, c := range d.Changes {
				cs := pathSegments(c.Path)
				if len(cs) == 1 && containsSeg(v.Message, cs[0]) && c.Kind != "description" {
					best = i
					break
				}
			}
		}
		if best < 0 {
			d.Changes = append(d.Changes, Change{Kind: "rule", Path: strings.Join(vs, "."), Violations: []compat.Violation{v}})
			continue
		}
		d.Changes[best].Violations = append(d.Changes[best].Violations, v)
	}
}

// containsSeg reports whether msg mentions name as a quoted or whole word.
func containsSeg(msg, name string) bool {
	if name == "" {
		return false
	}
	for _, q := range []string{"'" + name + "'", `"` + name + `"`, "`" + name + "`", " " + name + " "} {
		if strings.Contains(msg, q) {
			return true
		}
	}
	return strings.HasSuffix(msg, " "+name)
}

// affected returns the consumers a breaking change at path would affect.
func affected(consumers []Edge, path string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range consumers {
		if seen[c.Service] {
			continue
		}
		hit := len(c.Fields) == 0 || path == ""
		for _, f := range c.Fields {
			if f == path || strings.HasPrefix(f, path+".") || strings.HasPrefix(path, f+".") || strings.HasPrefix(f, path+"[]") {
				hit = true
			}
		}
		if hit {
			seen[c.Service] = true
			out = append(out, c.Service)
		}
	}
	return out
}

// lineDiff is a longest-common-subsequence line diff; schemas are small.
func lineDiff(a, b string) []DiffLine {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(al)*len(bl) > 4_000_000 {
		var out []DiffLine
		for _, l := range al {
			out = append(out, DiffLine{Op: "-", Text: l})
		}
		for _, l := range bl {
			out = append(out, DiffLine{Op: "+", Text: l})
		}
		return out
	}
	n, m := len(al), len(bl)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
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
	return out
}
