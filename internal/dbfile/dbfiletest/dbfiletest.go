// Package dbfiletest gives tests real storage faults: a small file system that
// fills up, and one that is read-only. Both are tmpfs mounts, which need root
// (CAP_SYS_ADMIN) on Linux; elsewhere the tests that ask for them skip.
package dbfiletest

import (
	"os"
	"path/filepath"
	"testing"
)

// Disk is a mounted scratch file system.
type Disk struct {
	// Dir is its mount point, inside a t.TempDir().
	Dir string
}

// Fill writes a filler file until the disk has no space left, and returns a
// function that removes it again. Writes fail with ENOSPC in between.
func (d Disk) Fill(t testing.TB) (free func()) {
	t.Helper()
	name := filepath.Join(d.Dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatalf("filler: %v", err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break // ENOSPC: the disk is full
		}
	}
	_ = f.Close() // its error is ENOSPC again
	return func() {
		t.Helper()
		if err := os.Remove(name); err != nil {
			t.Fatalf("remove filler: %v", err)
		}
	}
}
