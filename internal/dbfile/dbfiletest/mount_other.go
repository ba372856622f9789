//go:build !linux

package dbfiletest

import "testing"

// SmallDisk skips: mounting a scratch file system is done on Linux only.
func SmallDisk(t testing.TB, size int) Disk {
	t.Helper()
	t.Skip("a real full disk is mounted on Linux only")
	return Disk{}
}

// ReadOnly skips: see SmallDisk.
func ReadOnly(t testing.TB, d Disk) {
	t.Helper()
	t.Skip("a real read-only disk is mounted on Linux only")
}
