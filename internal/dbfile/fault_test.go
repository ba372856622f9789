package dbfile_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/dbfile/dbfiletest"
)

func TestExplainNamesTheFault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"ENOSPCIsErrDiskFull", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}, dbfile.ErrDiskFull},
		{"EDQUOTIsErrDiskFull", fmt.Errorf("w: %w", syscall.EDQUOT), dbfile.ErrDiskFull},
		{"EROFSIsErrReadOnly", &os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, dbfile.ErrReadOnly},
		{"EACCESIsErrReadOnly", syscall.EACCES, dbfile.ErrReadOnly},
		{"ENOENTIsNeither", syscall.ENOENT, nil},
		{"PlainErrorIsNeither", errors.New("boom"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := dbfile.Explain(tc.err)
			for _, s := range []error{dbfile.ErrDiskFull, dbfile.ErrReadOnly} {
				if errors.Is(got, s) != (s == tc.want) {
					t.Errorf("Explain(%v) = %v: errors.Is(%v) = %v", tc.err, got, s, s != tc.want)
				}
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("Explain(%v) = %v lost the original error", tc.err, got)
			}
		})
	}
}

func TestDiagnoseOpenSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "adir.db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"MissingDirectory", filepath.Join(dir, "nope", "herald.db"), "does not exist"},
		{"ParentIsAFile", filepath.Join(dir, "afile", "herald.db"), "is not a directory"},
		{"DatabaseIsADirectory", filepath.Join(dir, "adir.db"), "is a directory, not a file"},
		{"WritableDirectoryIsFine", filepath.Join(dir, "herald.db"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := dbfile.DiagnoseOpen(tc.path)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("DiagnoseOpen = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DiagnoseOpen = %v, want it to say %q", err, tc.want)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".herald-probe-") {
			t.Errorf("probe file %s left behind", e.Name())
		}
	}
}

// TestDiagnoseOpenOnAReadOnlyDisk uses a real read-only mount: chmod does not
// stop root, which these tests often run as.
func TestDiagnoseOpenOnAReadOnlyDisk(t *testing.T) {
	t.Parallel()
	disk := dbfiletest.SmallDisk(t, 1<<20)
	db := filepath.Join(disk.Dir, "herald.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dbfiletest.ReadOnly(t, disk)
	err := dbfile.DiagnoseOpen(db)
	if !errors.Is(err, dbfile.ErrReadOnly) || !strings.Contains(err.Error(), "read-only file system") || !strings.Contains(err.Error(), db) {
		t.Fatalf("DiagnoseOpen = %v, want ErrReadOnly naming %s and the read-only file system", err, db)
	}
	_, err = dbfile.Lock(db)
	if !errors.Is(err, dbfile.ErrReadOnly) || !strings.Contains(err.Error(), dbfile.LockPath(db)) {
		t.Fatalf("Lock = %v, want ErrReadOnly naming the lock file", err)
	}
}

func TestCheckSpaceOnAFullDisk(t *testing.T) {
	t.Parallel()
	disk := dbfiletest.SmallDisk(t, 4<<20)
	db := filepath.Join(disk.Dir, "herald.db")
	if err := dbfile.CheckSpace(db); err != nil {
		t.Fatalf("CheckSpace on an empty disk = %v", err)
	}
	free := disk.Fill(t)
	if err := dbfile.CheckSpace(db); !errors.Is(err, dbfile.ErrDiskFull) {
		t.Fatalf("CheckSpace on a full disk = %v, want ErrDiskFull", err)
	}
	free()
	if err := dbfile.CheckSpace(db); err != nil {
		t.Fatalf("CheckSpace after freeing = %v", err)
	}
}
