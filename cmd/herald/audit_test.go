package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAuditLogAndRateLimitConfig checks the wiring of the audit and rate
// flags: a write's line is in the file (mode 0600) when the request returns,
// an audit log that cannot be opened or a negative rate stops the start.
func TestServeAuditLogAndRateLimitConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	cfg := testConfig(t)
	cfg.AuditLog, cfg.RateLimit = path, 100
	m := NewMain(cfg)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	resp, err := http.Post(m.URL()+"/subjects/a/versions", "application/json", strings.NewReader(`{"schemaType":"JSON","schema":"{}"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %d", resp.StatusCode)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"action":"subject.register"`) || !strings.Contains(string(b), resp.Header.Get("X-Request-Id")) {
		t.Errorf("audit log after an answered register: %q", b)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}

	for name, set := range map[string]func(*Config){
		"UnopenableAuditLog": func(c *Config) { c.AuditLog = filepath.Join(dir, "missing", "audit.log") },
		"NegativeRateLimit":  func(c *Config) { c.RateLimit = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			set(&cfg)
			bad := NewMain(cfg)
			if err := bad.Run(context.Background()); err == nil {
				_ = bad.Close()
				t.Fatal("Run accepted it")
			}
		})
	}
}
