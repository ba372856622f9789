package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8081": true, "127.1.2.3:0": true, "[::1]:8081": true, "localhost:8081": true, "LOCALHOST:1": true,
		"0.0.0.0:8081": false, ":8081": false, "[::]:8081": false, "10.0.0.5:8081": false, "herald.example.com:8081": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServeRefusesExposureWithoutAuth checks that herald will not listen
// beyond loopback without an auth file, says why, and opens nothing.
func TestServeRefusesExposureWithoutAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := NewMain(Config{Addr: "0.0.0.0:0", DB: filepath.Join(dir, "herald.db"), Logger: discardLogger()})
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
		t.Fatal("listening on 0.0.0.0 without --auth was allowed")
	}
	for _, part := range []string{"without --auth", "--insecure-no-auth", "herald auth hash"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %s", err, part)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "herald.db")); !os.IsNotExist(err) {
		t.Errorf("the database was created before the refusal: %v", err)
	}

	m = NewMain(Config{Addr: "0.0.0.0:0", DB: filepath.Join(dir, "herald.db"), Logger: discardLogger(), auth: &authFlags{InsecureNoAuth: true}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("--insecure-no-auth: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// runAuth runs `herald auth ARGS` with stdin and returns stdout.
func runAuth(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newAuthCmd()
	var out bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestAuthHashLinesWork checks that what `herald auth hash` and `herald auth
// new-key` print, pasted into an auth file, authenticates the secret.
func TestAuthHashLinesWork(t *testing.T) {
	t.Parallel()
	pw, err := runAuth(t, "correct horse\n", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pw, `password: "$2a$12$`) || strings.Contains(pw, "correct horse") {
		t.Fatalf("hash printed %q", pw)
	}
	key, err := runAuth(t, "hrld_abc\r\n", "hash", "--api-key")
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiKey: \"" + auth.HashAPIKey("hrld_abc") + "\"\n"; key != want {
		t.Fatalf("hash --api-key printed %q, want %q", key, want)
	}
	minted, err := runAuth(t, "", "new-key", "ci-bot")
	if err != nil {
		t.Fatal(err)
	}
	newKey, snippet, _ := strings.Cut(minted, "\n")
	if !strings.HasPrefix(newKey, "hrld_") {
		t.Fatalf("new-key printed %q", minted)
	}
	var entry []string
	for _, l := range strings.Split(snippet, "\n") {
		if strings.HasPrefix(l, "  ") {
			entry = append(entry, l)
		}
	}
	file := "principals:\n  - name: web\n    " + pw + "    roles: [admin]\n  - name: ci\n    " + key + "    roles: [reader]\n" +
		strings.Join(entry, "\n") + "\n"
	f, err := auth.Parse("pasted.yaml", []byte(file))
	if err != nil {
		t.Fatalf("the printed lines do not parse: %v\n%s", err, file)
	}
	a, err := auth.New(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("web:correct horse")): "web",
		"Bearer hrld_abc":  "ci",
		"Bearer " + newKey: "ci-bot",
	} {
		p, err := a.Authenticate(context.Background(), header)
		if err != nil || p.Name != want {
			t.Errorf("%s: %v, %v; want %s", header, p, err, want)
		}
	}
}

func TestAuthHashRefusesEmptyInput(t *testing.T) {
	t.Parallel()
	if _, err := runAuth(t, "", "hash"); err == nil || !strings.Contains(err.Error(), "nothing on stdin") {
		t.Errorf("err = %v", err)
	}
	if _, err := runAuth(t, "", "new-key", "a:b"); err == nil {
		t.Error("a name with a colon was accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing if the server stops first. It
// bounds nothing by time itself; the test's own deadline does.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if deadline, ok := t.Deadline(); ok && time.Until(deadline) < time.Second {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuthFileReloads checks that a changed auth file is put in force without
// a restart, and that an invalid one is refused, logged, and leaves the
// previous one in force.
func TestAuthFileReloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.yaml")
	write := func(content string) {
		t.Helper()
		// Write aside and rename, as editors and config managers do, so the
		// poll never reads half a file.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := func(key string) string {
		return "principals:\n  - name: rotating\n    apiKey: " + auth.HashAPIKey(key) + "\n    roles: [admin]\n"
	}
	write(keyFile("key-one"))
	var logs syncBuffer
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "herald.db"), Version: "test",
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), auth: &authFlags{File: path, ReloadInterval: 20 * time.Millisecond}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	waitReady(t, m)
	status := func(key string) int {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/subjects", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := status("key-one"); st != http.StatusOK {
		t.Fatalf("key-one: %d", st)
	}
	if st := status("key-two"); st != http.StatusUnauthorized {
		t.Fatalf("key-two before the reload: %d", st)
	}
	write(keyFile("key-two"))
	waitFor(t, "key-two to be accepted", func() bool { return status("key-two") == http.StatusOK })
	if st := status("key-one"); st != http.StatusUnauthorized {
		t.Errorf("key-one after the reload: %d, want 401", st)
	}

	write("principals:\n  - name: broken\n    password: plain-text\n    roles: [admin]\n")
	waitFor(t, "the invalid file to be refused", func() bool { return strings.Contains(logs.String(), "auth file refused") })
	if st := status("key-two"); st != http.StatusOK {
		t.Errorf("key-two after an invalid file: %d, want the previous file in force", st)
	}
	if strings.Contains(logs.String(), "plain-text") || strings.Contains(logs.String(), "key-two") {
		t.Errorf("the log quotes a secret:\n%s", logs.String())
	}
}
