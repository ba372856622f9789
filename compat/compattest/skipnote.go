package compattest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"testing"
)

// skipped are the notes of SkipMissingData, in the order they were taken.
var skipped struct {
	mu    sync.Mutex
	notes []string
	seen  map[string]bool
}

// SkipMissingData skips t because a published data set it checks against
// (the conformance cases in ../shared/conformance, a test suite) is absent,
// and keeps a note of it for Main, so that a run that skipped it says so
// after the tests, not only under -v.
func SkipMissingData(t testing.TB, what, msg string) {
	t.Helper()
	skipped.mu.Lock()
	if skipped.seen == nil {
		skipped.seen = map[string]bool{}
	}
	if !skipped.seen[what] {
		skipped.seen[what] = true
		skipped.notes = append(skipped.notes, what+": "+msg)
	}
	skipped.mu.Unlock()
	t.Skipf("%s: %s", what, msg)
}

// CheckRead ends t on err, the error of reading path, a file of a published
// data set that lives outside the repository (where says where): when the
// file is absent t skips with SkipMissingData, what naming the data set; any
// other error fails t. A nil err does nothing. The caller reads the file:
// compat packages do no I/O of their own.
func CheckRead(t testing.TB, err error, what, path, where string) {
	t.Helper()
	if errors.Is(err, fs.ErrNotExist) {
		SkipMissingData(t, what, fmt.Sprintf("not found at %s (%s)", path, where))
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Main runs a package's tests (call it from TestMain) and then writes one
// line to stderr (os.Stderr: compat packages do no I/O of their own) per data
// set SkipMissingData skipped. It returns the exit code for os.Exit.
func Main(m *testing.M, stderr io.Writer) int {
	code := m.Run()
	writeSkipNotes(stderr)
	return code
}

// writeSkipNotes writes the notes kept by SkipMissingData to w.
func writeSkipNotes(w io.Writer) {
	skipped.mu.Lock()
	defer skipped.mu.Unlock()
	for _, n := range skipped.notes {
		_, _ = fmt.Fprintf(w, "SKIPPED (data absent) %s\n", n)
	}
}
