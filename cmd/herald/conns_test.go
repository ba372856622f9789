package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// levelCounter is a slog.Handler that counts records at ERROR and above.
type levelCounter struct {
	mu     *sync.Mutex
	errors *[]string
}

func newLevelCounter() levelCounter { return levelCounter{mu: &sync.Mutex{}, errors: &[]string{}} }

func (h levelCounter) Enabled(context.Context, slog.Level) bool { return true }

func (h levelCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		*h.errors = append(*h.errors, r.Message)
		h.mu.Unlock()
	}
	return nil
}

func (h levelCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h levelCounter) WithGroup(string) slog.Handler      { return h }

func (h levelCounter) errorLines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), *h.errors...)
}

// closeConn closes a test's client connection; the server may have closed it
// first, so the error says nothing.
func closeConn(c net.Conn) { _ = c.Close() }

// startConnsMain runs a Main with cfg on 127.0.0.1:0 and a temp database.
func startConnsMain(t *testing.T, cfg Config) *Main {
	t.Helper()
	cfg.Addr, cfg.DB, cfg.Version = "127.0.0.1:0", filepath.Join(t.TempDir(), "herald.db"), "test"
	return startMainWith(t, cfg)
}

// readAnswer reads one response from c, then reads on until the server closes
// the connection, and returns the status and body.
func readAnswer(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	// Only so that a server that never answers fails the test instead of
	// hanging it; nothing is asserted about time.
	if err := c.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	// The server must close the connection: reading on returns EOF, not a
	// timeout or more data.
	if n, err := io.Copy(io.Discard, br); err != nil || n != 0 {
		t.Errorf("after the response: %d more bytes, %v; want the connection closed", n, err)
	}
	return resp.StatusCode, string(body)
}

// TestBodyNotReadToItsEnd sends request bodies that stop short: one that stalls
// past the body read timeout, one whose sender closes its side. Each must be
// answered 400 (not 500), the connection closed, and nothing logged as an
// ERROR.
func TestBodyNotReadToItsEnd(t *testing.T) {
	t.Parallel()
	logs := newLevelCounter()
	// The timeout is short so the stalled body is cut quickly; the test asserts
	// only what is answered, never how long it took.
	m := startConnsMain(t, Config{Logger: slog.New(logs), BodyReadTimeout: 200 * time.Millisecond})
	setupOrdersTopic(t, m)
	// The error_code is the API's code for an unreadable body: Confluent's
	// 400, and Herald's 40001 under /v1.
	routes := []struct {
		path, contentType string
		code              int
	}{
		{"/subjects/s/versions", "application/vnd.schemaregistry.v1+json", 400},
		{"/v1/topics/orders/events", "application/json", 40001},
	}
	for _, r := range routes {
		for _, tc := range []struct {
			name     string
			halfOpen bool // close the write side after the partial body
		}{
			{"StalledBodyTimesOutWith400", false},
			{"TruncatedBodyIs400", true},
		} {
			t.Run(tc.name+strings.ReplaceAll(r.path, "/", "_"), func(t *testing.T) {
				t.Parallel()
				c, err := net.Dial("tcp", m.Addr())
				if err != nil {
					t.Fatal(err)
				}
				defer closeConn(c)
				partial := `{"schema": "{\"type\":`
				if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n%s", r.path, m.Addr(), r.contentType, partial); err != nil {
					t.Fatal(err)
				}
				if tc.halfOpen {
					if err := c.(*net.TCPConn).CloseWrite(); err != nil {
						t.Fatal(err)
					}
				}
				status, body := readAnswer(t, c)
				if status != http.StatusBadRequest {
					t.Errorf("status %d (%s), want 400", status, body)
				}
				var eb struct {
					ErrorCode int    `json:"error_code"`
					Message   string `json:"message"`
				}
				if err := json.Unmarshal([]byte(body), &eb); err != nil || eb.ErrorCode != r.code || !strings.Contains(eb.Message, "request body") {
					t.Errorf("body %s (%v): want error_code %d and a message about the request body", body, err, r.code)
				}
			})
		}
	}
	t.Cleanup(func() {
		if lines := logs.errorLines(); len(lines) > 0 {
			t.Errorf("ERROR log lines for client-side body failures: %q", lines)
		}
	})
}

// TestMaxConnections holds the connection limit and checks that one more
// connection is answered 503 (error_code 50310) and closed, and that a slot
// freed by a closed connection is used again.
func TestMaxConnections(t *testing.T) {
	t.Parallel()
	m := startConnsMain(t, Config{Logger: discardLogger(), MaxConnections: 2})
	// waitReady's client may keep its connections alive: drop them.
	http.DefaultClient.CloseIdleConnections()
	get := func(c net.Conn) int {
		t.Helper()
		if _, err := fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", m.Addr()); err != nil {
			return 0
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	lim := m.ln.(*limitListener)
	// Wait until only the held connections count.
	var held []net.Conn
	for len(held) < 2 {
		c, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if get(c) == http.StatusOK {
			held = append(held, c)
		} else {
			closeConn(c) // a slot was still taken by waitReady's connection
		}
	}
	t.Run("OneMoreIsRefusedWith503", func(t *testing.T) {
		c, err := net.Dial("tcp", m.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer closeConn(c)
		status, body := readAnswer(t, c)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, `"error_code":50310`) {
			t.Errorf("= %d %s; want 503 with error_code 50310", status, body)
		}
		if n := lim.Active(); n != 2 {
			t.Errorf("active connections = %d, want 2", n)
		}
	})
	t.Run("FreedSlotIsUsedAgain", func(t *testing.T) {
		closeConn(held[0])
		// The server notices the close asynchronously: retry until it has.
		for attempt := 0; ; attempt++ {
			c, err := net.Dial("tcp", m.Addr())
			if err != nil {
				t.Fatal(err)
			}
			status := get(c)
			closeConn(c)
			if status == http.StatusOK {
				break
			}
			if attempt == 1000 {
				t.Fatalf("no connection served after a slot was freed (last status %d)", status)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	closeConn(held[1])
}
