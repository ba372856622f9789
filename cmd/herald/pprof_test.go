package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestPprofServesOnLoopbackOnly checks that --pprof refuses an address beyond
// loopback with a usage error, serves the profile index on a loopback one,
// and stops when the server's context ends.
func TestPprofServesOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:6060", "example.com:6060", "no-port"} {
		_, err := servePprof(t.Context(), addr, log)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage {
			t.Errorf("servePprof(%q) = %v; want a usage error", addr, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	got, err := servePprof(ctx, "127.0.0.1:0", log)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + got + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap") {
		t.Errorf("GET /debug/pprof/ = %d %q; want 200 with the profile index", resp.StatusCode, body)
	}
	cancel()
	for {
		// The listener closes soon after the context ends; until then the
		// request may still be answered.
		if _, err := http.Get("http://" + got + "/debug/pprof/"); err != nil {
			break
		}
	}
}
