// Package natstest finds the NATS server tests run against, and starts private
// ones for tests that kill NATS. It imports no NATS client: a test reaches the
// server through the package it tests.
package natstest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultURL is the shared NATS server of the project's machines and CI.
const DefaultURL = "nats://127.0.0.1:4222"

// URL returns the NATS server to test against: $HERALD_TEST_NATS or
// DefaultURL. When it does not answer, the test skips with a message naming
// it, or fails when $CI is "true" (CI provides NATS).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HERALD_TEST_NATS")
	if u == "" {
		u = DefaultURL
	}
	if err := probe(u); err != nil {
		missing(t, "NATS with JetStream at "+u+" (set HERALD_TEST_NATS)", err)
	}
	return u
}

// Prefix returns a fresh stream prefix, so that tests sharing a server never
// see each other's streams.
func Prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "T" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// probe checks that a NATS server answers at u: it sends INFO first.
func probe(u string) error {
	host := u
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		host = p.Host
	}
	c, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }() // read-only probe
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "INFO ") {
		return &net.AddrError{Err: "not a NATS server", Addr: host}
	}
	return nil
}

func missing(t testing.TB, what string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", what, err)
	}
	t.Skipf("skipped: no %s: %v", what, err)
}

// Server is a private nats-server a test may kill and start again.
type Server struct {
	t    testing.TB
	bin  string
	Port int
	Dir  string
	cmd  *exec.Cmd
	// args are nats-server options beyond JetStream, address, port and store
	// (StartWith).
	args []string
}

// ServerBinary is where the nats-server program is looked for first.
const ServerBinary = "/usr/sbin/nats-server"

// Start starts a private nats-server with JetStream on a free port, storing in
// a temporary directory; it is killed when the test ends. Without a
// nats-server program the test skips (fails in CI).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with more nats-server options, such as
// "--tlsverify", "--tlscert", file… for a server that asks clients for
// certificates.
func StartWith(t testing.TB, args ...string) *Server {
	t.Helper()
	bin := ServerBinary
	if _, err := os.Stat(bin); err != nil {
		p, lerr := exec.LookPath("nats-server")
		if lerr != nil {
			missing(t, "nats-server program ("+ServerBinary+" or on PATH)", err)
		}
		bin = p
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close() // the port is free again for nats-server to take
	s := &Server{t: t, bin: bin, Port: port, Dir: t.TempDir(), args: args}
	s.Restart()
	t.Cleanup(s.Kill)
	return s
}

// URL is the server's client URL.
func (s *Server) URL() string { return "nats://127.0.0.1:" + strconv.Itoa(s.Port) }

// Restart starts the server (again) on its port and store, and waits until it
// answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, append([]string{"-js", "-a", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-sd", s.Dir}, s.args...)...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start nats-server: %v", err)
	}
	var err error
	for range 200 {
		if err = probe(s.URL()); err == nil {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatalf("nats-server on port %d does not answer: %v", s.Port, err)
}

// Kill kills the server with SIGKILL, as a crash would, and waits for it.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill() // already gone is fine
	_ = s.cmd.Wait()         // reaps it; its exit status is the kill's
	s.cmd = nil
}

// WaitFor polls cond every 50 ms until it holds, as a server restarts or a
// client reconnects; the test fails after 30 s (a bound for a stuck engine,
// not a timing assertion).
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for range 600 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}
