package dbfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is returned by Lock when another process (or another Lock in this
// one) holds the database.
var ErrLocked = errors.New("database is in use by another herald process")

// LockPath is the lock file of the database at path: path + ".lock", next to it.
func LockPath(path string) string { return path + ".lock" }

// Lockfile is an exclusive lock on a database, held until Close.
type Lockfile struct {
	f    *os.File
	path string
}

// Lock takes the exclusive lock of the database at dbPath, creating its lock
// file (LockPath) if needed, and writes this process's id into it for whoever
// is refused next. It does not wait: a held lock is an error wrapping ErrLocked
// that names the lock file and, when it can read it, the holder's pid.
//
// The lock is an flock(2) on the open file, so the kernel drops it when the
// process dies (kill -9 included) and a stale file never blocks a restart. It is
// held per open file description: a second Lock in the same process fails too.
func Lock(dbPath string) (*Lockfile, error) {
	path := LockPath(dbPath)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file %s for writing (one is kept next to each database): %w", path, Explain(unwrapPath(err)))
	}
	if err := flock(f); err != nil {
		pid := holder(f)
		_ = f.Close() // error path: the lock error is the one to report
		if errors.Is(err, errWouldBlock) {
			who := ""
			if pid != "" {
				who = " (pid " + pid + ")"
			}
			return nil, fmt.Errorf("%s: %w%s, which holds %s; stop that process or give this one another --db",
				dbPath, ErrLocked, who, path)
		}
		return nil, fmt.Errorf("lock file %s: %w", path, err)
	}
	// The pid is for people reading the error above; failing to write it does
	// not weaken the lock.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lockfile{f: f, path: path}, nil
}

// holder reads the pid a lock holder wrote into f, or "".
func holder(f *os.File) string {
	b, err := io.ReadAll(io.LimitReader(f, 32))
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(s); err != nil {
		return ""
	}
	return s
}

// Path is the lock file's path.
func (l *Lockfile) Path() string { return l.path }

// Close releases the lock. The file stays: removing it would let a process that
// opened it just before the removal lock an orphaned inode while a third one
// creates and locks a new file, both believing they hold the database.
func (l *Lockfile) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := errors.Join(funlock(l.f), l.f.Close())
	l.f = nil
	return err
}
