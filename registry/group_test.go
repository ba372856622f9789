package registry_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
)

// TestGroupedRegistrationsKeepTheirOwnOutcomes queues 40 registrations behind
// the write lock so that they share group transactions (each in its own
// savepoint; the first few to arrive form one group, the rest the next), then
// lets them commit: 30 new schemas under their own subjects,
// 5 incompatible versions of one subject and 5 registrations of one schema
// under 5 subjects. Each gets what it would get alone: the new ones distinct
// ids and version 1, the incompatible ones ErrIncompatible with nothing
// stored, the shared schema one id; and no id is handed out for nothing.
func TestGroupedRegistrationsKeepTheirOwnOutcomes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newService(t, registry.ServiceConfig{})
	record := func(fields string) string {
		return `{"type":"record","name":"R","fields":[` + fields + `]}`
	}
	if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "held", Type: compat.Avro, Text: record(`{"name":"a","type":"string"}`)}); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		kind string
		s    registry.Schema
		err  error
	}
	const n = 40
	out := make([]outcome, n)
	release := s.HoldWrites()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var req registry.RegisterRequest
			switch {
			case i < 30:
				out[i].kind = "new"
				req = registry.RegisterRequest{Subject: fmt.Sprintf("new-%d", i), Type: compat.Avro, Text: record(fmt.Sprintf(`{"name":"f%d","type":"long"}`, i))}
			case i < 35:
				out[i].kind = "incompatible"
				// A new field without a default: BACKWARD refuses it.
				req = registry.RegisterRequest{Subject: "held", Type: compat.Avro, Text: record(fmt.Sprintf(`{"name":"a","type":"string"},{"name":"g%d","type":"int"}`, i))}
			default:
				out[i].kind = "shared"
				req = registry.RegisterRequest{Subject: fmt.Sprintf("shared-%d", i), Type: compat.Avro, Text: record(`{"name":"z","type":"boolean"}`)}
			}
			out[i].s, out[i].err = s.Register(ctx, req)
		})
	}
	// The first registrations to arrive form a group that waits for the
	// lock; the others queue behind it for the next.
	for s.UnansweredRegistrations() < n {
		runtime.Gosched()
	}
	release()
	wg.Wait()

	ids := map[int]string{}
	sharedID := 0
	for i, o := range out {
		switch o.kind {
		case "new":
			if o.err != nil || o.s.Version != 1 {
				t.Errorf("registration %d: %+v, %v; want version 1", i, o.s, o.err)
				continue
			}
			if other, taken := ids[o.s.ID]; taken {
				t.Errorf("registration %d got id %d, already %s's", i, o.s.ID, other)
			}
			ids[o.s.ID] = fmt.Sprint("registration ", i)
		case "incompatible":
			if !errors.Is(o.err, registry.ErrIncompatible) {
				t.Errorf("registration %d: %v, want ErrIncompatible", i, o.err)
			}
		case "shared":
			if o.err != nil {
				t.Errorf("registration %d: %v", i, o.err)
				continue
			}
			if sharedID == 0 {
				sharedID = o.s.ID
			}
			if o.s.ID != sharedID || o.s.Version != 1 {
				t.Errorf("registration %d: id %d version %d; want id %d version 1", i, o.s.ID, o.s.Version, sharedID)
			}
		}
	}
	if _, taken := ids[sharedID]; taken || sharedID == 0 {
		t.Errorf("the shared schema's id %d is another's, or missing", sharedID)
	}
	vs, err := s.Versions(ctx, "held", registry.ListOptions{})
	if err != nil || len(vs) != 1 {
		t.Errorf("held's versions = %v, %v; want only version 1 (the incompatible ones stored nothing)", vs, err)
	}
	// 1 (held) + 30 new + 1 shared: every id handed out is used.
	if got, err := s.MaxID(ctx, ""); err != nil || got != 32 {
		t.Errorf("highest id = %d, %v; want 32", got, err)
	}
}

// panickyFormat panics in CanRead when the reader's text holds "boom".
type panickyFormat struct{ compat.Format }

func (f panickyFormat) CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error) {
	if strings.Contains(reader.Canonical(), "boom") {
		panic("boom")
	}
	return f.Format.CanRead(ctx, reader, writer, opts)
}

// TestPanickingRegistrationFailsAlone registers, in one group, a schema whose
// compatibility check panics and one that is fine: the first fails with an
// error (the group runs on its own goroutine, where no HTTP middleware would
// recover it), stores nothing, and the second commits.
func TestPanickingRegistrationFailsAlone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var fs []compat.Format
	for _, f := range formats.All() {
		if f.Type() == compat.JSON {
			f = panickyFormat{f}
		}
		fs = append(fs, f)
	}
	s := newService(t, registry.ServiceConfig{Formats: fs})
	for _, subject := range []string{"a", "b"} {
		if _, err := s.Register(ctx, registry.RegisterRequest{Subject: subject, Type: compat.JSON, Text: `{"type":"object"}`}); err != nil {
			t.Fatal(err)
		}
	}
	release := s.HoldWrites()
	var wg sync.WaitGroup
	var boomErr, okErr error
	wg.Go(func() {
		_, boomErr = s.Register(ctx, registry.RegisterRequest{Subject: "a", Type: compat.JSON, Text: `{"type":"object","title":"boom"}`})
	})
	wg.Go(func() {
		_, okErr = s.Register(ctx, registry.RegisterRequest{Subject: "b", Type: compat.JSON, Text: `{"type":"object","title":"fine"}`})
	})
	for s.UnansweredRegistrations() < 2 {
		runtime.Gosched()
	}
	release()
	wg.Wait()
	if boomErr == nil || !strings.Contains(boomErr.Error(), "panicked") {
		t.Errorf("the panicking registration: %v; want an error saying it panicked", boomErr)
	}
	if okErr != nil {
		t.Errorf("the other registration of the group: %v", okErr)
	}
	for subject, want := range map[string]int{"a": 1, "b": 2} {
		if vs, err := s.Versions(ctx, subject, registry.ListOptions{}); err != nil || len(vs) != want {
			t.Errorf("%s's versions = %v, %v; want %d", subject, vs, err, want)
		}
	}
}
