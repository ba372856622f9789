package server

import (
	"strings"
	"testing"
	"time"
)

// TestMetricsLabelEscaping: label values are escaped as the Prometheus text
// format defines (backslash, quote, line feed), not with Go's %q.
func TestMetricsLabelEscaping(t *testing.T) {
	m := newMetrics()
	m.route("GET", "/a\\b\"c\nd/é\x01").observe(200, time.Millisecond)
	var b strings.Builder
	if err := m.writeTo(&b, `v"1`); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		`herald_build_info{version="v\"1",`,
		`route="/a\\b\"c\nd/é` + "\x01" + `",status="200"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s in:\n%s", want, text)
		}
	}
	if strings.Contains(text, `\u00e9`) || strings.Contains(text, `\x01`) {
		t.Errorf("metrics use Go escapes Prometheus does not read:\n%s", text)
	}
}
