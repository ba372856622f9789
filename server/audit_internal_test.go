package server

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"unicode/utf8"
)

// FuzzAuditLine checks that whatever a caller puts in a principal name or a
// resource, its audit line is one line of valid JSON that gives the strings
// back.
func FuzzAuditLine(f *testing.F) {
	f.Add("platform", "orders-value", "orders", "1")
	f.Add("evil\n{\"principal\":\"admin\"}", ":.ctx:a\r\nb", "t\u2028\u2029", "\x00\x1f\x7f")
	f.Add("\xff\xfe", "<script>&amp;", "\"quoted\"", `\`)
	f.Fuzz(func(t *testing.T, principal, subject, topic, version string) {
		line := auditLine{Principal: principal, Resource: auditResource{Subject: subject, Topic: topic, Version: version}, Outcome: outcomeAllowed}
		b, err := encodeAuditLine(&line)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(b, '\n') != len(b)-1 {
			t.Fatalf("line %q is not one line ending in a newline", b)
		}
		if !json.Valid(b) {
			t.Fatalf("line %q is not valid JSON", b)
		}
		var back auditLine
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		for _, p := range [][2]string{{principal, back.Principal}, {subject, back.Resource.Subject}, {topic, back.Resource.Topic}, {version, back.Resource.Version}} {
			if utf8.ValidString(p[0]) && p[0] != p[1] {
				t.Errorf("%q came back as %q", p[0], p[1])
			}
		}
	})
}

// TestAuditLogGroupsConcurrentLines checks that lines recorded while a sync is
// running share the next write and sync: n lines cost two syncs, not n.
func TestAuditLogGroupsConcurrentLines(t *testing.T) {
	t.Parallel()
	const n = 20
	var (
		buf     bytes.Buffer
		syncs   int
		l       *AuditLog
		release = make(chan struct{})
		entered = make(chan struct{})
	)
	sync1 := func() error {
		syncs++
		if syncs == 1 {
			close(entered)
			<-release // hold the first batch until the others are queued
		}
		return nil
	}
	l = NewAuditLog(&buf, sync1)
	var wg sync.WaitGroup
	record := func() {
		defer wg.Done()
		if err := l.record(&auditLine{Outcome: outcomeAllowed}); err != nil {
			t.Error(err)
		}
	}
	wg.Add(1)
	go record()
	<-entered // the writer is syncing the first line
	wg.Add(n - 1)
	for range n - 1 {
		go record()
	}
	for len(l.queue) != n-1 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := bytes.Count(buf.Bytes(), []byte("\n")); got != n {
		t.Errorf("%d lines written, want %d", got, n)
	}
	if syncs != 2 || l.batches.Load() != 2 {
		t.Errorf("%d syncs in %d batches for %d lines, want 2 and 2", syncs, l.batches.Load(), n)
	}
}

// TestAuditLogAfterFailureStartsANewLine checks that a line written after a
// failed write starts on a line of its own, so the log stays readable.
func TestAuditLogAfterFailureStartsANewLine(t *testing.T) {
	t.Parallel()
	w := &flakyWriter{failNext: true}
	l := NewAuditLog(w, nil)
	if err := l.record(&auditLine{Principal: "lost"}); err == nil {
		t.Fatal("a failed write reported success")
	}
	if err := l.record(&auditLine{Principal: "kept"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.record(&auditLine{}); err != errAuditClosed {
		t.Errorf("record after Close: %v, want errAuditClosed", err)
	}
	lines := bytes.Split(bytes.TrimSuffix(w.buf.Bytes(), []byte("\n")), []byte("\n"))
	last := lines[len(lines)-1]
	if !json.Valid(last) || !bytes.Contains(last, []byte(`"kept"`)) {
		t.Errorf("last line %q: want the line after the failure, whole", last)
	}
}

// flakyWriter writes half of what it is given and fails when failNext is set.
type flakyWriter struct {
	buf      bytes.Buffer
	failNext bool
}

func (w *flakyWriter) Write(b []byte) (int, error) {
	if w.failNext {
		w.failNext = false
		w.buf.Write(b[:len(b)/2])
		return len(b) / 2, os.ErrClosed
	}
	return w.buf.Write(b)
}

// BenchmarkAuditRecord is the cost of one audit line from one writer at a
// time: written and fsynced to a file, beside written without the sync, in
// the same run. The difference is the per-write cost of the fsync.
func BenchmarkAuditRecord(b *testing.B) {
	for _, tc := range []struct {
		name string
		sync bool
	}{{"write", false}, {"write+fsync", true}} {
		b.Run(tc.name, func(b *testing.B) {
			f, err := os.OpenFile(filepath.Join(b.TempDir(), "audit.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			var sync func() error
			if tc.sync {
				sync = f.Sync
			}
			l := NewAuditLog(f, sync)
			defer func() {
				if err := l.Close(); err != nil {
					b.Error(err)
				}
			}()
			line := auditLine{Time: "2026-01-01T00:00:00Z", RequestID: "abc-1", Principal: "orders-ci", AuthMethod: "apikey",
				Action: "subject.register", Method: "POST", Route: "/subjects/:subject/versions",
				Resource: auditResource{Subject: "orders-value"}, Outcome: outcomeAllowed, Status: 200, RemoteAddr: "10.0.0.1"}
			b.ReportAllocs()
			for b.Loop() {
				if err := l.record(&line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
