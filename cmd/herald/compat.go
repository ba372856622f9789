package main

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// compatFlags are the flags of `herald compat`.
type compatFlags struct {
	format string
	rules  ruleFlags
	output string
}

// ruleFlags are the flags that say how schemas are compared offline, shared by
// `herald compat` and `herald check --against` so both parse them alike.
type ruleFlags struct {
	level   string
	policy  string
	ruleSet string
	refs    []string
	refsDir string
}

// add declares the flags on fl; every help text starts with prefix (empty, or
// "with --against: " where the flags apply to one mode only).
func (r *ruleFlags) add(fl *pflag.FlagSet, prefix, levelHelp string) {
	fl.StringVar(&r.level, "level", "BACKWARD", prefix+levelHelp)
	fl.StringVar(&r.policy, "policy", "strict", prefix+"JSON Schema content-model policy: strict or lenient")
	fl.StringVar(&r.ruleSet, "rule-set", "", prefix+"Protobuf rule set: CONFLUENT (default), WIRE_JSON or WIRE")
	fl.StringArrayVar(&r.refs, "ref", nil, prefix+"reference NAME=FILE (repeatable)")
	fl.StringVar(&r.refsDir, "refs-dir", "", prefix+"directory of referenced files, named by relative path")
}

// parse checks the level, policy and rule set and returns them as the level and
// the compat.Options of a check; a bad value is a usage error naming its flag.
func (r *ruleFlags) parse() (compat.Level, compat.Options, error) {
	level, err := compat.ParseLevel(r.level)
	if err != nil {
		return 0, compat.Options{}, usageErrorf("--level: %v", err)
	}
	policy, err := compat.ParsePolicy(r.policy)
	if err != nil {
		return 0, compat.Options{}, usageErrorf("--policy: %v", err)
	}
	if r.ruleSet != "" {
		if _, err := protobuf.ParseRuleSet(r.ruleSet); err != nil {
			return 0, compat.Options{}, usageErrorf("--rule-set: %v", err)
		}
	}
	return level, compat.Options{Policy: policy, RuleSet: strings.ToUpper(r.ruleSet)}, nil
}

// references reads --ref and --refs-dir.
func (r *ruleFlags) references() ([]compat.Reference, error) {
	return readRefs(r.refs, r.refsDir)
}

// newCompatCmd builds `herald compat`: an offline check of schema files.
func newCompatCmd() *cobra.Command {
	var f compatFlags
	cmd := &cobra.Command{
		Use:   "compat [flags] OLD... NEW",
		Short: "Check offline whether a schema file may follow earlier ones",
		Long: `Check offline, with no server, whether NEW may follow OLD (several OLD files are
earlier versions, oldest first) under a compatibility level.

Exit status: 0 compatible, 1 incompatible, 2 bad input (an unreadable or invalid
schema, an unknown level or format).

References (Protobuf imports, JSON Schema $refs, Avro named types) come from
--ref NAME=FILE (repeatable) and --refs-dir DIR, where every file is named by its
path relative to DIR (google/type/money.proto). Give Avro references in dependency
order: a type after the types it uses.`,
		Args: cobra.MinimumNArgs(2),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "", "schema format: avro, json or protobuf (default: from NEW's extension: .avsc, .json, .proto)")
	f.rules.add(fl, "", "compatibility level: NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE")
	fl.StringVarP(&f.output, "output", "o", "text", "output: text or json")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		return runCompat(cmd.OutOrStdout(), f, args)
	}
	return cmd
}

// compatViolation is one violation as `herald compat` prints it: the file it was
// found against, then the violation.
type compatViolation struct {
	File string `json:"file"`
	compat.Violation
}

// compatOutput is the JSON output of `herald compat`.
type compatOutput struct {
	Compatible bool              `json:"compatible"`
	Level      string            `json:"level"`
	New        string            `json:"new"`
	Old        []string          `json:"old"`
	Violations []compatViolation `json:"violations"`
}

// runCompat runs the check and writes the report; it returns an *exitError for
// exit codes 1 and 2.
func runCompat(w io.Writer, f compatFlags, files []string) error {
	level, opts, err := f.rules.parse()
	if err != nil {
		return err
	}
	if f.output != "text" && f.output != "json" {
		return usageErrorf("--output %q: want text or json", f.output)
	}
	newFile, oldFiles := files[len(files)-1], files[:len(files)-1]
	format, err := pickFormat(f.format, newFile)
	if err != nil {
		return err
	}
	if f.rules.ruleSet != "" && format.Type() != compat.Protobuf {
		return usageErrorf("--rule-set applies to protobuf only")
	}
	refs, err := f.rules.references()
	if err != nil {
		return err
	}
	parse := func(file string) (compat.Schema, error) {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		s, err := format.Parse(string(b), refs)
		if err != nil {
			return nil, usageErrorf("%s: invalid %s schema: %v", file, format.Type(), err)
		}
		return s, nil
	}
	previous := make([]compat.Previous, len(oldFiles))
	for i, file := range oldFiles {
		s, err := parse(file)
		if err != nil {
			return err
		}
		previous[i] = compat.Previous{Version: i + 1, Schema: s}
	}
	candidate, err := parse(newFile)
	if err != nil {
		return err
	}
	report, err := compat.Check(context.Background(), format, level, candidate, previous, opts)
	if err != nil {
		return err
	}

	out := compatOutput{Compatible: report.Compatible, Level: level.String(), New: newFile, Old: oldFiles, Violations: []compatViolation{}}
	for _, v := range report.Violations {
		file := ""
		if v.Version >= 1 && v.Version <= len(oldFiles) {
			file = oldFiles[v.Version-1]
		}
		out.Violations = append(out.Violations, compatViolation{File: file, Violation: v})
	}
	if f.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := writeCompatText(w, out); err != nil {
		return err
	}
	if !report.Compatible {
		return &exitError{code: exitFailure}
	}
	return nil
}

// writeCompatText prints one line per violation, then a verdict.
func writeCompatText(w io.Writer, out compatOutput) error {
	var b strings.Builder
	for _, v := range out.Violations {
		b.WriteString(violationLine(v.File, v.Violation) + "\n")
	}
	if out.Compatible {
		b.WriteString("compatible: " + out.New + " may follow " + strings.Join(out.Old, ", ") + " under " + out.Level + "\n")
	} else {
		b.WriteString("incompatible: " + out.New + " breaks " + out.Level + " (" + plural(len(out.Violations), "violation") + ")\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// violationLine is one violation as text, as `herald compat` and `herald check`
// print it: "FILE: PATH: RULE: MESSAGE [DIRECTION]".
func violationLine(file string, v compat.Violation) string {
	path := v.Path
	if path == "" {
		path = "(root)"
	}
	dir := ""
	if v.Direction != 0 {
		dir = " [" + v.Direction.String() + "]"
	}
	return file + ": " + path + ": " + v.Rule + ": " + v.Message + dir
}

// pickFormat returns the format named by --format, or guessed from the file
// extension when --format is empty.
func pickFormat(name, file string) (compat.Format, error) {
	if name == "" {
		switch strings.ToLower(filepath.Ext(file)) {
		case ".avsc", ".avro":
			name = "avro"
		case ".json":
			name = "json"
		case ".proto":
			name = "protobuf"
		default:
			return nil, usageErrorf("cannot tell the format of %s: give --format avro, json or protobuf", file)
		}
	}
	switch strings.ToLower(name) {
	case "avro":
		return avro.New(), nil
	case "json", "jsonschema", "json-schema":
		return jsonschema.New(), nil
	case "protobuf", "proto":
		return protobuf.New(), nil
	}
	return nil, usageErrorf("--format %q: want avro, json or protobuf", name)
}

// readRefs reads the reference files: --refs-dir first (sorted by name), then
// each --ref in order.
func readRefs(pairs []string, dir string) ([]compat.Reference, error) {
	var refs []compat.Reference
	if dir != "" {
		var names []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		if err != nil {
			return nil, usageErrorf("--refs-dir: %v", err)
		}
		sort.Strings(names)
		for _, p := range names {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, usageErrorf("--refs-dir: %v", err)
			}
			rel, _ := filepath.Rel(dir, p)
			refs = append(refs, compat.Reference{Name: filepath.ToSlash(rel), Text: string(b)})
		}
	}
	for _, pair := range pairs {
		name, file, ok := strings.Cut(pair, "=")
		if !ok || name == "" || file == "" {
			return nil, usageErrorf("--ref %q: want NAME=FILE", pair)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usageErrorf("--ref %s: %v", name, err)
		}
		refs = append(refs, compat.Reference{Name: name, Text: string(b)})
	}
	return refs, nil
}
