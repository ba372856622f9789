package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupWhileServing backs up a running Herald (a schema, a topic and its
// events, a catalog change), then serves the copy and finds them all there.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	m := brokerMain(t)
	postJSON(t, m.URL()+"/subjects/orders-value/versions", "application/json", `{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`)
	srv := "--server=" + m.URL()
	if code, _, errOut := brokerCLI("", "topic", "create", "orders", "--value-subject", "orders-value", srv); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := brokerCLI("{\"n\":1}\n{\"n\":2}\n", "publish", "orders", srv); code != 0 {
		t.Fatal(errOut)
	}
	teams := filepath.Join(t.TempDir(), "teams.yaml")
	if err := os.WriteFile(teams, []byte("teams:\n  - id: backup-team\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("catalog", "apply", "--prune", teams, srv); code != 0 {
		t.Fatal(errOut)
	}

	to := filepath.Join(t.TempDir(), "copy.db")
	code, out, errOut := runCLI("backup", "--db", m.cfg.DB, "--to", to)
	if code != exitOK {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"-> " + to + " (", "-> " + filepath.Join(filepath.Dir(to), "copy-broker.db"), "-> " + filepath.Join(filepath.Dir(to), "copy-catalog.db")} {
		if !strings.Contains(out, want) {
			t.Errorf("backup output lacks %q:\n%s", want, out)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(to), ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Never over an existing file: the same --to again is refused, and the
	// copy is untouched.
	before, err := os.ReadFile(to)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI("backup", "--db", m.cfg.DB, "--to", to); code != exitUsage || !strings.Contains(errOut, "never overwrites") {
		t.Errorf("backup over an existing file: exit %d, %s", code, errOut)
	}
	if after, _ := os.ReadFile(to); string(after) != string(before) {
		t.Errorf("a refused backup changed the copy")
	}

	// The copy serves the same data.
	cp := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: to, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if code, body := get(t, cp.URL()+"/subjects/orders-value/versions"); code != 200 || body != "[1]" {
		t.Errorf("copy: versions of orders-value = %d %s", code, body)
	}
	code, out, errOut = brokerCLI("", "consume", "orders", "--server="+cp.URL())
	if code != 0 || !strings.Contains(out, `"n":1`) || !strings.Contains(out, `"n":2`) {
		t.Errorf("copy: consume = %d %s %s", code, out, errOut)
	}
	if code, body := get(t, cp.URL()+"/v1/catalog/teams/backup-team"); code != 200 {
		t.Errorf("copy: team = %d %s", code, body)
	}
}

func TestBackupBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"Postgres", []string{"--db", "postgres://u@h/db", "--to", filepath.Join(dir, "x.db")}, "pg_dump"},
		{"NoTo", []string{"--db", filepath.Join(dir, "none.db")}, "--to is required"},
		{"MissingDB", []string{"--db", filepath.Join(dir, "none.db"), "--to", filepath.Join(dir, "x.db")}, "none.db"},
		{"DBIsADirectory", []string{"--db", dir, "--to", filepath.Join(dir, "x.db")}, "is a directory"},
		{"MissingBrokerDB", []string{"--db", db, "--broker-db", filepath.Join(dir, "nope.db"), "--to", filepath.Join(dir, "x.db")}, "--broker-db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(append([]string{"backup"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.msg)
			}
		})
	}
}

// TestBackupPairsFollowTheStoreFlags: a store file named by --catalog-db is
// copied beside --to under the usual sibling name; an absent sibling is left
// out.
func TestBackupPairsFollowTheStoreFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	writeFiles(t, dir, map[string]string{"h.db": "", "elsewhere/cat.db": ""})
	got, err := backupPairs(f("h.db"), f("b/copy.db"), map[string]string{"catalog": f("elsewhere/cat.db")})
	if err != nil {
		t.Fatal(err)
	}
	want := []backupPair{{f("h.db"), f("b/copy.db")}, {f("elsewhere/cat.db"), f("b/copy-catalog.db")}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("pairs = %v, want %v", got, want)
	}
}
