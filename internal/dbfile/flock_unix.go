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
