package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultAllowedHosts(t *testing.T) {
	t.Parallel()
	hostname, err := os.Hostname()
	if err != nil || hostname == "" {
		t.Skipf("no host name (%v): the wildcard cases need one", err)
	}
	for _, tc := range []struct {
		name, addr string
		want       []string
	}{
		{"LoopbackIPIsLocalhostOnly", "127.0.0.1:8081", []string{"localhost"}},
		{"IPv6LoopbackIsLocalhostOnly", "[::1]:8081", []string{"localhost"}},
		{"LocalhostIsLocalhostOnly", "localhost:8081", []string{"localhost"}},
		{"NamedAddrAddsName", "herald.internal:8081", []string{"localhost", "herald.internal"}},
		{"AllInterfacesAddsHostName", "0.0.0.0:8081", []string{"localhost", hostname}},
		{"IPv6AllInterfacesAddsHostName", "[::]:8081", []string{"localhost", hostname}},
		{"EmptyHostAddsHostName", ":8081", []string{"localhost", hostname}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := defaultAllowedHosts(tc.addr); !slices.Equal(got, tc.want) {
				t.Errorf("defaultAllowedHosts(%q) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

// hostStatus sends GET path to addr with the given Host header (and extra
// headers as name, value pairs) and returns the response.
func hostStatus(t *testing.T, addr, host, method, path string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestServeDefaultRefusesOtherHosts: with no --allowed-hosts, a server on
// loopback answers IP addresses and localhost, and refuses another name.
func TestServeDefaultRefusesOtherHosts(t *testing.T) {
	t.Parallel()
	m := NewMain(testConfig(t))
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	for host, want := range map[string]int{
		m.Addr():                    http.StatusOK,
		"localhost":                 http.StatusOK,
		"rebound.attacker.example":  http.StatusForbidden,
		"rebound.attacker.example.": http.StatusForbidden,
	} {
		if resp := hostStatus(t, m.Addr(), host, "GET", "/subjects"); resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// TestServeOriginFlags: --allowed-hosts (here from its HERALD_ALLOWED_HOSTS
// twin) and --cors-origins reach the server.
func TestServeOriginFlags(t *testing.T) {
	// Not parallel: it sets process environment.
	t.Setenv("HERALD_ALLOWED_HOSTS", "herald.test,.corp.test")
	listening, stop := serveJSON(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "h.db"),
		"--cors-origins", "https://app.test")
	addr := listening["addr"].(string)
	for _, tc := range []struct {
		host string
		want int
	}{
		{"herald.test", 200},
		{"build.corp.test:8081", 200},
		{"localhost", 200},
		{"other.test", 403},
	} {
		if resp := hostStatus(t, addr, tc.host, "GET", "/subjects"); resp.StatusCode != tc.want {
			t.Errorf("Host %q: status %d, want %d", tc.host, resp.StatusCode, tc.want)
		}
	}
	resp := hostStatus(t, addr, "herald.test", "OPTIONS", "/subjects/s/versions", "Origin", "https://app.test", "Access-Control-Request-Method", "POST")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.test" {
		t.Errorf("preflight from the listed origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp = hostStatus(t, addr, "herald.test", "OPTIONS", "/subjects/s/versions", "Origin", "https://other.test", "Access-Control-Request-Method", "POST")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin granted: %d %v", resp.StatusCode, resp.Header)
	}
	stop()
}

// TestServeBadOriginFlags: a malformed --cors-origins stops serve with a
// message naming the value.
func TestServeBadOriginFlags(t *testing.T) {
	t.Parallel()
	code, _, stderr := runCLI("serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "h.db"), "--cors-origins", "app.test")
	if code == 0 || !strings.Contains(stderr, `"app.test"`) || !strings.Contains(stderr, "origin") {
		t.Errorf("serve --cors-origins app.test: code %d, stderr %q", code, stderr)
	}
}
