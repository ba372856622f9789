package server_test

import (
	"regexp"
	"strconv"
	"testing"
)

// TestMetricsCountCompiledValidations: a valid event on a JSON Schema topic is
// counted as decided by the compiled validator, an invalid one by the full
// validator.
func TestMetricsCountCompiledValidations(t *testing.T) {
	e, _ := newBrokerEnv(t, nil)
	e.register("orders-value", schemaBody("JSON", `{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}`))
	e.must(200, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value"}`, "Content-Type: application/json")
	count := func(validator string) int {
		t.Helper()
		text := string(e.must(200, "GET", "/metrics", "").body)
		m := regexp.MustCompile(`herald_jsonschema_validations_total\{validator="` + validator + `"\} (\d+)`).FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("no herald_jsonschema_validations_total{validator=%q} in\n%s", validator, text)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	fast0, full0 := count("compiled"), count("full")
	e.must(200, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"n":1}}]}`, "Content-Type: application/json")
	if fast, full := count("compiled"), count("full"); fast <= fast0 || full != full0 {
		t.Errorf("after a valid event: compiled %d -> %d, full %d -> %d; want only compiled to grow", fast0, fast, full0, full)
	}
	e.must(422, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"n":"x"}}]}`, "Content-Type: application/json")
	if full := count("full"); full <= full0 {
		t.Errorf("after an invalid event: full %d -> %d; want it to grow", full0, full)
	}
}
