package dbfiletest

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// SmallDisk mounts a tmpfs of size bytes for the test, unmounted at cleanup,
// or skips the test when it may not mount.
func SmallDisk(t testing.TB, size int) Disk {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	mount(t, dir, fmt.Sprintf("size=%d", size), 0)
	return Disk{Dir: dir}
}

// ReadOnly remounts d read-only: every write, root's included, fails with
// EROFS from then on.
func ReadOnly(t testing.TB, d Disk) {
	t.Helper()
	if err := syscall.Mount("tmpfs", d.Dir, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", d.Dir, err)
	}
}

func mount(t testing.TB, dir, data string, flags uintptr) {
	t.Helper()
	if err := mkdir(dir); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, data); err != nil {
		t.Skipf("needs a tmpfs mount (root with CAP_SYS_ADMIN) to make a real full or read-only disk: %v", err)
	}
	// Registered after t.TempDir, so it runs before the directory is removed.
	// MNT_DETACH: a file still open (a failed test) does not keep it mounted.
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o755) }
