package server_test

import (
	"strings"
	"testing"
)

// TestMetricsMethodLabelBounded: a client can send any token as a method; every
// unknown one shares the OTHER label, so random methods add no series.
func TestMetricsMethodLabelBounded(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"FOO", "BAR", "PROPFIND", "get"} {
		e.do(m, "/subjects", "")
	}
	e.do("GET", "/subjects", "")
	text := string(e.must(200, "GET", "/metrics", "").body)
	for _, bad := range []string{`method="FOO"`, `method="BAR"`, `method="PROPFIND"`, `method="get"`} {
		if strings.Contains(text, bad) {
			t.Errorf("metrics keep an unbounded method label %s", bad)
		}
	}
	if !strings.Contains(text, `method="OTHER"`) || !strings.Contains(text, `method="GET",route="/subjects"`) {
		t.Errorf("metrics lack the OTHER and GET series:\n%s", text)
	}
}
