package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/client"
)

// sourceFlags say what part of a registry a copy reads.
type sourceFlags struct {
	context string
	glob    string
}

func (f *sourceFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.context, "context", "", "copy only this context (.staging; . for the default one); default: every context")
	fl.StringVar(&f.glob, "subjects", "", "copy only subjects matching this glob (orders-*), on the qualified or the plain name")
}

// migrationClient returns a client for the registry at url with the
// credentials and TLS settings of creds; flag names the URL's flag in errors.
func migrationClient(url, flag, name string, creds *credentialFlags) (*client.Client, error) {
	opts, err := creds.clientOpts()
	if err != nil {
		return nil, err
	}
	c, err := client.New(url, append([]client.Opt{client.ClientName(name), client.Timeout(time.Minute)}, opts...)...)
	if err != nil {
		return nil, usageErrorf("%s %q: %v", flag, url, err)
	}
	return c, nil
}

func (f *sourceFlags) filter() filter { return filter{Context: contextName(f.context), Glob: f.glob} }

// isURL reports whether a --from names a registry rather than a folder.
func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// newImportCmd builds `herald import`.
func newImportCmd() *cobra.Command {
	var (
		src    sourceFlags
		from   string
		server string
		dryRun bool
	)
	var fromCreds, serverCreds *credentialFlags
	cmd := &cobra.Command{
		Use:   "import --from URL|DIR [flags]",
		Short: "Copy a registry (Confluent, Karapace, Apicurio ccompat, AxonOps, Herald) or an export folder into Herald",
		Long: `Copy every subject, version, id, reference, config, mode, metadata and ruleSet
from a Confluent-compatible registry (--from https://old-registry:8081) or from a
folder written by "herald export" (--from DIR) into the Herald at --server.

Versions keep their ids and numbers: they are registered in IMPORT mode, which
is set globally for the copy and then replaced by the source's global mode (or,
when only part is copied, the mode the server had). Soft-deleted versions are
copied and deleted again.

It is idempotent and resumable: a version already there with its id is left
alone, so an interrupted import is finished by running it again. It never
overwrites: a version that exists with another id, or an id that holds another
schema, is reported and skipped, and the command fails. Every id and version
is checked afterwards. --dry-run reads both sides and reports what would be
copied, writing nothing.

Each side has its own credentials and TLS settings: --from-user, --from-token,
--from-ca-cert, --from-client-cert and --from-client-key (HERALD_FROM_*) for the
source registry; --user, --token, --ca-cert, --client-cert and --client-key
(HERALD_*) for the Herald at --server, as for every other command.

Exit status: 0 when everything was copied and verified, 1 when something was
not (or a side refused a request), 2 for bad flags, 3 when a side cannot be
reached or fails.`,
		Args: cobra.NoArgs,
	}
	src.add(cmd)
	fl := cmd.Flags()
	fromCreds = addPrefixedCredentialFlags(fl, "from-", "the --from registry")
	serverCreds = addPrefixedCredentialFlags(fl, "", "the --server Herald")
	fl.StringVar(&from, "from", "", "registry URL, or a folder written by herald export (required)")
	fl.StringVar(&server, "server", defaultServer, "Herald server URL to import into (env HERALD_SERVER)")
	fl.BoolVar(&dryRun, "dry-run", false, "report what would be copied without writing anything")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		if from == "" {
			return usageErrorf("--from is required: a registry URL or an export folder")
		}
		target, err := migrationClient(server, "--server", "herald-import", serverCreds)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		prog := newProgress(out)
		var snap snapshot
		if isURL(from) {
			sc, err := migrationClient(from, "--from", "herald-migrate", fromCreds)
			if err != nil {
				return err
			}
			snap, err = readRegistry(cmd.Context(), sc, src.filter(), prog.step("reading"))
			if err != nil {
				return migrationFailure("read "+from, err)
			}
		} else {
			if fromCreds.given() {
				return usageErrorf("--from-user, --from-token and the --from TLS flags apply to a registry URL, not to a folder")
			}
			snap, err = readSnapshot(from, src.filter())
			if err != nil {
				return usageErrorf("read %s: %v", from, err)
			}
		}
		prog.done()
		sum, err := importSnapshot(cmd.Context(), target, snap, dryRun, prog)
		sum.print(out, dryRun)
		if err != nil {
			return migrationFailure("import into "+server, err)
		}
		if len(sum.problems) > 0 {
			return &exitError{code: exitFailure}
		}
		return nil
	}
	return cmd
}

// migrationFailure is how import and export end on an error that stopped
// the copy: as serverFailure classifies it (a refusal 1, a registry
// unreachable or failing 3), with what was being done in front.
func migrationFailure(doing string, err error) error {
	return serverFailure(err, func(ae *client.APIError) error { return fmt.Errorf("%s: %w", doing, ae) })
}

// progress prints a live count on a terminal, and nothing anywhere else (a
// pipe or a file gets only the summary).
type progress struct {
	w      io.Writer
	on     bool
	active bool
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	if !ok {
		return &progress{w: w}
	}
	st, err := f.Stat()
	return &progress{w: w, on: err == nil && st.Mode()&os.ModeCharDevice != 0}
}

// step returns a callback printing "what n" over the previous count, or nil
// when not on a terminal.
func (p *progress) step(what string) func(n int) {
	if !p.on {
		return nil
	}
	return func(n int) {
		p.active = true
		_, _ = fmt.Fprintf(p.w, "\r%s: %s", what, plural(n, "version"))
	}
}

// done ends the live line.
func (p *progress) done() {
	if p.active {
		_, _ = fmt.Fprintln(p.w)
		p.active = false
	}
}

// importSummary is what an import did.
type importSummary struct {
	subjects, versions                  int
	imported, present, deleted, checked int
	configs, modes                      int
	// problems are what was not copied or did not verify, one line each.
	problems []string
}

func (s importSummary) print(w io.Writer, dryRun bool) {
	verb := "imported"
	if dryRun {
		verb = "to import"
	}
	_, _ = fmt.Fprintf(w, "%s, %s: %d %s, %d already present, %d soft-deleted again\n", plural(s.subjects, "subject"), plural(s.versions, "version"), s.imported, verb, s.present, s.deleted)
	if !dryRun {
		_, _ = fmt.Fprintf(w, "%s and %s set; %d of %s verified\n", plural(s.configs, "config"), plural(s.modes, "mode"), s.checked, plural(s.versions, "version"))
	}
	for _, p := range s.problems {
		_, _ = fmt.Fprintf(w, "problem: %s\n", p)
	}
}

// importOrder returns the versions of snap in an order that registers every
// referenced version before its referrers: by id (registration order, as
// registries allocate them), each after its references.
func importOrder(snap snapshot) []client.StoredVersion {
	var all []client.StoredVersion
	for _, sub := range snap.Subjects {
		all = append(all, sub.Versions...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].ID != all[j].ID {
			return all[i].ID < all[j].ID
		}
		if all[i].Subject != all[j].Subject {
			return all[i].Subject < all[j].Subject
		}
		return all[i].Version < all[j].Version
	})
	key := func(subject string, version int) string { return fmt.Sprintf("%s\x00%d", subject, version) }
	byKey := map[string]int{}
	for i, v := range all {
		byKey[key(v.Subject, v.Version)] = i
	}
	state := make([]byte, len(all)) // 0 new, 1 in progress, 2 done
	out := make([]client.StoredVersion, 0, len(all))
	var visit func(i int)
	visit = func(i int) {
		if state[i] != 0 {
			return // done, or a cycle (which no registry can hold): leave the order
		}
		state[i] = 1
		v := all[i]
		ctx, _ := splitQualified(v.Subject)
		for _, r := range v.References {
			rs := r.Subject
			if !strings.HasPrefix(rs, ":") && ctx != "." {
				rs = ":" + ctx + ":" + rs
			}
			if j, ok := byKey[key(rs, r.Version)]; ok {
				visit(j)
			}
		}
		state[i] = 2
		out = append(out, v)
	}
	for i := range all {
		visit(i)
	}
	return out
}

// sameText compares schema texts ignoring whitespace: a registry may store
// another layout of the same text (Protobuf line endings, JSON spacing).
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), "") == strings.Join(strings.Fields(b), "")
}

// putConfig turns a config as GET answers it into a PUT body: the level is
// "compatibilityLevel" there and "compatibility" here.
func putConfig(get json.RawMessage) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(get, &m); err != nil {
		return nil, fmt.Errorf("config %s: %w", get, err)
	}
	if l, ok := m["compatibilityLevel"]; ok {
		delete(m, "compatibilityLevel")
		m["compatibility"] = l
	}
	return json.Marshal(m)
}

// importSnapshot copies snap into the registry behind c (see newImportCmd).
// Problems with single versions are collected in the summary; the error is for
// failures that stop the copy (the server unreachable, IMPORT mode refused).
func importSnapshot(ctx context.Context, c *client.Client, snap snapshot, dryRun bool, prog *progress) (sum importSummary, err error) {
	sum = importSummary{subjects: len(snap.Subjects), versions: snap.versionCount()}
	order := importOrder(snap)
	if !dryRun {
		restore, err := enterImportMode(ctx, c, snap)
		if err != nil {
			return sum, err
		}
		// sum is the named result: the restore's failure reaches the caller.
		defer func() {
			if rerr := restore(); rerr != nil {
				sum.problems = append(sum.problems, rerr.Error())
			}
		}()
	}
	step := prog.step("importing")
	// live records the target state of each version handled, for the deletes.
	type handled struct {
		v       client.StoredVersion
		deleted bool
	}
	var done []handled
	for i, v := range order {
		if step != nil {
			step(i + 1)
		}
		cur, err := c.StoredVersionOf(ctx, v.Subject, v.Version)
		switch {
		case err == nil && cur.ID == v.ID:
			sum.present++
			done = append(done, handled{v, cur.Deleted})
			continue
		case err == nil:
			sum.problems = append(sum.problems, fmt.Sprintf("%s version %d: id %d here, %d in the source; not overwritten", v.Subject, v.Version, cur.ID, v.ID))
			continue
		case !client.IsNotFound(err):
			return sum, err
		}
		ctxName, _ := splitQualified(v.Subject)
		held, err := c.RawSchemaByID(ctx, v.ID, contextScope(ctxName))
		switch {
		case err == nil && (held.SchemaType != v.SchemaType || !sameText(held.Schema, v.Schema) || !slices.Equal(held.References, v.References)):
			sum.problems = append(sum.problems, fmt.Sprintf("%s version %d: id %d holds a different schema here; not overwritten", v.Subject, v.Version, v.ID))
			continue
		case err != nil && !client.IsNotFound(err):
			return sum, err
		}
		if dryRun {
			sum.imported++
			continue
		}
		id, err := c.ImportVersion(ctx, v)
		if err != nil {
			sum.problems = append(sum.problems, err.Error())
			continue
		}
		if id != v.ID {
			sum.problems = append(sum.problems, fmt.Sprintf("%s version %d: registered with id %d, not %d", v.Subject, v.Version, id, v.ID))
			continue
		}
		sum.imported++
		done = append(done, handled{v, false})
	}
	prog.done()
	if dryRun {
		return sum, nil
	}
	// Soft-delete again what the source has soft-deleted, referrers first.
	for i := len(done) - 1; i >= 0; i-- {
		h := done[i]
		if !h.v.Deleted || h.deleted {
			continue
		}
		if err := c.DeleteSubjectVersion(ctx, h.v.Subject, h.v.Version, false); err != nil {
			sum.problems = append(sum.problems, err.Error())
			continue
		}
		sum.deleted++
	}
	// Configs: subjects, contexts, then global.
	setConfig := func(scope string, cfg json.RawMessage) {
		if len(cfg) == 0 {
			return
		}
		body, err := putConfig(cfg)
		if err == nil {
			err = c.SetLevelConfig(ctx, scope, body)
		}
		if err != nil {
			sum.problems = append(sum.problems, err.Error())
			return
		}
		sum.configs++
	}
	snap.levels(func(scope string, ls levelSettings) { setConfig(scope, ls.Config) })
	// Verify every version.
	for _, v := range order {
		got, err := c.StoredVersionOf(ctx, v.Subject, v.Version)
		switch {
		case err != nil:
			sum.problems = append(sum.problems, "verify: "+err.Error())
		case got.ID != v.ID || got.Deleted != v.Deleted || got.SchemaType != v.SchemaType || !sameText(got.Schema, v.Schema):
			sum.problems = append(sum.problems, fmt.Sprintf("verify: %s version %d: id %d deleted %t type %s here, id %d deleted %t type %s in the source (or the text differs)",
				v.Subject, v.Version, got.ID, got.Deleted, got.SchemaType, v.ID, v.Deleted, v.SchemaType))
		default:
			sum.checked++
		}
	}
	// Modes last but global (restore sets that): a READONLY subject would
	// have refused its own versions.
	snap.levels(func(scope string, ls levelSettings) {
		if ls.Mode == "" {
			return
		}
		// The global mode is set by the restore func of enterImportMode.
		if scope != "" {
			if err := c.SetLevelMode(ctx, scope, ls.Mode, true); err != nil {
				sum.problems = append(sum.problems, err.Error())
				return
			}
		}
		sum.modes++
	})
	return sum, nil
}

// levels calls fn with the settings of each subject, then of each context (in
// order), then, for a whole registry, of the global level (scope ""): import
// sets configs and modes narrowest first.
func (s snapshot) levels(fn func(scope string, ls levelSettings)) {
	for _, sub := range s.Subjects {
		fn(sub.Subject, sub.levelSettings)
	}
	for _, cx := range slices.Sorted(maps.Keys(s.Contexts)) {
		fn(contextScope(cx), s.Contexts[cx])
	}
	if s.Global != nil {
		fn("", *s.Global)
	}
}

// enterImportMode sets IMPORT globally, after clearing the modes of the
// subjects and contexts being copied (a READONLY one left by an earlier run
// would refuse the import; the source's are set again at the end). The
// returned func sets the global mode back: the source's when the whole
// registry is copied, the one the server had otherwise.
func enterImportMode(ctx context.Context, c *client.Client, snap snapshot) (func() error, error) {
	prev, err := c.LevelMode(ctx, "")
	if err != nil {
		return nil, err
	}
	if prev == "" || prev == "IMPORT" {
		prev = "READWRITE"
	}
	final := prev
	if snap.Global != nil && snap.Global.Mode != "" {
		final = snap.Global.Mode
	}
	for _, sub := range snap.Subjects {
		if err := c.DeleteLevelMode(ctx, sub.Subject); err != nil {
			return nil, err
		}
	}
	for cx := range snap.Contexts {
		if err := c.DeleteLevelMode(ctx, contextScope(cx)); err != nil {
			return nil, err
		}
	}
	if err := c.SetLevelMode(ctx, "", "IMPORT", true); err != nil {
		return nil, err
	}
	return func() error {
		// The copy's context may be cancelled (an interrupt): restore anyway.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := c.SetLevelMode(rctx, "", final, true); err != nil {
			return errors.Join(fmt.Errorf("the server is left in IMPORT mode"), err)
		}
		return nil
	}, nil
}
