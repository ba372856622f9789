package registry_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

func ptr[T any](v T) *T { return &v }

func registryLevel(s string) compat.Level {
	l, err := compat.ParseLevel(s)
	if err != nil {
		panic(err)
	}
	return l
}

func TestConfigLevelsAndMerge(t *testing.T) {
	ctx, s := parallelService(t)

	// global: the server default when nothing is set
	got, err := s.Config(ctx, "", false)
	wantKind(t, err, nil)
	if diff := cmp.Diff(registry.Config{Compatibility: ptr(compat.Backward)}, got); diff != "" {
		t.Fatalf("default global config (-want +got):\n%s", diff)
	}
	_, err = s.Config(ctx, "s", false)
	wantMsg(t, err, registry.ErrSubjectConfigNotFound, "Subject 's' does not have subject-level compatibility configured")
	_, err = s.Config(ctx, ":.staging:", false)
	wantKind(t, err, registry.ErrSubjectConfigNotFound)

	// set at each level; the subject need not exist
	mustSetConfig(t, s, "", registry.Config{Compatibility: ptr(compat.Full), Normalize: ptr(true)})
	mustSetConfig(t, s, ":.staging:", registry.Config{Compatibility: ptr(compat.None), Alias: ptr("x")})
	set, err := s.SetConfig(ctx, ":.staging:s", registry.Config{CompatibilityGroup: ptr("major"), ValidateFields: ptr(true)})
	wantKind(t, err, nil)
	if diff := cmp.Diff(registry.Config{CompatibilityGroup: ptr("major"), ValidateFields: ptr(true)}, set); diff != "" {
		t.Fatalf("echo (-want +got):\n%s", diff)
	}
	// a later PUT merges into what is set there
	set, err = s.SetConfig(ctx, ":.staging:s", registry.Config{Compatibility: ptr(compat.ForwardTransitive)})
	wantKind(t, err, nil)
	if diff := cmp.Diff(registry.Config{Compatibility: ptr(compat.ForwardTransitive), CompatibilityGroup: ptr("major"), ValidateFields: ptr(true)}, set); diff != "" {
		t.Fatalf("merged echo (-want +got):\n%s", diff)
	}
	eff, err := s.Config(ctx, ":.staging:s", true)
	wantKind(t, err, nil)
	want := registry.Config{Compatibility: ptr(compat.ForwardTransitive), Normalize: ptr(true), Alias: ptr("x"), CompatibilityGroup: ptr("major"), ValidateFields: ptr(true)}
	if diff := cmp.Diff(want, eff); diff != "" {
		t.Fatalf("effective (-want +got):\n%s", diff)
	}
	eff, err = s.Config(ctx, ":.staging:other", true)
	wantKind(t, err, nil)
	if diff := cmp.Diff(registry.Config{Compatibility: ptr(compat.None), Normalize: ptr(true), Alias: ptr("x")}, eff); diff != "" {
		t.Fatalf("effective for other subject (-want +got):\n%s", diff)
	}
	// ":.__GLOBAL:" is the global level
	g, err := s.Config(ctx, ":.__GLOBAL:", false)
	wantKind(t, err, nil)
	if *g.Compatibility != compat.Full {
		t.Fatalf("global = %v", *g.Compatibility)
	}

	// deletes return the old config
	old, err := s.DeleteConfig(ctx, ":.staging:s")
	wantKind(t, err, nil)
	if *old.Compatibility != compat.ForwardTransitive {
		t.Fatalf("deleted = %+v", old)
	}
	_, err = s.DeleteConfig(ctx, ":.staging:s")
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject ':.staging:s' not found.")
	old, err = s.DeleteConfig(ctx, "")
	wantKind(t, err, nil)
	if *old.Compatibility != compat.Full {
		t.Fatalf("deleted global = %+v", old)
	}
	g, err = s.Config(ctx, "", false)
	wantKind(t, err, nil)
	if diff := cmp.Diff(registry.Config{Compatibility: ptr(compat.Backward)}, g); diff != "" {
		t.Fatalf("global after delete (-want +got):\n%s", diff)
	}
	_, err = s.SetConfig(ctx, "", registry.Config{Compatibility: ptr(compat.Level(42))})
	wantKind(t, err, registry.ErrInvalidLevel)
	_, err = s.SetConfig(ctx, "", registry.Config{DefaultRuleSet: []byte("{")})
	wantKind(t, err, registry.ErrInvalidRuleSet)
	_, err = s.SetConfig(ctx, "bad\x00", registry.Config{})
	wantKind(t, err, registry.ErrInvalidSubject)
}

func TestConfigLevelIsEnforced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t, registry.ServiceConfig{DefaultCompatibility: compat.None})
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	// NONE (the server default here) lets anything through
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldB)))
	// the context level beats the global one, the subject level beats both
	mustSetConfig(t, s, "", registry.Config{Compatibility: ptr(compat.Backward)})
	_, err := s.Register(ctx, avroReq("s", avroRecord("R", fieldA, fieldB)))
	wantKind(t, err, registry.ErrIncompatible)
	mustSetConfig(t, s, "s", registry.Config{Compatibility: ptr(compat.None)})
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldB)))
}

func TestConfigDefaultAndOverrideMetadata(t *testing.T) {
	ctx, s := parallelService(t)
	if _, err := s.SetConfig(ctx, "s", registry.Config{
		DefaultMetadata:  []byte(`{"properties":{"owner":"default","tier":"2"}}`),
		OverrideMetadata: []byte(`{"properties":{"tier":"1"}}`),
	}); err != nil {
		t.Fatal(err)
	}
	req := avroReq("s", avroRecord("R", fieldA))
	req.Metadata = []byte(`{"properties":{"owner":"team-a","tier":"3"}}`)
	sc := mustRegister(t, s, req)
	if string(sc.Metadata) != `{"properties":{"owner":"team-a","tier":"1"}}` {
		t.Fatalf("metadata = %s", sc.Metadata)
	}
}

func TestModes(t *testing.T) {
	ctx, s := parallelService(t)
	m, err := s.Mode(ctx, "", false)
	wantKind(t, err, nil)
	if m != registry.ReadWrite {
		t.Fatalf("default mode = %v", m)
	}
	_, err = s.Mode(ctx, "s", false)
	wantMsg(t, err, registry.ErrSubjectModeNotFound, "Subject 's' does not have subject-level mode configured")
	m, err = s.Mode(ctx, "s", true)
	wantKind(t, err, nil)
	if m != registry.ReadWrite {
		t.Fatalf("effective = %v", m)
	}

	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq(":.ctx:t", avroRecord("R", fieldA)))
	_, err = s.SetMode(ctx, "s", registry.Import, false)
	wantMsg(t, err, registry.ErrOperationNotPermitted, "Cannot import since found existing subjects")
	_, err = s.SetMode(ctx, ":.ctx:", registry.Import, false)
	wantKind(t, err, registry.ErrOperationNotPermitted)
	_, err = s.SetMode(ctx, "", registry.Import, false)
	wantKind(t, err, registry.ErrOperationNotPermitted)
	if _, err := s.SetMode(ctx, "s", registry.Import, true); err != nil {
		t.Fatalf("forced import: %v", err)
	}
	if _, err := s.SetMode(ctx, "empty", registry.Import, false); err != nil {
		t.Fatalf("import on an empty subject: %v", err)
	}
	_, err = s.SetMode(ctx, "s", registry.Mode(9), false)
	wantMsg(t, err, registry.ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
	_, err = registry.ParseMode("readwrite")
	wantKind(t, err, registry.ErrInvalidMode)

	// context mode applies to its subjects; READONLY_OVERRIDE beats subject modes
	mustSetMode(t, s, ":.ctx:", registry.ReadOnly, false)
	_, err = s.Register(ctx, avroReq(":.ctx:t", avroRecord("R", fieldA, fieldBOpt)))
	wantMsg(t, err, registry.ErrOperationNotPermitted, "Subject ':.ctx:t' is in read-only mode")
	if m, err := s.Mode(ctx, ":.ctx:t", true); err != nil || m != registry.ReadOnly {
		t.Fatalf("effective mode in ctx = %v (err %v)", m, err)
	}
	mustSetMode(t, s, "", registry.ReadOnlyOverride, false)
	if m, err := s.Mode(ctx, "s", true); err != nil || m != registry.ReadOnlyOverride {
		t.Fatalf("override = %v (err %v)", m, err)
	}
	_, err = s.SetMode(ctx, "s", registry.ReadOnlyOverride, false)
	wantKind(t, err, registry.ErrOperationNotPermitted)

	old, err := s.DeleteMode(ctx, "", false)
	wantKind(t, err, nil)
	if old != registry.ReadOnlyOverride {
		t.Fatalf("deleted global mode = %v", old)
	}
	old, err = s.DeleteMode(ctx, "s", false)
	wantKind(t, err, nil)
	if old != registry.Import {
		t.Fatalf("deleted = %v", old)
	}
	_, err = s.DeleteMode(ctx, "s", false)
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject 's' not found.")
	mustSetMode(t, s, ":.ctx:t", registry.ReadWrite, false)
	if _, err := s.DeleteMode(ctx, ":.ctx:", true); err != nil {
		t.Fatal(err)
	}
	_, err = s.Mode(ctx, ":.ctx:t", false)
	wantKind(t, err, registry.ErrSubjectModeNotFound)
}

func TestImportSwitchHardDeletesSoftDeleted(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	if _, err := s.DeleteSubject(ctx, "s", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetMode(ctx, "", registry.Import, false); err != nil {
		t.Fatalf("import with only soft-deleted versions: %v", err)
	}
	_, err := s.Versions(ctx, "s", registry.ListOptions{Deleted: true})
	wantKind(t, err, registry.ErrSubjectNotFound)
	_, err = s.SchemaByID(ctx, 1, "")
	wantKind(t, err, registry.ErrSchemaNotFound)
}

func TestImportMode(t *testing.T) {
	ctx, s := parallelService(t)
	mustSetMode(t, s, "", registry.Import, false)
	_, err := s.Register(ctx, avroReq("s", avroRecord("R", fieldA)))
	wantKind(t, err, registry.ErrOperationNotPermitted)

	req := avroReq("s", avroRecord("R", fieldA))
	req.ID, req.Version = 100, 5
	sc := mustRegister(t, s, req)
	if sc.ID != 100 || sc.Version != 5 {
		t.Fatalf("imported = %+v", sc)
	}
	// compatibility is not checked in IMPORT
	req = avroReq("s", avroRecord("R", fieldB))
	req.ID = 7
	if sc := mustRegister(t, s, req); sc.ID != 7 || sc.Version != 6 {
		t.Fatalf("imported incompatible = %+v", sc)
	}
	// an id clash with different content
	req = avroReq("t", avroRecord("R", fieldA, fieldCOpt))
	req.ID = 100
	_, err = s.Register(ctx, req)
	wantKind(t, err, registry.ErrIDConflict)
	// the same content under its id elsewhere is fine
	req = avroReq("t", avroRecord("R", fieldA))
	req.ID = 100
	if sc := mustRegister(t, s, req); sc.ID != 100 || sc.Version != 1 {
		t.Fatalf("imported again = %+v", sc)
	}
	// back in READWRITE, new ids come after the imported ones
	mustSetMode(t, s, "", registry.ReadWrite, false)
	mustSetConfig(t, s, "", registry.Config{Compatibility: ptr(compat.None)})
	sc = mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldCOpt)))
	if sc.ID != 101 || sc.Version != 7 {
		t.Fatalf("after import = id %d version %d, want 101 and 7", sc.ID, sc.Version)
	}
}
