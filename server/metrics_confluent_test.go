package server_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// scrape returns the value of every sample in /metrics, by its name with labels.
func scrape(t *testing.T, e *testEnv) map[string]float64 {
	t.Helper()
	text := string(e.must(200, "GET", "/metrics", "").body)
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestConfluentMetricsCountSchemasAndCalls: the names a stock Confluent Schema
// Registry dashboard queries follow registrations, soft and permanent deletes,
// and failed calls.
func TestConfluentMetricsCountSchemasAndCalls(t *testing.T) {
	e := newEnv(t)
	before := scrape(t, e)
	for name, want := range map[string]float64{
		"kafka_schema_registry_master_slave_role":                           1,
		"kafka_schema_registry_registered_count":                            0,
		"kafka_schema_registry_deleted_count":                               0,
		`kafka_schema_registry_schemas_created{schema_type="avro"}`:         0,
		`kafka_schema_registry_schemas_created{schema_type="json"}`:         0,
		`kafka_schema_registry_schemas_created{schema_type="protobuf"}`:     0,
		`kafka_schema_registry_schemas_deleted{schema_type="protobuf"}`:     0,
		"kafka_schema_registry_api_failure_count":                           0,
		"kafka_schema_registry_jersey_metrics_request_rate":                 0,
		`kafka_schema_registry_app_info{client_id="herald",version="test"}`: 1,
	} {
		if got, ok := before[name]; !ok || got != want {
			t.Errorf("before any call: %s = %v (present %v), want %v", name, got, ok, want)
		}
	}

	e.register("a-value", schemaBody("AVRO", `{"type":"record","name":"A","fields":[{"name":"x","type":"int"}]}`))
	e.register("a-value", schemaBody("AVRO", `{"type":"record","name":"A","fields":[{"name":"x","type":"int"},{"name":"y","type":"int","default":0}]}`))
	e.register("j-value", schemaBody("JSON", `{"type":"object"}`))
	e.register("p-value", schemaBody("PROTOBUF", `syntax = "proto3"; message P { int32 x = 1; }`))
	// registering the same schema again creates nothing
	e.register("j-value", schemaBody("JSON", `{"type":"object"}`))
	e.must(200, "DELETE", "/subjects/a-value/versions/1", "")
	e.must(200, "DELETE", "/subjects/p-value", "")
	e.must(200, "DELETE", "/subjects/p-value?permanent=true", "")
	e.must(404, "GET", "/subjects/nope/versions", "")
	e.must(404, "GET", "/schemas/ids/999", "")

	after := scrape(t, e)
	for name, want := range map[string]float64{
		"kafka_schema_registry_registered_count":                        2, // a-value 2, j-value 1
		"kafka_schema_registry_deleted_count":                           1, // a-value 1; p-value is gone
		`kafka_schema_registry_schemas_created{schema_type="avro"}`:     1,
		`kafka_schema_registry_schemas_created{schema_type="json"}`:     1,
		`kafka_schema_registry_schemas_created{schema_type="protobuf"}`: 0,
		`kafka_schema_registry_schemas_deleted{schema_type="avro"}`:     1,
		`kafka_schema_registry_schemas_deleted{schema_type="protobuf"}`: 0,
		"kafka_schema_registry_api_failure_count":                       2,
		// 5 registrations and 3 deletes; the scrapes of /metrics are left out
		"kafka_schema_registry_api_success_count": before["kafka_schema_registry_api_success_count"] + 8,
	} {
		if got, ok := after[name]; !ok || got != want {
			t.Errorf("after the calls: %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if after["kafka_schema_registry_jersey_metrics_request_rate"] <= 0 {
		t.Errorf("request_rate = %v after 10 calls, want > 0", after["kafka_schema_registry_jersey_metrics_request_rate"])
	}
	if after["kafka_schema_registry_jersey_metrics_request_error_rate"] <= 0 {
		t.Errorf("request_error_rate = %v after 2 failed calls, want > 0", after["kafka_schema_registry_jersey_metrics_request_error_rate"])
	}
	if p99 := after["kafka_schema_registry_jersey_metrics_request_latency_99"]; p99 <= 0 || p99 > 10000 {
		t.Errorf("request_latency_99 = %v ms, want within the histogram's range", p99)
	}
}

// TestConfluentMetricsExpositionIsWellFormed: every Confluent-named sample has
// its TYPE line before it and a name the exposition format allows.
func TestConfluentMetricsExpositionIsWellFormed(t *testing.T) {
	e := newEnv(t)
	text := string(e.must(200, "GET", "/metrics", "").body)
	typed := map[string]bool{}
	name := regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	seen := 0
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[1] == "TYPE" {
			typed[f[2]] = true
			continue
		}
		if !strings.HasPrefix(line, "kafka_schema_registry_") {
			continue
		}
		seen++
		n := line[:strings.IndexAny(line, "{ ")]
		if !name.MatchString(n) || !typed[n] {
			t.Errorf("sample %q: name well formed %v, TYPE before it %v", line, name.MatchString(n), typed[n])
		}
	}
	if seen < 12 {
		t.Errorf("%d kafka_schema_registry_ samples, want at least 12:\n%s", seen, text)
	}
}
