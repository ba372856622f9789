// Package sqlitefault recognises storage faults in SQLite driver errors
// (mattn/go-sqlite3): it is the one place that knows SQLite's result codes for
// a full disk or a read-only file, and the *db adapters pass their errors
// through Translate so that callers see dbfile's sentinels instead.
package sqlitefault

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/mattn/go-sqlite3"

	"github.com/heraldhq/herald/internal/dbfile"
)

// Translate wraps err with dbfile.ErrDiskFull or dbfile.ErrReadOnly when its
// chain holds a SQLite (or operating-system) error of that kind, keeping err
// itself in the chain; other errors, nil included, come back unchanged.
//
// SQLITE_FULL is both the disk running out (SQLite turns ENOSPC into it) and the
// database reaching its max_page_count; both clear once there is room.
func Translate(err error) error {
	if err == nil || errors.Is(err, dbfile.ErrDiskFull) || errors.Is(err, dbfile.ErrReadOnly) {
		return err
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.Code == sqlite3.ErrFull || dbfile.IsDiskFullErrno(se.SystemErrno):
			return fmt.Errorf("%w: %w", dbfile.ErrDiskFull, err)
		case se.Code == sqlite3.ErrReadonly || dbfile.IsReadOnlyErrno(se.SystemErrno):
			return fmt.Errorf("%w: %w", dbfile.ErrReadOnly, err)
		}
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return dbfile.Explain(err)
	}
	return err
}
