package registrydb_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/dbfile/dbfiletest"
	"github.com/heraldhq/herald/registry/registrydb"
)

// TestOpenOnAReadOnlyDiskSaysSo opens an existing database on a read-only
// mount. SQLite's own error was "unable to open database file: no such file
// or directory" (the -wal file it could not create).
func TestOpenOnAReadOnlyDiskSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	disk := dbfiletest.SmallDisk(t, 4<<20)
	path := filepath.Join(disk.Dir, "registry.db")
	s, err := registrydb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dbfiletest.ReadOnly(t, disk)
	_, err = registrydb.Open(ctx, path)
	if !errors.Is(err, dbfile.ErrReadOnly) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "read-only file system") {
		t.Fatalf("Open = %v, want ErrReadOnly naming %s and the read-only file system", err, path)
	}
}
