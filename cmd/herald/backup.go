package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/heraldhq/herald/internal/sqlstore"
	"github.com/heraldhq/herald/registry/registrydb"
)

// newBackupCmd builds `herald backup`: a consistent copy of the SQLite files
// of a Herald, taken while it runs.
func newBackupCmd() *cobra.Command {
	var db, to, brokerDB, catalogDB string
	cmd := &cobra.Command{
		Use:   "backup --db herald.db --to FILE",
		Short: "Copy Herald's SQLite files, consistently, while it runs",
		Long: `Copy the registry database (--db) and, when they exist, the broker's and the
catalog's files beside it (herald-broker.db, herald-catalog.db) to FILE and the
same siblings of FILE (backup.db, backup-broker.db, backup-catalog.db), so that
"herald serve --db FILE" starts from the copy. --broker-db and --catalog-db name
those two files when herald serve was given them too.

Each file is copied with SQLite's VACUUM INTO: a consistent snapshot, taken
while Herald keeps serving (writers wait at most for the copy's read). A copy
is written to a temporary file and renamed into place when complete, so an
interrupted backup leaves no half-written file; an existing file is never
overwritten.

A PostgreSQL --db is backed up with pg_dump (and the broker's and catalog's
SQLite files, which stay local, with herald backup --db on their own name).`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&db, "db", defaultDB, "the registry's SQLite file, as given to herald serve (env HERALD_DB)")
	cmd.Flags().StringVar(&to, "to", "", "the file to write (required); the broker's and catalog's copies go beside it")
	cmd.Flags().StringVar(&brokerDB, "broker-db", "", "the broker log's SQLite file, if not beside --db (env HERALD_BROKER_DB)")
	cmd.Flags().StringVar(&catalogDB, "catalog-db", "", "the catalog's SQLite file, if not beside --db (env HERALD_CATALOG_DB)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := applyEnv(cmd.Flags()); err != nil {
			return err
		}
		if registrydb.IsPostgresURL(db) {
			return usageErrorf("--db is a PostgreSQL URL: back it up with pg_dump (pg_dump --format=custom --file herald.dump URL); herald backup copies SQLite files")
		}
		if to == "" {
			return usageErrorf("--to is required: the file to write")
		}
		pairs, err := backupPairs(db, to, map[string]string{"broker": brokerDB, "catalog": catalogDB})
		if err != nil {
			return err
		}
		for _, p := range pairs {
			if err := backupFile(cmd.Context(), p.from, p.to); err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			st, err := os.Stat(p.to)
			if err != nil {
				return &exitError{code: exitFailure, err: err}
			}
			if _, err := fmt.Fprintf(cmd.OutOrStdout(), "%s -> %s (%d bytes)\n", p.from, p.to, st.Size()); err != nil {
				return err
			}
		}
		return nil
	}
	return cmd
}

// backupPair is one file to copy.
type backupPair struct{ from, to string }

// backupPairs lists the files of the Herald at db, each with where its copy
// goes, after checking that db exists and that no copy would overwrite a file.
// stores maps broker and catalog to their files when not beside db.
func backupPairs(db, to string, stores map[string]string) ([]backupPair, error) {
	if st, err := os.Stat(db); err != nil {
		return nil, usageErrorf("--db %s: %v", db, err)
	} else if st.IsDir() {
		return nil, usageErrorf("--db %s is a directory, not a database file", db)
	}
	pairs := []backupPair{{db, to}}
	for _, store := range []string{"broker", "catalog"} {
		from := siblingDBPath(stores[store], db, store)
		if _, err := os.Stat(from); errors.Is(err, fs.ErrNotExist) {
			if stores[store] != "" {
				return nil, usageErrorf("--%s-db %s: %v", store, from, err)
			}
			continue
		}
		pairs = append(pairs, backupPair{from, siblingDBPath("", to, store)})
	}
	for _, p := range pairs {
		if _, err := os.Lstat(p.to); err == nil {
			return nil, usageErrorf("%s exists: herald backup never overwrites a file; remove it or choose another --to", p.to)
		}
		if same(p.from, p.to) {
			return nil, usageErrorf("--to %s is the database itself", p.to)
		}
	}
	return pairs, nil
}

// same reports whether two paths name the same file by their absolute paths.
func same(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// backupFile writes a consistent copy of the SQLite database from to to:
// VACUUM INTO a temporary file beside to, then a link to its name, which
// fails rather than replace a file that appeared meanwhile.
func backupFile(ctx context.Context, from, to string) error {
	// Not ReadOnly: query_only refuses VACUUM INTO. No migrations run, and
	// VACUUM INTO only reads the source.
	src, err := sqlstore.Open(ctx, from, sqlstore.Options{MaxConns: 1})
	if err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	defer func() { _ = src.Close() }() // read only: nothing to lose
	tmp, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	tmpName := tmp.Name()
	// Gone once linked, or on any failure; a leftover is only a temporary file.
	defer func() { _ = os.Remove(tmpName) }()
	// VACUUM INTO wants a file that does not exist, or is empty.
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	if _, err := src.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return fmt.Errorf("backup %s: VACUUM INTO: %w", from, err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	if err := os.Link(tmpName, to); err != nil {
		return fmt.Errorf("backup %s: %w", from, err)
	}
	return nil
}

// syncFile flushes a written file to disk.
func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the sync error is the one to report
		return err
	}
	return f.Close()
}
