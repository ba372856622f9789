package registry_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

// observation is one call an Observed store reported.
type observation struct {
	write  bool
	failed bool
}

// TestObservedReportsCallsAndFailures runs a Service on an Observed SQLite
// store: a registration is reported as a write, a read of a missing schema as
// a read that did not fail (an answer about the data), and calls after the
// database is closed as failures. The store still follows other processes'
// changes through the wrapper (Changes).
func TestObservedReportsCallsAndFailures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := registrydb.Open(ctx, filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen []observation
	)
	take := func() []observation {
		mu.Lock()
		defer mu.Unlock()
		out := seen
		seen = nil
		return out
	}
	observed := registry.Observed(st, func(write bool, d time.Duration, err error) {
		if d < 0 {
			t.Errorf("negative duration %v", d)
		}
		mu.Lock()
		seen = append(seen, observation{write, err != nil})
		mu.Unlock()
	})
	if _, ok := observed.(registry.Changes); !ok {
		t.Error("the observed store lost Changes")
	}
	s, err := registry.New(observed, registry.ServiceConfig{Formats: formats.All()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "s", Type: compat.JSON, Text: `{"type":"string"}`}); err != nil {
		t.Fatal(err)
	}
	if obs := take(); !containsObservation(obs, observation{write: true}) || containsFailure(obs) {
		t.Errorf("registering reported %+v; want a write and no failure", obs)
	}
	if _, err := s.SchemaByID(ctx, 999, ""); !errors.Is(err, registry.ErrSchemaNotFound) {
		t.Fatalf("SchemaByID(999) = %v, want ErrSchemaNotFound", err)
	}
	if obs := take(); !containsObservation(obs, observation{write: false}) || containsFailure(obs) {
		t.Errorf("reading a missing schema reported %+v; want a read and no failure", obs)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "t", Type: compat.JSON, Text: `{"type":"integer"}`}); err == nil {
		t.Fatal("registering on a closed database succeeded")
	}
	if obs := take(); !containsFailure(obs) {
		t.Errorf("registering on a closed database reported %+v; want a failure", obs)
	}
	if got := registry.Observed(st, nil); got != registry.Store(st) {
		t.Errorf("Observed(st, nil) = %T, want st itself", got)
	}
}

func containsObservation(obs []observation, want observation) bool {
	for _, o := range obs {
		if o == want {
			return true
		}
	}
	return false
}

func containsFailure(obs []observation) bool {
	for _, o := range obs {
		if o.failed {
			return true
		}
	}
	return false
}
