package server

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// withBodyDeadline makes reading r's body bounded by timeout, counted from when
// the request starts: a client that
// sends its body a byte at a time cannot hold a connection and a goroutine
// for ever. Requests without a body (event streams, long-polled reads, every
// GET) get no deadline at all, and the deadline is lifted as soon as the body
// has been read to its end, so a long poll or a slow compatibility check that
// runs after reading its body is never cut off by it. That is why the server
// sets no http.Server.ReadTimeout: it would end long polls and streams too.
// A zero or negative timeout sets no deadline.
//
// Whatever the timeout, a body that cannot be read to its end (the client
// stopped sending, closed the connection early, or ran out of time) makes the
// handler's error a 400, logged as a client error rather than an internal one.
func withBodyDeadline(w http.ResponseWriter, r *http.Request, timeout time.Duration) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	b := &deadlineBody{body: r.Body}
	if timeout > 0 {
		rc := http.NewResponseController(w)
		// ErrNotSupported (a ResponseWriter without deadlines, such as
		// httptest's recorder) leaves the body unbounded in time but still
		// classified.
		if rc.SetReadDeadline(time.Now().Add(timeout)) == nil {
			b.rc = rc
		}
	}
	r.Body = b
}

// deadlineBody is a request body whose read errors are marked as the client's
// (bodyReadError) and which lifts the connection's read deadline at its end.
type deadlineBody struct {
	body io.ReadCloser
	// rc, when set, is the response controller whose read deadline the end
	// of the body lifts.
	rc *http.ResponseController
}

// Read implements io.Reader.
func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	switch {
	case err == io.EOF:
		// net/http now watches the connection for the client going away; the
		// deadline must not end that watch (it would cancel the request). The
		// net/http of Go 1.26 clears it when the watch starts; lifting it here
		// too does not depend on that.
		if b.rc != nil {
			_ = b.rc.SetReadDeadline(time.Time{}) // the connection is already gone if this fails
			b.rc = nil
		}
	case err != nil:
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = &bodyReadError{err: err}
		}
	}
	return n, err
}

// Close implements io.Closer.
func (b *deadlineBody) Close() error { return b.body.Close() }

// bodyReadError is a failure to read a request body to its end: the client
// sent less than it announced, closed the connection, or was too slow. It is
// the client's fault (400), not the server's.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "cannot read the request body: " + e.err.Error() }

func (e *bodyReadError) Unwrap() error { return e.err }
