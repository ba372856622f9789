package dbfile_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/dbfile"
)

func skipWithoutFlock(t *testing.T) {
	t.Helper()
	switch runtime.GOOS {
	case "darwin", "dragonfly", "freebsd", "linux", "netbsd", "openbsd":
	default:
		t.Skipf("no flock(2) on %s: the lock does not exclude", runtime.GOOS)
	}
}

func TestSecondLockInOneProcessIsRefused(t *testing.T) {
	t.Parallel()
	skipWithoutFlock(t)
	db := filepath.Join(t.TempDir(), "herald.db")
	first, err := dbfile.Lock(db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dbfile.Lock(db)
	if !errors.Is(err, dbfile.ErrLocked) {
		t.Fatalf("second Lock = %v, want ErrLocked", err)
	}
	for _, want := range []string{db + ".lock", "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := dbfile.Lock(db)
	if err != nil {
		t.Fatalf("Lock after Close = %v", err)
	}
	_ = again.Close()
}

// TestLockOfAKilledProcessIsFree runs a child process (this test binary) that
// takes the lock, checks that the lock refuses this process naming the child's
// pid, then kills the child with SIGKILL: its lock goes with it.
func TestLockOfAKilledProcessIsFree(t *testing.T) {
	skipWithoutFlock(t)
	if db := os.Getenv("DBFILE_TEST_HOLD"); db != "" {
		holdLock(db)
		return
	}
	db := filepath.Join(t.TempDir(), "herald.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockOfAKilledProcessIsFree$")
	cmd.Env = append(os.Environ(), "DBFILE_TEST_HOLD="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("child said %q, %v", line, err)
	}

	_, err = dbfile.Lock(db)
	if !errors.Is(err, dbfile.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", cmd.Process.Pid)) {
		t.Fatalf("Lock while the child holds it = %v, want ErrLocked naming pid %d", err, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: the error is the signal
	l, err := dbfile.Lock(db)
	if err != nil {
		t.Fatalf("Lock after the holder was killed = %v", err)
	}
	_ = l.Close()
}

// holdLock is the child of TestLockOfAKilledProcessIsFree: it takes the lock,
// says so, and waits to be killed.
func holdLock(db string) {
	if _, err := dbfile.Lock(db); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	select {}
}
