package dbfile

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCloseReleasesALockAChildInherited: a child process that holds a copy of
// the lock's descriptor (as one forked by another goroutine does until it
// execs) must not keep the database locked after Close.
func TestCloseReleasesALockAChildInherited(t *testing.T) {
	if os.Getenv("DBFILE_TEST_INHERIT") != "" {
		_, _ = io.Copy(io.Discard, os.Stdin) // hold the inherited descriptor until told
		return
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skipf("no flock(2) test on %s", runtime.GOOS)
	}
	db := filepath.Join(t.TempDir(), "herald.db")
	l, err := Lock(db)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCloseReleasesALockAChildInherited$")
	cmd.Env = append(os.Environ(), "DBFILE_TEST_INHERIT=1")
	cmd.ExtraFiles = []*os.File{l.f} // the same open file, as fork shares it
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })

	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Lock(db)
	if err != nil {
		t.Fatalf("Lock after Close, while a child holds a copy of the old descriptor = %v", err)
	}
	_ = again.Close()
}
