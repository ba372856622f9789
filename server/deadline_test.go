package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// truncatedBody yields part of a body, then fails as a connection closed early
// does.
type truncatedBody struct{ r io.Reader }

func (b *truncatedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// TestTruncatedBodyIs400: a body that stops short is the client's doing: every
// Server answers 400 (it used to be a 500 logged at ERROR unless cmd wrapped
// the handler).
func TestTruncatedBodyIs400(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/subjects/s/versions", "/compatibility/subjects/s/versions/latest"} {
		req := httptest.NewRequest(http.MethodPost, path, &truncatedBody{strings.NewReader(`{"schema":"{\"type\":`)})
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, req)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "cannot read the request body") {
			t.Errorf("POST %s with a truncated body = %d %s, want 400 naming the body", path, w.Code, w.Body)
		}
	}
}
