package sqlitefault_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the driver under test

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/sqlitefault"
)

// openLimited opens a SQLite database on one connection (max_page_count is a
// per-connection setting) with a table t.
func openLimited(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "x.db")+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// setMaxPages caps the database at n pages; 0 caps it at its current size, so
// the next write that needs a page fails with SQLITE_FULL, as on a full disk.
func setMaxPages(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	if n == 0 {
		if err := db.QueryRow(`PRAGMA page_count`).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
}

func TestFullDatabaseIsErrDiskFullAndRecovers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openLimited(t)
	setMaxPages(t, db, 0)

	_, err := db.Exec(`INSERT INTO t VALUES (zeroblob(65536))`)
	if err == nil {
		t.Fatal("insert into a full database succeeded")
	}
	if got := sqlitefault.Translate(err); !errors.Is(got, dbfile.ErrDiskFull) || errors.Is(got, dbfile.ErrReadOnly) {
		t.Fatalf("Translate(%v) = %v, want ErrDiskFull only", err, got)
	}
	if err := sqlitefault.Probe(ctx, db); !errors.Is(err, dbfile.ErrDiskFull) {
		t.Fatalf("Probe on a full database = %v, want ErrDiskFull", err)
	}

	setMaxPages(t, db, 1<<20) // room again: writes resume by themselves
	if err := sqlitefault.Probe(ctx, db); err != nil {
		t.Fatalf("Probe with room = %v", err)
	}
	if _, err := db.Exec(`INSERT INTO t VALUES (zeroblob(65536))`); err != nil {
		t.Fatalf("insert with room = %v", err)
	}
	// The probe keeps nothing.
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'herald_space_probe'`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("probe table left behind: %d, %v", tables, err)
	}
}

func TestTranslateLeavesOtherErrorsAlone(t *testing.T) {
	t.Parallel()
	db := openLimited(t)
	_, err := db.Exec(`INSERT INTO missing VALUES (1)`)
	if err == nil {
		t.Fatal("insert into a missing table succeeded")
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"SQLiteErrorUnchanged", err},
		{"NilStaysNil", nil},
		{"PlainErrorUnchanged", errors.New("boom")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqlitefault.Translate(tc.err); got != tc.err {
				t.Fatalf("Translate(%v) = %v, want it unchanged", tc.err, got)
			}
		})
	}
	if got := sqlitefault.Translate(syscall.ENOSPC); !errors.Is(got, dbfile.ErrDiskFull) {
		t.Errorf("Translate(ENOSPC) = %v, want ErrDiskFull", got)
	}
}
