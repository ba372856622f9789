package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/internal/editdist"
)

// checkFlags are the flags of `herald check`.
type checkFlags struct {
	subjects  []string
	config    string
	dir       string
	server    string
	against   string
	rules     ruleFlags
	output    string
	junitFile string
	// failOnNew fails the check on a file whose subject is not on the
	// registry (or, with --against, not at the ref): usually a typo.
	failOnNew bool
	// offline is set when --level, --policy or --rule-set was given: they apply
	// with --against only.
	offline bool
	// creds are --user and --token, sent to the registry.
	creds *credentialFlags
}

// newCheckCmd builds `herald check`: schema files in a working tree checked in CI
// against a registry or against a git ref.
func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [flags]",
		Short: "Check local schema files against a registry or a git ref (for CI)",
		Long: `Check local schema files, each mapped to a subject, for a compatibility break.

Which files (any mix of the three):
  --subject SUBJECT=FILE   (repeatable)
  --config herald-check.yaml, a mapping file; files are relative to it:
      schemas:
        - subject: orders-value
          file: schemas/orders.avsc
          type: avro            # optional: avro, json or protobuf (default: from the extension)
          references:           # optional: the registered schemas it imports
            - {name: acme/money.proto, subject: money-value, version: 1}
          normalize: false      # optional; the verdict does not depend on it
  --dir DIR                every DIR/NAME.avsc, .avro, .json or .proto (not recursive):
                           NAME is the subject when it ends in -key or -value, otherwise a
                           topic name and the subject is NAME-value (TopicNameStrategy)

Against what:
  a registry (default; --server, env HERALD_SERVER): each file is checked as
    registration would check it (POST /v1/compat/subjects/SUBJECT), at the subject's
    configured level; a subject with no versions yet is reported as new, with the
    registry's closest subject names, and passes unless --fail-on-new is given.
    A registry without Herald's /v1/compat (Confluent, Karapace, Apicurio) is asked
    with POST /compatibility/subjects/SUBJECT/versions/latest?verbose=true, which
    checks against the latest version only.
  a git ref (--against REF, such as origin/main): each file's version at REF (git
    show, in the file's repository) is the previous version, checked offline at
    --level with --policy and --rule-set, as herald compat does; a file absent at REF
    is new and passes. References name other checked subjects, whose files give the
    text (at REF for the previous version), or come from --ref and --refs-dir.

Output (--output): text (one line per violation: file, path, rule, message), json
(an array with one result per file), github (GitHub Actions ::error annotations, each
on the line of the file where the violation's path lies) or junit (a JUnit XML
report, one testcase per file). --junit-file FILE also writes the JUnit report to
FILE, whatever --output is.

Exit status: 0 every file compatible (or new), 1 a file breaks compatibility (or is
new, with --fail-on-new), 2 bad input (an unreadable or invalid file, an unknown ref
or level), 3 the registry cannot be reached or fails.`,
		Args: cobra.NoArgs,
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.subjects, "subject", nil, "SUBJECT=FILE to check (repeatable)")
	fl.StringVar(&f.config, "config", "", "mapping file (YAML) of subjects to files")
	fl.StringVar(&f.dir, "dir", "", "directory of SUBJECT.avsc/.json/.proto files")
	fl.StringVar(&f.server, "server", defaultServer, "Herald server URL")
	fl.StringVar(&f.against, "against", "", "git ref to check against, offline, instead of the registry (origin/main)")
	f.rules.add(fl, "with --against: ", "compatibility level")
	fl.StringVarP(&f.output, "output", "o", "text", "output: text, json, github or junit")
	fl.StringVar(&f.junitFile, "junit-file", "", "also write a JUnit XML report to this file")
	fl.BoolVar(&f.failOnNew, "fail-on-new", false, "fail on a file whose subject the registry does not have (or that is absent at --against)")
	f.creds = addCredentialFlags(fl)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		f.offline = fl.Changed("level") || fl.Changed("policy") || fl.Changed("rule-set")
		return runCheck(cmd.Context(), cmd.OutOrStdout(), f)
	}
	return cmd
}

// checkEntry is one schema file mapped to a subject, as the mapping file lists it.
type checkEntry struct {
	Subject    string     `yaml:"subject"`
	File       string     `yaml:"file"`
	Type       string     `yaml:"type"`
	References []checkRef `yaml:"references"`
	Normalize  bool       `yaml:"normalize"`
	format     compat.Format
}

// checkRef is a registered schema a checked file imports.
type checkRef struct {
	Name    string `yaml:"name"`
	Subject string `yaml:"subject"`
	Version int    `yaml:"version"`
}

// checkConfig is the mapping file of --config.
type checkConfig struct {
	Schemas []checkEntry `yaml:"schemas"`
}

// checkStatus is the verdict on one file.
type checkStatus string

// The verdicts of herald check.
const (
	statusCompatible   checkStatus = "compatible"
	statusNew          checkStatus = "new"
	statusIncompatible checkStatus = "incompatible"
	statusError        checkStatus = "error"
)

// checkResult is the outcome for one file; the json output is an array of them.
type checkResult struct {
	File    string      `json:"file"`
	Subject string      `json:"subject"`
	Status  checkStatus `json:"status"`
	// Level is the level checked at; empty for a new subject or an error.
	Level      string             `json:"level,omitempty"`
	Violations []compat.Violation `json:"violations"`
	// Error says why the file could not be checked (status error).
	Error string `json:"error,omitempty"`
	// Closest are the registry's subjects closest to a new subject's name,
	// closest first: the one meant, when the name has a typo.
	Closest []string `json:"closest,omitempty"`
	// exit is the exit code an error stands for: 3 for a registry that
	// cannot be reached or fails, 1 for a request it refused (such as a
	// missing credential), 2 for a file that cannot be read or is invalid.
	exit int
}

// runCheck checks every file and writes the report; it returns an *exitError for
// exit codes 1 and 2.
func runCheck(ctx context.Context, w io.Writer, f checkFlags) error {
	switch f.output {
	case "text", "json", "github", "junit":
	default:
		return usageErrorf("--output %q: want text, json, github or junit", f.output)
	}
	entries, err := checkEntries(f)
	if err != nil {
		return err
	}
	var check func(context.Context, checkEntry) checkResult
	if f.against != "" {
		gc, err := newGitChecker(ctx, f, entries)
		if err != nil {
			return err
		}
		check = gc.check
	} else {
		if len(f.rules.refs) > 0 || f.rules.refsDir != "" {
			return usageErrorf("--ref and --refs-dir apply with --against only; the registry resolves references")
		}
		if f.offline {
			return usageErrorf("--level, --policy and --rule-set apply with --against only; the registry uses each subject's configuration")
		}
		opts, err := f.creds.clientOpts()
		if err != nil {
			return err
		}
		cl, err := client.New(f.server, append(opts, client.ClientName("herald-check"))...)
		if err != nil {
			return usageErrorf("--server %q: want a URL such as %s", f.server, defaultServer)
		}
		check = (&registryChecker{cl: cl}).check
	}
	results := make([]checkResult, len(entries))
	for i, e := range entries {
		r := check(ctx, e)
		r.File, r.Subject = e.File, e.Subject
		if r.Violations == nil {
			r.Violations = []compat.Violation{}
		}
		results[i] = r
	}

	switch f.output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(results)
	case "github":
		err = writeCheckGitHub(w, results, f.failOnNew)
	case "junit":
		err = writeCheckJUnit(w, results, f.failOnNew)
	default:
		err = writeCheckText(w, results, f.failOnNew)
	}
	if err != nil {
		return err
	}
	if f.junitFile != "" {
		var b bytes.Buffer
		if err := writeCheckJUnit(&b, results, f.failOnNew); err != nil {
			return err
		}
		if err := os.WriteFile(f.junitFile, b.Bytes(), 0o644); err != nil {
			return usageErrorf("--junit-file: %v", err)
		}
	}
	var errs, breaks int
	code := exitFailure
	for _, r := range results {
		switch {
		case r.Status == statusError:
			errs++
			// The gravest wins: the registry down, then a bad file, then a refusal.
			if r.exit == exitServer || (r.exit == exitUsage && code != exitServer) {
				code = r.exit
			}
		case r.Status == statusIncompatible, r.Status == statusNew && f.failOnNew:
			breaks++
		}
	}
	if errs > 0 {
		msg := fmt.Sprintf("%d of %s could not be checked", errs, plural(len(results), "file"))
		if code == exitServer {
			msg += fmt.Sprintf(": the registry at %s cannot be reached or failed; check --server or HERALD_SERVER", f.server)
		}
		return &exitError{code: code, err: errors.New(msg)}
	}
	if breaks > 0 {
		return &exitError{code: exitFailure}
	}
	return nil
}

// checkEntries collects the files to check from --subject, --config and --dir,
// in that order, and picks each one's format.
func checkEntries(f checkFlags) ([]checkEntry, error) {
	var entries []checkEntry
	for _, pair := range f.subjects {
		subject, file, ok := strings.Cut(pair, "=")
		if !ok || subject == "" || file == "" {
			return nil, usageErrorf("--subject %q: want SUBJECT=FILE", pair)
		}
		entries = append(entries, checkEntry{Subject: subject, File: file})
	}
	if f.config != "" {
		b, err := os.ReadFile(f.config)
		if err != nil {
			return nil, usageErrorf("--config: %v", err)
		}
		var cfg checkConfig
		if err := yaml.UnmarshalWithOptions(b, &cfg, yaml.DisallowUnknownField()); err != nil {
			return nil, usageErrorf("--config %s: %v", f.config, err)
		}
		for i, e := range cfg.Schemas {
			if e.Subject == "" || e.File == "" {
				return nil, usageErrorf("--config %s: schema %d: want both subject and file", f.config, i+1)
			}
			if !filepath.IsAbs(e.File) {
				e.File = filepath.Join(filepath.Dir(f.config), filepath.FromSlash(e.File))
			}
			entries = append(entries, e)
		}
	}
	if f.dir != "" {
		des, err := os.ReadDir(f.dir)
		if err != nil {
			return nil, usageErrorf("--dir: %v", err)
		}
		for _, de := range des {
			ext := strings.ToLower(filepath.Ext(de.Name()))
			if de.IsDir() || (ext != ".avsc" && ext != ".avro" && ext != ".json" && ext != ".proto") {
				continue
			}
			entries = append(entries, checkEntry{Subject: topicNameSubject(strings.TrimSuffix(de.Name(), filepath.Ext(de.Name()))), File: filepath.Join(f.dir, de.Name())})
		}
	}
	if len(entries) == 0 {
		return nil, usageErrorf("nothing to check: give --subject SUBJECT=FILE, --config FILE or --dir DIR")
	}
	for i := range entries {
		format, err := pickFormat(entries[i].Type, entries[i].File)
		if err != nil {
			return nil, err
		}
		entries[i].format = format
	}
	return entries, nil
}

// topicNameSubject is the subject of a file named NAME under --dir: NAME itself
// when it already ends in -key or -value, else the TopicNameStrategy value
// subject of topic NAME.
func topicNameSubject(name string) string {
	if strings.HasSuffix(name, "-key") || strings.HasSuffix(name, "-value") {
		return name
	}
	return name + "-value"
}

// registryChecker checks files against a registry.
type registryChecker struct {
	cl *client.Client
	// subjects are the registry's subjects, listed once, for the closest
	// names to a new one.
	subjects []string
	listed   bool
}

// check asks the registry what registering e's file would meet.
func (c *registryChecker) check(ctx context.Context, e checkEntry) checkResult {
	b, err := os.ReadFile(e.File)
	if err != nil {
		return errorResult(err)
	}
	isNew := false
	if _, err := c.cl.Versions(ctx, e.Subject); client.IsNotFound(err) {
		isNew = true
	} else if err != nil {
		return errorResult(err)
	}
	s := client.Schema{Type: e.format.Type(), Text: string(b)}
	for _, r := range e.References {
		s.References = append(s.References, client.Reference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	// A new subject is still sent: the registry validates the schema.
	rep, err := c.cl.CheckCompatibility(ctx, e.Subject, s)
	if err != nil {
		if client.IsInvalidSchema(err) {
			return errorResult(fmt.Errorf("invalid %s schema: %w", e.format.Type(), err))
		}
		return errorResult(err)
	}
	if isNew {
		if !c.listed {
			// Best effort: the closest names help, and their absence does not
			// change the verdict.
			c.subjects, _ = c.cl.ListSubjects(ctx, "", false)
			c.listed = true
		}
		return checkResult{Status: statusNew, Closest: closestNames(e.Subject, c.subjects, maxClosest)}
	}
	return reportResult(rep)
}

// errorResult is a file that could not be checked, with the exit code its
// error stands for (see checkResult.exit).
func errorResult(err error) checkResult {
	return checkResult{Status: statusError, Error: err.Error(), exit: errorExit(err)}
}

// errorExit classifies an error of herald check as serverFailure does: a
// registry unreachable or failing is 3, a refusal 1, except that an invalid
// schema is the file's fault, 2, as is anything else.
func errorExit(err error) int {
	var ae *client.APIError
	switch {
	case client.IsInvalidSchema(err):
		return exitUsage
	case errors.As(err, &ae) && ae.Status >= http.StatusInternalServerError:
		return exitServer
	case errors.As(err, &ae):
		return exitFailure
	case errors.As(err, new(*url.Error)):
		return exitServer
	}
	return exitUsage
}

// maxClosest is how many existing subjects a new one lists.
const maxClosest = 5

// closestNames returns up to n of names, closest to name first (by edit
// distance, then alphabetically).
func closestNames(name string, names []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	all := make([]scored, 0, len(names))
	for _, x := range names {
		if x != name {
			all = append(all, scored{x, editdist.Between(name, x)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].name < all[j].name
	})
	out := make([]string, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.name)
	}
	return out
}

// newSubjectText says a subject is new, with the registry's closest subjects.
func newSubjectText(r checkResult, failOnNew bool) string {
	msg := r.Subject + " is a new subject: there is no earlier version to check against"
	if failOnNew {
		msg += " (--fail-on-new)"
	}
	if len(r.Closest) > 0 {
		msg += "; closest existing subjects: " + strings.Join(r.Closest, ", ")
	}
	return msg
}

// reportResult turns a compatibility report into a result.
func reportResult(rep compat.Report) checkResult {
	r := checkResult{Status: statusCompatible, Level: rep.Level.String(), Violations: rep.Violations}
	if !rep.Compatible {
		r.Status = statusIncompatible
	}
	return r
}

// gitChecker checks files offline against their versions at a git ref.
type gitChecker struct {
	ref     string
	level   compat.Level
	opts    compat.Options
	extra   []compat.Reference    // --ref and --refs-dir
	subject map[string]checkEntry // every checked file by subject, for references
}

// newGitChecker validates the flags of --against mode and that the ref names a
// commit in the repository of the first file.
func newGitChecker(ctx context.Context, f checkFlags, entries []checkEntry) (*gitChecker, error) {
	level, opts, err := f.rules.parse()
	if err != nil {
		return nil, err
	}
	extra, err := f.rules.references()
	if err != nil {
		return nil, err
	}
	dir, err := fileDir(entries[0].File)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if _, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", f.against+"^{commit}"); err != nil {
		return nil, usageErrorf("--against %q: not a commit in the repository of %s: %v", f.against, entries[0].File, err)
	}
	g := &gitChecker{ref: f.against, level: level, opts: opts,
		extra: extra, subject: map[string]checkEntry{}}
	for _, e := range entries {
		if _, ok := g.subject[e.Subject]; !ok {
			g.subject[e.Subject] = e
		}
	}
	return g, nil
}

// check compares e's working file with its version at the ref.
func (g *gitChecker) check(ctx context.Context, e checkEntry) checkResult {
	cur, err := os.ReadFile(e.File)
	if err != nil {
		return errorResult(err)
	}
	curRefs, err := g.references(ctx, e, false, map[string]bool{e.Subject: true})
	if err != nil {
		return errorResult(err)
	}
	candidate, err := e.format.Parse(string(cur), curRefs)
	if err != nil {
		return errorResult(fmt.Errorf("invalid %s schema: %w", e.format.Type(), err))
	}
	old, found, err := gitShow(ctx, g.ref, e.File)
	if err != nil {
		return errorResult(err)
	}
	if !found {
		return checkResult{Status: statusNew}
	}
	oldRefs, err := g.references(ctx, e, true, map[string]bool{e.Subject: true})
	if err != nil {
		return errorResult(err)
	}
	previous, err := e.format.Parse(old, oldRefs)
	if err != nil {
		return errorResult(fmt.Errorf("%s at %s: invalid %s schema: %w", e.File, g.ref, e.format.Type(), err))
	}
	rep, err := compat.Check(ctx, e.format, g.level, candidate, []compat.Previous{{Version: 1, Schema: previous}}, g.opts)
	if err != nil {
		return errorResult(fmt.Errorf("%s: %w", e.File, err))
	}
	return reportResult(rep)
}

// references returns the text of everything e imports, each after what it
// imports in turn (the order Avro needs), then --ref and --refs-dir. With atRef
// a referenced file's text is its version at the ref when it has one. seen
// holds the subjects already on the path, against cycles.
func (g *gitChecker) references(ctx context.Context, e checkEntry, atRef bool, seen map[string]bool) ([]compat.Reference, error) {
	var out []compat.Reference
	for _, r := range e.References {
		dep, ok := g.subject[r.Subject]
		if !ok {
			if hasReference(g.extra, r.Name) {
				continue
			}
			return nil, fmt.Errorf("reference %s: subject %s is not among the checked files; give it with --ref or --refs-dir", r.Name, r.Subject)
		}
		if seen[r.Subject] {
			continue
		}
		seen[r.Subject] = true
		sub, err := g.references(ctx, dep, atRef, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
		text, found := "", false
		if atRef {
			if text, found, err = gitShow(ctx, g.ref, dep.File); err != nil {
				return nil, err
			}
		}
		if !found {
			b, err := os.ReadFile(dep.File)
			if err != nil {
				return nil, fmt.Errorf("reference %s: %w", r.Name, err)
			}
			text = string(b)
		}
		if !hasReference(out, r.Name) {
			out = append(out, compat.Reference{Name: r.Name, Text: text})
		}
	}
	return append(out, g.extra...), nil
}

// hasReference reports whether refs has one named name.
func hasReference(refs []compat.Reference, name string) bool {
	for _, r := range refs {
		if r.Name == name {
			return true
		}
	}
	return false
}

// fileDir is the absolute directory of file, where git runs for it.
func fileDir(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	return filepath.Dir(abs), nil
}

// gitShow returns file's content at ref, and false when the file does not exist
// there. Git runs in the file's directory, so the file may live in any
// repository.
func gitShow(ctx context.Context, ref, file string) (string, bool, error) {
	dir, err := fileDir(file)
	if err != nil {
		return "", false, err
	}
	base := filepath.Base(file)
	// ls-tree answers nothing, successfully, for a path absent at ref; paths are
	// relative to the directory git runs in.
	ls, err := git(ctx, dir, "ls-tree", "--name-only", ref, "--", base)
	if err != nil {
		return "", false, fmt.Errorf("%s at %s: %w", file, ref, err)
	}
	if strings.TrimSpace(ls) == "" {
		return "", false, nil
	}
	text, err := git(ctx, dir, "show", ref+":./"+base)
	if err != nil {
		return "", false, fmt.Errorf("%s at %s: %w", file, ref, err)
	}
	return text, true, nil
}

// git runs git in dir and returns its standard output; a failure carries git's
// standard error.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

// writeCheckText prints one line per violation and one per file, then a total.
func writeCheckText(w io.Writer, results []checkResult, failOnNew bool) error {
	var b strings.Builder
	counts := map[checkStatus]int{}
	for _, r := range results {
		counts[r.Status]++
		for _, v := range r.Violations {
			b.WriteString(violationLine(r.File, v) + "\n")
		}
		head := r.File + " (" + r.Subject + "): "
		switch r.Status {
		case statusNew:
			word := "warning"
			if failOnNew {
				word = "error"
			}
			b.WriteString(head + "new subject (" + word + "): " + newSubjectText(r, failOnNew) + "\n")
		case statusCompatible:
			b.WriteString(head + "compatible under " + r.Level + "\n")
		case statusIncompatible:
			b.WriteString(head + "incompatible: breaks " + r.Level + " (" + plural(len(r.Violations), "violation") + ")\n")
		case statusError:
			b.WriteString(head + "error: " + r.Error + "\n")
		}
	}
	fmt.Fprintf(&b, "%s: %d compatible, %d new, %d incompatible, %s\n", plural(len(results), "file"),
		counts[statusCompatible], counts[statusNew], counts[statusIncompatible], plural(counts[statusError], "error"))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeCheckGitHub prints GitHub Actions workflow commands: an error annotation
// per violation, on the line where its path lies, and per file that could not
// be checked; a warning per new subject (an error with --fail-on-new).
func writeCheckGitHub(w io.Writer, results []checkResult, failOnNew bool) error {
	var b strings.Builder
	for _, r := range results {
		file := annotationPath(r.File)
		switch r.Status {
		case statusNew:
			level := "warning"
			if failOnNew {
				level = "error"
			}
			b.WriteString(workflowCommand(level, file, 1, "new subject", newSubjectText(r, failOnNew)) + "\n")
		case statusError:
			b.WriteString(workflowCommand("error", file, 1, "herald check", r.Error) + "\n")
		}
		var text string
		if len(r.Violations) > 0 {
			// Unreadable: every annotation goes on line 1.
			if data, err := os.ReadFile(r.File); err == nil {
				text = string(data)
			}
		}
		for _, v := range r.Violations {
			path := v.Path
			if path == "" {
				path = "(root)"
			}
			msg := r.Subject + ": " + path + ": " + v.Message
			if v.Direction != 0 {
				msg += " [" + v.Direction.String() + "]"
			}
			b.WriteString(workflowCommand("error", file, pathLine(text, v.Path), v.Rule, msg) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// annotationPath is file as a GitHub annotation names it: relative to
// $GITHUB_WORKSPACE (the repository root in a workflow) when it lies inside it,
// with forward slashes.
func annotationPath(file string) string {
	ws := os.Getenv("GITHUB_WORKSPACE")
	if ws == "" {
		return filepath.ToSlash(file)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return filepath.ToSlash(file)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(file)
	}
	return filepath.ToSlash(rel)
}

// workflowCommand is "::NAME file=FILE,line=LINE,title=TITLE::MESSAGE" with
// the values escaped as the GitHub Actions toolkit escapes them.
func workflowCommand(name, file string, line int, title, message string) string {
	return "::" + name + " file=" + escapeProperty(file) + ",line=" + strconv.Itoa(line) + ",title=" + escapeProperty(title) + "::" + escapeData(message)
}

// escapeData escapes a workflow command's message: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: what escapeData
// escapes, and the separators : and ,.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// junitSuites is a JUnit XML report: one suite, one testcase per file.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite is the testsuite element.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Cases    []junitCase `xml:"testcase"`
}

// junitCase is one checked file.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitProblem is a failure (violations) or an error (the file could not be
// checked).
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// writeCheckJUnit writes the JUnit XML report.
func writeCheckJUnit(w io.Writer, results []checkResult, failOnNew bool) error {
	s := junitSuite{Name: "herald check", Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Subject, ClassName: r.File}
		switch r.Status {
		case statusNew:
			c.SystemOut = newSubjectText(r, failOnNew)
			if failOnNew {
				s.Failures++
				c.Failure = &junitProblem{Message: c.SystemOut, Type: "NEW_SUBJECT", Text: c.SystemOut}
			}
		case statusCompatible:
			c.SystemOut = "compatible under " + r.Level
		case statusError:
			s.Errors++
			c.Error = &junitProblem{Message: r.Error, Type: "error", Text: r.Error}
		case statusIncompatible:
			s.Failures++
			rules := map[string]bool{}
			var text strings.Builder
			for _, v := range r.Violations {
				rules[v.Rule] = true
				text.WriteString(violationLine(r.File, v) + "\n")
			}
			names := make([]string, 0, len(rules))
			for n := range rules {
				names = append(names, n)
			}
			sort.Strings(names)
			c.Failure = &junitProblem{Message: "breaks " + r.Level + ": " + plural(len(r.Violations), "violation"),
				Type: strings.Join(names, ","), Text: text.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	out := junitSuites{Name: "herald check", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
