package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/registry"
)

// This file tests that every integer and name a request carries is range
// checked: ids, versions, offsets, durations and times that would wrap, and
// subject names that could be stored but never addressed again.

// importBody is a register body with an explicit id and version (0: absent).
func importBody(schema string, id, version int64) string {
	s := fmt.Sprintf(`{"schema":%q`, schema)
	if id != 0 {
		s += fmt.Sprintf(`,"id":%d`, id)
	}
	if version != 0 {
		s += fmt.Sprintf(`,"version":%d`, version)
	}
	return s + "}"
}

func avroNamed(name string) string {
	return `{"type":"record","name":"` + name + `","fields":[{"name":"id","type":"string"}]}`
}

func TestImportIDAndVersionRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.must(http.StatusOK, "PUT", "/mode", `{"mode":"IMPORT"}`)
	const maxInt32 = 1<<31 - 1
	for _, tc := range []struct {
		name        string
		id, version int64
		status      int
		code        int
		msg         string
	}{
		{"IDMaxInt64Refused", 1<<63 - 1, 0, 422, 422, `"id"`},
		{"IDOneOverInt32Refused", maxInt32 + 1, 0, 422, 422, "2147483647"},
		{"IDUnderInt32Refused", -1<<31 - 1, 0, 422, 422, `"id"`},
		{"VersionMaxInt64Refused", 7, 1<<63 - 1, 422, 422, `"version"`},
		{"VersionOneOverInt32Refused", 7, maxInt32 + 1, 422, 422, "2147483647"},
		{"VersionUnderInt32Refused", 7, -1<<31 - 1, 422, 422, `"version"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("POST", "/subjects/imp-"+tc.name+"/versions", importBody(avroNamed("R"), tc.id, tc.version))
			wantError(t, r, tc.status, tc.code, tc.msg)
		})
	}
	// Nothing of the refused imports was stored.
	wantJSON(t, e.must(http.StatusOK, "GET", "/subjects", ""), `[]`)

	t.Run("HighestVersionTakenNextIsRefusedClearly", func(t *testing.T) {
		e.must(http.StatusOK, "POST", "/subjects/top/versions", importBody(avroNamed("A"), 10, maxInt32))
		r := e.do("POST", "/subjects/top/versions", importBody(avroNamed("B"), 11, 0))
		wantError(t, r, 422, 42205, "2147483647")
	})
	t.Run("HighestIDTakenNextIsRefusedClearly", func(t *testing.T) {
		e.must(http.StatusOK, "POST", "/subjects/big/versions", importBody(avroNamed("C"), maxInt32, 0))
		e.must(http.StatusOK, "PUT", "/mode", `{"mode":"READWRITE"}`)
		r := e.do("POST", "/subjects/new/versions", schemaBody("", avroNamed("D")))
		wantError(t, r, 422, 42205, "no schema id left")
		// Other contexts have their own ids.
		if id := e.register(":.other:new", schemaBody("", avroNamed("D"))); id != 1 {
			t.Errorf("id in another context = %d, want 1", id)
		}
	})
}

// TestImportedIDSurvivesRestart imports the highest id there is, restarts on the
// same file, and registers: a clear refusal in that context and ids elsewhere,
// never a 500. Before the fix, importing 2^63-1 made every later registration
// in the context a 500, across restarts.
func TestImportedIDSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "registry.db")
	e, closeStore := openEnvAt(t, path)
	e.must(http.StatusOK, "PUT", "/mode", `{"mode":"IMPORT"}`)
	wantError(t, e.do("POST", "/subjects/s/versions", importBody(avroNamed("A"), 1<<63-1, 0)), 422, 422, "2147483647")
	e.must(http.StatusOK, "POST", "/subjects/s/versions", importBody(avroNamed("A"), 1<<31-1, 0))
	e.must(http.StatusOK, "PUT", "/mode", `{"mode":"READWRITE"}`)
	closeStore()

	e, closeStore = openEnvAt(t, path)
	defer closeStore()
	wantError(t, e.do("POST", "/subjects/t/versions", schemaBody("", avroNamed("B"))), 422, 42205, "no schema id left")
	// The content already registered keeps its id.
	r := e.must(http.StatusOK, "POST", "/subjects/t/versions", schemaBody("", avroNamed("A")))
	wantJSON(t, r, `{"id":2147483647,"version":1}`, "guid", "schema", "schemaType")
	e.must(http.StatusOK, "GET", "/schemas/ids/2147483647", "")
}

func TestIDAndVersionPathParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.register("s", schemaBody("", avroV1))
	for _, tc := range []struct {
		name, path   string
		status, code int
	}{
		{"IDOverInt64IsNotFound", "/schemas/ids/99999999999999999999", 404, 40403},
		{"IDOverInt32IsNotFound", "/schemas/ids/2147483648", 404, 40403},
		{"IDNegativeIsNotFound", "/schemas/ids/-1", 404, 40403},
		{"IDVersionsOverInt32IsNotFound", "/schemas/ids/4294967297/versions", 404, 40403},
		{"VersionOverInt32IsInvalid", "/subjects/s/versions/2147483648", 422, 42202},
		{"VersionOverInt64IsInvalid", "/subjects/s/versions/99999999999999999999", 422, 42202},
		{"VersionZeroIsInvalid", "/subjects/s/versions/0", 422, 42202},
		{"OffsetNotANumberIsBadRequest", "/subjects?offset=99999999999999999999", 400, 400},
		{"LimitNotANumberIsBadRequest", "/subjects/s/versions?limit=1e3", 400, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.do("GET", tc.path, ""), tc.status, tc.code, "")
		})
	}
	t.Run("ReferenceVersionOverInt32Refused", func(t *testing.T) {
		body := schemaBody("", avroV1, `{"name":"x","subject":"s","version":4294967297}`)
		wantError(t, e.do("POST", "/subjects/r/versions", body), 422, 422, `"version"`)
	})
	t.Run("TagNewVersionOverInt32Refused", func(t *testing.T) {
		wantError(t, e.do("POST", "/subjects/s/versions/1/tags", `{"newVersion":4294967298,"metadata":{"properties":{"a":"b"}}}`), 422, 422, `"newVersion"`)
	})
}

func TestSubjectNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	long := strings.Repeat("a", registry.MaxSubjectBytes)
	for _, tc := range []struct {
		name, subject string
		status, code  int
	}{
		{"InvalidUTF8Refused", "bad\xff\xfename", 422, 42208},
		{"InvalidUTF8InContextRefused", ":.ctx\xff:name", 422, 42208},
		{"ControlCharacterRefused", "a\x07b", 422, 42208},
		{"DELRefused", "a\x7fb", 422, 42208},
		{"OverLongRefused", long + "b", 422, 42208},
		{"OverLongContextRefused", ":." + long + ":x", 422, 42208},
		{"LongestAccepted", long, 200, 0},
		{"NonASCIIAccepted", "commandes-π-значение", 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/subjects/" + url.PathEscape(tc.subject) + "/versions"
			r := e.do("POST", path, schemaBody("", avroV1))
			if tc.status == 200 {
				if r.status != 200 {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				e.must(http.StatusOK, "GET", "/subjects/"+url.PathEscape(tc.subject)+"/versions/1", "")
				return
			}
			wantError(t, r, tc.status, tc.code, "")
			// Config, mode and lookups refuse the name the same way.
			wantError(t, e.do("PUT", "/config/"+url.PathEscape(tc.subject), `{"compatibility":"NONE"}`), tc.status, tc.code, "")
			wantError(t, e.do("PUT", "/mode/"+url.PathEscape(tc.subject), `{"mode":"READONLY"}`), tc.status, tc.code, "")
		})
	}
	// Nothing unaddressable was stored: every listed subject reads back.
	var subjects []string
	mustUnmarshal(t, e.must(http.StatusOK, "GET", "/subjects", "").body, &subjects)
	if len(subjects) != 2 {
		t.Errorf("subjects = %q, want the two accepted ones", subjects)
	}
	for _, s := range subjects {
		e.must(http.StatusOK, "GET", "/subjects/"+url.PathEscape(s)+"/versions", "")
	}
	wantError(t, e.do("DELETE", "/contexts/"+url.PathEscape(".bad\xff"), ""), 422, 42208, "")
}

func TestBrokerParamRanges(t *testing.T) {
	t.Parallel()
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", brokerOrderJSON))
	e.must(http.StatusOK, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	e.must(http.StatusOK, "PUT", "/v1/topics/jobs", `{"kind":"queue","valueSubject":"orders-value"}`, "Content-Type: application/json")
	ev := `{"events":[{"value":{"id":"o-1","amount":1}},{"value":{"id":"o-2","amount":2}}]}`
	e.must(http.StatusOK, "POST", "/v1/topics/orders/events", ev, "Content-Type: application/json")
	e.must(http.StatusOK, "POST", "/v1/topics/jobs/events", ev, "Content-Type: application/json")

	wantErrors(t, e.call, []errorCase{
		// 9223372037 s is just over 2^63 ns: multiplied out it wrapped to a
		// negative wait that passed the 60 s check and returned at once.
		{"WaitSecondsOverflowRefused", "GET", "/v1/topics/orders/events?from=latest&wait=9223372037", "", nil, 400, 40002, "at most 1m0s"},
		{"WaitMaxInt64SecondsRefused", "GET", "/v1/topics/orders/events?from=latest&wait=9223372036854775807", "", nil, 400, 40002, "at most 1m0s"},
		{"WaitOverLimitRefused", "GET", "/v1/topics/orders/events?wait=61", "", nil, 400, 40002, "at most 1m0s"},
		{"WaitDurationOverflowRefused", "GET", "/v1/topics/orders/events?wait=9999999999h", "", nil, 400, 40002, "wait"},
		{"WaitDaysOverLimitRefused", "GET", "/v1/topics/orders/events?wait=100000d", "", nil, 400, 40002, "at most 1m0s"},
		{"LimitOverMaxRefused", "GET", "/v1/topics/orders/events?limit=10001", "", nil, 400, 40020, "limit"},
		{"LimitOverflowRefused", "GET", "/v1/topics/orders/events?limit=99999999999999999999", "", nil, 400, 40002, "limit"},
		{"OffsetOverflowRefused", "GET", "/v1/topics/orders/events?from=99999999999999999999", "", nil, 400, 40020, "from"},
		{"LastEventIDMaxInt64Refused", "GET", "/v1/topics/orders/stream", "", []string{"Last-Event-ID: 9223372036854775807"}, 400, 40002, "Last-Event-ID"},
		{"GroupInvalidUTF8Refused", "GET", "/v1/topics/orders/events?group=" + url.QueryEscape("g\xff"), "", nil, 400, 40020, "group"},
		{"GroupOverLongRefused", "GET", "/v1/topics/orders/events?group=" + strings.Repeat("g", 256), "", nil, 400, 40020, "group"},
		{"VisibilitySecondsOverflowRefused", "POST", "/v1/topics/jobs/receive?visibility=9223372037", "", nil, 400, 40002, "at most 12h0m0s"},
		{"VisibilityOverLeaseCapRefused", "POST", "/v1/topics/jobs/receive?visibility=13h", "", nil, 400, 40002, "at most 12h0m0s"},
		{"MaxOverflowRefused", "POST", "/v1/topics/jobs/receive?max=99999999999999999999", "", nil, 400, 40002, "max"},
		{"TopicVisibilityOverLeaseCapRefused", "PUT", "/v1/topics/q2", `{"kind":"queue","valueSubject":"orders-value","visibility":"999999h"}`, nil, 422, 42221, "at most 12h0m0s"},
		{"TopicVisibilityDaysRefused", "PUT", "/v1/topics/q2", `{"kind":"queue","valueSubject":"orders-value","visibility":"1d"}`, nil, 422, 42221, "at most 12h0m0s"},
		{"TopicFirstVersionOverInt32Refused", "PUT", "/v1/topics/q2", `{"valueSubject":"orders-value","firstVersion":4294967297}`, nil, 422, 42221, "2147483647"},
		{"TopicLastVersionOverInt32Refused", "PUT", "/v1/topics/q2", `{"valueSubject":"orders-value","lastVersion":4294967297}`, nil, 422, 42221, "2147483647"},
		{"TopicMaxDeliveriesOverInt32Refused", "PUT", "/v1/topics/q2", `{"kind":"queue","valueSubject":"orders-value","deadLetterTopic":"orders","maxDeliveries":4294967297}`, nil, 422, 42221, "maxDeliveries"},
		{"TopicRetentionOverflowRefused", "PUT", "/v1/topics/q2", `{"valueSubject":"orders-value","retention":{"maxEvents":9223372036854775808}}`, nil, 400, 40001, "maxEvents"},
		{"NackDelayOverLeaseCapRefused", "POST", "/v1/topics/jobs/nack", `{"ackIds":["0-1"],"delay":"999999h"}`, nil, 400, 40020, "at most 12h0m0s"},
		{"CommitOffsetOverflowRefused", "POST", "/v1/groups/g/offsets", `{"offsets":[{"topic":"orders","offset":9223372036854775808}]}`, nil, 400, 40001, "offset"},
		{"CommitOffsetPastEndRefused", "POST", "/v1/groups/g/offsets", `{"offsets":[{"topic":"orders","offset":9223372036854775807}]}`, nil, 400, 40020, "want 0 to 2"},
	})

	for _, tc := range []struct {
		name, from string
		want       string
	}{
		// 9999 is past what UnixNano holds (2262): it used to wrap and replay
		// from offset 0.
		{"FarFutureReturnsNothing", "9999-12-31T23:59:59Z", `{"events":[],"nextOffset":2}`},
		{"FutureInRangeReturnsNothing", "2200-01-01T00:00:00Z", `{"events":[],"nextOffset":2}`},
		{"FarPastReturnsAll", "0001-01-01T00:00:00Z", `{"events":[{"offset":0},{"offset":1}],"nextOffset":2}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/topics/orders/events?from="+url.QueryEscape(tc.from), "")
			var got struct {
				Events []struct {
					Offset int64 `json:"offset"`
				} `json:"events"`
				NextOffset int64 `json:"nextOffset"`
			}
			mustUnmarshal(t, r.body, &got)
			var want struct {
				Events []struct {
					Offset int64 `json:"offset"`
				} `json:"events"`
				NextOffset int64 `json:"nextOffset"`
			}
			mustUnmarshal(t, []byte(tc.want), &want)
			if len(got.Events) != len(want.Events) || got.NextOffset != want.NextOffset {
				t.Errorf("from=%s: %s, want %s", tc.from, r.body, tc.want)
			}
		})
	}
}
