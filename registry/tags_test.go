package registry_test

import (
	"testing"

	"github.com/heraldhq/herald/registry"
)

func TestLatestWithMetadata(t *testing.T) {
	ctx, s := parallelService(t)
	req := avroReq("s", avroRecord("R", fieldA))
	req.Metadata = []byte(`{"properties":{"owner":"a","major":"1"}}`)
	mustRegister(t, s, req)
	req = avroReq("s", avroRecord("R", fieldA, fieldBOpt))
	req.Metadata = []byte(`{"properties":{"owner":"b","major":"1"}}`)
	mustRegister(t, s, req)

	got, err := s.LatestWithMetadata(ctx, "s", map[string]string{"major": "1"}, false)
	wantKind(t, err, nil)
	if got.Version != 2 {
		t.Fatalf("major=1 -> version %d, want 2", got.Version)
	}
	got, err = s.LatestWithMetadata(ctx, "s", map[string]string{"major": "1", "owner": "a"}, false)
	wantKind(t, err, nil)
	if got.Version != 1 {
		t.Fatalf("owner=a -> version %d, want 1", got.Version)
	}
	_, err = s.LatestWithMetadata(ctx, "s", map[string]string{"owner": "c"}, false)
	wantMsg(t, err, registry.ErrSchemaNotFound, "Schema not found")
	_, err = s.LatestWithMetadata(ctx, "nope", nil, false)
	wantKind(t, err, registry.ErrSubjectNotFound)
}

func TestTagVersion(t *testing.T) {
	ctx, s := parallelService(t)
	req := avroReq("s", avroRecord("R", fieldA))
	req.RuleSet = []byte(`{"domainRules":[{"name":"r1","kind":"CONDITION","type":"CEL","mode":"WRITE","expr":"true"}]}`)
	v1 := mustRegister(t, s, req)

	v2, err := s.TagVersion(ctx, "s", registry.Latest, registry.TagRequest{
		NewVersion:   2,
		Metadata:     []byte(`{"properties":{"owner":"a"}}`),
		RulesToMerge: []byte(`{"domainRules":[{"name":"r2","kind":"CONDITION","type":"CEL","mode":"WRITE","expr":"false"}]}`),
	})
	wantKind(t, err, nil)
	if v2.Version != 2 || v2.Text != v1.Text || string(v2.Metadata) != `{"properties":{"owner":"a"}}` {
		t.Fatalf("tagged = %+v", v2)
	}
	want := `{"domainRules":[{"expr":"true","kind":"CONDITION","mode":"WRITE","name":"r1","type":"CEL"},{"expr":"false","kind":"CONDITION","mode":"WRITE","name":"r2","type":"CEL"}]}`
	if string(v2.RuleSet) != want {
		t.Fatalf("rule set = %s\nwant       %s", v2.RuleSet, want)
	}
	v3, err := s.TagVersion(ctx, "s", 2, registry.TagRequest{RulesToRemove: []string{"r1", "r2"}})
	wantKind(t, err, nil)
	if v3.Version != 3 || v3.RuleSet != nil || string(v3.Metadata) != `{"properties":{"owner":"a"}}` {
		t.Fatalf("rules removed = %+v", v3)
	}
	_, err = s.TagVersion(ctx, "s", 3, registry.TagRequest{NewVersion: 9, Metadata: []byte(`{"properties":{"x":"y"}}`)})
	wantKind(t, err, registry.ErrOperationNotPermitted)
	_, err = s.TagVersion(ctx, "s", 3, registry.TagRequest{SchemaTagsToAdd: []byte(`[{"entityPath":"R.a","tags":["PII"]}]`)})
	wantKind(t, err, registry.ErrInvalidSchema)
	_, err = s.TagVersion(ctx, "s", 7, registry.TagRequest{})
	wantKind(t, err, registry.ErrVersionNotFound)
}

func TestMaxID(t *testing.T) {
	ctx, s := parallelService(t)
	if n, err := s.MaxID(ctx, ""); err != nil || n != 0 {
		t.Fatalf("empty registry max id = %d, %v", n, err)
	}
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))
	mustRegister(t, s, avroReq(":.c:s", avroRecord("R", fieldA)))
	if n, err := s.MaxID(ctx, ""); err != nil || n != 2 {
		t.Fatalf("default context max id = %d, want 2 (err %v)", n, err)
	}
	if n, err := s.MaxID(ctx, ":.c:s"); err != nil || n != 1 {
		t.Fatalf(".c max id = %d, want 1 (err %v)", n, err)
	}
}
