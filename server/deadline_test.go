package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
)

// TestBodyReadDeadlineLiftedAtEndOfBody checks that the body read deadline
// ends with the body: a handler that works on after reading its whole body
// past the deadline keeps its request context (net/http cancels it if the
// connection's read deadline expires while it watches for the client leaving).
func TestBodyReadDeadlineLiftedAtEndOfBody(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	tests := []struct {
		name string
		body io.Reader
	}{
		{"WithBodyContextKept", strings.NewReader(`{"a":1}`)},
		{"WithoutBodyContextKept", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := server.BodyReadDeadline(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.ReadAll(r.Body); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				// Outlive the body deadline (the only wait in this test; nothing
				// asserts on time).
				time.Sleep(3 * timeout)
				if err := r.Context().Err(); err != nil {
					http.Error(w, "context ended: "+err.Error(), http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}), timeout)
			srv := httptest.NewServer(h)
			defer srv.Close()
			resp, err := http.Post(srv.URL, "application/json", tt.body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("status %d %s, want 204", resp.StatusCode, b)
			}
		})
	}
}
