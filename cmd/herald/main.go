// Command herald runs Herald: the schema registry, the built-in broker and the web
// catalog in one binary, plus the CLI around them.
//
// Every flag has an environment twin: HERALD_ followed by the flag name in upper
// case with dashes as underscores (--max-schema-bytes is HERALD_MAX_SCHEMA_BYTES).
// A flag given on the command line wins over its twin.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is the build version, set with -ldflags "-X main.version=v1.2.3". When
// empty, the module version from the build info is used.
var version string

// Exit codes shared by every command (exitCodesHelp documents them).
const (
	exitOK = 0
	// exitFailure is a failed check (an incompatible schema), a request the
	// server refused (a 4xx), or a failed command.
	exitFailure = 1
	// exitUsage is bad input: unknown flags or values, unreadable or invalid files.
	exitUsage = 2
	// exitServer is a server that cannot be reached or fails (a 5xx, an
	// answer that cannot be read).
	exitServer = 3
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is bad input: exit code 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the herald command line and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			_, _ = fmt.Fprintf(stderr, "herald: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own errors (unknown command or flag, wrong argument count).
	_, _ = fmt.Fprintf(stderr, "herald: %v\n", err)
	return exitUsage
}

// newRootCmd builds the command tree.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "herald",
		Short: "Herald: event catalog, Confluent-compatible schema registry and validating broker",
		Long: `Herald: event catalog, Confluent-compatible schema registry and validating broker.

Every flag has an environment twin: HERALD_ and the flag name in upper case with
dashes as underscores (--max-schema-bytes is HERALD_MAX_SCHEMA_BYTES). A flag given
on the command line wins over its twin.

` + exitCodesHelp,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	// --version prints what `herald version` prints.
	root.SetVersionTemplate("herald {{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	root.AddCommand(newServeCmd(), newCompatCmd(), newCheckCmd(), newVersionCmd(),
		newTopicCommand(), newPublishCommand(), newConsumeCommand(), newCatalogCommand(), newImportCmd(), newExportCmd())
	root.AddCommand(newAuthCmd(), newBackupCmd())
	root.AddCommand(newMigrateStoreCmd())
	return root
}

// applyEnv sets every flag of fs not given on the command line from its
// HERALD_* environment twin.
func applyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		name := "HERALD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = usageErrorf("%s: %v", name, serr)
		}
	})
	return err
}

// buildVersion is the version reported by herald version and the server.
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

// newVersionCmd builds `herald version`.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "herald %s\n", buildVersion())
			return err
		},
	}
}
