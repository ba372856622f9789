// Package servelog reads what a `herald serve` child process writes to stderr,
// for the tests and benchmarks that run the real binary: it reports the address
// the server listens on, from its "herald listening" line, and keeps the lines
// for failure messages.
package servelog

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
)

// listenRE matches the line serve logs once its listener is bound.
var listenRE = regexp.MustCompile(`msg="herald listening" addr=(\S+)`)

// Log is a child's stderr. Use it as exec.Cmd.Stderr, or feed it a pipe with
// ReadFrom.
type Log struct {
	addr chan string
	keep int

	mu      sync.Mutex // guards partial, lines and sent
	partial []byte
	lines   []string
	sent    bool
}

// New returns a Log that keeps the last keep lines, or every line when keep
// is 0 (a long benchmark keeps a few, so its request log does not pile up in
// the benchmark's memory).
func New(keep int) *Log { return &Log{addr: make(chan string, 1), keep: keep} }

// Addr delivers the listening address (host:port) once. After ReadFrom has
// read its reader to the end, the channel is closed, so a receive that finds
// no address means the process stopped before it listened.
func (l *Log) Addr() <-chan string { return l.addr }

// Write implements io.Writer.
func (l *Log) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		if m := listenRE.FindStringSubmatch(line); m != nil && !l.sent {
			l.addr <- m[1]
			l.sent = true
		}
		l.lines = append(l.lines, line)
		if l.keep > 0 && len(l.lines) > 2*l.keep {
			l.lines = append(l.lines[:0], l.lines[len(l.lines)-l.keep:]...)
		}
	}
	return len(b), nil
}

// ReadFrom reads r to its end into the log, then closes the Addr channel.
func (l *Log) ReadFrom(r io.Reader) (int64, error) {
	n, err := io.Copy(writerOnly{l}, r)
	close(l.addr)
	return n, err
}

// writerOnly hides ReadFrom from io.Copy, which would otherwise call it again.
type writerOnly struct{ io.Writer }

// String returns the kept lines, and a last line not yet ended.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n") + "\n" + string(l.partial)
}
