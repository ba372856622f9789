package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
)

func withTrustedProxies(cidrs ...string) envOption {
	return func(c *server.Config, _ *registry.ServiceConfig) { c.TrustedProxies = cidrs }
}

// TestTrustedProxies checks that X-Forwarded-For names the audited client
// only when the peer is a trusted proxy, that the rightmost untrusted hop is
// the client (a client cannot pick its address by sending the header), and
// that without a list the header is ignored.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	body := schemaBody("JSON", `{"type":"object"}`)
	cases := []struct {
		name    string
		proxies []string
		peer    string
		xff     string
		want    string
	}{
		{"no list: header ignored", nil, "10.0.0.5:4000", "198.51.100.7", "10.0.0.5"},
		{"untrusted peer: header ignored", []string{"10.1.0.0/16"}, "10.0.0.5:4000", "198.51.100.7", "10.0.0.5"},
		{"trusted peer: client from the header", []string{"10.0.0.0/8"}, "10.0.0.5:4000", "198.51.100.7", "198.51.100.7"},
		{"spoofed left entries are skipped", []string{"10.0.0.0/8"}, "10.0.0.5:4000", "203.0.113.66, 198.51.100.7", "198.51.100.7"},
		{"a chain of trusted proxies", []string{"10.0.0.0/8", "192.0.2.10"}, "10.0.0.5:4000", "198.51.100.7, 192.0.2.10", "198.51.100.7"},
		{"garbage nearest entry: the peer", []string{"10.0.0.0/8"}, "10.0.0.5:4000", "not-an-ip", "10.0.0.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l, path := auditFile(t)
			e := newEnv(t, withAudit(l), withTrustedProxies(tc.proxies...))
			req := newRequest("POST", "/subjects/a/versions", body)
			req.RemoteAddr = tc.peer
			req.Header.Set("X-Forwarded-For", tc.xff)
			if w := serve(e.srv, req); w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			lines := auditLines(t, path)
			if len(lines) != 1 || lines[0]["remote_addr"] != tc.want {
				t.Fatalf("audit lines %v: want remote_addr %s", lines, tc.want)
			}
		})
	}
}

// TestTrustedProxiesRefusesBadList checks that a list entry that is neither
// a CIDR nor an address stops the server from starting.
func TestTrustedProxiesRefusesBadList(t *testing.T) {
	t.Parallel()
	reg := newEnv(t).reg
	_, err := server.New(server.Config{Registry: reg, TrustedProxies: []string{"10.0.0.0/8", "proxy.example"}})
	if err == nil || !strings.Contains(err.Error(), `"proxy.example"`) {
		t.Fatalf("err = %v, want one naming the bad entry", err)
	}
}

// serve runs one request through h.
func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
