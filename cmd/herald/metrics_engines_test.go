package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsShowTheEnginesInUse starts serve's Main as `herald serve` does
// without --broker (the JetStream flags present, no servers) and registers a
// schema: /metrics shows the SQLite engine, whose write is the registration's
// transaction, and no JetStream series, since no JetStream is in use.
func TestMetricsShowTheEnginesInUse(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.broker = &brokerFlags{JetStream: &jetStreamFlags{}}
	m := startMainWith(t, cfg)
	resp, err := http.Post(m.URL()+"/subjects/s/versions", "application/vnd.schemaregistry.v1+json", strings.NewReader(`{"schema":"\"string\""}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("register: %s", resp.Status)
	}
	resp, err = http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if !strings.Contains(text, `herald_engine_operation_duration_seconds_count{engine="sqlite",op="write"}`) ||
		strings.Contains(text, `herald_engine_operation_duration_seconds_count{engine="sqlite",op="write"} 0`) {
		t.Errorf("/metrics has no SQLite write for the registration:\n%s", grepEngine(text))
	}
	if strings.Contains(text, `engine="jetstream"`) {
		t.Errorf("/metrics shows JetStream, which is not in use:\n%s", grepEngine(text))
	}
}

// grepEngine returns the engine lines of a /metrics text.
func grepEngine(text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "herald_engine_") && !strings.Contains(line, "_bucket") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
