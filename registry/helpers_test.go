package registry_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

// newService returns a Service on a fresh SQLite file with every real format.
func newService(t testing.TB, cfg registry.ServiceConfig) *registry.Service {
	t.Helper()
	s, _ := newServiceAndStore(t, cfg)
	return s
}

// parallelService is the prologue of most Service tests: it marks t parallel
// and returns a context that ends with the test and a fresh Service with the
// default configuration.
func parallelService(t *testing.T) (context.Context, *registry.Service) {
	t.Parallel()
	return t.Context(), newService(t, registry.ServiceConfig{})
}

// newServiceAndStore is newService that also returns the store, for tests that
// close it under the Service. The store is closed again at cleanup.
func newServiceAndStore(t testing.TB, cfg registry.ServiceConfig) (*registry.Service, *registrydb.Store) {
	t.Helper()
	st, err := registrydb.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	if cfg.Formats == nil {
		cfg.Formats = formats.All()
	}
	s, err := registry.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func avroRecord(name string, fields ...string) string {
	s := `{"type":"record","name":"` + name + `","fields":[`
	for i, f := range fields {
		if i > 0 {
			s += ","
		}
		s += f
	}
	return s + "]}"
}

const (
	fieldA       = `{"name":"a","type":"string"}`
	fieldB       = `{"name":"b","type":"int"}`
	fieldBOpt    = `{"name":"b","type":"int","default":0}`
	fieldCOpt    = `{"name":"c","type":"string","default":""}`
	fieldALonger = `{"name":"a","type":"string","doc":"the a"}`
)

func avroReq(subject, text string) registry.RegisterRequest {
	return registry.RegisterRequest{Subject: subject, Type: compat.Avro, Text: text}
}

func mustRegister(t testing.TB, s *registry.Service, req registry.RegisterRequest) registry.Schema {
	t.Helper()
	sc, err := s.Register(context.Background(), req)
	if err != nil {
		t.Fatalf("Register(%s): %v", req.Subject, err)
	}
	return sc
}

// mustSetMode sets the mode of subject (a subject, ":.ctx:" or "" for global),
// failing the test on an error.
func mustSetMode(t testing.TB, s *registry.Service, subject string, m registry.Mode, force bool) {
	t.Helper()
	if _, err := s.SetMode(context.Background(), subject, m, force); err != nil {
		t.Fatalf("SetMode(%q, %v): %v", subject, m, err)
	}
}

// mustSetConfig sets the config of subject, failing the test on an error.
func mustSetConfig(t testing.TB, s *registry.Service, subject string, c registry.Config) {
	t.Helper()
	if _, err := s.SetConfig(context.Background(), subject, c); err != nil {
		t.Fatalf("SetConfig(%q): %v", subject, err)
	}
}

// wantKind fails unless err wraps kind (nil kind: no error).
func wantKind(t testing.TB, err, kind error) {
	t.Helper()
	if kind == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error = %v, want %v", err, kind)
	}
	var e *registry.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *registry.Error", err, err)
	}
}

// wantMsg fails unless err is a *registry.Error of kind with message msg.
func wantMsg(t testing.TB, err, kind error, msg string) {
	t.Helper()
	wantKind(t, err, kind)
	if err.Error() != msg {
		t.Fatalf("message = %q, want %q", err.Error(), msg)
	}
}

func asError(err error, target **registry.Error) bool { return errors.As(err, target) }
