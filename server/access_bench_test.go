package server_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth/authtest"
)

// BenchmarkSchemaByIDAuth measures GET /schemas/ids/{id} with an API key (and
// with cached Basic credentials) next to the same request on the same data
// without auth, over real listeners, in the same run. auth/open is the
// throughput ratio; the budget is >= 0.90. The runs alternate in slices so
// that drift on a shared machine hits both alike.
func BenchmarkSchemaByIDAuth(b *testing.B) {
	open := newEnv(b)
	open.register("orders-value", schemaBody("", avroV2))
	secured := newEnv(b, withAuth(authtest.New(b, accessFile(), nil), 0))
	secured.must(http.StatusOK, "POST", "/subjects/orders-value/versions", schemaBody("", avroV2), "Authorization: Bearer key-admin")
	openSrv := httptest.NewServer(open.srv)
	defer openSrv.Close()
	authSrv := httptest.NewServer(secured.srv)
	defer authSrv.Close()
	cl := benchClient()
	key := "Bearer key-reader"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("platform:s3cret"))

	parallelGets(b, cl, openSrv.URL+"/schemas/ids/1", "", 2000)
	parallelGets(b, cl, authSrv.URL+"/schemas/ids/1", key, 2000)
	parallelGets(b, cl, authSrv.URL+"/schemas/ids/1", basic, 2000)

	const slices = 10
	per := max(b.N/slices, 1)
	var openDur, keyDur, basicDur time.Duration
	b.ResetTimer()
	for range slices {
		openDur += parallelGets(b, cl, openSrv.URL+"/schemas/ids/1", "", per)
		keyDur += parallelGets(b, cl, authSrv.URL+"/schemas/ids/1", key, per)
		basicDur += parallelGets(b, cl, authSrv.URL+"/schemas/ids/1", basic, per)
	}
	b.StopTimer()
	n := float64(per * slices)
	b.ReportMetric(float64(openDur)/float64(keyDur), "apikey/open")
	b.ReportMetric(float64(openDur)/float64(basicDur), "basic/open")
	b.ReportMetric(float64(openDur.Nanoseconds())/n, "open-ns/req")
	b.ReportMetric(float64(keyDur.Nanoseconds())/n, "apikey-ns/req")
	b.ReportMetric(float64(basicDur.Nanoseconds())/n, "basic-ns/req")
}

// BenchmarkSchemaByIDAuthHandler is BenchmarkSchemaByIDAuth without the
// network: the handler alone, where auth's share of the cost is largest.
// Allocations per request are reported for each.
func BenchmarkSchemaByIDAuthHandler(b *testing.B) {
	open := newEnv(b)
	open.register("orders-value", schemaBody("", avroV2))
	secured := newEnv(b, withAuth(authtest.New(b, accessFile(), nil), 0))
	secured.must(http.StatusOK, "POST", "/subjects/orders-value/versions", schemaBody("", avroV2), "Authorization: Bearer key-admin")
	for _, tc := range []struct {
		name, authorization string
		h                   http.Handler
	}{
		{"open", "", open.srv},
		{"apikey", "Bearer key-reader", secured.srv},
		{"basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("platform:s3cret")), secured.srv},
	} {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/schemas/ids/1", nil)
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			w := httptest.NewRecorder()
			tc.h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				w := httptest.NewRecorder()
				tc.h.ServeHTTP(w, req)
			}
		})
	}
}
