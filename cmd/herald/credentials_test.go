package main

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// authMain runs a Main with an auth file: "key-admin" and "key-reader" API
// keys, and the Basic user "ci" with password "s3cret".
func authMain(t *testing.T) *Main {
	t.Helper()
	dir := t.TempDir()
	src := "principals:\n" +
		"  - name: admin\n    apiKey: " + auth.HashAPIKey("key-admin") + "\n    roles: [admin]\n" +
		"  - name: reader\n    apiKey: " + auth.HashAPIKey("key-reader") + "\n    roles: [reader]\n" +
		"  - name: ci\n    password: \"" + authtest.PasswordHash + "\"\n    roles: [developer]\n"
	path := filepath.Join(dir, "auth.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.auth = &authFlags{File: path}
	return startMainWith(t, cfg)
}

// TestCLICredentials checks --user and --token on each family of client
// commands against a server that requires them.
func TestCLICredentials(t *testing.T) {
	t.Parallel()
	m := authMain(t)
	dir := t.TempDir()
	schema := filepath.Join(dir, "orders.json")
	if err := os.WriteFile(schema, []byte(`{"type":"object"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := "--server=" + m.URL()
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // in stderr when code != 0
	}{
		{"TopicListWithoutCredentialsIs401", []string{"topic", "list", srv}, exitFailure, "HTTP 401"},
		{"TopicListWithToken", []string{"topic", "list", srv, "--token", "key-reader"}, exitOK, ""},
		{"TopicListWithUser", []string{"topic", "list", srv, "--user", "ci:s3cret"}, exitOK, ""},
		{"TopicCreateAsReaderIs403", []string{"topic", "create", "orders", "--value-subject", "orders-value", srv, "--token", "key-reader"}, exitFailure, "lacks role admin"},
		{"CatalogExportWithToken", []string{"catalog", "export", srv, "--token", "key-reader"}, exitOK, ""},
		{"CatalogExportWithoutIs401", []string{"catalog", "export", srv}, exitFailure, "HTTP 401"},
		{"CheckWithUser", []string{"check", srv, "--user", "ci:s3cret", "--subject", "orders-value=" + schema}, exitOK, ""},
		{"CheckWithWrongPassword", []string{"check", srv, "--user", "ci:nope", "--subject", "orders-value=" + schema}, exitFailure, "invalid credentials"},
		{"UserWithoutColonIsUsage", []string{"topic", "list", srv, "--user", "ci"}, exitUsage, "user:password"},
		{"BothIsUsage", []string{"topic", "list", srv, "--user", "ci:s3cret", "--token", "x"}, exitUsage, "give one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if tc.out != "" && !strings.Contains(stderr+stdout, tc.out) {
				t.Errorf("output does not mention %q:\nstdout: %s\nstderr: %s", tc.out, stdout, stderr)
			}
			if strings.Contains(stderr, "s3cret") || strings.Contains(stderr, "key-reader") {
				t.Errorf("a secret is echoed: %s", stderr)
			}
		})
	}
}

// TestCLICredentialsFromEnv checks HERALD_TOKEN and HERALD_USER (not
// parallel: it sets the environment).
func TestCLICredentialsFromEnv(t *testing.T) {
	m := authMain(t)
	t.Setenv("HERALD_TOKEN", "key-reader")
	if code, _, stderr := runCLI("topic", "list", "--server="+m.URL()); code != exitOK {
		t.Fatalf("HERALD_TOKEN: exit %d: %s", code, stderr)
	}
	t.Setenv("HERALD_TOKEN", "")
	t.Setenv("HERALD_USER", "ci:s3cret")
	if code, _, stderr := runCLI("catalog", "export", "--server="+m.URL()); code != exitOK {
		t.Fatalf("HERALD_USER: exit %d: %s", code, stderr)
	}
}

// TestCredentialsStayOnTheServerHost checks that a redirect to another host
// does not carry the credentials along.
func TestCredentialsStayOnTheServerHost(t *testing.T) {
	t.Parallel()
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("Authorization")
		_, _ = w.Write([]byte(`{"topics":[]}`))
	}))
	defer other.Close()
	var sent string
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get("Authorization")
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer home.Close()
	if code, _, stderr := runCLI("topic", "list", "--server="+home.URL, "--user", "ci:s3cret"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:s3cret")); sent != want {
		t.Errorf("the server got Authorization %q, want %q", sent, want)
	}
	if leaked != "" {
		t.Errorf("the other host got Authorization %q", leaked)
	}
}
