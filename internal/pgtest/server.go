package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a PostgreSQL server of the test's own, on a random port, for
// tests that stop and start the database (the shared one is never stopped).
type Server struct {
	t       testing.TB
	pgCtl   string
	dataDir string
	port    int
	// asUser runs the server's commands as this user ("" for the current one):
	// PostgreSQL refuses to run as root.
	asUser string
}

// StartServer creates a cluster in a temporary directory (initdb) and starts
// it on a free loopback port; it is stopped and removed when the test ends.
// When the PostgreSQL binaries are missing, or the test runs as root and no
// postgres user exists, the test is skipped with a message saying so (failed
// under CI=true).
func StartServer(t testing.TB) *Server {
	t.Helper()
	initdb, pgCtl := findBinary("initdb"), findBinary("pg_ctl")
	if initdb == "" || pgCtl == "" {
		skipOrFail(t, "initdb and pg_ctl are not on PATH nor in /usr/lib/postgresql/*/bin")
	}
	s := &Server{t: t, pgCtl: pgCtl}
	dir, err := os.MkdirTemp("", "herald-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skipOrFail(t, "running as root and there is no postgres user to run PostgreSQL as: "+err.Error())
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		s.asUser = "postgres"
	}
	s.dataDir = filepath.Join(dir, "data")
	s.port = freePort(t)
	if out, err := s.command(initdb, "-D", s.dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// Unix sockets in the data directory: never in the shared server's place.
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\n", s.port, s.dataDir)
	if err := appendFile(filepath.Join(s.dataDir, "postgresql.conf"), conf); err != nil {
		t.Fatal(err)
	}
	s.Start()
	// At the end the server may be stopped already (a test that stopped it
	// and failed): pg_ctl then reports that, which is no failure.
	t.Cleanup(func() { _, _ = s.run("stop", "-m", "immediate") })
	return s
}

// AdminURL is the URL of the server's postgres database.
func (s *Server) AdminURL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	if out, err := s.run("start", "-w", "-t", "60", "-l", filepath.Join(s.dataDir, "server.log")); err != nil {
		s.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// Stop stops the server at once, as a crash would (immediate mode: clients
// are cut off mid-transaction; committed work survives in the WAL).
func (s *Server) Stop() {
	s.t.Helper()
	if out, err := s.run("stop", "-w", "-m", "immediate"); err != nil {
		s.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (s *Server) run(args ...string) ([]byte, error) {
	return s.command(s.pgCtl, append([]string{"-D", s.dataDir}, args...)...).CombinedOutput()
}

// command runs name with args, as asUser when set.
func (s *Server) command(name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s.t.Cleanup(cancel)
	if s.asUser != "" {
		return exec.CommandContext(ctx, "runuser", append([]string{"-u", s.asUser, "--", name}, args...)...)
	}
	return exec.CommandContext(ctx, name, args...)
}

func findBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	return ""
}

func skipOrFail(t testing.TB, msg string) {
	t.Helper()
	msg = "a PostgreSQL server of the test's own cannot run: " + msg
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI must run the PostgreSQL tests")
	}
	t.Skip(msg)
}

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	_, port, _ := strings.Cut(ln.Addr().String(), ":")
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
