package registry_test

import (
	"sync/atomic"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
)

// countingFormat counts Parse calls per schema text.
type countingFormat struct {
	compat.Format
	parses map[string]*atomic.Int64
}

func (f countingFormat) Parse(text string, refs []compat.Reference) (compat.Schema, error) {
	if n, ok := f.parses[text]; ok {
		n.Add(1)
	}
	return f.Format.Parse(text, refs)
}

// TestRegisterParsesOnce registers a schema with a reference and checks that
// its text is parsed once: Register parses it before taking the write lock
// and the locked part reuses that parse (the references resolved to the same
// texts) instead of parsing again.
// Registering it again (an idempotent registration) parses it once more.
func TestRegisterParsesOnce(t *testing.T) {
	t.Parallel()
	const dep = `{"type":"object","properties":{"street":{"type":"string"}}}`
	const text = `{"type":"object","properties":{"address":{"$ref":"address.json"}}}`
	counts := map[string]*atomic.Int64{text: {}}
	var fs []compat.Format
	for _, f := range formats.All() {
		if f.Type() == compat.JSON {
			f = countingFormat{Format: f, parses: counts}
		}
		fs = append(fs, f)
	}
	s := newService(t, registry.ServiceConfig{Formats: fs})
	ctx := t.Context()
	if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "address", Type: compat.JSON, Text: dep}); err != nil {
		t.Fatal(err)
	}
	req := registry.RegisterRequest{Subject: "customer", Type: compat.JSON, Text: text,
		References: []registry.Reference{{Name: "address.json", Subject: "address", Version: 1}}}
	first, err := s.Register(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts[text].Load(); n != 1 {
		t.Fatalf("registering parsed the schema %d times, want 1", n)
	}
	again, err := s.Register(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Version != first.Version {
		t.Errorf("registered again as id %d version %d, want id %d version %d", again.ID, again.Version, first.ID, first.Version)
	}
	if n := counts[text].Load(); n != 2 {
		t.Errorf("registering twice parsed the schema %d times, want 2", n)
	}
}
