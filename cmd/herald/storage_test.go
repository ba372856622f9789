package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/dbfile/dbfiletest"
)

// runMain runs a Main on db and closes it at cleanup.
func runMain(t *testing.T, cfg Config) *Main {
	t.Helper()
	cfg.Addr, cfg.Logger, cfg.Version = "127.0.0.1:0", discardLogger(), "test"
	m := NewMain(cfg)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	waitReady(t, m)
	return m
}

func TestSecondMainOnTheSameDatabaseIsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		first, again func(dir string) Config
		lockOf       func(dir string) string
	}{
		{"SameDB",
			func(dir string) Config { return Config{DB: filepath.Join(dir, "herald.db")} },
			func(dir string) Config { return Config{DB: filepath.Join(dir, "herald.db")} },
			func(dir string) string { return filepath.Join(dir, "herald.db") }},
		{"SameBrokerDBUnderAnotherDB",
			func(dir string) Config { return Config{DB: filepath.Join(dir, "herald.db")} },
			func(dir string) Config {
				return Config{DB: filepath.Join(dir, "other.db"), broker: &brokerFlags{DB: filepath.Join(dir, "herald-broker.db")}}
			},
			func(dir string) string { return filepath.Join(dir, "herald-broker.db") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			first := runMain(t, tc.first(dir))

			cfg := tc.again(dir)
			cfg.Addr, cfg.Logger = "127.0.0.1:0", discardLogger()
			second := NewMain(cfg)
			err := second.Run(context.Background())
			if err == nil {
				_ = second.Close()
				t.Fatal("a second Main on the same database started")
			}
			if !errors.Is(err, dbfile.ErrLocked) {
				t.Fatalf("Run = %v, want ErrLocked", err)
			}
			for _, want := range []string{dbfile.LockPath(tc.lockOf(dir)), "pid " + strconv.Itoa(os.Getpid())} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			// The refusal disturbs nothing: the first still serves and writes.
			setupOrdersTopic(t, first)

			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			runMain(t, tc.again(dir)) // the lock went with the first
		})
	}
}

// TestFullDiskAnswers507AndRecovers fills a real (tmpfs) disk under a running
// Main: registrations and publishes answer 507, /readyz 503; once space is
// freed both work again and /readyz is ok, with no restart.
func TestFullDiskAnswers507AndRecovers(t *testing.T) {
	t.Parallel()
	disk := dbfiletest.SmallDisk(t, 4<<20)
	m := runMain(t, Config{DB: filepath.Join(disk.Dir, "herald.db")})
	setupOrdersTopic(t, m)

	// Bigger than the WAL files already on disk, so they must grow.
	bigSchema, _ := json.Marshal(map[string]string{"schemaType": "JSON",
		"schema": `{"type":"object","description":"` + strings.Repeat("x", 300<<10) + `"}`})
	bigEvent := `{"events":[{"value":{"id":"` + strings.Repeat("y", 400<<10) + `"}}]}`
	register := func() (int, string) {
		return send(t, http.MethodPost, m.URL()+"/subjects/big-value/versions", "application/vnd.schemaregistry.v1+json", string(bigSchema))
	}
	publish := func() (int, string) {
		return send(t, http.MethodPost, m.URL()+"/v1/topics/orders/events", "application/json", bigEvent)
	}
	ready := func() (int, string) { return send(t, http.MethodGet, m.URL()+"/readyz", "", "") }

	free := disk.Fill(t)
	for name, f := range map[string]func() (int, string){"register": register, "publish": publish} {
		if status, body := f(); status != http.StatusInsufficientStorage || !strings.Contains(body, `"error_code":50701`) || !strings.Contains(body, "disk full") {
			t.Errorf("%s on a full disk = %d %s, want 507 50701 disk full", name, status, body)
		}
	}
	if status, body := ready(); status != http.StatusServiceUnavailable || !strings.Contains(body, "disk full") {
		t.Errorf("/readyz on a full disk = %d %s, want 503 disk full", status, body)
	}

	free()
	if status, body := ready(); status != http.StatusOK {
		t.Errorf("/readyz after freeing space = %d %s, want 200", status, body)
	}
	for name, f := range map[string]func() (int, string){"register": register, "publish": publish} {
		if status, body := f(); status != http.StatusOK {
			t.Errorf("%s after freeing space = %d %.200s, want 200", name, status, body)
		}
	}
}

// TestStartOnAReadOnlyDiskSaysSo starts Main on a database that exists on a
// read-only mount (root ignores chmod, so a mount is the honest way). SQLite
// alone said "unable to open database file: no such file or directory"; now
// the lock file, the first file opened for writing, names the fault. (The
// stores' own diagnosis, for a directory that is read-only while the lock
// file is writable, is tested in registrydb.)
func TestStartOnAReadOnlyDiskSaysSo(t *testing.T) {
	t.Parallel()
	disk := dbfiletest.SmallDisk(t, 4<<20)
	db := filepath.Join(disk.Dir, "herald.db")
	if err := runMain(t, Config{DB: db}).Close(); err != nil {
		t.Fatal(err)
	}
	dbfiletest.ReadOnly(t, disk)
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: db, Logger: discardLogger()})
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
		t.Fatal("Main started on a read-only disk")
	}
	if !errors.Is(err, dbfile.ErrReadOnly) || !strings.Contains(err.Error(), "read-only file system") || strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Run = %v, want ErrReadOnly saying read-only file system", err)
	}
}

// send sends one request and returns the status and body.
func send(t *testing.T, method, url, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
