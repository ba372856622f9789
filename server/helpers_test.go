package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	heraldformats "github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// testEnv is a server on a real registry over SQLite in a temp dir.
type testEnv struct {
	t   testing.TB
	srv http.Handler
	reg *registry.Service
}

type envOption func(*server.Config, *registry.ServiceConfig)

func withMaxSchemaBytes(n int) envOption {
	return func(_ *server.Config, rc *registry.ServiceConfig) { rc.MaxSchemaBytes = n }
}

func withIncompatibleCode(code int) envOption {
	return func(c *server.Config, _ *registry.ServiceConfig) { c.IncompatibleErrorCode = code }
}

func withMaxBody(n int64) envOption {
	return func(c *server.Config, _ *registry.ServiceConfig) { c.MaxBodyBytes = n }
}

// formats are every real format, for a registry under test.
func formats() []compat.Format { return heraldformats.All() }

// openRegistryStore opens the registry's SQLite file in dir; the test's
// cleanup closes it.
func openRegistryStore(t testing.TB, dir string) *registrydb.Store {
	t.Helper()
	store, err := registrydb.Open(context.Background(), filepath.Join(dir, "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	return store
}

// newSQLiteRegistry is a registry with every format on a SQLite file in dir.
func newSQLiteRegistry(t testing.TB, dir string) *registry.Service {
	t.Helper()
	reg, err := registry.New(openRegistryStore(t, dir), registry.ServiceConfig{Formats: formats()})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// newSQLiteBroker is a broker on a SQLite file in dir that validates through
// reg, with no retention sweeps and no logs; mod, if not nil, changes its
// Config first. The test's cleanup closes the broker, then its log.
func newSQLiteBroker(t testing.TB, dir string, reg *registry.Service, opts brokerdb.Options, mod func(*broker.Config)) *broker.Broker {
	t.Helper()
	log, err := brokerdb.Open(context.Background(), filepath.Join(dir, "broker.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return newBrokerOn(t, log, reg, mod)
}

// newBrokerOn is a broker on log (closed with it when the test ends) that
// validates through reg, with no retention sweeps and no logs; mod, if not
// nil, changes its Config first.
func newBrokerOn(t testing.TB, log *brokerdb.Store, reg *registry.Service, mod func(*broker.Config)) *broker.Broker {
	t.Helper()
	cfg := broker.Config{Log: log, Validator: server.NewValidator(reg), RetentionInterval: -1, Logger: slog.New(slog.DiscardHandler)}
	if mod != nil {
		mod(&cfg)
	}
	brk, err := broker.New(context.Background(), cfg)
	if err != nil {
		_ = log.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := brk.Close(); err != nil {
			t.Error(err)
		}
		if err := log.Close(); err != nil {
			t.Error(err)
		}
	})
	return brk
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	store := openRegistryStore(t, t.TempDir())
	rc := registry.ServiceConfig{Formats: formats()}
	sc := server.Config{Logger: slog.New(slog.DiscardHandler), Version: "test"}
	for _, o := range opts {
		o(&sc, &rc)
	}
	reg, err := registry.New(store, rc)
	if err != nil {
		t.Fatal(err)
	}
	sc.Registry = reg
	srv, err := server.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, reg: reg}
}

// openEnvAt is a server on the registry file at path. close closes the store,
// so a test can open the same file again (a restart).
func openEnvAt(t *testing.T, path string) (e *testEnv, close func()) {
	t.Helper()
	store, err := registrydb.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(store, registry.ServiceConfig{Formats: formats()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Registry: reg, Logger: slog.New(slog.DiscardHandler), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, reg: reg}, func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	}
}

// result is one HTTP exchange.
type result struct {
	status int
	header http.Header
	body   []byte
}

// newRequestOf is a request with body ("" for none) of contentType.
func newRequestOf(method, path, body, contentType string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// newRequest is a request with a JSON body ("" for none).
func newRequest(method, path, body string) *http.Request {
	return newRequestOf(method, path, body, "application/json")
}

// do sends a request; body "" means none. Headers come as "Name: value" pairs;
// without a Content-Type header a body is sent as application/vnd.schemaregistry.v1+json.
func (e *testEnv) do(method, path, body string, headers ...string) result {
	e.t.Helper()
	req := newRequestOf(method, path, body, "application/vnd.schemaregistry.v1+json")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if v = strings.TrimSpace(v); v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	return result{status: w.Code, header: w.Header(), body: w.Body.Bytes()}
}

// must sends a request and fails unless the status is want.
func (e *testEnv) must(want int, method, path, body string, headers ...string) result {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, r.status, want, r.body)
	}
	return r
}

// register registers a schema and returns its id.
func (e *testEnv) register(subject, body string) int {
	e.t.Helper()
	r := e.must(http.StatusOK, "POST", "/subjects/"+subject+"/versions", body)
	var out struct{ ID int }
	if err := json.Unmarshal(r.body, &out); err != nil {
		e.t.Fatal(err)
	}
	return out.ID
}

// decode parses JSON into a generic value, dropping the named top-level keys
// (or, for arrays of objects, the keys of each element).
func decode(t testing.TB, b []byte, drop ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, b)
	}
	dropKeys(v, drop)
	return v
}

func dropKeys(v any, drop []string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range drop {
			delete(x, k)
		}
	case []any:
		for _, e := range x {
			dropKeys(e, drop)
		}
	}
}

// wantJSON compares a JSON body with want (JSON text), ignoring the dropped keys.
func wantJSON(t testing.TB, r result, want string, drop ...string) {
	t.Helper()
	got := decode(t, r.body, drop...)
	w := decode(t, []byte(want))
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("body mismatch (-want +got):\n%s\nbody: %s", d, r.body)
	}
}

// wantError checks an error response: status, error_code and, when msgPart is
// not empty, that the message contains it.
func wantError(t testing.TB, r result, status, code int, msgPart string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d; body %s", r.status, status, r.body)
	}
	var body struct {
		ErrorCode *int    `json:"error_code"`
		Message   *string `json:"message"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.ErrorCode == nil || body.Message == nil {
		t.Fatalf("not an error body: %s", r.body)
	}
	if *body.ErrorCode != code {
		t.Errorf("error_code %d, want %d; body %s", *body.ErrorCode, code, r.body)
	}
	if msgPart != "" && !strings.Contains(*body.Message, msgPart) {
		t.Errorf("message %q does not contain %q", *body.Message, msgPart)
	}
}

// errorCase is a request and the error response it must get (wantError): a
// row of a table of refusals.
type errorCase struct {
	name, method, path, body string
	headers                  []string
	status, code             int
	msg                      string
}

// wantErrors sends each case with send (e.do, or e.call for a /v1 route) in
// a subtest of its name and checks the error response.
func wantErrors(t *testing.T, send func(method, path, body string, headers ...string) result, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, send(tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.code, tc.msg)
		})
	}
}

// schemaBody builds a register request body.
func schemaBody(schemaType, schema string, refs ...string) string {
	m := map[string]any{"schema": schema}
	if schemaType != "" {
		m["schemaType"] = schemaType
	}
	if len(refs) > 0 {
		var rs []json.RawMessage
		for _, r := range refs {
			rs = append(rs, json.RawMessage(r))
		}
		m["references"] = rs
	}
	b, _ := json.Marshal(m)
	return string(b)
}

const (
	avroV1 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"}]}`
	// avroV2 adds a field with a default: backward compatible.
	avroV2 = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int","default":0}]}`
	// avroBad adds a field without a default: not backward compatible.
	avroBad = `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"price","type":"double"}]}`
)

// mustUnmarshal decodes JSON or fails the test.
func mustUnmarshal(t testing.TB, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
