//go:build linux || darwin

package dbfile

import (
	"fmt"
	"path/filepath"
	"syscall"
)

// MinFreeBytes is the free space CheckSpace asks for: below it, a commit of a
// few pages may fail.
const MinFreeBytes = 1 << 20

// CheckSpace reports ErrDiskFull when the file system holding the database at
// path has less than MinFreeBytes available to unprivileged users (root may
// still write into the reserved blocks: CheckSpace errs on the side of saying
// full).
func CheckSpace(path string) error {
	var st syscall.Statfs_t
	dir := filepath.Dir(path)
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("free space of %s: %w", dir, err)
	}
	// The conversions are needed: the field types differ between systems.
	free := uint64(st.Bavail) * uint64(st.Bsize)
	if free < MinFreeBytes {
		return fmt.Errorf("%w: %d bytes free on the file system of %s", ErrDiskFull, free, dir)
	}
	return nil
}
