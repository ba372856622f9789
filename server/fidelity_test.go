package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
)

// These tests pin the behaviour of Confluent Schema Registry 8.1 where Herald
// used to differ (issue 13), one per item, through the HTTP API.

func withStrictImport() envOption {
	return func(_ *server.Config, rc *registry.ServiceConfig) { rc.StrictImport = true }
}

func withStrictReferences() envOption {
	return func(_ *server.Config, rc *registry.ServiceConfig) { rc.StrictReferences = true }
}

const (
	jsonMoney      = `{"type":"object","properties":{"amount":{"type":"number"}}}`
	protoMoneyFlat = "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; }\n"
)

// Item 1: a reference to a missing subject or version makes the schema invalid.
func TestFidelityMissingReferenceIsInvalidSchema(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("money-json", schemaBody("JSON", jsonMoney))
	e.register("money-proto", schemaBody("PROTOBUF", protoMoneyFlat))
	e.register("money-avro", schemaBody("", `{"type":"record","name":"Money","namespace":"acme","fields":[{"name":"units","type":"long"}]}`))
	cases := []struct {
		name, subject, body string
	}{
		{"AvroMissingSubject", "a1", schemaBody("", `{"type":"record","name":"O","fields":[{"name":"m","type":"acme.Money"}]}`, `{"name":"acme.Money","subject":"nope","version":1}`)},
		{"AvroMissingVersion", "a2", schemaBody("", `{"type":"record","name":"O","fields":[{"name":"m","type":"acme.Money"}]}`, `{"name":"acme.Money","subject":"money-avro","version":7}`)},
		{"JSONMissingSubject", "j1", schemaBody("JSON", `{"$ref":"money.json"}`, `{"name":"money.json","subject":"nope","version":1}`)},
		{"JSONMissingVersion", "j2", schemaBody("JSON", `{"$ref":"money.json"}`, `{"name":"money.json","subject":"money-json","version":3}`)},
		{"ProtobufMissingSubject", "p1", schemaBody("PROTOBUF", "syntax = \"proto3\";\nimport \"money.proto\";\nmessage O { acme.Money m = 1; }\n", `{"name":"money.proto","subject":"nope","version":1}`)},
		{"ProtobufMissingVersion", "p2", schemaBody("PROTOBUF", "syntax = \"proto3\";\nimport \"money.proto\";\nmessage O { acme.Money m = 1; }\n", `{"name":"money.proto","subject":"money-proto","version":2}`)},
	}
	for _, c := range cases {
		t.Run(c.name+"Is42201", func(t *testing.T) {
			wantError(t, e.do("POST", "/subjects/"+c.subject+"/versions", c.body), http.StatusUnprocessableEntity, 42201, "not found")
		})
	}
}

// Item 2: validateFields enforces confluent:reserved.
func TestFidelityReservedFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/config/orders", `{"validateFields":true}`)
	withMeta := func(schema, reserved string) string {
		m := map[string]any{"schema": schema, "metadata": map[string]any{"properties": map[string]string{"confluent:reserved": reserved}}}
		b, _ := json.Marshal(m)
		return string(b)
	}
	e.register("orders", withMeta(avroV1, "price, discount"))
	t.Run("AddingReservedFieldIs409", func(t *testing.T) {
		r := e.do("POST", "/subjects/orders/versions", withMeta(avroBad, "price,discount"))
		wantError(t, r, http.StatusConflict, 409, "FIELD_CONFLICTS_WITH_RESERVED_FIELD")
	})
	t.Run("RemovingReservedFieldIs409", func(t *testing.T) {
		r := e.do("POST", "/subjects/orders/versions", withMeta(avroV2, "price"))
		wantError(t, r, http.StatusConflict, 409, "RESERVED_FIELD_REMOVED")
	})
	t.Run("KeepingReservedFieldsRegisters", func(t *testing.T) {
		e.must(http.StatusOK, "POST", "/subjects/orders/versions", withMeta(avroV2, "discount,price,extra"))
	})
	t.Run("WithoutValidateFieldsNothingIsChecked", func(t *testing.T) {
		e.register("loose", withMeta(avroV1, "price"))
		e.must(http.StatusOK, "POST", "/subjects/loose/versions", withMeta(`{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"price","type":"double","default":0}]}`, ""))
	})
	t.Run("ProtobufReservedFieldIs409", func(t *testing.T) {
		e.must(http.StatusOK, "PUT", "/config/p", `{"validateFields":true}`)
		b, _ := json.Marshal(map[string]any{"schemaType": "PROTOBUF", "schema": protoMoneyFlat, "metadata": map[string]any{"properties": map[string]string{"confluent:reserved": "units"}}})
		wantError(t, e.do("POST", "/subjects/p/versions", string(b)), http.StatusConflict, 409, "FIELD_CONFLICTS_WITH_RESERVED_FIELD")
	})
}

// Item 3: reads and registrations under an alias act on the target subject.
func TestFidelitySubjectAlias(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.register("orders-value", schemaBody("", avroV1))
	e.must(http.StatusOK, "PUT", "/config/orders", `{"alias":"orders-value"}`)
	t.Run("ReadThroughAliasFindsTarget", func(t *testing.T) {
		r := e.must(http.StatusOK, "GET", "/subjects/orders/versions/latest", "")
		var got struct {
			Subject string
			ID      int
		}
		mustUnmarshal(t, r.body, &got)
		if got.Subject != "orders-value" || got.ID != id {
			t.Errorf("got %+v, want subject orders-value id %d", got, id)
		}
		wantJSON(t, e.must(http.StatusOK, "GET", "/subjects/orders/versions", ""), `[1]`)
	})
	t.Run("RegisterThroughAliasAddsTargetVersion", func(t *testing.T) {
		e.must(http.StatusOK, "POST", "/subjects/orders/versions", schemaBody("", avroV2))
		wantJSON(t, e.must(http.StatusOK, "GET", "/subjects/orders-value/versions", ""), `[1,2]`)
		wantJSON(t, e.must(http.StatusOK, "GET", "/subjects", ""), `["orders-value"]`)
	})
	t.Run("LookupThroughAliasFindsTarget", func(t *testing.T) {
		e.must(http.StatusOK, "POST", "/subjects/orders", schemaBody("", avroV1))
	})
}

// Item 4: ids are keyed on canonical text; a nested namespace that repeats the
// enclosing one is the same schema.
func TestFidelityAvroInheritedNamespaceSharesID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inherit := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"line","type":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"}]}}]}`
	repeat := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"line","type":{"type":"record","name":"Line","namespace":"com.acme","fields":[{"name":"sku","type":"string"}]}}]}`
	other := `{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"line","type":{"type":"record","name":"Line","namespace":"com.other","fields":[{"name":"sku","type":"string"}]}}]}`
	a := e.register("a", schemaBody("", inherit))
	b := e.register("b", schemaBody("", repeat))
	if a != b {
		t.Errorf("inherited and repeated namespace: ids %d and %d, want one id", a, b)
	}
	r := e.must(http.StatusOK, "GET", "/subjects/b/versions/1/schema", "")
	if string(r.body) != inherit {
		t.Errorf("stored text %s, want %s", r.body, inherit)
	}
	if c := e.register("c", schemaBody("", other)); c == a {
		t.Errorf("a different namespace got the same id %d", c)
	}
	// JSON Schema keeps key order, as Confluent's compact JSON does: two key
	// orders are two schemas unless normalize=true.
	j1 := e.register("j1", schemaBody("JSON", `{"type":"object","title":"x"}`))
	j2 := e.register("j2", schemaBody("JSON", `{"title":"x","type":"object"}`))
	if j1 == j2 {
		t.Errorf("JSON Schema key orders share id %d, want two ids", j1)
	}
}

// Item 6: IMPORT mode.
func TestFidelityImportMode(t *testing.T) {
	t.Parallel()
	imp := func(schema string, id, version int) string {
		b, _ := json.Marshal(map[string]any{"schema": schema, "id": id, "version": version})
		return string(b)
	}
	t.Run("DifferentSchemaUnderTakenIDIs42205", func(t *testing.T) {
		e := newEnv(t)
		e.must(http.StatusOK, "PUT", "/mode", `{"mode":"IMPORT"}`)
		e.must(http.StatusOK, "POST", "/subjects/a/versions", imp(avroV1, 10, 1))
		wantError(t, e.do("POST", "/subjects/b/versions", imp(avroV2, 10, 1)), http.StatusUnprocessableEntity, 42205, "id 10")
	})
	t.Run("ExistingVersionIsOverwritten", func(t *testing.T) {
		e := newEnv(t)
		e.must(http.StatusOK, "PUT", "/mode", `{"mode":"IMPORT"}`)
		e.must(http.StatusOK, "POST", "/subjects/a/versions", imp(avroV1, 10, 1))
		e.must(http.StatusOK, "POST", "/subjects/a/versions", imp(avroV2, 11, 1))
		r := e.must(http.StatusOK, "GET", "/subjects/a/versions/1", "")
		var got struct{ ID int }
		mustUnmarshal(t, r.body, &got)
		if got.ID != 11 {
			t.Errorf("version 1 has id %d, want 11", got.ID)
		}
		wantError(t, e.do("GET", "/schemas/ids/10", ""), http.StatusNotFound, 40403, "")
		wantJSON(t, e.must(http.StatusOK, "GET", "/subjects/a/versions", ""), `[1]`)
	})
	t.Run("StrictImportRefusesExistingVersion", func(t *testing.T) {
		e := newEnv(t, withStrictImport())
		e.must(http.StatusOK, "PUT", "/mode", `{"mode":"IMPORT"}`)
		e.must(http.StatusOK, "POST", "/subjects/a/versions", imp(avroV1, 10, 1))
		wantError(t, e.do("POST", "/subjects/a/versions", imp(avroV2, 11, 1)), http.StatusUnprocessableEntity, 42205, "already exists")
	})
}

// Item 7: a soft-deleted referrer no longer holds its target.
func TestFidelityPermanentDeleteAfterReferrerSoftDeleted(t *testing.T) {
	t.Parallel()
	setup := func(e *testEnv) {
		e.register("money", schemaBody("JSON", jsonMoney))
		e.register("order", schemaBody("JSON", `{"$ref":"money.json"}`, `{"name":"money.json","subject":"money","version":1}`))
		e.must(http.StatusOK, "DELETE", "/subjects/order", "")
		e.must(http.StatusOK, "DELETE", "/subjects/money", "")
	}
	t.Run("PermanentDeleteSucceeds", func(t *testing.T) {
		e := newEnv(t)
		setup(e)
		wantJSON(t, e.must(http.StatusOK, "DELETE", "/subjects/money?permanent=true", ""), `[1]`)
	})
	t.Run("StrictReferencesRefuseWith42206", func(t *testing.T) {
		e := newEnv(t, withStrictReferences())
		setup(e)
		wantError(t, e.do("DELETE", "/subjects/money?permanent=true", ""), http.StatusUnprocessableEntity, 42206, "")
	})
	t.Run("LiveReferrerStillRefusesSoftDelete", func(t *testing.T) {
		e := newEnv(t)
		e.register("money", schemaBody("JSON", jsonMoney))
		e.register("order", schemaBody("JSON", `{"$ref":"money.json"}`, `{"name":"money.json","subject":"money","version":1}`))
		wantError(t, e.do("DELETE", "/subjects/money", ""), http.StatusUnprocessableEntity, 42206, "")
	})
}

// Item 8: a lookup with an empty schema is "schema not found".
func TestFidelityLookupEmptySchemaIs40403(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("a", schemaBody("", avroV1))
	wantError(t, e.do("POST", "/subjects/a", `{"schema":""}`), http.StatusNotFound, 40403, "")
	wantError(t, e.do("POST", "/subjects/missing", `{"schema":""}`), http.StatusNotFound, 40401, "")
}

// Item 9: PUT /config answers with the stored config.
func TestFidelityPutConfigAnswersStoredConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/config", `{"compatibility":"FULL","normalize":true}`)
	wantJSON(t, e.must(http.StatusOK, "PUT", "/config", `{}`), `{"compatibility":"FULL","normalize":true}`)
	wantJSON(t, e.must(http.StatusOK, "PUT", "/config/s", `{"compatibility":"NONE"}`), `{"compatibility":"NONE"}`)
	wantJSON(t, e.must(http.StatusOK, "PUT", "/config/s", `{"validateFields":true}`), `{"compatibility":"NONE","validateFields":true}`)
}

// Contexts: listings, names, __GLOBAL and inheritance (Confluent 8.1.1 source).
func TestFidelityContexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("plain", schemaBody("", avroV1))
	e.register(url.PathEscape(":.ctx1:a"), schemaBody("", avroV1))
	e.register(url.PathEscape(":.ctx2:b"), schemaBody("", avroV1))
	listings := []struct{ name, path, want string }{
		{"ContextPrefixListsQualifiedNamesOfThatContextOnly", "/contexts/.ctx1/subjects", `[":.ctx1:a"]`},
		{"ContextPrefixWithSubjectPrefixStaysInContext", "/contexts/.ctx1/subjects?subjectPrefix=a", `[":.ctx1:a"]`},
		{"DefaultContextPrefixListsDefaultContextOnly", "/contexts/:.:/subjects", `["plain"]`},
		{"EmptySubjectPrefixListsDefaultContextOnly", "/subjects?subjectPrefix=", `["plain"]`},
		{"NoSubjectPrefixListsEveryContext", "/subjects", `["plain",":.ctx1:a",":.ctx2:b"]`},
		{"WildcardUnderContextListsEveryContext", "/contexts/.ctx1/subjects?subjectPrefix=:*:", `["plain",":.ctx1:a",":.ctx2:b"]`},
		{"ContextPrefixVersionsOfItsSubject", "/contexts/.ctx2/subjects/b/versions", `[1]`},
		{"OddContextNameIsAcceptedAndHoldsNothing", "/contexts/" + url.PathEscape(".a@b!#%") + "/subjects", `[]`},
		{"ContextNameWithSpaceIsAcceptedAndHoldsNothing", "/contexts/" + url.PathEscape(".a b") + "/subjects", `[]`},
	}
	for _, l := range listings {
		t.Run(l.name, func(t *testing.T) {
			wantJSON(t, e.must(http.StatusOK, "GET", l.path, ""), l.want)
		})
	}
	t.Run("ColonInContextNameIs400", func(t *testing.T) {
		wantError(t, e.do("GET", "/contexts/"+url.PathEscape(".a:b")+"/subjects", ""), http.StatusBadRequest, 400, "")
	})
	t.Run("RegisterUnderGlobalContextIs42208", func(t *testing.T) {
		wantError(t, e.do("POST", "/subjects/"+url.PathEscape(":.__GLOBAL:x")+"/versions", schemaBody("", avroV1)), http.StatusUnprocessableEntity, 42208, "")
	})
	t.Run("ConfigInheritsSubjectThenContextThenGlobal", func(t *testing.T) {
		e.must(http.StatusOK, "PUT", "/config", `{"compatibility":"FULL"}`)
		e.must(http.StatusOK, "PUT", "/config/"+url.PathEscape(":.ctx1:"), `{"compatibility":"NONE"}`)
		level := func(subject string) string {
			var got struct{ CompatibilityLevel string }
			mustUnmarshal(t, e.must(http.StatusOK, "GET", "/config/"+url.PathEscape(subject)+"?defaultToGlobal=true", "").body, &got)
			return got.CompatibilityLevel
		}
		if got := level(":.ctx1:a"); got != "NONE" {
			t.Errorf("subject in ctx1: %s, want NONE (its context's)", got)
		}
		if got := level(":.ctx2:b"); got != "FULL" {
			t.Errorf("subject in ctx2: %s, want FULL (global)", got)
		}
		e.must(http.StatusOK, "PUT", "/contexts/.ctx1/config/a", `{"compatibility":"FORWARD"}`)
		if got := level(":.ctx1:a"); got != "FORWARD" {
			t.Errorf("subject with its own config: %s, want FORWARD", got)
		}
	})
	t.Run("ModeInheritsSubjectThenContextThenGlobal", func(t *testing.T) {
		e.must(http.StatusOK, "PUT", "/mode/"+url.PathEscape(":.ctx2:"), `{"mode":"READONLY"}`)
		wantError(t, e.do("POST", "/contexts/.ctx2/subjects/b/versions", schemaBody("", avroV2)), http.StatusUnprocessableEntity, 42205, "read-only")
		e.must(http.StatusOK, "PUT", "/contexts/.ctx2/mode/b", `{"mode":"READWRITE"}`)
		e.must(http.StatusOK, "POST", "/contexts/.ctx2/subjects/b/versions", schemaBody("", avroV2))
		var got struct{ Mode string }
		mustUnmarshal(t, e.must(http.StatusOK, "GET", "/mode/"+url.PathEscape(":.ctx2:c")+"?defaultToGlobal=true", "").body, &got)
		if got.Mode != "READONLY" {
			t.Errorf("unset subject in read-only context: mode %s, want READONLY", got.Mode)
		}
	})
}
