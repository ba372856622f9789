package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/registry"
)

// TestRecoverWritesErrorBody checks that a panicking handler yields a 500 error
// body, the panic goes to the log, and the server keeps serving.
func TestRecoverWritesErrorBody(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(Config{Registry: &registry.Service{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s.handleRoute("GET", "/boom", s.handle(func(*gin.Context) error { panic("kaboom") }))
	for range 2 {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
		if w.Code != http.StatusInternalServerError {
			t.Fatalf("status %d", w.Code)
		}
		var body errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.ErrorCode != 50001 || body.Message != "internal error" {
			t.Errorf("body %s (%v)", w.Body.Bytes(), err)
		}
	}
	if !strings.Contains(logs.String(), "kaboom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	// An unmapped error is a 500 too, with the details only in the log.
	s.handleRoute("GET", "/fail", s.handle(func(*gin.Context) error { return errSecret }))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/fail", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(logs.String(), "secret") {
		t.Errorf("unmapped error: %d %s", w.Code, w.Body.String())
	}
}

var errSecret = &httpErrorless{"secret detail"}

type httpErrorless struct{ s string }

func (e *httpErrorless) Error() string { return e.s }

func TestNewValidatesConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without Registry succeeded")
	}
	if _, err := New(Config{Registry: &registry.Service{}, IncompatibleErrorCode: 500}); err == nil {
		t.Error("New with IncompatibleErrorCode 500 succeeded")
	}
	if _, err := New(Config{Registry: &registry.Service{}, MaxBodyBytes: -1}); err == nil {
		t.Error("New with negative MaxBodyBytes succeeded")
	}
}

func TestRewriteContextPath(t *testing.T) {
	for _, tc := range []struct{ in, path, query string }{
		{"/contexts/.ctx/subjects/s/versions", "/subjects/:.ctx:s/versions", ""},
		{"/contexts/ctx/subjects/s/versions/1/schema", "/subjects/:.ctx:s/versions/1/schema", ""},
		{"/contexts/:.ctx:/subjects/s", "/subjects/:.ctx:s", ""},
		{"/contexts/.ctx/subjects/a%2Fb.proto/versions", "/subjects/:.ctx:a%2Fb.proto/versions", ""},
		{"/contexts/.ctx/subjects/:.other:s", "/subjects/:.other:s", ""},
		{"/contexts/:.:/subjects/s/versions", "/subjects/s/versions", ""},
		{"/contexts/.ctx/subjects", "/subjects", "subjectPrefix=%3A.ctx%3A"},
		{"/contexts/.ctx/subjects?subjectPrefix=ord", "/subjects", "subjectPrefix=%3A.ctx%3Aord"},
		{"/contexts/.ctx/schemas?subjectPrefix=%3A*%3A", "/schemas", "subjectPrefix=%3A%2A%3A"},
		{"/contexts/.ctx/schemas/ids/1", "/schemas/ids/1", "subject=%3A.ctx%3A"},
		{"/contexts/.ctx/schemas/ids/1/versions?subject=x", "/schemas/ids/1/versions", "subject=x"},
		{"/contexts/.ctx/config", "/config/:.ctx:", ""},
		{"/contexts/.ctx/config/s", "/config/:.ctx:s", ""},
		{"/contexts/.ctx/mode", "/mode/:.ctx:", ""},
		{"/contexts/:.:/mode", "/mode", ""},
		{"/contexts/.ctx/compatibility/subjects/s/versions/latest", "/compatibility/subjects/:.ctx:s/versions/latest", ""},
		{"/contexts/.ctx", "/contexts/.ctx", ""},
	} {
		r := httptest.NewRequest("GET", tc.in, nil)
		if err := rewriteContextPath(r); err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := r.URL.EscapedPath(); got != tc.path || r.URL.RawQuery != tc.query {
			t.Errorf("%s → %s?%s, want %s?%s", tc.in, got, r.URL.RawQuery, tc.path, tc.query)
		}
	}
	if err := rewriteContextPath(httptest.NewRequest("GET", "/contexts/a:b/subjects", nil)); err == nil {
		t.Error("context with a colon accepted")
	}
}
