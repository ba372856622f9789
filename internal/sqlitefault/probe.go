package sqlitefault

import (
	"context"
	"database/sql"
	"errors"
)

// probeBytes is what Probe asks room for: a few pages, about what a small
// write needs.
const probeBytes = 16 << 10

// Probe checks that db has room for a small write: in one transaction it
// creates a table and fills it with probeBytes, then rolls back, so nothing is
// kept. A database at its size limit answers SQLITE_FULL (as ErrDiskFull, via
// Translate). A full disk under a database that still has room inside its
// files passes: the rolled-back pages never reach the disk, which is why the
// caller also checks the file system's free space (dbfile.CheckSpace).
func Probe(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Translate(err)
	}
	_, err = tx.ExecContext(ctx, `CREATE TABLE herald_space_probe (b BLOB)`)
	if err == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO herald_space_probe (b) VALUES (zeroblob(?))`, probeBytes)
	}
	rerr := tx.Rollback()
	if errors.Is(rerr, sql.ErrTxDone) {
		rerr = nil // SQLite already rolled back after the failed statement
	}
	return Translate(errors.Join(err, rerr))
}
