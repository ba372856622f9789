//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package dbfile

import (
	"errors"
	"os"
)

// errWouldBlock is never returned here.
var errWouldBlock = errors.New("lock held")

// flock does nothing where flock(2) is missing: the lock file is created and
// names the pid, but a second process is not refused.
func flock(*os.File) error { return nil }

// funlock does nothing: see flock.
func funlock(*os.File) error { return nil }
