package registry_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

func TestCheckCompatibility(t *testing.T) {
	ctx, s := parallelService(t)
	mustSetConfig(t, s, "s", registry.Config{Compatibility: ptr(compat.BackwardTransitive)})
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA)))                       // v1
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt)))            // v2
	mustRegister(t, s, avroReq("s", avroRecord("R", fieldA, fieldBOpt, fieldCOpt))) // v3
	// fine against every version
	candidate := avroReq("s", avroRecord("R", fieldA, fieldBOpt, fieldCOpt, `{"name":"d","type":"int","default":1}`))
	// c without a default reads v3's data but not v1's
	breaksV1 := avroReq("s", avroRecord("R", fieldA, fieldBOpt, `{"name":"c","type":"string"}`))

	for _, tc := range []struct {
		name       string
		req        registry.RegisterRequest
		version    int
		compatible bool
		level      compat.Level
		kind       error
	}{
		{"AllCompatible", candidate, 0, true, compat.BackwardTransitive, nil},
		{"AllIncompatible", breaksV1, 0, false, compat.BackwardTransitive, nil},
		{"LatestCompatible", breaksV1, registry.Latest, true, compat.Backward, nil},
		{"OneVersionIsNotTransitive", breaksV1, 3, true, compat.Backward, nil},
		{"OneOldVersion", avroReq("s", avroRecord("R", fieldA, fieldB)), 1, false, compat.Backward, nil},
		{"ErrVersionNotFound", candidate, 9, false, 0, registry.ErrVersionNotFound},
		{"ErrVersionNotFoundMissingSubject", avroReq("nope", avroRecord("R", fieldA)), 1, false, 0, registry.ErrVersionNotFound},
		{"LatestOfMissingSubjectIsCompatible", avroReq("nope", avroRecord("R", fieldA)), registry.Latest, true, compat.Backward, nil},
		{"ErrInvalidSchema", avroReq("s", `{"type":"nope"}`), 0, false, 0, registry.ErrInvalidSchema},
		{"ErrInvalidSubject", avroReq("", avroRecord("R", fieldA)), 0, false, 0, registry.ErrInvalidSubject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.CheckCompatibility(ctx, tc.req, tc.version)
			wantKind(t, err, tc.kind)
			if tc.kind != nil {
				return
			}
			if res.Compatible != tc.compatible || res.Level != tc.level {
				t.Fatalf("result = %+v, want compatible %v level %v", res, tc.compatible, tc.level)
			}
			if res.Messages == nil {
				t.Fatal("Messages is nil: verbose needs an empty list")
			}
			if tc.compatible != (len(res.Messages) == 0) || tc.compatible != (len(res.Violations) == 0) {
				t.Fatalf("messages %q violations %v", res.Messages, res.Violations)
			}
		})
	}
	// registration checks what the versionless check checks
	_, err := s.Register(ctx, breaksV1)
	wantKind(t, err, registry.ErrIncompatible)
	mustRegister(t, s, candidate)
}

func TestIncompatibleMessagesPerFormat(t *testing.T) {
	ctx, s := parallelService(t)

	mustRegister(t, s, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: `{"type":"object","properties":{"x":{"type":"string"}},"additionalProperties":false}`})
	res, err := s.CheckCompatibility(ctx, registry.RegisterRequest{Subject: "j", Type: compat.JSON, Text: `{"type":"object","properties":{"x":{"type":"number"}},"additionalProperties":false}`}, 0)
	wantKind(t, err, nil)
	if res.Compatible || len(res.Messages) < 4 {
		t.Fatalf("json result = %+v", res)
	}
	if !strings.HasPrefix(res.Messages[0], res.Violations[0].Rule+" #/") {
		t.Fatalf("json message = %q, want %q #/…", res.Messages[0], res.Violations[0].Rule)
	}
	if got := res.Messages[len(res.Messages)-1]; got != "{validateFields: 'false', compatibility: 'BACKWARD'}" {
		t.Fatalf("last message = %q", got)
	}

	mustRegister(t, s, registry.RegisterRequest{Subject: "p", Type: compat.Protobuf, Text: "syntax = \"proto3\";\nmessage M { string id = 1; }\n"})
	_, err = s.Register(ctx, registry.RegisterRequest{Subject: "p", Type: compat.Protobuf, Text: "syntax = \"proto3\";\nmessage M { int64 id = 1; }\n"})
	wantKind(t, err, registry.ErrIncompatible)
	var e *registry.Error
	asError(err, &e)
	if !strings.HasPrefix(e.Messages[0], e.Violations[0].Rule+" #/") {
		t.Fatalf("protobuf message = %q", e.Messages[0])
	}
	wantTail := []string{"{oldSchemaVersion: 1}"}
	if diff := cmp.Diff(wantTail, e.Messages[len(e.Violations):len(e.Violations)+1]); diff != "" {
		t.Fatalf("protobuf messages (-want +got):\n%s\n%q", diff, e.Messages)
	}
}

func TestCompatibilityGroup(t *testing.T) {
	ctx, s := parallelService(t)
	mustSetConfig(t, s, "s", registry.Config{CompatibilityGroup: ptr("major")})
	v1 := avroReq("s", avroRecord("R", fieldA))
	v1.Metadata = []byte(`{"properties":{"major":"1"}}`)
	mustRegister(t, s, v1)
	// a breaking change in a new group is compared with nothing
	v2 := avroReq("s", avroRecord("R", fieldB))
	v2.Metadata = []byte(`{"properties":{"major":"2"}}`)
	mustRegister(t, s, v2)
	// and inside a group the check applies
	v3 := avroReq("s", avroRecord("R", fieldB, fieldA))
	v3.Metadata = []byte(`{"properties":{"major":"2"}}`)
	_, err := s.Register(ctx, v3)
	wantKind(t, err, registry.ErrIncompatible)
}
