package server

import (
	"context"
	"math"
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
	if err := m.writeTo(context.Background(), &b, `v"1`); err != nil {
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

// TestConfluentRatesUseTheLastMinute: the jersey rates count the requests of
// the last minute of scrapes, not those since start.
func TestConfluentRatesUseTheLastMinute(t *testing.T) {
	m := newMetrics()
	now := time.Unix(1000, 0)
	m.confluent.now = func() time.Time { return now }
	m.confluent.samples = []requestSample{{at: now}}
	rm := m.route("GET", "/subjects")
	rate := func() string {
		t.Helper()
		var b strings.Builder
		if err := m.writeTo(context.Background(), &b, "v"); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.HasPrefix(l, "kafka_schema_registry_jersey_metrics_request_rate ") {
				return strings.TrimPrefix(l, "kafka_schema_registry_jersey_metrics_request_rate ")
			}
		}
		t.Fatal("no request_rate")
		return ""
	}
	for range 120 {
		rm.observe(200, time.Millisecond)
	}
	now = now.Add(60 * time.Second)
	if got := rate(); got != "2" {
		t.Errorf("120 requests in the first minute: rate %s, want 2", got)
	}
	for range 30 {
		rm.observe(500, time.Millisecond)
	}
	now = now.Add(60 * time.Second)
	if got := rate(); got != "0.5" {
		t.Errorf("30 requests in the second minute: rate %s, want 0.5", got)
	}
	now = now.Add(60 * time.Second)
	if got := rate(); got != "0" {
		t.Errorf("no request in the third minute: rate %s, want 0", got)
	}
}

// TestQuantileInterpolatesInsideBucket: the percentile estimate interpolates
// inside the bucket that holds the rank, and caps at the last bound.
func TestQuantileInterpolatesInsideBucket(t *testing.T) {
	for _, tc := range []struct {
		name string
		fill func(b *[len(durationBuckets) + 1]uint64)
		q    float64
		want float64
	}{
		{"EmptyIsZero", func(*[len(durationBuckets) + 1]uint64) {}, 0.99, 0},
		// 100 observations in (1ms, 2.5ms]: the median is half way.
		{"HalfWayInBucket", func(b *[len(durationBuckets) + 1]uint64) { b[2] = 100 }, 0.5, 1.75},
		{"AboveLastBoundIsCapped", func(b *[len(durationBuckets) + 1]uint64) { b[len(durationBuckets)] = 5 }, 0.99, 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b [len(durationBuckets) + 1]uint64
			tc.fill(&b)
			if got := quantileMs(b, tc.q); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("quantileMs = %v, want %v", got, tc.want)
			}
		})
	}
}
