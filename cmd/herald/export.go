package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newExportCmd builds `herald export`.
func newExportCmd() *cobra.Command {
	var (
		src    sourceFlags
		server string
		to     string
	)
	cmd := &cobra.Command{
		Use:   "export --to DIR [flags]",
		Short: "Write a registry to a folder: a readable backup that herald import reads back",
		Long: `Write every subject, version, id, reference, config, mode, metadata and ruleSet
of the registry at --server (Herald, or any Confluent-compatible registry) to a
folder, soft-deleted versions included:

  DIR/registry.json                      format, global and per-context config and mode
  DIR/subjects/<subject>/subject.json    the subject's name, config and mode
  DIR/subjects/<subject>/<v>.json        version v: id, type, references, metadata, ruleSet, deleted
  DIR/subjects/<subject>/<v>.schema.avsc the schema text (.avsc, .json or .proto)

Subject folder names keep letters, digits, '-', '_' and '.', and write anything
else as %XX. Files are replaced whole, so an interrupted export leaves no
half-written file; run it again to finish. "herald import --from DIR" copies
the folder into a Herald.`,
		Args: cobra.NoArgs,
	}
	src.add(cmd)
	fl := cmd.Flags()
	creds := addCredentialFlags(fl)
	fl.StringVar(&server, "server", defaultServer, "registry URL to export (env HERALD_SERVER)")
	fl.StringVar(&to, "to", "", "folder to write (created when missing; required)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		if to == "" {
			return usageErrorf("--to is required: the folder to write")
		}
		c, err := migrationClient(server, "--server", "herald-migrate", creds)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		prog := newProgress(out)
		snap, err := readRegistry(cmd.Context(), c, src.filter(), prog.step("reading"))
		prog.done()
		if err != nil {
			return migrationFailure("read "+server, err)
		}
		if err := writeSnapshot(to, snap); err != nil {
			return &exitError{code: exitFailure, err: fmt.Errorf("write %s: %w", to, err)}
		}
		_, _ = fmt.Fprintf(out, "%s, %s written to %s\n", plural(len(snap.Subjects), "subject"), plural(snap.versionCount(), "version"), to)
		return nil
	}
	return cmd
}
