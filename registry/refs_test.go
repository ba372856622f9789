package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

const moneyAvro = `{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"units","type":"long"},{"name":"currency","type":"string"}]}`

func orderAvro(extra ...string) string {
	s := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"total","type":"com.acme.Money"}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "]}"
}

// TestAvroReferences runs with StrictReferences, which keeps soft-deleted
// referrers' targets (server's TestFidelityPermanentDeleteAfterReferrerSoftDeleted
// covers the Confluent default).
func TestAvroReferences(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t, registry.ServiceConfig{StrictReferences: true})
	money := mustRegister(t, s, avroReq("money", moneyAvro))
	req := avroReq("orders", orderAvro())
	req.References = []registry.Reference{{Name: "com.acme.Money", Subject: "money", Version: registry.Latest}}
	order := mustRegister(t, s, req)
	// -1 is stored as the concrete version
	if diff := cmp.Diff([]registry.Reference{{Name: "com.acme.Money", Subject: "money", Version: 1}}, order.References); diff != "" {
		t.Fatalf("references (-want +got):\n%s", diff)
	}
	// the parsed schema resolves the named type
	p, err := s.Parsed(ctx, order.ID, "")
	wantKind(t, err, nil)
	if err := p.Validate([]byte(`{"id":"o1","total":{"units":5,"currency":"EUR"}}`), compat.EncodingJSON); err != nil {
		t.Fatalf("validate through a reference: %v", err)
	}
	ids, err := s.ReferencedBy(ctx, "money", 1, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{order.ID}, ids); diff != "" {
		t.Fatalf("referenced by (-want +got):\n%s", diff)
	}
	// a referenced version cannot be deleted
	_, err = s.DeleteVersion(ctx, "money", 1, false)
	wantMsg(t, err, registry.ErrReferenceExists, "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=money,version=1}.")
	_, err = s.DeleteSubject(ctx, "money", false)
	wantKind(t, err, registry.ErrReferenceExists)
	// once the referrer is soft-deleted a soft delete is allowed, a hard one is not
	if _, err := s.DeleteSubject(ctx, "orders", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubject(ctx, "money", false); err != nil {
		t.Fatalf("soft delete of a schema referenced only by soft-deleted ones: %v", err)
	}
	_, err = s.DeleteSubject(ctx, "money", true)
	wantKind(t, err, registry.ErrReferenceExists)
	// the soft-deleted referrer still parses by id
	if _, err := s.Parsed(ctx, order.ID, ""); err != nil {
		t.Fatalf("parse soft-deleted referrer: %v", err)
	}
	ids, err = s.ReferencedBy(ctx, "money", 1, registry.ListOptions{Deleted: true})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{order.ID}, ids); diff != "" {
		t.Fatalf("referenced by, deleted (-want +got):\n%s", diff)
	}
	// a new schema cannot reference a soft-deleted version
	_, err = s.Register(ctx, req)
	wantKind(t, err, registry.ErrInvalidSchema)
	if !strings.Contains(err.Error(), "com.acme.Money") {
		t.Fatalf("error does not name the reference: %v", err)
	}
	if _, err := s.DeleteSubject(ctx, "orders", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DeleteSubject(ctx, "money", true); err != nil {
		t.Fatalf("hard delete once the referrer is gone: %v", err)
	}
	// the hard delete took money's id, which no other subject used
	_, err = s.SchemaByID(ctx, money.ID, "")
	wantKind(t, err, registry.ErrSchemaNotFound)
}

func TestReferencesFromTheSameSubjectAreIgnoredOnSubjectDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newService(t, registry.ServiceConfig{DefaultCompatibility: compat.None})
	mustRegister(t, s, avroReq("s", moneyAvro))
	req := avroReq("s", orderAvro())
	req.References = []registry.Reference{{Name: "com.acme.Money", Subject: "s", Version: 1}}
	mustRegister(t, s, req)
	_, err := s.DeleteVersion(ctx, "s", 1, false)
	wantKind(t, err, registry.ErrReferenceExists)
	got, err := s.DeleteSubject(ctx, "s", false)
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{1, 2}, got); diff != "" {
		t.Fatalf("deleted (-want +got):\n%s", diff)
	}
	if _, err := s.DeleteSubject(ctx, "s", true); err != nil {
		t.Fatalf("hard delete: %v", err)
	}
}

func TestNestedReferencesAreResolvedDependenciesFirst(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, avroReq("currency", `{"type":"enum","name":"Currency","namespace":"com.acme","symbols":["EUR","USD"]}`))
	req := avroReq("money", `{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"units","type":"long"},{"name":"currency","type":"com.acme.Currency"}]}`)
	req.References = []registry.Reference{{Name: "com.acme.Currency", Subject: "currency", Version: 1}}
	mustRegister(t, s, req)
	req = avroReq("orders", orderAvro(`{"name":"c","type":"com.acme.Currency"}`))
	// Money depends on Currency, which the order also names directly: it is passed once
	req.References = []registry.Reference{
		{Name: "com.acme.Money", Subject: "money", Version: 1},
		{Name: "com.acme.Currency", Subject: "currency", Version: 1},
	}
	order := mustRegister(t, s, req)
	p, err := s.Parsed(ctx, order.ID, "")
	wantKind(t, err, nil)
	if err := p.Validate([]byte(`{"id":"o","total":{"units":1,"currency":"EUR"},"c":"USD"}`), compat.EncodingJSON); err != nil {
		t.Fatalf("validate: %v", err)
	}
}

func TestProtobufImportReference(t *testing.T) {
	ctx, s := parallelService(t)
	money := `syntax = "proto3";
package acme;
message Money { int64 units = 1; string currency = 2; }
`
	mustRegister(t, s, registry.RegisterRequest{Subject: "acme/money.proto", Type: compat.Protobuf, Text: money})
	order := `syntax = "proto3";
package acme;
import "acme/money.proto";
message Order { string id = 1; Money total = 2; }
`
	sc := mustRegister(t, s, registry.RegisterRequest{Subject: "orders", Type: compat.Protobuf, Text: order,
		References: []registry.Reference{{Name: "acme/money.proto", Subject: "acme/money.proto", Version: registry.Latest}}})
	if sc.Type != compat.Protobuf || sc.References[0].Version != 1 {
		t.Fatalf("registered = %+v", sc)
	}
	_, p, err := s.ParsedVersion(ctx, "orders", registry.Latest)
	wantKind(t, err, nil)
	if p.Type() != compat.Protobuf {
		t.Fatalf("parsed type = %v", p.Type())
	}
	// without the reference the import cannot be resolved: 42201 naming the problem
	_, err = s.Register(ctx, registry.RegisterRequest{Subject: "orders2", Type: compat.Protobuf, Text: order})
	wantKind(t, err, registry.ErrInvalidSchema)
	if !strings.Contains(err.Error(), "money.proto") {
		t.Fatalf("error does not name the import: %v", err)
	}
}

func TestProtobufSyntaxErrorHasLineAndColumn(t *testing.T) {
	t.Parallel()
	s := newService(t, registry.ServiceConfig{})
	_, err := s.Register(context.Background(), registry.RegisterRequest{Subject: "p", Type: compat.Protobuf, Text: "syntax = \"proto3\";\nmessage M {\n  string id = ;\n}\n"})
	wantKind(t, err, registry.ErrInvalidSchema)
	if !strings.Contains(err.Error(), "3:") {
		t.Fatalf("error lacks a line: %v", err)
	}
}

func TestJSONSchemaRefReference(t *testing.T) {
	ctx, s := parallelService(t)
	mustRegister(t, s, registry.RegisterRequest{Subject: "address", Type: compat.JSON,
		Text: `{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}`})
	sc := mustRegister(t, s, registry.RegisterRequest{Subject: "customer", Type: compat.JSON,
		Text:       `{"type":"object","properties":{"address":{"$ref":"address.json"}}}`,
		References: []registry.Reference{{Name: "address.json", Subject: "address", Version: 1}}})
	p, err := s.Parsed(ctx, sc.ID, "")
	wantKind(t, err, nil)
	if err := p.Validate([]byte(`{"address":{"city":"Paris"}}`), compat.EncodingJSON); err != nil {
		t.Fatalf("valid payload: %v", err)
	}
	if err := p.Validate([]byte(`{"address":{}}`), compat.EncodingJSON); err == nil {
		t.Fatal("payload missing the referenced required property passed")
	}
}

func TestReferenceInheritsContext(t *testing.T) {
	ctx, s := parallelService(t)
	// "money" exists only in .staging; an unqualified reference from .staging finds it
	mustRegister(t, s, avroReq(":.staging:money", moneyAvro))
	req := avroReq(":.staging:orders", orderAvro())
	req.References = []registry.Reference{{Name: "com.acme.Money", Subject: "money", Version: 1}}
	sc := mustRegister(t, s, req)
	ids, err := s.ReferencedBy(ctx, ":.staging:money", 1, registry.ListOptions{})
	wantKind(t, err, nil)
	if diff := cmp.Diff([]int{sc.ID}, ids); diff != "" {
		t.Fatalf("referenced by (-want +got):\n%s", diff)
	}
	// from the default context the same reference does not resolve
	req.Subject = "orders"
	_, err = s.Register(ctx, req)
	wantKind(t, err, registry.ErrInvalidSchema)
	// a qualified reference does
	req.References[0].Subject = ":.staging:money"
	mustRegister(t, s, req)
}

// TestReferencesBounded: a new schema brings in at most MaxReferences schemas
// through its references and theirs, and at most 16 × MaxSchemaBytes of their
// text, however few each schema references directly. The refusal is an
// invalid schema (42201), and nothing is registered.
func TestReferencesBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	jsonReq := func(subject string, refs []registry.Reference) registry.RegisterRequest {
		return registry.RegisterRequest{Subject: subject, Type: compat.JSON, Text: `{"type":"object"}`, References: refs}
	}
	t.Run("DirectReferences", func(t *testing.T) {
		t.Parallel()
		s := newService(t, registry.ServiceConfig{})
		mustRegister(t, s, jsonReq("leaf", nil))
		refs := make([]registry.Reference, registry.MaxReferences+1)
		for i := range refs {
			refs[i] = registry.Reference{Name: fmt.Sprintf("r%d.json", i), Subject: "leaf", Version: 1}
		}
		_, err := s.Register(ctx, jsonReq("top", refs))
		wantMsg(t, err, registry.ErrInvalidSchema, "Invalid schema: 1001 references; at most 1000 are allowed.")
	})
	t.Run("ThroughTheirReferences", func(t *testing.T) {
		t.Parallel()
		// 33 middles, each referencing 33 leaves under names of its own:
		// the top's 33 references bring in 33 + 33×33 = 1122 schemas.
		s := newService(t, registry.ServiceConfig{})
		mustRegister(t, s, jsonReq("leaf", nil))
		var top []registry.Reference
		for i := range 33 {
			var refs []registry.Reference
			for j := range 33 {
				refs = append(refs, registry.Reference{Name: fmt.Sprintf("m%d-l%d.json", i, j), Subject: "leaf", Version: 1})
			}
			mustRegister(t, s, jsonReq(fmt.Sprintf("middle-%d", i), refs))
			top = append(top, registry.Reference{Name: fmt.Sprintf("m%d.json", i), Subject: fmt.Sprintf("middle-%d", i), Version: 1})
		}
		_, err := s.Register(ctx, jsonReq("top", top))
		wantMsg(t, err, registry.ErrInvalidSchema, "Invalid schema: it brings in more than 1000 schemas through its references and theirs.")
		if _, err := s.Versions(ctx, "top", registry.ListOptions{}); !errors.Is(err, registry.ErrSubjectNotFound) {
			t.Errorf("versions of the refused subject: %v, want ErrSubjectNotFound", err)
		}
	})
	t.Run("ReferencedText", func(t *testing.T) {
		t.Parallel()
		// 17 distinct schemas of 98 bytes under a 100-byte limit: 15 of them
		// fit in the 1,600 bytes all references may bring in together, 17 do not.
		s := newService(t, registry.ServiceConfig{MaxSchemaBytes: 100})
		var refs []registry.Reference
		for i := range 17 {
			text := fmt.Sprintf(`{"type":"object","description":"%064d"}`, i)
			mustRegister(t, s, registry.RegisterRequest{Subject: fmt.Sprintf("leaf-%d", i), Type: compat.JSON, Text: text})
			refs = append(refs, registry.Reference{Name: fmt.Sprintf("l%d.json", i), Subject: fmt.Sprintf("leaf-%d", i), Version: 1})
		}
		_, err := s.Register(ctx, jsonReq("top", refs[:15]))
		wantKind(t, err, nil)
		_, err = s.Register(ctx, jsonReq("top2", refs))
		wantMsg(t, err, registry.ErrInvalidSchema, "Invalid schema: the schemas it brings in through its references and theirs are over 1600 bytes.")
	})
}
