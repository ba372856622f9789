package dbfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Storage faults. The *db adapters wrap driver errors with these (keeping the
// driver's error in the chain), so callers match them with errors.Is.
var (
	// ErrDiskFull: a write found no room, on the disk or in the database's size
	// limit. Writes succeed again by themselves once there is space.
	ErrDiskFull = errors.New("disk full")
	// ErrReadOnly: the database, or the directory it needs to create its -wal,
	// -shm and lock files in, cannot be written.
	ErrReadOnly = errors.New("storage is read-only")
)

// IsDiskFullErrno reports whether e is the operating system saying there is no
// room: no space left, or the user's quota used up.
func IsDiskFullErrno(e syscall.Errno) bool { return e == syscall.ENOSPC || e == syscall.EDQUOT }

// IsReadOnlyErrno reports whether e is the operating system refusing a write:
// a read-only file system or missing permission.
func IsReadOnlyErrno(e syscall.Errno) bool {
	return e == syscall.EROFS || e == syscall.EACCES || e == syscall.EPERM
}

// Explain wraps an operating-system error about a database file with the
// storage fault it is (ErrDiskFull, ErrReadOnly), or returns it unchanged.
func Explain(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch {
	case IsDiskFullErrno(errno):
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	case IsReadOnlyErrno(errno):
		return fmt.Errorf("%w: %w", ErrReadOnly, err)
	}
	return err
}

// DiagnoseOpen finds out why the database at path could not be opened for
// writing, looking at the file system itself: SQLite's own message names the
// last call that failed (often the open of a -wal file that does not exist, so
// "no such file or directory", or "attempt to write a readonly database"),
// not the cause. It returns nil when it finds nothing wrong; the caller then
// keeps the driver's error.
//
// The checks, in order: the directory exists; the file, if it exists, is a
// regular file that opens for writing; and a new file can be created next to
// it, as SQLite must for its -wal and -shm files. The last check creates and
// removes a temporary file.
func DiagnoseOpen(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s of database %s does not exist", dir, path)
	case err != nil:
		return fmt.Errorf("directory %s of database %s: %w", dir, path, Explain(err))
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory, so it cannot hold database %s", dir, path)
	}
	if st, err := os.Stat(path); err == nil {
		if st.IsDir() {
			return fmt.Errorf("database %s is a directory, not a file", path)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("cannot open database %s for writing: %w", path, Explain(unwrapPath(err)))
		}
		_ = f.Close() // opened only to test the permission
	}
	f, err := os.CreateTemp(dir, ".herald-probe-*")
	if err != nil {
		return fmt.Errorf("cannot create files in directory %s, where database %s keeps its -wal and -shm files: %w",
			dir, filepath.Base(path), Explain(unwrapPath(err)))
	}
	name := f.Name()
	_ = f.Close()       // empty probe file
	_ = os.Remove(name) // best effort: a leftover empty dot-file is harmless
	return nil
}

// unwrapPath drops an *fs.PathError's operation and path, which the messages
// above already name, keeping the reason ("read-only file system").
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
