package protobuf

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
)

// evict drops a schema's descriptors as the cache does, so the next use
// rebuilds them from the serialized files.
func evict(s *Schema) { s.built.Drop() }

// TestRebuiltDescriptorsAgree checks that descriptors rebuilt from the
// serialized files behave exactly as the ones protocompile built: the same
// normalized text, message names and compatibility verdicts, over every
// fixture case (references, well-known and built-in imports included).
func TestRebuiltDescriptorsAgree(t *testing.T) {
	t.Parallel()
	eachFixture(t, func(t *testing.T, fc fixtureCase) {
		parse := func(side string) (fresh, rebuilt *Schema) {
			text, refs := fc.side(t, side)
			var err error
			if fresh, err = Parse(text, refs); err != nil {
				t.Fatalf("%s: %v", side, err)
			}
			if rebuilt, err = Parse(text, refs); err != nil {
				t.Fatalf("%s: %v", side, err)
			}
			evict(rebuilt)
			if d, err := decodeFiles(rebuilt.files); err != nil || d.file.Path() != fresh.File().Path() {
				t.Fatalf("%s: decode the serialized files: %v", side, err)
			}
			return fresh, rebuilt
		}
		pf, pr := parse("previous")
		cf, cr := parse("current")
		for _, c := range []struct {
			name          string
			fresh, rebuil *Schema
		}{{"previous", pf, pr}, {"current", cf, cr}} {
			if diff := cmp.Diff(c.fresh.Normalized(), c.rebuil.Normalized()); diff != "" {
				t.Errorf("%s normalized (-compiled +rebuilt):\n%s", c.name, diff)
			}
			if diff := cmp.Diff(c.fresh.MessageNames(), c.rebuil.MessageNames()); diff != "" {
				t.Errorf("%s message names (-compiled +rebuilt):\n%s", c.name, diff)
			}
			if len(c.fresh.Files()) != len(c.rebuil.Files()) {
				t.Errorf("%s: %d files compiled, %d rebuilt", c.name, len(c.fresh.Files()), len(c.rebuil.Files()))
			}
		}
		evict(pr)
		evict(cr)
		for _, want := range fc.want.ruleSets() {
			compattest.SameReports(t, Format{}, cf, pf, cr, pr, compat.Options{RuleSet: want.RuleSet})
		}
	})
}

// TestRebuiltDescriptorsValidate checks payload validation on rebuilt
// descriptors, with a well-known type inside google.protobuf.Any (resolved
// through the rebuilt resolver) and a built-in import.
func TestRebuiltDescriptorsValidate(t *testing.T) {
	t.Parallel()
	const text = `syntax = "proto3";
package acme;
import "google/protobuf/any.proto";
import "google/protobuf/timestamp.proto";
import "google/type/money.proto";
message Order {
  string id = 1;
  google.protobuf.Timestamp at = 2;
  google.protobuf.Any extra = 3;
  google.type.Money total = 4;
}`
	s, err := Parse(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		evict(s)
		good := `{"id":"o1","at":"2026-12-03T10:00:00Z","extra":{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"2026-12-03T10:00:00Z"},"total":{"currencyCode":"EUR","units":"12"}}`
		if err := s.Validate([]byte(good), compat.EncodingJSON); err != nil {
			t.Errorf("round %d: valid event refused: %v", round, err)
		}
		bad := `{"id":"o1","at":"not a time"}`
		if err := s.Validate([]byte(bad), compat.EncodingJSON); err == nil {
			t.Errorf("round %d: an invalid timestamp was accepted", round)
		}
		if _, err := s.IndexesOf("acme.Order"); err != nil {
			t.Errorf("round %d: IndexesOf: %v", round, err)
		}
	}
}

// TestDescriptorCacheConcurrent validates and checks from many goroutines
// while a tiny cache drops descriptors all the time: every answer stays right
// (run it with -race). It changes the process-wide bound, so it is not parallel.
func TestDescriptorCacheConcurrent(t *testing.T) {
	defer SetDescriptorCacheBytes(SetDescriptorCacheBytes(1))
	schemas := make([]*Schema, 8)
	for i := range schemas {
		schemas[i] = compattest.MustParse(t, Parse, compattest.ProtobufRecord(i, 20), nil)
	}
	compattest.Concurrently(t, 8, 50, func(g, i int) error {
		s := schemas[(g+i)%len(schemas)]
		if err := s.Validate([]byte(`{"customer_id_0":"c1","order_id_1":"o1"}`), compat.EncodingJSON); err != nil {
			return fmt.Errorf("valid event refused: %w", err)
		}
		if err := s.Validate([]byte(`{"nope":1}`), compat.EncodingJSON); err == nil {
			return fmt.Errorf("an unknown field was accepted")
		}
		if s.FirstMessage() == nil {
			return fmt.Errorf("no first message")
		}
		return nil
	})
}
