package registry_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/registry"
)

func TestSoftDeleteKeepsIDsAndVersionNumbers(t *testing.T) {
	ctx, s := parallelService(t)
	v1 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	v2 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))

	n, err := s.DeleteVersion(ctx, "s", 2, false)
	wantKind(t, err, nil)
	if n != 2 {
		t.Fatalf("deleted %d, want 2", n)
	}
	// the id still resolves
	if _, err := s.SchemaByID(ctx, v2.ID, ""); err != nil {
		t.Fatalf("soft-deleted id does not resolve: %v", err)
	}
	_, err = s.Version(ctx, "s", 2, false)
	wantMsg(t, err, registry.ErrVersionNotFound, "Version 2 not found.")
	got, err := s.Version(ctx, "s", 2, true)
	wantKind(t, err, nil)
	if !got.Deleted {
		t.Fatalf("version 2 with deleted=true = %+v", got)
	}
	vs, err := s.Versions(ctx, "s", registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1}, vs); diff != "" {
		t.Fatalf("live versions (-want +got):\n%s", diff)
	}
	vs, err = s.Versions(ctx, "s", registry.ListOptions{Deleted: true, DeletedAsNegative: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, -2}, vs); diff != "" {
		t.Fatalf("versions deletedAsNegative (-want +got):\n%s", diff)
	}
	vs, err = s.Versions(ctx, "s", registry.ListOptions{DeletedOnly: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{2}, vs); diff != "" {
		t.Fatalf("deleted-only versions (-want +got):\n%s", diff)
	}
	// soft-deleted versions count toward numbering
	v3 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldCOpt)))
	if v3.Version != 3 {
		t.Fatalf("next version = %d, want 3", v3.Version)
	}
	// latest is the latest live one
	_, err = s.DeleteVersion(ctx, "s", registry.Latest, false)
	wantKind(t, err, nil)
	latest, err := s.Version(ctx, "s", registry.Latest, false)
	wantKind(t, err, nil)
	if latest.Version != v1.Version {
		t.Fatalf("latest = %d, want 1", latest.Version)
	}
}

func TestReRegisterSoftDeletedSchemaKeepsID(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	v2 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	if _, err := s.DeleteVersion(ctx, "s", 2, false); err != nil {
		t.Fatal(err)
	}
	again := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	if again.ID != v2.ID || again.Version != 3 {
		t.Fatalf("re-registered = id %d version %d, want id %d version 3", again.ID, again.Version, v2.ID)
	}
	// the old soft-deleted version was tombstoned
	vs, err := s.Versions(ctx, "s", registry.ListOptions{Deleted: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, 3}, vs); diff != "" {
		t.Fatalf("versions (-want +got):\n%s", diff)
	}
}

func TestDeleteSubject(t *testing.T) {
	ctx, s := parallelService(t)
	v1 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	mustRegister(t, s, avroReq("other", avroRecord("R", fieldA)))
	level := registryLevel("FULL")
	mustSetConfig(t, s, "s", registry.Config{Compatibility: &level})
	mustSetMode(t, s, "s", registry.ReadWrite, false)

	_, err := s.DeleteSubject(ctx, "s", true)
	wantMsg(t, err, registry.ErrSubjectNotSoftDeleted, "Subject 's' was not deleted first before being permanently deleted")
	got, err := s.DeleteSubject(ctx, "s", false)
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Fatalf("deleted (-want +got):\n%s", diff)
	}
	_, err = s.DeleteSubject(ctx, "s", false)
	wantMsg(t, err, registry.ErrSubjectSoftDeleted, "Subject 's' was soft deleted.Set permanent=true to delete permanently")
	subs, err := s.Subjects(ctx, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"other"}, subs); diff != "" {
		t.Fatalf("subjects (-want +got):\n%s", diff)
	}
	subs, err = s.Subjects(ctx, registry.ListOptions{Deleted: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"other", "s"}, subs); diff != "" {
		t.Fatalf("subjects with deleted (-want +got):\n%s", diff)
	}
	subs, err = s.Subjects(ctx, registry.ListOptions{DeletedOnly: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"s"}, subs); diff != "" {
		t.Fatalf("deleted-only subjects (-want +got):\n%s", diff)
	}
	_, err = s.Versions(ctx, "s", registry.ListOptions{})
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject 's' not found.")
	// ids survive the soft delete
	if _, err := s.SchemaByID(ctx, 2, ""); err != nil {
		t.Fatalf("id 2 after soft delete: %v", err)
	}

	got, err = s.DeleteSubject(ctx, "s", true)
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Fatalf("hard-deleted (-want +got):\n%s", diff)
	}
	// id 2 belonged only to s: gone; id 1 is still used by "other"
	_, err = s.SchemaByID(ctx, 2, "")
	wantKind(t, err, registry.ErrSchemaNotFound)
	if _, err := s.SchemaByID(ctx, v1.ID, ""); err != nil {
		t.Fatalf("shared id after hard delete: %v", err)
	}
	// config and mode went with it
	_, err = s.Config(ctx, "s", false)
	wantKind(t, err, registry.ErrSubjectConfigNotFound)
	_, err = s.Mode(ctx, "s", false)
	wantKind(t, err, registry.ErrSubjectModeNotFound)
	_, err = s.DeleteSubject(ctx, "s", false)
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject 's' not found.")
	// hard-deleted versions no longer count: numbering starts again, ids do not
	again := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldCOpt)))
	if again.Version != 1 || again.ID != 3 {
		t.Fatalf("after hard delete = version %d id %d, want 1 and 3", again.Version, again.ID)
	}
}

func TestDeleteVersionErrors(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	if _, err := s.DeleteVersion(ctx, "s", 1, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		subject   string
		version   int
		permanent bool
		kind      error
		msg       string
	}{
		{"ErrSubjectNotFound", "nope", 1, false, registry.ErrSubjectNotFound, "Subject 'nope' not found."},
		{"ErrVersionNotFound", "s", 7, false, registry.ErrVersionNotFound, "Version 7 not found."},
		{"ErrVersionSoftDeleted", "s", 1, false, registry.ErrVersionSoftDeleted, "Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently"},
		{"ErrVersionNotSoftDeleted", "s", 2, true, registry.ErrVersionNotSoftDeleted, "Subject 's' Version 2 was not deleted first before being permanently deleted"},
		{"ErrInvalidVersion", "s", 0, false, registry.ErrInvalidVersion, `The specified version '0' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`},
		{"ErrInvalidSubject", "", 1, false, registry.ErrInvalidSubject, "The specified subject '' is not a valid."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.DeleteVersion(ctx, tc.subject, tc.version, tc.permanent)
			wantMsg(t, err, tc.kind, tc.msg)
		})
	}
	// hard delete after soft delete works; the last version takes config along
	if _, err := s.DeleteVersion(ctx, "s", 1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SchemaByID(ctx, 1, ""); err == nil {
		t.Fatal("id 1 resolves after its only version was hard-deleted")
	}
	mustSetConfig(t, s, "s", registry.Config{Normalize: ptr(true)})
	if _, err := s.DeleteVersion(ctx, "s", 2, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteVersion(ctx, "s", 2, true); err != nil {
		t.Fatal(err)
	}
	_, err := s.Config(ctx, "s", false)
	wantKind(t, err, registry.ErrSubjectConfigNotFound)
}

func TestDeletesRefusedInReadOnly(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustSetMode(t, s, "", registry.ReadOnly, false)
	_, err := s.DeleteVersion(ctx, "s", 1, false)
	wantKind(t, err, registry.ErrOperationNotPermitted)
	_, err = s.DeleteSubject(ctx, "s", false)
	wantKind(t, err, registry.ErrOperationNotPermitted)
	_, err = s.SetConfig(ctx, "s", registry.Config{Normalize: ptr(true)})
	wantKind(t, err, registry.ErrOperationNotPermitted)
}
