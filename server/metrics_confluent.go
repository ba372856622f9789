package server

import (
	"context"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/registry"
)

// Confluent Schema Registry publishes its metrics over JMX; Prometheus users
// read them through the JMX exporter, whose stock configuration
// (confluentinc/jmx-monitoring-stacks, confluent_schemaregistry.yml) turns
// them into kafka_schema_registry_* names, and the stock Grafana dashboard
// (schema-registry-cluster.json) and the alerts teams wrote against it query
// those names. Herald writes the same names itself, so a team moving off
// Confluent keeps its dashboards and alerts. Everything here is computed when
// /metrics is scraped, from the per-route counters every request already
// updates and from the registry: nothing is added to the request path.
//
// The README's "Metrics" section lists every name and where it comes from.

// confluentWindow is how far back the jersey rates and latencies look, the
// span Confluent's metrics average over by default (metrics.num.samples 2 ×
// metrics.sample.window.ms 30 s).
const confluentWindow = 60 * time.Second

// confluentCountsMaxAge bounds how long the schema counts are reused while no
// write request was served here: a write through another instance sharing the
// database shows within this time.
const confluentCountsMaxAge = 30 * time.Second

// confluentMetrics is the state the Confluent-named series need between
// scrapes: samples of the request totals, for rates over confluentWindow, and
// the last schema counts.
type confluentMetrics struct {
	// registry is counted for the schema series. Nil: those series are left out.
	registry *registry.Service
	// now is time.Now, replaced by tests.
	now func() time.Time

	// mu protects everything below; it is taken only by scrapes.
	mu sync.Mutex
	// samples are the totals seen at recent scrapes, oldest first; the first
	// is the zero totals at start, kept until confluentWindow has passed.
	samples []requestSample
	// counts are the last schema counts, taken when writes was countsWrites.
	counts       schemaCounts
	countsAt     time.Time
	countsWrites uint64
	countsOK     bool
}

// requestSample is the request totals at one instant.
type requestSample struct {
	at       time.Time
	requests uint64
	errors   uint64
	nanos    uint64
	// buckets are the request durations, per durationBuckets slot (not cumulative).
	buckets [len(durationBuckets) + 1]uint64
}

// schemaCounts are subject versions by format, live and soft-deleted.
type schemaCounts struct {
	live, deleted map[compat.SchemaType]int
}

func newConfluentMetrics(reg *registry.Service) *confluentMetrics {
	c := &confluentMetrics{registry: reg, now: time.Now}
	c.samples = []requestSample{{at: c.now()}}
	return c
}

// totals sums every route's counters, leaving out the scrapes of /metrics
// themselves so that watching the registry does not move its request rates.
// writes is the number of successful state-changing requests, which tells
// whether the schema counts may have changed.
func totals(routes []*routeMetrics, at time.Time) (s requestSample, writes uint64) {
	s.at = at
	for _, rm := range routes {
		if rm.route == "/metrics" {
			continue
		}
		for _, sc := range rm.counts() {
			s.requests += sc.n
			if sc.status >= 400 {
				s.errors += sc.n
			} else if rm.method != http.MethodGet && rm.method != http.MethodHead {
				writes += sc.n
			}
		}
		h := &rm.duration
		for i := range h.counts {
			s.buckets[i] += h.counts[i].Load()
		}
		s.nanos += h.sumNanos.Load()
	}
	return s, writes
}

// window records now's totals and returns them with the oldest sample still
// inside confluentWindow (the start sample until one is).
func (c *confluentMetrics) window(cur requestSample) (old requestSample) {
	// Drop samples that left the window, but keep the newest of them as the
	// base, so the window is always as wide as the samples allow.
	cut := 0
	for cut+1 < len(c.samples) && cur.at.Sub(c.samples[cut+1].at) >= confluentWindow {
		cut++
	}
	c.samples = c.samples[cut:]
	old = c.samples[0]
	// One sample per second is enough; it bounds the slice under any scrape rate.
	if last := c.samples[len(c.samples)-1]; cur.at.Sub(last.at) >= time.Second {
		c.samples = append(c.samples, cur)
	}
	return old
}

// schemaCounts returns the subject versions by format and state, counted
// again when a write request succeeded here since the last count or the count
// is older than confluentCountsMaxAge. ok is false when the registry could
// not be read.
func (c *confluentMetrics) schemaCounts(ctx context.Context, writes uint64, now time.Time) (schemaCounts, bool) {
	if c.countsOK && writes == c.countsWrites && now.Sub(c.countsAt) < confluentCountsMaxAge {
		return c.counts, true
	}
	all, err := c.registry.Schemas(ctx, registry.ListOptions{Deleted: true})
	if err != nil {
		// The scrape still serves every other series; the next one retries.
		c.countsOK = false
		return schemaCounts{}, false
	}
	sc := schemaCounts{live: map[compat.SchemaType]int{}, deleted: map[compat.SchemaType]int{}}
	for _, s := range all {
		if s.Deleted {
			sc.deleted[s.Type]++
		} else {
			sc.live[s.Type]++
		}
	}
	c.counts, c.countsAt, c.countsWrites, c.countsOK = sc, now, writes, true
	return sc, true
}

// write adds the Confluent-named series to the exposition.
func (c *confluentMetrics) write(ctx context.Context, bw *promWriter, routes []*routeMetrics, version string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	cur, writes := totals(routes, now)
	old := c.window(cur)

	bw.line("# HELP kafka_schema_registry_master_slave_role 1 when this instance answers writes (Confluent's leader). Every Herald instance does.")
	bw.line("# TYPE kafka_schema_registry_master_slave_role gauge")
	bw.line("kafka_schema_registry_master_slave_role 1")
	bw.line("# HELP kafka_schema_registry_app_info Herald's version, in the shape of Confluent's app-info MBean; the value is always 1.")
	bw.line("# TYPE kafka_schema_registry_app_info gauge")
	bw.printf("kafka_schema_registry_app_info{client_id=\"herald\",version=%s} 1\n", label(version))

	// Confluent's api-success-count and api-failure-count: every API call,
	// failed when answered with a 4xx or 5xx status.
	bw.line("# HELP kafka_schema_registry_api_success_count API calls answered with a status below 400.")
	bw.line("# TYPE kafka_schema_registry_api_success_count counter")
	bw.printf("kafka_schema_registry_api_success_count %d\n", cur.requests-cur.errors)
	bw.line("# HELP kafka_schema_registry_api_failure_count API calls answered with a 4xx or 5xx status.")
	bw.line("# TYPE kafka_schema_registry_api_failure_count counter")
	bw.printf("kafka_schema_registry_api_failure_count %d\n", cur.errors)

	if c.registry != nil {
		if sc, ok := c.schemaCounts(ctx, writes, now); ok {
			writeSchemaCounts(bw, sc, c.registry.Types())
		}
	}

	// The jersey-metrics aggregates (no endpoint prefix) over the window.
	secs := cur.at.Sub(old.at).Seconds()
	d := requestSample{requests: cur.requests - old.requests, errors: cur.errors - old.errors, nanos: cur.nanos - old.nanos}
	for i := range d.buckets {
		d.buckets[i] = cur.buckets[i] - old.buckets[i]
	}
	rate := func(n uint64) float64 {
		if secs <= 0 {
			return 0
		}
		return float64(n) / secs
	}
	avgMs := 0.0
	if n := bucketTotal(d.buckets); n > 0 {
		avgMs = float64(d.nanos) / float64(n) / 1e6
	}
	for _, g := range []struct {
		name, help string
		v          float64
	}{
		{"request_rate", "HTTP requests per second over the last minute.", rate(d.requests)},
		{"request_error_rate", "HTTP requests per second answered with a 4xx or 5xx status, over the last minute.", rate(d.errors)},
		{"request_latency_avg", "Mean request latency in milliseconds over the last minute.", avgMs},
		{"request_latency_95", "95th percentile request latency in milliseconds over the last minute, estimated from the duration histogram.", quantileMs(d.buckets, 0.95)},
		{"request_latency_99", "99th percentile request latency in milliseconds over the last minute, estimated from the duration histogram.", quantileMs(d.buckets, 0.99)},
	} {
		name := "kafka_schema_registry_jersey_metrics_" + g.name
		bw.line("# HELP " + name + " " + g.help)
		bw.line("# TYPE " + name + " gauge")
		bw.line(name + " " + formatFloat(g.v))
	}
}

// writeSchemaCounts writes the registered and deleted counts, in total and by
// schema_type ("avro", "json", "protobuf": the JMX exporter's labels, taken
// from the avro-schemas-created… MBean names), with a zero for every format
// Herald serves, so a dashboard shows 0 rather than "no data".
//
// Confluent counts the schema records it reads from its log: after a restart
// that is one per live version and one per soft-deleted version. Herald has
// no log to replay and reports that state directly: registered is the live
// subject versions, deleted the soft-deleted ones.
func writeSchemaCounts(bw *promWriter, sc schemaCounts, types []compat.SchemaType) {
	sum := func(m map[compat.SchemaType]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	bw.line("# HELP kafka_schema_registry_registered_count Subject versions registered and not deleted.")
	bw.line("# TYPE kafka_schema_registry_registered_count gauge")
	bw.printf("kafka_schema_registry_registered_count %d\n", sum(sc.live))
	bw.line("# HELP kafka_schema_registry_deleted_count Subject versions soft-deleted (not yet permanently deleted).")
	bw.line("# TYPE kafka_schema_registry_deleted_count gauge")
	bw.printf("kafka_schema_registry_deleted_count %d\n", sum(sc.deleted))
	for _, f := range []struct {
		name, help string
		m          map[compat.SchemaType]int
	}{
		{"kafka_schema_registry_schemas_created", "Subject versions registered and not deleted, by schema type.", sc.live},
		{"kafka_schema_registry_schemas_deleted", "Subject versions soft-deleted, by schema type.", sc.deleted},
	} {
		bw.line("# HELP " + f.name + " " + f.help)
		bw.line("# TYPE " + f.name + " gauge")
		for _, t := range types {
			bw.printf("%s{schema_type=%s} %d\n", f.name, label(strings.ToLower(t.String())), f.m[t])
		}
	}
}

func bucketTotal(b [len(durationBuckets) + 1]uint64) (n uint64) {
	for _, c := range b {
		n += c
	}
	return n
}

// quantileMs estimates the q-quantile of the observations in b, in
// milliseconds, interpolating linearly inside the bucket that holds it (as
// Prometheus's histogram_quantile does). Observations above the last bound
// are reported at that bound. Zero when b is empty.
func quantileMs(b [len(durationBuckets) + 1]uint64, q float64) float64 {
	n := bucketTotal(b)
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var cum float64
	for i, c := range b {
		if c == 0 {
			continue
		}
		if cum+float64(c) < rank {
			cum += float64(c)
			continue
		}
		if i == len(durationBuckets) {
			return durationBuckets[len(durationBuckets)-1] * 1e3
		}
		lo := 0.0
		if i > 0 {
			lo = durationBuckets[i-1]
		}
		hi := durationBuckets[i]
		v := lo + (hi-lo)*math.Max(0, rank-cum)/float64(c)
		return v * 1e3
	}
	return durationBuckets[len(durationBuckets)-1] * 1e3
}
