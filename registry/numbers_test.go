package registry_test

import (
	"strings"
	"testing"

	"github.com/heraldhq/herald/registry"
)

func TestRegisterIDAndVersionBounds(t *testing.T) {
	ctx, s := parallelService(t)
	mustSetMode(t, s, "", registry.Import, false)
	imp := func(subject, name string, id, version int) registry.RegisterRequest {
		r := avroReq(subject, avroRecord(name, fieldA))
		r.ID, r.Version = id, version
		return r
	}
	for _, tc := range []struct {
		name string
		req  registry.RegisterRequest
		kind error
	}{
		{"ErrInvalidSchemaForIDOverMaxID", imp("a", "A", registry.MaxID+1, 0), registry.ErrInvalidSchema},
		{"ErrInvalidSchemaForIDMaxInt64", imp("a", "A", 1<<63-1, 0), registry.ErrInvalidSchema},
		{"ErrInvalidVersionForVersionOverMaxVersion", imp("a", "A", 5, registry.MaxVersion+1), registry.ErrInvalidVersion},
		{"MaxIDAndMaxVersionAccepted", imp("top", "T", registry.MaxID, registry.MaxVersion), nil},
		{"ErrOperationNotPermittedAfterMaxVersion", imp("top", "U", 7, 0), registry.ErrOperationNotPermitted},
		{"ExplicitVersionBelowMaxStillImports", imp("top", "U", 7, 3), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Register(ctx, tc.req)
			wantKind(t, err, tc.kind)
		})
	}
	mustSetMode(t, s, "", registry.ReadWrite, false)
	_, err := s.Register(ctx, avroReq("fresh", avroRecord("F", fieldA)))
	wantKind(t, err, registry.ErrOperationNotPermitted)
	if !strings.Contains(err.Error(), "no schema id left") {
		t.Errorf("message %q does not say the ids ran out", err)
	}
	if got := mustRegister(t, s, avroReq(":.other:fresh", avroRecord("F", fieldA))); got.ID != 1 {
		t.Errorf("id in a fresh context = %d, want 1", got.ID)
	}
}

func TestReferenceVersionOverMaxVersionIsInvalid(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("dep", avroRecord("D", fieldA)))
	req := avroReq("s", avroRecord("R", `{"name":"d","type":"D"}`))
	req.References = []registry.Reference{{Name: "D", Subject: "dep", Version: registry.MaxVersion + 1}}
	_, err := s.Register(ctx, req)
	wantKind(t, err, registry.ErrInvalidSchema)
}

func TestSubjectNameRules(t *testing.T) {
	ctx, s := parallelService(t)
	long := strings.Repeat("x", registry.MaxSubjectBytes)
	for _, tc := range []struct {
		name, subject string
		kind          error
	}{
		{"ErrInvalidSubjectForInvalidUTF8", "a\xc3\x28b", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForLoneContinuationByte", "\x80", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForInvalidUTF8Context", ":.c\xff:s", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForControl", "a\nb", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForC1Control", "a\u0085b", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectOverMaxBytes", long + "x", registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForMultiByteOverMaxBytes", strings.Repeat("é", registry.MaxSubjectBytes/2+1), registry.ErrInvalidSubject},
		{"ErrInvalidSubjectForContextOverMaxBytes", ":." + long + ":s", registry.ErrInvalidSubject},
		{"MaxBytesAccepted", long, nil},
		{"UnicodeAccepted", "zamówienia-値", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Register(ctx, avroReq(tc.subject, avroRecord("R", fieldA)))
			wantKind(t, err, tc.kind)
			if tc.kind == nil {
				return
			}
			_, err = s.SetConfig(ctx, tc.subject, registry.Config{})
			wantKind(t, err, tc.kind)
			_, err = s.SetMode(ctx, tc.subject, registry.ReadOnly, false)
			wantKind(t, err, tc.kind)
		})
	}
	err := s.DeleteContext(ctx, ".c\xff")
	wantKind(t, err, registry.ErrInvalidSubject)
}
