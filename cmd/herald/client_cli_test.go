package main

import (
	"errors"
	"net"
	"strings"
	"testing"
)

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return url
}

// TestBrokerCLIClientErrors covers the broker commands' errors that come
// before or instead of an answer of the server.
func TestBrokerCLIClientErrors(t *testing.T) {
	down := "--server=" + closedURL(t)
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"NegativeTimeoutIsUsage", []string{"topic", "list", down, "--timeout", "-1s"}, exitUsage, "--timeout -1s"},
		{"BadServerURLIsUsage", []string{"consume", "orders", "--server", "localhost:8081"}, exitUsage, `--server "localhost:8081"`},
		{"UnreachableServerIs3", []string{"topic", "show", "orders", down}, exitServer, "connection refused"},
		{"UnreachableServerOnPublishSaysWhereTheURLComesFrom", []string{"publish", "orders", down}, exitServer, "--server or HERALD_SERVER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := brokerCLI(`{"id":"a"}`, tc.args...)
			if code != tc.code || out != "" || !strings.Contains(errOut, tc.contains) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.contains)
			}
		})
	}
}

// TestCatalogCLIClientErrors covers the catalog commands' errors that come
// before or instead of an answer: a bad URL is usage (2), an unreachable
// server 3, as for every command.
func TestCatalogCLIClientErrors(t *testing.T) {
	down := closedURL(t)
	for _, tc := range []struct {
		name, server, contains string
		code                   int
	}{
		{"BadServerURLIsUsage", "ftp://x", `--server "ftp://x": want a URL`, exitUsage},
		{"UnreachableServerNamesIt", down + "/", "cannot reach " + down + ": ", exitServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCatalogCLI("export", "--server", tc.server)
			if err == nil || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("export: %v, want %q", err, tc.contains)
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != tc.code {
				t.Errorf("exit error %v, want code %d", err, tc.code)
			}
		})
	}
}
