package registry_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/registry"
)

func TestRegisterAssignsIDsAndVersions(t *testing.T) {
	ctx, s := parallelService(t)

	v1 := mustRegister(t, s, avroReq("orders-value", avroRecord("Order", fieldA)))
	if v1.ID != 1 || v1.Version != 1 || v1.Subject != "orders-value" || v1.Type != compat.Avro {
		t.Fatalf("first registration = %+v", v1)
	}
	if v1.GUID == "" || v1.CreatedAt.IsZero() {
		t.Fatalf("GUID or CreatedAt missing: %+v", v1)
	}
	v2 := mustRegister(t, s, avroReq("orders-value", avroRecord("Order", fieldA, fieldBOpt)))
	if v2.ID != 2 || v2.Version != 2 {
		t.Fatalf("second registration = id %d version %d, want 2 2", v2.ID, v2.Version)
	}
	got, err := s.Versions(ctx, "orders-value", registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}
	subs, err := s.Subjects(ctx, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"orders-value"}, subs); diff != "" {
		t.Fatalf("subjects (-want +got):\n%s", diff)
	}
	latest, err := s.Version(ctx, "orders-value", registry.Latest, false)
	wantKind(t, err, nil)
	if latest.Version != 2 || latest.ID != 2 {
		t.Fatalf("latest = %+v", latest)
	}
	byID, err := s.SchemaByID(ctx, 1, "")
	wantKind(t, err, nil)
	if byID.Text != v1.Text || byID.Subject != "" || byID.Version != 0 {
		t.Fatalf("by id = %+v", byID)
	}
	_, err = s.SchemaByID(ctx, 99, "")
	wantMsg(t, err, registry.ErrSchemaNotFound, "Schema 99 not found")
}

func TestRegisterStoresCanonicalText(t *testing.T) {
	t.Parallel()
	s := newService(t, registry.ServiceConfig{})
	sc := mustRegister(t, s, avroReq("s", "{ \"type\" : \"record\",\n \"name\":\"R\", \"fields\" : [ "+fieldA+" ] }"))
	if strings.ContainsAny(sc.Text, " \n") {
		t.Fatalf("stored text is not canonical: %q", sc.Text)
	}
	// the same schema written differently is the same schema
	again := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	if again.ID != sc.ID || again.Version != sc.Version {
		t.Fatalf("re-registration = %d/%d, want %d/%d", again.ID, again.Version, sc.ID, sc.Version)
	}
}

func TestRegisterIsIdempotent(t *testing.T) {
	ctx, s := parallelService(t)
	first := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	// an older live version comes back as it is, no new version
	again := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	if again.ID != first.ID || again.Version != 1 {
		t.Fatalf("re-registration = %+v, want id %d version 1", again, first.ID)
	}
	// even in READONLY mode, before the mode check
	_, err := s.SetMode(ctx, "s", registry.ReadOnly, false)
	wantKind(t, err, nil)
	again = mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	if again.Version != 1 {
		t.Fatalf("read-only re-registration = %+v", again)
	}
	_, err = s.Register(ctx, avroReq("s", avroRecord("R", fieldA, fieldCOpt)))
	wantKind(t, err, registry.ErrOperationNotPermitted)
	vs, err := s.Versions(ctx, "s", registry.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2}, vs); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}
}

func TestRegisterReusesIDAcrossSubjects(t *testing.T) {
	ctx, s := parallelService(t)
	a := mustRegister(t, s, avroReq("a", avroRecord("R", fieldA)))
	b := mustRegister(t, s, avroReq("b", avroRecord("R", fieldA)))
	if a.ID != b.ID || b.Version != 1 {
		t.Fatalf("a=%+v b=%+v: want one id", a, b)
	}
	// different metadata is different content: a new id
	req := avroReq("c", avroRecord("R", fieldA))
	req.Metadata = []byte(`{"properties":{"owner":"team-a"}}`)
	c := mustRegister(t, s, req)
	if c.ID == a.ID {
		t.Fatalf("metadata change reused id %d", c.ID)
	}
	svs, err := s.SubjectVersionsByID(ctx, a.ID, "", registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]registry.SubjectVersion{{Subject: "a", Version: 1}, {Subject: "b", Version: 1}}, svs); diff != "" {
		t.Fatalf("subject versions (-want +got):\n%s", diff)
	}
	subs, err := s.SubjectsByID(ctx, a.ID, "", registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"a", "b"}, subs); diff != "" {
		t.Fatalf("subjects (-want +got):\n%s", diff)
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t, registry.ServiceConfig{MaxSchemaBytes: 200})
	mustRegister(t, s, avroReq("existing", avroRecord("R", fieldA)))
	for _, tc := range []struct {
		name string
		req  registry.RegisterRequest
		kind error
		msg  string
	}{
		{"ErrInvalidSubjectEmpty", avroReq("", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject '' is not a valid."},
		{"ErrInvalidSubjectGlobal", avroReq("__GLOBAL", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject '__GLOBAL' is not a valid."},
		{"ErrInvalidSubjectEmptyName", avroReq("__EMPTY", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject '__EMPTY' is not a valid."},
		{"ErrInvalidSubjectControl", avroReq("a\x01b", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject 'a\x01b' is not a valid."},
		{"ErrInvalidSubjectContextSyntax", avroReq(":staging:x", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject ':staging:x' is not a valid."},
		{"ErrInvalidSubjectUnclosedContext", avroReq(":.staging", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject ':.staging' is not a valid."},
		{"ErrInvalidSubjectGlobalContext", avroReq(":.__GLOBAL:x", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject ':.__GLOBAL:x' is not a valid."},
		{"ErrInvalidSubjectContextOnly", avroReq(":.staging:", avroRecord("R", fieldA)), registry.ErrInvalidSubject, "The specified subject ':.staging:' is not a valid."},
		{"ErrSchemaTooLarge", avroReq("x", avroRecord("R", `{"name":"a","type":"string","doc":"`+strings.Repeat("x", 200)+`"}`)), registry.ErrSchemaTooLarge, ""},
		{"ErrInvalidSchemaEmpty", avroReq("new", ""), registry.ErrInvalidSchema, "Empty schema"},
		{"ErrInvalidSchemaSyntax", avroReq("x", `{"type":"record"`), registry.ErrInvalidSchema, ""},
		{"ErrInvalidSchemaType", registry.RegisterRequest{Subject: "x", Type: compat.SchemaType(7), Text: `{}`}, registry.ErrInvalidSchema, "Invalid schema type SchemaType(7)"},
		{"ErrInvalidRuleSet", registry.RegisterRequest{Subject: "x", Text: avroRecord("R", fieldA), RuleSet: []byte(`{`)}, registry.ErrInvalidRuleSet, ""},
		{"ErrOperationNotPermittedIDInReadWrite", registry.RegisterRequest{Subject: "x", Text: avroRecord("R", fieldA), ID: 5}, registry.ErrOperationNotPermitted, ""},
		{"ErrOperationNotPermittedWrongVersion", registry.RegisterRequest{Subject: "existing", Text: avroRecord("R", fieldA, fieldBOpt), Version: 5}, registry.ErrOperationNotPermitted, ""},
		{"ErrInvalidSchemaReferenceSubjectMissing", registry.RegisterRequest{Subject: "x", Text: avroRecord("R", fieldA), References: []registry.Reference{{Name: "n", Subject: "missing", Version: 1}}}, registry.ErrInvalidSchema, "Invalid schema: Subject 'missing' not found (named by reference 'n')."},
		{"ErrInvalidSchemaReferenceVersionMissing", registry.RegisterRequest{Subject: "x", Text: avroRecord("R", fieldA), References: []registry.Reference{{Name: "n", Subject: "existing", Version: 9}}}, registry.ErrInvalidSchema, "Invalid schema: Version 9 of subject 'existing' not found (named by reference 'n')."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Register(ctx, tc.req)
			if tc.msg != "" {
				wantMsg(t, err, tc.kind, tc.msg)
			} else {
				wantKind(t, err, tc.kind)
			}
		})
	}
	// a version equal to the next one is accepted in READWRITE
	req := avroReq("existing", avroRecord("R", fieldA, fieldBOpt))
	req.Version = 2
	if sc := mustRegister(t, s, req); sc.Version != 2 {
		t.Fatalf("version = %d, want 2", sc.Version)
	}
}

func TestRegisterEmptySchemaCopiesPrevious(t *testing.T) {
	t.Parallel()
	s := newService(t, registry.ServiceConfig{})
	v1 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	req := avroReq("s", "")
	req.Metadata = []byte(`{"properties":{"owner":"team-b"}}`)
	v2 := mustRegister(t, s, req)
	if v2.Version != 2 || v2.Text != v1.Text || v2.ID == v1.ID {
		t.Fatalf("metadata-only update = %+v", v2)
	}
	if string(v2.Metadata) != `{"properties":{"owner":"team-b"}}` {
		t.Fatalf("metadata = %s", v2.Metadata)
	}
	// and the next registration without metadata inherits it
	v3 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	if string(v3.Metadata) != string(v2.Metadata) {
		t.Fatalf("metadata not inherited: %s", v3.Metadata)
	}
}

func TestRegisterIncompatible(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	_, err := s.Register(ctx, avroReq("s", avroRecord("R", fieldA, fieldB)))
	wantKind(t, err, registry.ErrIncompatible)
	var e *registry.Error
	if !asError(err, &e) || len(e.Violations) == 0 || len(e.Messages) < 4 {
		t.Fatalf("incompatible error lacks details: %#v", err)
	}
	if !strings.HasPrefix(e.Msg, `Schema being registered is incompatible with an earlier schema for subject "s", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'`) {
		t.Fatalf("message = %s", e.Msg)
	}
	tail := e.Messages[len(e.Messages)-3:]
	want := []string{"{oldSchemaVersion: 1}", "{oldSchema: '" + avroRecord("R", fieldA) + "'}", "{validateFields: 'false', compatibility: 'BACKWARD'}"}
	if diff := cmp.Diff(want, tail); diff != "" {
		t.Fatalf("message tail (-want +got):\n%s", diff)
	}
	// force skips the check
	req := avroReq("s", avroRecord("R", fieldA, fieldB))
	req.Force = true
	if sc := mustRegister(t, s, req); sc.Version != 2 {
		t.Fatalf("forced = %+v", sc)
	}
	// a different schema type is incompatible
	_, err = s.Register(ctx, registry.RegisterRequest{Subject: "s", Type: compat.JSON, Text: `{"type":"object"}`})
	wantKind(t, err, registry.ErrIncompatible)
	if !strings.Contains(err.Error(), "Incompatible because of different schema type") {
		t.Fatalf("message = %s", err)
	}
}

func TestRegisterChecksVersionsDroppedFromParsedCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Two parsed schemas fit: a transitive check over three versions parses
	// the ones the cache dropped again from their stored text.
	s := newService(t, registry.ServiceConfig{ParsedCacheSize: 2, DefaultCompatibility: compat.BackwardTransitive})
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt, fieldCOpt)))
	// dropping a, which version 1 lacks a default for, breaks BACKWARD_TRANSITIVE
	_, err := s.Register(ctx, avroReq("s", avroRecord("R", fieldBOpt, fieldCOpt)))
	wantKind(t, err, nil)
	_, err = s.Register(ctx, avroReq("s", avroRecord("R", fieldA, `{"name":"d","type":"int"}`)))
	wantKind(t, err, registry.ErrIncompatible)
	for id := 1; id <= 4; id++ {
		if _, err := s.Parsed(ctx, id, ""); err != nil {
			t.Errorf("Parsed(%d): %v", id, err)
		}
	}
}

func TestParsedCacheBoundedByBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const bound = 16 << 10
	s := newService(t, registry.ServiceConfig{ParsedCacheBytes: bound})
	// Each schema is estimated at ~5 KB parsed: the bound holds three, not all
	// ten, though the count bound (10000) would keep every one.
	fields := make([]string, 0, 10)
	for i := range cap(fields) {
		fields = append(fields, fmt.Sprintf(`{"name":"field_%02d","type":"string","doc":"a field"}`, i))
	}
	for k := range 10 {
		mustRegister(t, s, avroReq(fmt.Sprint("s", k), avroRecord(fmt.Sprint("R", k), fields...)))
	}
	n, bytes := s.ParsedCacheUsage()
	if bytes > bound || n >= 10 || n == 0 {
		t.Errorf("parsed cache holds %d schemas, %d estimated bytes; want 1 to 9 within %d bytes", n, bytes, bound)
	}
	// A schema estimated above the whole bound is not cached, and still served.
	big := make([]string, 0, 200)
	for i := range cap(big) {
		big = append(big, fmt.Sprintf(`{"name":"big_%03d","type":"string","doc":"a field of a big record"}`, i))
	}
	id := mustRegister(t, s, avroReq("big", avroRecord("Big", big...))).ID
	if _, bytes := s.ParsedCacheUsage(); bytes > bound {
		t.Errorf("after a schema larger than the bound: %d estimated bytes, want at most %d", bytes, bound)
	}
	for _, id := range []int{1, id} { // evicted and never cached: parsed again
		if _, err := s.Parsed(ctx, id, ""); err != nil {
			t.Errorf("Parsed(%d): %v", id, err)
		}
	}
}

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
