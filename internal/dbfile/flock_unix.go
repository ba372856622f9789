//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package dbfile

import (
	"errors"
	"os"
	"syscall"
)

// errWouldBlock is flock's answer when another descriptor holds the lock.
var errWouldBlock = syscall.EWOULDBLOCK

// flock takes an exclusive lock on f without waiting.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// funlock releases f's lock. Closing f alone would not be enough: a child
// process forked by another goroutine holds a copy of the descriptor until it
// execs, and the lock belongs to the open file, so it would outlive the close
// for that moment. An explicit unlock releases it whoever holds a copy.
func funlock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
