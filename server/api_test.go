package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestRoot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, method := range []string{"GET", "POST"} {
		r := e.must(http.StatusOK, method, "/", "")
		wantJSON(t, r, `{}`)
		if ct := r.header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
			t.Errorf("%s /: Content-Type %q", method, ct)
		}
	}
	r := e.must(http.StatusFound, "GET", "/", "", "Accept: text/html,application/xhtml+xml")
	if loc := r.header.Get("Location"); loc != "/ui/" {
		t.Errorf("browser redirect to %q, want /ui/", loc)
	}
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("UnknownPath", func(t *testing.T) {
		r := e.do("GET", "/no/such/thing", "")
		wantError(t, r, 404, 404, "")
		wantJSON(t, r, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
		if ct := r.header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("TrailingSlash", func(t *testing.T) {
		wantJSON(t, e.must(200, "GET", "/subjects/", ""), `[]`)
		wantJSON(t, e.must(200, "GET", "/contexts/", ""), `["."]`)
	})
	t.Run("WrongMethod", func(t *testing.T) {
		wantError(t, e.do("PATCH", "/subjects", ""), 405, 405, "")
		wantError(t, e.do("PUT", "/schemas/types", `{}`), 405, 405, "")
	})
}

func TestRegisterAndRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.must(200, "POST", "/subjects/orders-value/versions", schemaBody("", avroV1))
	wantJSON(t, r, `{"id":1,"version":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+`}`, "guid")
	var reg struct{ GUID string }
	mustUnmarshal(t, r.body, &reg)
	if reg.GUID == "" {
		t.Error("register answer carries no guid")
	}

	// Idempotent: same id, no new version, even with explicit AVRO type.
	r = e.must(200, "POST", "/subjects/orders-value/versions", schemaBody("AVRO", avroV1))
	wantJSON(t, r, `{"id":1,"version":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+`}`, "guid")
	// Compatible second version; same content under another subject shares the id.
	if id := e.register("orders-value", schemaBody("", avroV2)); id != 2 {
		t.Errorf("v2 id %d, want 2", id)
	}
	if id := e.register("other", schemaBody("", avroV1)); id != 1 {
		t.Errorf("same schema under another subject got id %d, want 1", id)
	}

	wantJSON(t, e.must(200, "GET", "/subjects", ""), `["orders-value","other"]`)
	wantJSON(t, e.must(200, "GET", "/subjects?subjectPrefix=ord", ""), `["orders-value"]`)
	wantJSON(t, e.must(200, "GET", "/subjects/orders-value/versions", ""), `[1,2]`)

	v1 := `{"subject":"orders-value","version":1,"id":1,"schemaType":"AVRO","schema":` + strconv.Quote(avroV1) + `,"deleted":false}`
	v2 := `{"subject":"orders-value","version":2,"id":2,"schemaType":"AVRO","schema":` + strconv.Quote(avroV2) + `,"deleted":false}`
	for path, want := range map[string]string{
		"/subjects/orders-value/versions/1":      v1,
		"/subjects/orders-value/versions/2":      v2,
		"/subjects/orders-value/versions/latest": v2,
		"/subjects/orders-value/versions/-1":     v2,
	} {
		r := e.must(200, "GET", path, "")
		wantJSON(t, r, want, "guid", "ts")
	}
	r = e.must(200, "GET", "/subjects/orders-value/versions/latest/schema", "")
	if string(r.body) != avroV2 {
		t.Errorf("raw schema = %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
		t.Errorf("raw schema Content-Type %q", ct)
	}

	// By id.
	wantJSON(t, e.must(200, "GET", "/schemas/ids/2", ""), `{"schema":`+strconv.Quote(avroV2)+`,"schemaType":"AVRO"}`, "guid")
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1?subject=orders-value", ""),
		`{"schema":`+strconv.Quote(avroV1)+`,"schemaType":"AVRO","subject":"orders-value","version":1,"deleted":false}`, "guid", "ts")
	if r := e.must(200, "GET", "/schemas/ids/1/schema", ""); string(r.body) != avroV1 {
		t.Errorf("raw by id = %s", r.body)
	}
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1/subjects", ""), `["orders-value","other"]`)
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1/versions", ""), `[{"subject":"orders-value","version":1},{"subject":"other","version":1}]`)
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1?subject=orders-value", ""),
		`{"schema":`+strconv.Quote(avroV1)+`,"schemaType":"AVRO","subject":"orders-value","version":1,"deleted":false}`, "guid", "ts")

	// By guid.
	wantJSON(t, e.must(200, "GET", "/schemas/guids/"+reg.GUID, ""), `{"schema":`+strconv.Quote(avroV1)+`,"schemaType":"AVRO","guid":"`+reg.GUID+`"}`)
	wantJSON(t, e.must(200, "GET", "/schemas/guids/"+reg.GUID+"/ids", ""), `[{"context":".","id":1}]`)

	// Listing.
	wantJSON(t, e.must(200, "GET", "/schemas?latestOnly=true", ""),
		`[`+v2+`,{"subject":"other","version":1,"id":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+`,"deleted":false}]`, "guid", "ts")
	wantJSON(t, e.must(200, "GET", "/schemas?subjectPrefix=other", ""),
		`[{"subject":"other","version":1,"id":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+`,"deleted":false}]`, "guid", "ts")
	r = e.must(200, "GET", "/schemas/types", "")
	var types []string
	mustUnmarshal(t, r.body, &types)
	if strings.Join(types, ",") != "JSON,PROTOBUF,AVRO" {
		t.Errorf("types = %v", types)
	}

	// Lookup.
	wantJSON(t, e.must(200, "POST", "/subjects/orders-value", schemaBody("", avroV2)), v2, "guid", "ts")
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", schemaBody("", avroV1))
	wantErrors(t, e.do, []errorCase{
		{"SubjectVersions", "GET", "/subjects/nope/versions", "", nil, 404, 40401, "Subject 'nope' not found"},
		{"SubjectVersion", "GET", "/subjects/nope/versions/1", "", nil, 404, 40401, "nope"},
		{"Version", "GET", "/subjects/s/versions/7", "", nil, 404, 40402, "Version 7 not found"},
		{"VersionRaw", "GET", "/subjects/s/versions/7/schema", "", nil, 404, 40402, ""},
		{"SchemaID", "GET", "/schemas/ids/99", "", nil, 404, 40403, "99"},
		{"SchemaIDNotANumber", "GET", "/schemas/ids/abc", "", nil, 404, 40403, ""},
		{"SchemaIDRaw", "GET", "/schemas/ids/99/schema", "", nil, 404, 40403, ""},
		{"SchemaIDSubjects", "GET", "/schemas/ids/99/subjects", "", nil, 404, 40403, ""},
		{"SchemaIDVersions", "GET", "/schemas/ids/99/versions", "", nil, 404, 40403, ""},
		{"GUID", "GET", "/schemas/guids/00000000-0000-0000-0000-000000000000", "", nil, 404, 40403, ""},
		{"LookupMissingSubject", "POST", "/subjects/nope", schemaBody("", avroV1), nil, 404, 40401, ""},
		{"LookupNotRegistered", "POST", "/subjects/s", schemaBody("", avroV2), nil, 404, 40403, ""},
		{"SubjectConfig", "GET", "/config/s", "", nil, 404, 40408, "does not have subject-level compatibility configured"},
		{"SubjectMode", "GET", "/mode/s", "", nil, 404, 40409, "does not have subject-level mode configured"},
		{"DeleteSubjectConfig", "DELETE", "/config/s", "", nil, 404, 40401, ""},
		{"DeleteMissingSubject", "DELETE", "/subjects/nope", "", nil, 404, 40401, ""},
		{"ReferencedByMissing", "GET", "/subjects/s/versions/3/referencedby", "", nil, 404, 40402, ""},
		{"CompatMissingVersion", "POST", "/compatibility/subjects/s/versions/5", schemaBody("", avroV2), nil, 404, 40402, ""},
		{"MetadataNoMatch", "GET", "/subjects/s/metadata?key=owner&value=x", "", nil, 404, 40403, ""},
		{"MetadataMissingSubject", "GET", "/subjects/nope/metadata?key=owner&value=x", "", nil, 404, 40401, ""},
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMaxSchemaBytes(300))
	e.register("s", schemaBody("", avroV1))
	big := `{"type":"record","name":"Big","fields":[{"name":"f","type":"string","doc":"` + strings.Repeat("x", 400) + `"}]}`
	wantErrors(t, e.do, []errorCase{
		{"MalformedJSON", "POST", "/subjects/s/versions", `{"schema": `, nil, 400, 400, ""},
		{"NotAnObject", "POST", "/subjects/s/versions", `[1,2`, nil, 400, 400, ""},
		{"WrongFieldType", "POST", "/subjects/s/versions", `{"schema": {"a":1}}`, nil, 422, 422, ""},
		{"EmptyBody", "POST", "/subjects/s/versions", ``, []string{"Content-Type: application/vnd.schemaregistry.v1+json"}, 422, 422, ""},
		{"UnknownSchemaType", "POST", "/subjects/s/versions", schemaBody("XML", "<a/>"), nil, 422, 42201, "Invalid schema type XML"},
		{"LowercaseSchemaType", "POST", "/subjects/s/versions", schemaBody("avro", avroV1), nil, 422, 42201, "Invalid schema type avro"},
		{"InvalidAvro", "POST", "/subjects/t/versions", schemaBody("", `{"type":"record","name":"X","fields":[{"name":"a","type":"nosuch"}]}`), nil, 422, 42201, "nosuch"},
		{"InvalidAvroJSON", "POST", "/subjects/t/versions", schemaBody("", `{"type":`), nil, 422, 42201, ""},
		{"InvalidJSONSchema", "POST", "/subjects/t/versions", schemaBody("JSON", `{"type": 12}`), nil, 422, 42201, ""},
		{"InvalidProtobufLineColumn", "POST", "/subjects/t/versions", schemaBody("PROTOBUF", "syntax = \"proto3\";\nmessage A {\n  int32 x = 1\n}\n"), nil, 422, 42201, "4:1"},
		{"EmptySchemaNoVersions", "POST", "/subjects/fresh/versions", `{"schema":""}`, nil, 422, 42201, ""},
		{"InvalidSubjectControlChar", "POST", "/subjects/a%01b/versions", schemaBody("", avroV1), nil, 422, 42208, "is not a valid"},
		{"InvalidSubjectGlobal", "POST", "/subjects/__GLOBAL/versions", schemaBody("", avroV1), nil, 422, 42208, ""},
		{"InvalidVersionWord", "GET", "/subjects/s/versions/abc", "", nil, 422, 42202, "is not a valid version id"},
		{"InvalidVersionZero", "GET", "/subjects/s/versions/0", "", nil, 422, 42202, ""},
		{"InvalidVersionNegative", "GET", "/subjects/s/versions/-2", "", nil, 422, 42202, ""},
		{"InvalidVersionOverflow", "GET", "/subjects/s/versions/99999999999", "", nil, 422, 42202, ""},
		{"InvalidVersionDelete", "DELETE", "/subjects/s/versions/x", "", nil, 422, 42202, ""},
		{"InvalidVersionCompat", "POST", "/compatibility/subjects/s/versions/x", schemaBody("", avroV1), nil, 422, 42202, ""},
		{"InvalidVersionReferencedBy", "GET", "/subjects/s/versions/x/referencedby", "", nil, 422, 42202, ""},
		{"SchemaTooLarge", "POST", "/subjects/s/versions", schemaBody("", big), nil, 422, 42209, ""},
		{"InvalidLevel", "PUT", "/config", `{"compatibility":"SIDEWAYS"}`, nil, 422, 42203, "Invalid compatibility level"},
		{"InvalidSubjectLevel", "PUT", "/config/s", `{"compatibility":"SIDEWAYS"}`, nil, 422, 42203, ""},
		{"InvalidPolicy", "PUT", "/config", `{"compatibilityPolicy":"LOOSE"}`, nil, 422, 42203, ""},
		{"InvalidMode", "PUT", "/mode", `{"mode":"WRITEONLY"}`, nil, 422, 42204, "Invalid mode"},
		{"InvalidModeSubject", "PUT", "/mode/s", `{"mode":"WRITEONLY"}`, nil, 422, 42204, ""},
		{"BadOffset", "GET", "/subjects?offset=x", "", nil, 400, 400, "offset"},
		{"BadContextPrefix", "GET", "/contexts/a:b/subjects", "", nil, 400, 400, ""},
		{"UnsupportedMediaType", "POST", "/subjects/s/versions", schemaBody("", avroV1), []string{"Content-Type: text/plain"}, 415, 415, ""},
		{"UnsupportedMediaTypeXML", "PUT", "/config", `{"compatibility":"FULL"}`, []string{"Content-Type: application/xml"}, 415, 415, ""},
		{"UnsupportedMediaTypeCompat", "POST", "/v1/compat/subjects/s", schemaBody("", avroV1), []string{"Content-Type: text/plain"}, 415, 415, ""},
	})
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withMaxBody(1000))
	body := schemaBody("", `{"type":"record","name":"Big","fields":[{"name":"f","type":"string","doc":"`+strings.Repeat("x", 2000)+`"}]}`)
	wantError(t, e.do("POST", "/subjects/s/versions", body), 413, 413, "")
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, ct := range []string{
		"application/vnd.schemaregistry.v1+json",
		"application/vnd.schemaregistry+json",
		"application/json",
		"application/json; charset=utf-8",
		"application/octet-stream",
	} {
		t.Run(strconv.Quote(ct), func(t *testing.T) {
			subject := "ct-" + strconv.Itoa(i)
			r := e.must(200, "POST", "/subjects/"+subject+"/versions", schemaBody("", avroV1), "Content-Type: "+ct)
			if got := r.header.Get("Content-Type"); got != "application/vnd.schemaregistry.v1+json" {
				t.Errorf("answer Content-Type %q", got)
			}
		})
	}
	// Unlike Confluent, a body without Content-Type is refused: a web page on
	// any site could send it to a local Herald without a CORS preflight.
	t.Run("NoContentTypeRefused", func(t *testing.T) {
		wantError(t, e.do("POST", "/subjects/ct-none/versions", schemaBody("", avroV1), "Content-Type:"), 415, 415, "")
	})
	t.Run("AcceptIgnored", func(t *testing.T) {
		r := e.must(200, "GET", "/subjects", "", "Accept: application/json")
		if got := r.header.Get("Content-Type"); got != "application/vnd.schemaregistry.v1+json" {
			t.Errorf("answer Content-Type %q", got)
		}
	})
	t.Run("UnknownFieldsIgnored", func(t *testing.T) {
		body := `{"schema":` + strconv.Quote(avroV1) + `,"schemaTagsToAdd":[],"propagateSchemaTags":true,"future":{"x":1}}`
		e.must(200, "POST", "/subjects/unknown-fields/versions", body)
	})
	t.Run("NativeErrorsAreJSON", func(t *testing.T) {
		r := e.do("POST", "/v1/compat/subjects/s", `{`)
		wantError(t, r, 400, 400, "")
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("native error Content-Type %q", got)
		}
	})
}

func TestSubjectWithSlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("google%2Ftype%2Fmoney.proto", schemaBody("PROTOBUF", "syntax = \"proto3\";\npackage google.type;\nmessage Money { string currency_code = 1; }\n"))
	wantJSON(t, e.must(200, "GET", "/subjects", ""), `["google/type/money.proto"]`)
	wantJSON(t, e.must(200, "GET", "/subjects/google%2Ftype%2Fmoney.proto/versions", ""), `[1]`)
}

func TestCompatibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", schemaBody("", avroV1))

	t.Run("Register409", func(t *testing.T) {
		r := e.do("POST", "/subjects/s/versions", schemaBody("", avroBad))
		wantError(t, r, 409, 409, `Schema being registered is incompatible with an earlier schema for subject "s"`)
		var body struct {
			Violations []map[string]any `json:"violations"`
		}
		mustUnmarshal(t, r.body, &body)
		if len(body.Violations) != 1 || body.Violations[0]["rule"] != "READER_FIELD_MISSING_DEFAULT_VALUE" ||
			body.Violations[0]["direction"] != "backward" || body.Violations[0]["version"] != float64(1) {
			t.Errorf("violations = %v", body.Violations)
		}
	})
	t.Run("Register40901", func(t *testing.T) {
		e2 := newEnv(t, withIncompatibleCode(40901))
		e2.register("s", schemaBody("", avroV1))
		wantError(t, e2.do("POST", "/subjects/s/versions", schemaBody("", avroBad)), 409, 40901, "incompatible")
	})
	t.Run("Confluent", func(t *testing.T) {
		for _, tc := range []struct{ path, body, want string }{
			{"/compatibility/subjects/s/versions/latest", schemaBody("", avroV2), `{"is_compatible":true}`},
			{"/compatibility/subjects/s/versions/1", schemaBody("", avroBad), `{"is_compatible":false}`},
			{"/compatibility/subjects/s/versions", schemaBody("", avroBad), `{"is_compatible":false}`},
			{"/compatibility/subjects/s/versions?verbose=true", schemaBody("", avroV2), `{"is_compatible":true,"messages":[]}`},
			{"/compatibility/subjects/empty/versions/latest", schemaBody("", avroBad), `{"is_compatible":true}`},
		} {
			wantJSON(t, e.must(200, "POST", tc.path, tc.body), tc.want)
		}
		r := e.must(200, "POST", "/compatibility/subjects/s/versions/latest?verbose=true", schemaBody("", avroBad))
		var out struct {
			IsCompatible bool     `json:"is_compatible"`
			Messages     []string `json:"messages"`
		}
		mustUnmarshal(t, r.body, &out)
		if out.IsCompatible || len(out.Messages) == 0 || !strings.Contains(out.Messages[0], "READER_FIELD_MISSING_DEFAULT_VALUE") {
			t.Errorf("verbose answer = %s", r.body)
		}
		// verbose turns an invalid schema into a message rather than a 422.
		r = e.must(200, "POST", "/compatibility/subjects/s/versions/latest?verbose=true", schemaBody("", `{"type":"nosuch"}`))
		if !strings.Contains(string(r.body), `"is_compatible":false`) || !strings.Contains(string(r.body), "messages") {
			t.Errorf("verbose invalid schema = %s", r.body)
		}
		wantError(t, e.do("POST", "/compatibility/subjects/s/versions/latest", schemaBody("", `{"type":"nosuch"}`)), 422, 42201, "")
		wantError(t, e.do("POST", "/compatibility/subjects/s/versions", schemaBody("XML", `x`)), 422, 42201, "Invalid schema type")
	})
	t.Run("Native", func(t *testing.T) {
		wantJSON(t, e.must(200, "POST", "/v1/compat/subjects/s", schemaBody("", avroV2)), `{"compatible":true,"level":"BACKWARD","violations":[]}`)
		r1 := e.must(200, "POST", "/v1/compat/subjects/s/versions/1", schemaBody("", avroBad))
		r1.body = []byte(regexp.MustCompile(`"message":"(\\.|[^"\\])*",?`).ReplaceAllString(string(r1.body), ""))
		wantJSON(t, r1,
			`{"compatible":false,"level":"BACKWARD","violations":[{"rule":"READER_FIELD_MISSING_DEFAULT_VALUE","path":"/fields/1","direction":"backward","version":1}]}`)
		r := e.must(200, "POST", "/v1/compat/subjects/s", schemaBody("", avroBad))
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		var rep struct {
			Violations []struct{ Message string } `json:"violations"`
		}
		mustUnmarshal(t, r.body, &rep)
		if len(rep.Violations) != 1 || !strings.Contains(rep.Violations[0].Message, "price") {
			t.Errorf("report = %s", r.body)
		}
		wantError(t, e.do("POST", "/v1/compat/subjects/s/versions/x", schemaBody("", avroV2)), 422, 42202, "")
		wantError(t, e.do("POST", "/v1/compat/subjects/s/versions/4", schemaBody("", avroV2)), 404, 40402, "")
		wantError(t, e.do("POST", "/v1/compat/subjects/s", schemaBody("", `{"type":"nosuch"}`)), 422, 42201, "")
	})
	t.Run("ForceSkipsCheck", func(t *testing.T) {
		e3 := newEnv(t)
		e3.register("s", schemaBody("", avroV1))
		e3.must(200, "POST", "/subjects/s/versions?force=true", schemaBody("", avroBad))
	})
}

func TestConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantJSON(t, e.must(200, "GET", "/config", ""), `{"compatibilityLevel":"BACKWARD"}`)
	wantJSON(t, e.must(200, "PUT", "/config", `{"compatibility":"full"}`), `{"compatibility":"FULL"}`)
	wantJSON(t, e.must(200, "GET", "/config", ""), `{"compatibilityLevel":"FULL"}`)

	wantJSON(t, e.must(200, "PUT", "/config/s", `{"compatibility":"NONE","normalize":true,"compatibilityPolicy":"lenient","protobufRuleSet":"wire"}`),
		`{"compatibility":"NONE","normalize":true,"compatibilityPolicy":"LENIENT","protobufRuleSet":"WIRE"}`)
	wantJSON(t, e.must(200, "GET", "/config/s", ""), `{"compatibilityLevel":"NONE","normalize":true,"compatibilityPolicy":"LENIENT","protobufRuleSet":"WIRE"}`)
	wantJSON(t, e.must(200, "GET", "/config/other?defaultToGlobal=true", ""), `{"compatibilityLevel":"FULL"}`)
	// NONE lets an incompatible schema in.
	e.register("s", schemaBody("", avroV1))
	e.register("s", schemaBody("", avroBad))

	wantJSON(t, e.must(200, "DELETE", "/config/s", ""), `{"compatibilityLevel":"NONE","normalize":true,"compatibilityPolicy":"LENIENT","protobufRuleSet":"WIRE"}`)
	wantError(t, e.do("GET", "/config/s", ""), 404, 40408, "")
	wantJSON(t, e.must(200, "DELETE", "/config", ""), `{"compatibilityLevel":"FULL"}`)
	wantJSON(t, e.must(200, "GET", "/config", ""), `{"compatibilityLevel":"BACKWARD"}`)

	// Context-level config through the context qualifier.
	e.must(200, "PUT", "/config/:.staging:", `{"compatibility":"FORWARD"}`)
	wantJSON(t, e.must(200, "GET", "/contexts/.staging/config", ""), `{"compatibilityLevel":"FORWARD"}`)
}

func TestMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", schemaBody("", avroV1))
	wantJSON(t, e.must(200, "GET", "/mode", ""), `{"mode":"READWRITE"}`)
	wantJSON(t, e.must(200, "PUT", "/mode/s", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantJSON(t, e.must(200, "GET", "/mode/s", ""), `{"mode":"READONLY"}`)
	wantJSON(t, e.must(200, "GET", "/mode/other?defaultToGlobal=true", ""), `{"mode":"READWRITE"}`)

	// Read-only refuses writes, but re-registering an existing schema still works.
	wantError(t, e.do("POST", "/subjects/s/versions", schemaBody("", avroV2)), 422, 42205, "")
	wantError(t, e.do("DELETE", "/subjects/s/versions/1", ""), 422, 42205, "")
	wantError(t, e.do("DELETE", "/subjects/s", ""), 422, 42205, "")
	e.must(200, "POST", "/subjects/s/versions", schemaBody("", avroV1))

	wantJSON(t, e.must(200, "DELETE", "/mode/s", ""), `{"mode":"READONLY"}`)
	wantError(t, e.do("GET", "/mode/s", ""), 404, 40409, "")

	// IMPORT needs an empty registry unless forced, and then needs ids.
	wantError(t, e.do("PUT", "/mode", `{"mode":"IMPORT"}`), 422, 42205, "")
	wantJSON(t, e.must(200, "PUT", "/mode?force=true", `{"mode":"IMPORT"}`), `{"mode":"IMPORT"}`)
	wantError(t, e.do("POST", "/subjects/imp/versions", schemaBody("", avroV2)), 422, 42205, "")
	r := e.must(200, "POST", "/subjects/imp/versions", `{"schema":`+strconv.Quote(avroV2)+`,"id":100,"version":3}`)
	wantJSON(t, r, `{"id":100,"version":3,"schemaType":"AVRO","schema":`+strconv.Quote(avroV2)+`}`, "guid")
	// The same id with other content clashes.
	wantError(t, e.do("POST", "/subjects/imp2/versions", `{"schema":`+strconv.Quote(avroBad)+`,"id":100}`), 422, 42205, "")
	wantJSON(t, e.must(200, "DELETE", "/mode", ""), `{"mode":"IMPORT"}`)
	wantJSON(t, e.must(200, "GET", "/mode", ""), `{"mode":"READWRITE"}`)
}

func TestDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", schemaBody("", avroV1))
	e.register("s", schemaBody("", avroV2))

	wantError(t, e.do("DELETE", "/subjects/s/versions/1?permanent=true", ""), 404, 40407, "was not deleted first")
	wantJSON(t, e.must(200, "DELETE", "/subjects/s/versions/1", ""), `1`)
	wantError(t, e.do("DELETE", "/subjects/s/versions/1", ""), 404, 40406, "was soft deleted")
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions", ""), `[2]`)
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions?deleted=true", ""), `[1,2]`)
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions?deletedOnly=true", ""), `[1]`)
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions?deletedAsNegative=true", ""), `[-1,2]`)
	wantError(t, e.do("GET", "/subjects/s/versions/1", ""), 404, 40402, "")
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions/1?deleted=true", ""),
		`{"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+`,"deleted":true}`, "guid", "ts")
	// Ids survive soft deletes.
	e.must(200, "GET", "/schemas/ids/1", "")
	wantJSON(t, e.must(200, "DELETE", "/subjects/s/versions/1?permanent=true", ""), `1`)
	wantJSON(t, e.must(200, "GET", "/subjects/s/versions?deleted=true", ""), `[2]`)

	wantError(t, e.do("DELETE", "/subjects/s?permanent=true", ""), 404, 40405, "was not deleted first")
	wantJSON(t, e.must(200, "DELETE", "/subjects/s", ""), `[2]`)
	wantError(t, e.do("DELETE", "/subjects/s", ""), 404, 40404, "was soft deleted")
	wantJSON(t, e.must(200, "GET", "/subjects", ""), `[]`)
	wantJSON(t, e.must(200, "GET", "/subjects?deleted=true", ""), `["s"]`)
	wantJSON(t, e.must(200, "GET", "/subjects?deletedOnly=true", ""), `["s"]`)
	wantJSON(t, e.must(200, "DELETE", "/subjects/s?permanent=true", ""), `[2]`)
	wantJSON(t, e.must(200, "GET", "/subjects?deleted=true", ""), `[]`)
	wantError(t, e.do("DELETE", "/subjects/s", ""), 404, 40401, "")
}

const (
	protoMoney = "syntax = \"proto3\";\npackage acme.common;\n\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n"
	protoOrder = "syntax = \"proto3\";\npackage acme.orders;\n\nimport \"acme/common/money.proto\";\n\nmessage Order {\n  string id = 1;\n  acme.common.Money total = 2;\n}\n"
)

func TestReferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	moneyID := e.register("acme%2Fcommon%2Fmoney.proto", schemaBody("PROTOBUF", protoMoney))
	ref := `{"name":"acme/common/money.proto","subject":"acme/common/money.proto","version":1}`
	orderID := e.register("orders-value", schemaBody("PROTOBUF", protoOrder, ref))
	if orderID == moneyID {
		t.Fatalf("order and money share id %d", orderID)
	}
	r := e.must(200, "GET", "/subjects/orders-value/versions/1", "")
	var got struct {
		SchemaType string
		References []map[string]any
	}
	mustUnmarshal(t, r.body, &got)
	if got.SchemaType != "PROTOBUF" || len(got.References) != 1 || got.References[0]["name"] != "acme/common/money.proto" {
		t.Errorf("version = %s", r.body)
	}
	wantJSON(t, e.must(200, "GET", "/subjects/acme%2Fcommon%2Fmoney.proto/versions/1/referencedby", ""), `[`+strconv.Itoa(orderID)+`]`)
	wantJSON(t, e.must(200, "GET", "/subjects/orders-value/versions/1/referencedby", ""), `[]`)
	// A referenced version cannot go.
	wantError(t, e.do("DELETE", "/subjects/acme%2Fcommon%2Fmoney.proto/versions/1", ""), 422, 42206, "")
	wantError(t, e.do("DELETE", "/subjects/acme%2Fcommon%2Fmoney.proto", ""), 422, 42206, "")
	// A missing reference is refused.
	badRef := `{"name":"acme/common/money.proto","subject":"acme/common/money.proto","version":9}`
	r = e.do("POST", "/subjects/o2/versions", schemaBody("PROTOBUF", protoOrder, badRef))
	if r.status != 404 && r.status != 422 {
		t.Errorf("missing reference: status %d %s", r.status, r.body)
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", `{"schema":`+strconv.Quote(avroV1)+`,"metadata":{"properties":{"owner":"team-a","app":"1"}}}`)
	e.register("s", `{"schema":`+strconv.Quote(avroV2)+`,"metadata":{"properties":{"owner":"team-b","app":"2"}}}`)
	r := e.must(200, "GET", "/subjects/s/metadata?key=owner&value=team-a", "")
	wantJSON(t, r, `{"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+
		`,"metadata":{"properties":{"owner":"team-a","app":"1"}},"deleted":false}`, "guid", "ts")
	r = e.must(200, "GET", "/subjects/s/metadata", "")
	wantJSON(t, r, `{"subject":"s","version":2,"id":2,"schemaType":"AVRO","schema":`+strconv.Quote(avroV2)+
		`,"metadata":{"properties":{"owner":"team-b","app":"2"}},"deleted":false}`, "guid", "ts")
	wantError(t, e.do("GET", "/subjects/s/metadata?key=owner", ""), 400, 400, "")

	// Tags: a new version with the same schema and a changed contract.
	r = e.must(200, "POST", "/subjects/s/versions/1/tags", `{"newVersion":3,"metadata":{"properties":{"owner":"team-c"}},"ruleSet":{"domainRules":[{"name":"checkId","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"size(message.id) > 0"}]}}`)
	wantJSON(t, r, `{"id":3,"version":3,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+
		`,"metadata":{"properties":{"owner":"team-c"}},"ruleSet":{"domainRules":[{"name":"checkId","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"size(message.id) > 0"}]}}`, "guid")
	wantJSON(t, e.must(200, "GET", "/subjects/s/metadata?key=owner&value=team-c", ""), `{"subject":"s","version":3,"id":3,"schemaType":"AVRO","schema":`+strconv.Quote(avroV1)+
		`,"metadata":{"properties":{"owner":"team-c"}},"ruleSet":{"domainRules":[{"name":"checkId","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"size(message.id) > 0"}]},"deleted":false}`, "guid", "ts")
	wantError(t, e.do("POST", "/subjects/s/versions/1/tags", `{"tagsToAdd":[{"path":"a","tags":["PII"]}]}`), 422, 42201, "not supported")
	wantError(t, e.do("POST", "/subjects/s/versions/9/tags", `{"metadata":{}}`), 404, 40402, "")
	wantError(t, e.do("POST", "/subjects/s/versions/x/tags", `{"metadata":{}}`), 422, 42202, "")
	wantError(t, e.do("POST", "/subjects/s/versions/1/tags", `{"ruleSet":`), 400, 400, "")

	// fetchMaxId reports the highest id in the context.
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1?fetchMaxId=true", ""), `{"schema":`+strconv.Quote(avroV1)+`,"schemaType":"AVRO","maxId":3}`, "guid", "metadata")
}

func TestContexts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	idDefault := e.register("orders", schemaBody("", avroV1))
	idStaging := e.register(":.staging:orders", schemaBody("", avroV2))
	if idDefault != 1 || idStaging != 1 {
		t.Errorf("ids %d %d: want 1 in each context", idDefault, idStaging)
	}
	wantJSON(t, e.must(200, "GET", "/contexts", ""), `[".",".staging"]`)
	wantJSON(t, e.must(200, "GET", "/subjects", ""), `["orders",":.staging:orders"]`)

	// The /contexts/{ctx} prefix scopes every route to the context.
	wantJSON(t, e.must(200, "GET", "/contexts/.staging/subjects", ""), `[":.staging:orders"]`)
	wantJSON(t, e.must(200, "GET", "/contexts/staging/subjects/orders/versions", ""), `[1]`)
	wantJSON(t, e.must(200, "GET", "/contexts/.staging/subjects/orders/versions/1", ""),
		`{"subject":":.staging:orders","version":1,"id":1,"schemaType":"AVRO","schema":`+strconv.Quote(avroV2)+`,"deleted":false}`, "guid", "ts")
	wantJSON(t, e.must(200, "GET", "/contexts/.staging/schemas/ids/1", ""), `{"schema":`+strconv.Quote(avroV2)+`,"schemaType":"AVRO"}`, "guid", "subject", "version", "ts", "deleted")
	wantJSON(t, e.must(200, "GET", "/schemas/ids/1", ""), `{"schema":`+strconv.Quote(avroV1)+`,"schemaType":"AVRO"}`, "guid")
	wantJSON(t, e.must(200, "GET", "/contexts/:.:/subjects/orders/versions", ""), `[1]`)
	e.must(200, "POST", "/contexts/.staging/subjects/orders/versions", schemaBody("", avroV2))
	wantJSON(t, e.must(200, "POST", "/contexts/.staging/compatibility/subjects/orders/versions/latest", schemaBody("", avroBad)), `{"is_compatible":false}`)
	wantJSON(t, e.must(200, "PUT", "/contexts/.staging/mode/orders", `{"mode":"READONLY"}`), `{"mode":"READONLY"}`)
	wantJSON(t, e.must(200, "GET", "/mode/:.staging:orders", ""), `{"mode":"READONLY"}`)
	e.must(200, "DELETE", "/mode/:.staging:orders", "")

	wantError(t, e.do("DELETE", "/contexts/.staging", ""), 422, 42211, "not empty")
	e.must(200, "DELETE", "/subjects/:.staging:orders", "")
	e.must(200, "DELETE", "/subjects/:.staging:orders?permanent=true", "")
	r := e.must(204, "DELETE", "/contexts/.staging", "")
	if len(r.body) != 0 {
		t.Errorf("204 with body %s", r.body)
	}
	wantJSON(t, e.must(200, "GET", "/contexts", ""), `["."]`)
}

func TestServerMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantJSON(t, e.must(200, "GET", "/v1/metadata/id", ""), `{"scope":{"path":[],"clusters":{"schema-registry-cluster":"herald"}}}`)
	r := e.must(200, "GET", "/v1/metadata/version", "")
	wantJSON(t, r, `{"version":"test","commitId":""}`)
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
		t.Errorf("Content-Type %q", ct)
	}
	wantJSON(t, e.must(200, "GET", "/v1/metadata/deployment", ""), `[]`)
}

func TestOps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantJSON(t, e.must(200, "GET", "/healthz", ""), `{"status":"ok"}`)
	wantJSON(t, e.must(200, "GET", "/readyz", ""), `{"status":"ok"}`)
	e.register("s", schemaBody("", avroV1))
	e.must(200, "GET", "/schemas/ids/1", "")
	e.must(404, "GET", "/schemas/ids/42", "")
	e.must(404, "GET", "/nowhere", "")
	r := e.must(200, "GET", "/metrics", "")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("metrics Content-Type %q", ct)
	}
	text := string(r.body)
	for _, want := range []string{
		`herald_build_info{version="test",`,
		`go_goroutines `,
		`# TYPE herald_http_requests_total counter`,
		`herald_http_requests_total{method="GET",route="/schemas/ids/:id",status="200"} 1`,
		`herald_http_requests_total{method="GET",route="/schemas/ids/:id",status="404"} 1`,
		`herald_http_requests_total{method="POST",route="/subjects/:subject/versions",status="200"} 1`,
		`herald_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`# TYPE herald_http_request_duration_seconds histogram`,
		`herald_http_request_duration_seconds_bucket{method="GET",route="/schemas/ids/:id",le="+Inf"} 2`,
		`herald_http_request_duration_seconds_count{method="GET",route="/schemas/ids/:id"} 2`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q:\n%s", want, text)
		}
	}
	r = e.must(200, "GET", "/openapi.json", "")
	var spec struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &spec); err != nil || spec.OpenAPI != "3.1.0" || spec.Paths["/schemas/ids/{id}"] == nil {
		t.Errorf("openapi.json: %v %s", err, r.body[:min(len(r.body), 200)])
	}
}
