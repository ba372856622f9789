package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/heraldhq/herald/client"
)

// This file holds what `herald import` and `herald export` share: a snapshot
// of a registry (every subject version with its id, soft-deleted ones too, and
// the config and mode of every level), read from a registry over the Confluent
// API or from an export folder, and written to an export folder.

// exportFormat names the layout of an export folder, written in registry.json.
const exportFormat = "herald-export/1"

// levelSettings are the config and mode set at one level: global, a context or
// a subject. Config is as GET /config answers it (the level under
// "compatibilityLevel"); empty fields are not set at that level.
type levelSettings struct {
	Config json.RawMessage `json:"config,omitempty"`
	Mode   string          `json:"mode,omitempty"`
}

// subjectSnapshot is one subject: its settings and every version.
type subjectSnapshot struct {
	Subject string `json:"subject"`
	levelSettings
	Versions []client.StoredVersion `json:"-"`
}

// snapshot is a registry, or the part of it a filter selected.
type snapshot struct {
	// Global is set only for a whole registry (no filter): a slice of one
	// must not impose its global settings.
	Global   *levelSettings
	Contexts map[string]levelSettings
	Subjects []subjectSnapshot
}

// versionCount is how many versions the snapshot holds.
func (s snapshot) versionCount() int {
	n := 0
	for _, sub := range s.Subjects {
		n += len(sub.Versions)
	}
	return n
}

// filter selects the subjects to copy: of one context (Context, "." for the
// default one) and matching a glob (on the qualified or the plain name).
type filter struct {
	Context string
	Glob    string
}

func (f filter) whole() bool { return f.Context == "" && f.Glob == "" }

// contextName normalizes a context flag: "staging", ".staging" and ":.staging:"
// are ".staging"; "" stays "" (every context).
func contextName(c string) string {
	c = strings.TrimSuffix(strings.TrimPrefix(c, ":"), ":")
	if c != "" && !strings.HasPrefix(c, ".") {
		c = "." + c
	}
	return c
}

// splitQualified splits ":.ctx:name" into ".ctx" and "name"; an unqualified
// name is in the default context ".".
func splitQualified(s string) (ctx, name string) {
	if strings.HasPrefix(s, ":") {
		if i := strings.IndexByte(s[1:], ':'); i >= 0 {
			return s[1 : i+1], s[i+2:]
		}
	}
	return ".", s
}

// contextScope is how the Confluent API names a context as a config or mode
// "subject", and the subject that selects it for /schemas/ids.
func contextScope(ctx string) string {
	if ctx == "." {
		return ""
	}
	return ":" + ctx + ":"
}

func (f filter) matchContext(ctx string) bool { return f.Context == "" || f.Context == ctx }

func (f filter) match(subject string) bool {
	ctx, name := splitQualified(subject)
	if !f.matchContext(ctx) {
		return false
	}
	if f.Glob == "" {
		return true
	}
	a, errA := path.Match(f.Glob, subject)
	b, errB := path.Match(f.Glob, name)
	return (errA == nil && a) || (errB == nil && b)
}

// readRegistry reads a snapshot from a registry through the Confluent API.
func readRegistry(ctx context.Context, c *client.Client, f filter, progress func(done int)) (snapshot, error) {
	snap := snapshot{Contexts: map[string]levelSettings{}}
	prefix := ""
	if f.Context != "" {
		prefix = ":" + f.Context + ":"
	}
	subjects, err := c.ListSubjects(ctx, prefix, true)
	if err != nil {
		return snap, err
	}
	sort.Strings(subjects)
	done := 0
	for _, s := range subjects {
		if !f.match(s) {
			continue
		}
		sub := subjectSnapshot{Subject: s}
		if sub.Config, err = c.LevelConfig(ctx, s); err != nil {
			return snap, err
		}
		if sub.Mode, err = c.LevelMode(ctx, s); err != nil {
			return snap, err
		}
		vs, err := c.AllVersions(ctx, s)
		if err != nil {
			return snap, err
		}
		for _, v := range vs {
			sv, err := c.StoredVersionOf(ctx, s, v)
			if err != nil {
				return snap, err
			}
			sub.Versions = append(sub.Versions, sv)
			done++
			if progress != nil {
				progress(done)
			}
		}
		snap.Subjects = append(snap.Subjects, sub)
	}
	ctxs, err := c.ListContexts(ctx)
	if err != nil {
		return snap, err
	}
	for _, cx := range ctxs {
		if cx == "." || !f.matchContext(cx) {
			continue
		}
		var ls levelSettings
		if ls.Config, err = c.LevelConfig(ctx, contextScope(cx)); err != nil {
			return snap, err
		}
		if ls.Mode, err = c.LevelMode(ctx, contextScope(cx)); err != nil {
			return snap, err
		}
		if ls.Config != nil || ls.Mode != "" {
			snap.Contexts[cx] = ls
		}
	}
	if f.whole() {
		var g levelSettings
		if g.Config, err = c.LevelConfig(ctx, ""); err != nil {
			return snap, err
		}
		if g.Mode, err = c.LevelMode(ctx, ""); err != nil {
			return snap, err
		}
		snap.Global = &g
	}
	return snap, nil
}

// registryFile is registry.json at the top of an export folder.
type registryFile struct {
	Format   string                   `json:"format"`
	Global   *levelSettings           `json:"global,omitempty"`
	Contexts map[string]levelSettings `json:"contexts,omitempty"`
}

// versionFile is subjects/<subject>/<version>.json: a version without its
// schema text, which sits next to it in SchemaFile so people can read it.
type versionFile struct {
	Subject    string             `json:"subject"`
	Version    int                `json:"version"`
	ID         int                `json:"id"`
	SchemaType string             `json:"schemaType"`
	SchemaFile string             `json:"schemaFile"`
	References []client.Reference `json:"references,omitempty"`
	Metadata   json.RawMessage    `json:"metadata,omitempty"`
	RuleSet    json.RawMessage    `json:"ruleSet,omitempty"`
	Deleted    bool               `json:"deleted,omitempty"`
}

// schemaExt is the file extension of a schema text of a type.
func schemaExt(t string) string {
	switch t {
	case "JSON":
		return ".json"
	case "PROTOBUF":
		return ".proto"
	}
	return ".avsc"
}

// dirName turns a subject into a folder name that is safe on every file
// system and decodes back: letters, digits, '-' and '_' stay, '.' too except
// first (no "." or ".."), everything else is %XX.
func dirName(subject string) string {
	var b strings.Builder
	for i := 0; i < len(subject); i++ {
		c := subject[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.' && i > 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// writeFileAtomic writes a file through a temporary one and a rename, so an
// interrupted export never leaves a half-written file behind.
func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func writeJSONFile(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(name, append(b, '\n'))
}

// writeSnapshot writes snap into dir (created when missing): registry.json,
// then subjects/<subject>/subject.json, <version>.json and the schema text in
// <version>.avsc, .json or .proto. Running it again over the same folder
// rewrites the same files.
func writeSnapshot(dir string, snap snapshot) error {
	if err := os.MkdirAll(filepath.Join(dir, "subjects"), 0o755); err != nil {
		return err
	}
	for _, sub := range snap.Subjects {
		sd := filepath.Join(dir, "subjects", dirName(sub.Subject))
		if err := os.MkdirAll(sd, 0o755); err != nil {
			return err
		}
		if err := writeJSONFile(filepath.Join(sd, "subject.json"), sub); err != nil {
			return err
		}
		for _, v := range sub.Versions {
			n := strconv.Itoa(v.Version)
			vf := versionFile{Subject: v.Subject, Version: v.Version, ID: v.ID, SchemaType: v.SchemaType, SchemaFile: n + ".schema" + schemaExt(v.SchemaType),
				References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet, Deleted: v.Deleted}
			if err := writeFileAtomic(filepath.Join(sd, vf.SchemaFile), []byte(v.Schema)); err != nil {
				return err
			}
			if err := writeJSONFile(filepath.Join(sd, n+".json"), vf); err != nil {
				return err
			}
		}
	}
	// registry.json last: a folder with it is a complete export.
	return writeJSONFile(filepath.Join(dir, "registry.json"), registryFile{Format: exportFormat, Global: snap.Global, Contexts: snap.Contexts})
}

// readSnapshot reads an export folder written by writeSnapshot, keeping what f
// selects.
func readSnapshot(dir string, f filter) (snapshot, error) {
	var rf registryFile
	if err := readJSONFile(filepath.Join(dir, "registry.json"), &rf); err != nil {
		return snapshot{}, err
	}
	if rf.Format != exportFormat {
		return snapshot{}, fmt.Errorf("%s: format %q, want %q", filepath.Join(dir, "registry.json"), rf.Format, exportFormat)
	}
	snap := snapshot{Contexts: map[string]levelSettings{}}
	if f.whole() {
		snap.Global = rf.Global
	}
	for cx, ls := range rf.Contexts {
		if f.matchContext(cx) {
			snap.Contexts[cx] = ls
		}
	}
	dirs, err := os.ReadDir(filepath.Join(dir, "subjects"))
	if err != nil {
		return snap, err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		sd := filepath.Join(dir, "subjects", d.Name())
		var sub subjectSnapshot
		if err := readJSONFile(filepath.Join(sd, "subject.json"), &sub); err != nil {
			return snap, err
		}
		if !f.match(sub.Subject) {
			continue
		}
		files, err := filepath.Glob(filepath.Join(sd, "*.json"))
		if err != nil {
			return snap, err
		}
		for _, fn := range files {
			base := filepath.Base(fn)
			if base == "subject.json" || strings.Contains(base, ".schema.") {
				continue
			}
			var vf versionFile
			if err := readJSONFile(fn, &vf); err != nil {
				return snap, err
			}
			if vf.Subject != sub.Subject || vf.Version < 1 || vf.ID < 1 || filepath.Base(vf.SchemaFile) != vf.SchemaFile {
				return snap, fmt.Errorf("%s: subject %q version %d id %d schemaFile %q: want this folder's subject, a version and an id from 1 and a file name", fn, vf.Subject, vf.Version, vf.ID, vf.SchemaFile)
			}
			text, err := os.ReadFile(filepath.Join(sd, vf.SchemaFile))
			if err != nil {
				return snap, err
			}
			sub.Versions = append(sub.Versions, client.StoredVersion{Subject: vf.Subject, Version: vf.Version, ID: vf.ID, SchemaType: vf.SchemaType,
				Schema: string(text), References: vf.References, Metadata: vf.Metadata, RuleSet: vf.RuleSet, Deleted: vf.Deleted})
		}
		sort.Slice(sub.Versions, func(i, j int) bool { return sub.Versions[i].Version < sub.Versions[j].Version })
		snap.Subjects = append(snap.Subjects, sub)
	}
	sort.Slice(snap.Subjects, func(i, j int) bool { return snap.Subjects[i].Subject < snap.Subjects[j].Subject })
	return snap, nil
}

// readJSONFile decodes one JSON file; the error names the file.
func readJSONFile(name string, v any) error {
	fh, err := os.Open(name)
	if err != nil {
		return err
	}
	defer fh.Close()
	b, err := io.ReadAll(fh)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}
