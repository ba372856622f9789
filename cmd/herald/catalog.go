package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/client"
)

// newCatalogCommand returns `herald catalog`: apply, export and import the
// catalog of a running server (--server, env HERALD_SERVER).
func newCatalogCommand() *cobra.Command {
	var serverURL string
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "Apply, export and import the event catalog of a Herald server",
		Long: "Catalog as code: `herald catalog apply DIR` sends every .yaml/.yml/.json file under DIR\n" +
			"(or one FILE) to the server, which replaces its catalog with them (idempotently; a\n" +
			"catalog with errors changes nothing and each error names its file and line; entities\n" +
			"the files leave out are deleted only with --prune, and --dry-run shows the diff).\n" +
			"`herald catalog export` prints the catalog in the same format. `herald catalog import\n" +
			"asyncapi FILE` adds the services, events and edges of an AsyncAPI 3.0 document and\n" +
			"registers its payload schemas.",
	}
	cmd.PersistentFlags().StringVar(&serverURL, "server", defaultServer, "Herald server URL (env HERALD_SERVER)")
	creds := addCredentialFlags(cmd.PersistentFlags())
	var credOpts []client.Opt
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		var err error
		credOpts, err = creds.clientOpts()
		return err
	}
	// do sends one request to the server; the catalog commands send no client
	// name and allow a large catalog two minutes.
	do := func(cmd *cobra.Command, r client.Request, out any) error {
		c, err := client.New(serverURL, append([]client.Opt{client.Timeout(catalogTimeout)}, credOpts...)...)
		if err != nil {
			return usageErrorf("--server %q: want a URL such as %s", serverURL, defaultServer)
		}
		return serverFailure(c.Do(cmd.Context(), r, out), func(ae *client.APIError) error { return catalogRefusal{ae} })
	}

	var prune, dryRun bool
	apply := &cobra.Command{
		Use:   "apply DIR|FILE",
		Short: "Replace the server's catalog with the files in DIR (or FILE)",
		Long: "Replace the server's catalog with the files in DIR (or FILE). Entities the files no\n" +
			"longer declare are deleted only with --prune: without it the command lists them and\n" +
			"changes nothing. --dry-run prints what would be added, changed and deleted, and\n" +
			"writes nothing.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := readCatalogFiles(args[0])
			if err != nil {
				return usageErrorf("%v", err)
			}
			body, err := json.Marshal(map[string]any{"files": files})
			if err != nil {
				return err
			}
			q := url.Values{}
			if prune {
				q.Set("prune", "true")
			}
			if dryRun {
				q.Set("dryRun", "true")
			}
			var res catalog.ApplyResult
			if err := do(cmd, client.Request{Method: http.MethodPut, Path: "/v1/catalog", Query: q, Body: body}, &res); err != nil {
				return err
			}
			return printApplied(cmd.OutOrStdout(), res, dryRun)
		},
	}
	apply.Flags().BoolVar(&prune, "prune", false, "delete the entities the files no longer declare")
	apply.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be added, changed and deleted; write nothing")

	var output, format string
	export := &cobra.Command{
		Use:   "export",
		Short: "Print the server's catalog (YAML, or JSON with --format json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Any media type: the format parameter chooses.
			var doc []byte
			r := client.Request{Path: "/v1/catalog", Query: url.Values{"format": {format}}, Accept: "*/*"}
			if err := do(cmd, r, &doc); err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err := cmd.OutOrStdout().Write(doc)
				return err
			}
			return os.WriteFile(output, doc, 0o644)
		},
	}
	export.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	export.Flags().StringVar(&format, "format", "yaml", "yaml or json")

	imp := &cobra.Command{
		Use:   "import asyncapi FILE",
		Short: "Import an AsyncAPI 3.0 document: services, events, edges and payload schemas",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "asyncapi" {
				return usageErrorf("unknown import format %q: only asyncapi is supported", args[0])
			}
			b, err := os.ReadFile(args[1])
			if err != nil {
				return usageErrorf("%v", err)
			}
			var res catalog.ImportResult
			r := client.Request{Method: http.MethodPost, Path: "/v1/catalog/import/asyncapi", Body: b, ContentType: "application/yaml"}
			if err := do(cmd, r, &res); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "imported service %s: %s, %s registered\n", res.Service, plural(len(res.Events), "event"), plural(res.Schemas, "schema"))
			return err
		},
	}
	cmd.AddCommand(apply, export, imp)
	return cmd
}

// readCatalogFiles reads one file, or every catalog file under a folder.
func readCatalogFiles(path string) ([]catalog.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return []catalog.File{{Name: filepath.Base(path), Data: string(b)}}, nil
	}
	files, err := catalog.FilesFromFS(os.DirFS(path), ".")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .yaml, .yml or .json files under %s", path)
	}
	return files, nil
}

// catalogTimeout bounds each request of the catalog commands.
const catalogTimeout = 2 * time.Minute

// catalogRefusal prints a refusal of the catalog API: one line per problem of
// a catalog that was not applied, each with its file:line:col; the entities an
// apply without --prune would delete; or else the message with its status and
// code.
type catalogRefusal struct{ e *client.APIError }

// codeWouldDelete is the server's error_code for an apply that would delete
// entities without prune=true; its details are the entities.
const codeWouldDelete = 40960

func (r catalogRefusal) Error() string {
	if r.e.Code == codeWouldDelete {
		var refs []catalog.EntityRef
		if json.Unmarshal(r.e.Details, &refs) == nil && len(refs) > 0 {
			var b strings.Builder
			fmt.Fprintf(&b, "the catalog was not applied: the files no longer declare %s, which the catalog holds:\n", plural(len(refs), "entity"))
			for _, ref := range refs {
				fmt.Fprintf(&b, "  - %s\n", ref)
			}
			them := "them"
			if len(refs) == 1 {
				them = "it"
			}
			fmt.Fprintf(&b, "apply with --prune to delete %s (--dry-run shows every change), or add %s to the files", them, them)
			return b.String()
		}
	}
	var problems []catalog.Problem
	if len(r.e.Details) > 0 && json.Unmarshal(r.e.Details, &problems) != nil {
		problems = nil
	}
	if len(problems) == 0 {
		return fmt.Sprintf("%s (HTTP %d, error_code %d)", r.e.Message, r.e.Status, r.e.Code)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "the catalog was not applied: %s\n", plural(len(problems), "error"))
	for _, p := range problems {
		b.WriteString("  ")
		b.WriteString(p.String())
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (r catalogRefusal) Unwrap() error { return r.e }

// printApplied prints the outcome of an apply: the counts, the entities
// added, changed and deleted (or that would be, on a dry run), and the
// warnings.
func printApplied(w io.Writer, res catalog.ApplyResult, dryRun bool) error {
	var b strings.Builder
	c := res.Counts
	counts := strings.Join([]string{plural(c.Domains, "domain"), plural(c.Services, "service"), plural(c.Events, "event"),
		plural(c.Flows, "flow"), plural(c.Teams, "team")}, ", ")
	d := res.Diff
	switch {
	case dryRun && d.Empty():
		fmt.Fprintf(&b, "dry run: the catalog would not change (revision %d): %s\n", res.Revision, counts)
	case dryRun:
		fmt.Fprintf(&b, "dry run: the catalog would change: %d added, %d changed, %d deleted; nothing was written\n",
			len(d.Added), len(d.Changed), len(d.Deleted))
	case res.Changed:
		fmt.Fprintf(&b, "catalog applied (revision %d): %s; %d added, %d changed, %d deleted\n",
			res.Revision, counts, len(d.Added), len(d.Changed), len(d.Deleted))
	default:
		fmt.Fprintf(&b, "catalog unchanged (revision %d): %s\n", res.Revision, counts)
	}
	if dryRun || res.Changed {
		for _, l := range []struct {
			mark string
			refs []catalog.EntityRef
		}{{"+", d.Added}, {"~", d.Changed}, {"-", d.Deleted}} {
			for _, ref := range l.refs {
				fmt.Fprintf(&b, "  %s %s\n", l.mark, ref)
			}
		}
	}
	for _, warn := range res.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", warn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
