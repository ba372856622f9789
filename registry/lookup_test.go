package registry_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

func TestLookup(t *testing.T) {
	ctx, s := parallelService(t)
	v1 := mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))

	got, err := s.Lookup(ctx, avroReq("s", "{ \"type\":\"record\", \"name\":\"R\", \"fields\":["+fieldA+"] }"), false)
	wantKind(t, err, nil)
	if got.ID != v1.ID || got.Version != 1 || got.Subject != "s" {
		t.Fatalf("lookup = %+v", got)
	}
	_, err = s.Lookup(ctx, avroReq("nope", avroRecord("R", fieldA)), false)
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject 'nope' not found.")
	_, err = s.Lookup(ctx, avroReq("s", avroRecord("R", fieldA, fieldCOpt)), false)
	wantMsg(t, err, registry.ErrSchemaNotFound, "Schema not found")
	_, err = s.Lookup(ctx, avroReq("s", `{"type":`), false)
	wantKind(t, err, registry.ErrInvalidSchema)

	// soft-deleted versions match only with deleted
	if _, err := s.DeleteVersion(ctx, "s", 1, false); err != nil {
		t.Fatal(err)
	}
	_, err = s.Lookup(ctx, avroReq("s", avroRecord("R", fieldA)), false)
	wantKind(t, err, registry.ErrSchemaNotFound)
	got, err = s.Lookup(ctx, avroReq("s", avroRecord("R", fieldA)), true)
	wantKind(t, err, nil)
	if !got.Deleted || got.Version != 1 {
		t.Fatalf("lookup deleted = %+v", got)
	}
}

func TestNormalize(t *testing.T) {
	ctx, s := parallelService(t)
	a := `{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"number"}}}`
	b := `{"properties":{"y":{"type":"number"},"x":{"type":"string"}},"type":"object"}`
	first := mustRegister(t, s, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: a})
	// without normalize the key order matters
	_, err := s.Lookup(ctx, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: b}, false)
	wantKind(t, err, registry.ErrSchemaNotFound)
	// with normalize the stored form is compared normalized
	got, err := s.Lookup(ctx, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: b, Normalize: true}, false)
	wantKind(t, err, nil)
	if got.ID != first.ID {
		t.Fatalf("normalized lookup = %+v", got)
	}
	again := mustRegister(t, s, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: b, Normalize: true})
	if again.ID != first.ID || again.Version != 1 {
		t.Fatalf("normalized re-registration = %+v", again)
	}
	// config normalize=true stores the normalized form
	mustSetConfig(t, s, "k", registry.Config{Normalize: ptr(true)})
	k := mustRegister(t, s, registry.RegisterRequest{Subject: "k", Type: compat.JSON, Text: b})
	want := `{"properties":{"x":{"type":"string"},"y":{"type":"number"}},"type":"object"}`
	if k.Text != want {
		t.Fatalf("stored = %s, want %s", k.Text, want)
	}
}

func TestContexts(t *testing.T) {
	ctx, s := parallelService(t)
	cs, err := s.Contexts(ctx, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"."}, cs); diff != "" {
		t.Fatalf("contexts (-want +got):\n%s", diff)
	}
	d := mustRegister(t, s, avroReq("orders", avroRecord("R", fieldA)))
	st := mustRegister(t, s, avroReq(":.staging:orders", avroRecord("R", fieldA)))
	// ids are allocated per context, from 1
	if d.ID != 1 || st.ID != 1 || st.Subject != ":.staging:orders" {
		t.Fatalf("default %+v staging %+v", d, st)
	}
	st2 := mustRegister(t, s, avroReq(":.staging:payments", avroRecord("P", fieldA)))
	if st2.ID != 2 {
		t.Fatalf("staging second id = %d", st2.ID)
	}
	// ":.:x" is the default context
	dq := mustRegister(t, s, avroReq(":.:orders", avroRecord("R", fieldA)))
	if dq.Subject != "orders" || dq.Version != 1 {
		t.Fatalf("qualified default = %+v", dq)
	}
	cs, err = s.Contexts(ctx, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{".", ".staging"}, cs); diff != "" {
		t.Fatalf("contexts (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"orders", ":.staging:orders", ":.staging:payments"}},
		{":*:", []string{"orders", ":.staging:orders", ":.staging:payments"}},
		{":.staging:", []string{":.staging:orders", ":.staging:payments"}},
		{":.staging:pay", []string{":.staging:payments"}},
		{"ord", []string{"orders"}},
		{":*:pay", []string{":.staging:payments"}},
	} {
		got, err := s.Subjects(ctx, registry.ListOptions{Prefix: tc.prefix})
		wantKind(t, err, nil)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("prefix %q (-want +got):\n%s", tc.prefix, diff)
		}
	}
	// by id with a subject selects the context and fills subject and version
	got, err := s.SchemaByID(ctx, 2, ":.staging:payments")
	wantKind(t, err, nil)
	if got.Subject != ":.staging:payments" || got.Version != 1 {
		t.Fatalf("by id in context = %+v", got)
	}
	got, err = s.SchemaByID(ctx, 2, ":.staging:")
	wantKind(t, err, nil)
	if got.Text != st2.Text || got.Subject != "" {
		t.Fatalf("by id in context only = %+v", got)
	}
	_, err = s.SchemaByID(ctx, 2, "")
	wantKind(t, err, registry.ErrSchemaNotFound)
	// the same content shares a GUID across contexts
	if st.GUID != d.GUID {
		t.Fatalf("GUIDs differ: %s %s", st.GUID, d.GUID)
	}
	ids, err := s.IDsByGUID(ctx, d.GUID)
	wantKind(t, err, nil)
	if diff := cmp.Diff([]registry.ContextID{{Context: ".", ID: 1}, {Context: ".staging", ID: 1}}, ids); diff != "" {
		t.Fatalf("ids by guid (-want +got):\n%s", diff)
	}
	byGUID, err := s.SchemaByGUID(ctx, d.GUID)
	wantKind(t, err, nil)
	if byGUID.Text != d.Text {
		t.Fatalf("by guid = %+v", byGUID)
	}
	_, err = s.SchemaByGUID(ctx, "00000000-0000-0000-0000-000000000000")
	wantKind(t, err, registry.ErrSchemaNotFound)

	// a context with versions cannot be deleted
	err = s.DeleteContext(ctx, ".staging")
	wantMsg(t, err, registry.ErrContextNotEmpty, "The specified context '.staging' is not empty.")
	for _, sub := range []string{":.staging:orders", ":.staging:payments"} {
		if _, err := s.DeleteSubject(ctx, sub, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DeleteSubject(ctx, sub, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteContext(ctx, ".staging"); err != nil {
		t.Fatalf("delete empty context: %v", err)
	}
	cs, err = s.Contexts(ctx, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"."}, cs); diff != "" {
		t.Fatalf("contexts after delete (-want +got):\n%s", diff)
	}
	err = s.DeleteContext(ctx, "bad:ctx")
	wantKind(t, err, registry.ErrInvalidSubject)
}

func TestListings(t *testing.T) {
	ctx, s := parallelService(t)
	for _, sub := range []string{"c", "a", "b"} {
		mustRegister(t, s, avroReq(sub, avroRecord("R", fieldA)))
		mustRegister(t, s, avroReq(sub, avroRecord("R", fieldA, fieldBOpt)))
	}
	if _, err := s.DeleteVersion(ctx, "b", 2, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.Subjects(ctx, registry.ListOptions{Offset: 1, Limit: 1})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]string{"b"}, got); diff != "" {
		t.Fatalf("paged subjects (-want +got):\n%s", diff)
	}
	schemas, err := s.Schemas(ctx, registry.ListOptions{LatestOnly: true})
	wantKind(t, err, nil)
	var sv []registry.SubjectVersion
	for _, sc := range schemas {
		sv = append(sv, registry.SubjectVersion{Subject: sc.Subject, Version: sc.Version})
	}
	want := []registry.SubjectVersion{{Subject: "a", Version: 2}, {Subject: "b", Version: 1}, {Subject: "c", Version: 2}}
	if diff := cmp.Diff(want, sv); diff != "" {
		t.Fatalf("latest schemas (-want +got):\n%s", diff)
	}
	schemas, err = s.Schemas(ctx, registry.ListOptions{Prefix: "b", Deleted: true})
	wantKind(t, err, nil)
	if len(schemas) != 2 || !schemas[1].Deleted {
		t.Fatalf("schemas of b with deleted = %+v", schemas)
	}
	svs, err := s.SubjectVersionsByID(ctx, 2, "", registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]registry.SubjectVersion{{Subject: "a", Version: 2}, {Subject: "c", Version: 2}}, svs); diff != "" {
		t.Fatalf("versions of id 2 (-want +got):\n%s", diff)
	}
	svs, err = s.SubjectVersionsByID(ctx, 2, "", registry.ListOptions{Deleted: true})
	wantKind(t, err, nil)
	if len(svs) != 3 {
		t.Fatalf("versions of id 2 with deleted = %+v", svs)
	}
	_, err = s.SubjectVersionsByID(ctx, 99, "", registry.ListOptions{})
	wantKind(t, err, registry.ErrSchemaNotFound)
	if diff := cmp.Diff([]compat.SchemaType{compat.JSON, compat.Protobuf, compat.Avro}, s.Types()); diff != "" {
		t.Fatalf("types (-want +got):\n%s", diff)
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
		err  error
	}{
		{"1", 1, nil},
		{"latest", registry.Latest, nil},
		{"-1", registry.Latest, nil},
		{"2147483647", 2147483647, nil},
		{"2147483648", 0, registry.ErrInvalidVersion},
		{"0", 0, registry.ErrInvalidVersion},
		{"-2", 0, registry.ErrInvalidVersion},
		{"Latest", 0, registry.ErrInvalidVersion},
		{"x", 0, registry.ErrInvalidVersion},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := registry.ParseVersion(tc.in)
			wantKind(t, err, tc.err)
			if got != tc.want {
				t.Fatalf("ParseVersion(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestVersionErrors(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	_, err := s.Version(ctx, "nope", 1, false)
	wantMsg(t, err, registry.ErrSubjectNotFound, "Subject 'nope' not found.")
	_, err = s.Version(ctx, "s", 2, false)
	wantMsg(t, err, registry.ErrVersionNotFound, "Version 2 not found.")
	_, err = s.Version(ctx, "s", 0, false)
	wantKind(t, err, registry.ErrInvalidVersion)
	_, err = s.ReferencedBy(ctx, "s", 3, registry.ListOptions{})
	wantKind(t, err, registry.ErrVersionNotFound)
	_, _, err = s.ParsedVersion(ctx, "nope", registry.Latest)
	wantKind(t, err, registry.ErrSubjectNotFound)
	_, err = s.Parsed(ctx, 42, "")
	wantMsg(t, err, registry.ErrSchemaNotFound, "Schema 42 not found")
}
