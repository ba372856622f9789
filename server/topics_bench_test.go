package server_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the raw-insert baseline talks to SQLite directly

	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// benchSchema is a realistic order schema: required, enum, minimum,
// maxLength, formats and an array of line objects.
const benchSchema = `{"type":"object","required":["orderId","customerId","status","placedAt","currency","total","lines"],"additionalProperties":false,` +
	`"properties":{"orderId":{"type":"string","format":"uuid"},"customerId":{"type":"string","minLength":3,"maxLength":64,"pattern":"^cus_[a-z0-9]+$"},` +
	`"status":{"enum":["placed","paid","shipped","cancelled"]},"placedAt":{"type":"string","format":"date-time"},"currency":{"type":"string","enum":["EUR","USD","GBP"]},` +
	`"total":{"type":"number","minimum":0,"multipleOf":0.01},"note":{"type":"string","maxLength":200},` +
	`"shipping":{"type":"object","required":["country","city"],"properties":{"country":{"type":"string","minLength":2,"maxLength":2},"city":{"type":"string","maxLength":100},"street":{"type":"string","maxLength":200},"zip":{"type":"string","maxLength":16}}},` +
	`"lines":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","required":["sku","quantity","unitPrice"],"additionalProperties":false,` +
	`"properties":{"sku":{"type":"string","maxLength":32},"name":{"type":"string","maxLength":120},"quantity":{"type":"integer","minimum":1,"maximum":1000},` +
	`"unitPrice":{"type":"number","exclusiveMinimum":0},"discount":{"type":["number","null"],"minimum":0,"maximum":1}}}}}}`

// benchEvent is a ~1 KB JSON order with 8 lines, valid against benchSchema.
func benchEvent(i int) string { return compattest.OrderEvent(i) }

// benchServer is a real server (registry and broker on SQLite, durable
// synchronous=FULL log) behind a loopback HTTP listener.
func benchServer(b *testing.B) (*httptest.Server, string) {
	ts, dir, _ := benchServerFor(b, schemaBody("JSON", benchSchema), "json")
	return ts, dir
}

// benchServerFor is benchServer with the topic "bench" bound to a subject
// holding schema (a register request body) in the given encoding; it also
// returns the schema id.
func benchServerFor(b *testing.B, schema, encoding string) (*httptest.Server, string, int) {
	b.Helper()
	dir := b.TempDir()
	reg := newSQLiteRegistry(b, dir)
	brk := newSQLiteBroker(b, dir, reg, brokerdb.Options{}, nil)
	ts, id := benchServerOn(b, reg, brk, schema, encoding)
	return ts, dir, id
}

// benchServerOn is a real server on reg and brk behind a loopback HTTP
// listener, with the topic "bench" bound to a subject holding schema (a
// register request body) in the given encoding; it also returns the schema id.
func benchServerOn(b *testing.B, reg *registry.Service, brk *broker.Broker, schema, encoding string) (*httptest.Server, int) {
	b.Helper()
	srv, err := server.New(server.Config{Registry: reg, Broker: brk, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	e := &testEnv{t: b, srv: srv, reg: reg}
	id := e.register("bench-value", schema)
	e.must(http.StatusOK, "PUT", "/v1/topics/bench", `{"valueSubject":"bench-value","encoding":"`+encoding+`"}`, "Content-Type: application/json")
	return ts, id
}

// postBench publishes body to the topic "bench" of the server at url; it
// fails the benchmark and returns false on an error or a non-200.
func postBench(b *testing.B, client *http.Client, url, body string) bool {
	resp, err := client.Post(url+"/v1/topics/bench/events", "application/json", strings.NewReader(body))
	if err != nil {
		b.Error(err)
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("status %d", resp.StatusCode)
		return false
	}
	return true
}

func benchBatchBody(start, n int) string {
	var sb strings.Builder
	sb.WriteString(`{"events":[`)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"value":`)
		sb.WriteString(benchEvent(start + i))
		sb.WriteByte('}')
	}
	sb.WriteString(`]}`)
	return sb.String()
}

// BenchmarkPublishBatch100 publishes batches of 100 × 1 KB JSON events through
// HTTP, each validated against a JSON Schema and durably committed, from
// concurrent clients. After the timed loop it inserts the same number of rows,
// in transactions of 100, straight into the same SQLite table with the same
// pragmas (the raw baseline, synchronous=FULL as Herald's log), and again
// with synchronous=NORMAL, and reports the rates and both ratios.
// Budget: ≥ 50,000 events/s and ≥ 50% of the raw rate.
func BenchmarkPublishBatch100(b *testing.B) {
	ts, dir := benchServer(b)
	bodies := make([]string, 16)
	values := make([][]byte, 16)
	for i := range bodies {
		bodies[i] = benchBatchBody(i*100, 100)
		values[i] = []byte(benchEvent(i))
	}
	benchPublishBatches(b, ts, dir, bodies, values)
}

// benchPublishBatches posts the batches of 100 events in bodies to the topic
// "bench" from concurrent clients, then inserts as many rows of values
// straight into SQLite (the raw baselines), and reports the rates and ratios.
func benchPublishBatches(b *testing.B, ts *httptest.Server, dir string, bodies []string, values [][]byte) {
	rate := benchPostBatches(b, ts, bodies)
	full := rawInsertRate(b, filepath.Join(dir, "raw.db"), "FULL", b.N, 100, values)
	normal := rawInsertRate(b, filepath.Join(dir, "raw-normal.db"), "NORMAL", b.N, 100, values)
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(full, "raw-full-events/s")
	b.ReportMetric(normal, "raw-normal-events/s")
	b.ReportMetric(rate/full, "ratio-full")
	b.ReportMetric(rate/normal, "ratio-normal")
}

// benchPostBatches posts the batches of 100 events in bodies to the topic
// "bench" from 4×GOMAXPROCS concurrent clients, b.N batches in all, and
// returns the events per second; the timer is stopped when it returns.
func benchPostBatches(b *testing.B, ts *httptest.Server, bodies []string) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next sync.Mutex
	k := 0
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			next.Lock()
			body := bodies[k%len(bodies)]
			k++
			next.Unlock()
			if !postBench(b, client, ts.URL, body) {
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	return float64(b.N*100) / elapsed.Seconds()
}

// rawInsertRate inserts batches × per rows of values (in turn) into a fresh broker log file
// through database/sql, one transaction per batch, with the given synchronous
// pragma (Herald's log uses FULL: a publish answers after a durable commit),
// and returns rows per second.
func rawInsertRate(b *testing.B, path, synchronous string, batches, per int, values [][]byte) float64 {
	b.Helper()
	st, err := brokerdb.Open(context.Background(), path, brokerdb.Options{}) // the same schema
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous="+synchronous+"&_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	}()
	db.SetMaxOpenConns(1)
	q := "INSERT INTO broker_events (seq, topic_id, time, event_id, key, value, headers, schema_id, key_schema_id, size) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?,?,?,NULL,NULL,?,NULL,1,0,?),", per), ",")
	args := make([]any, 0, per*5)
	seq := int64(1) << 40
	start := time.Now()
	for range batches {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		args = args[:0]
		now := time.Now().UnixNano()
		for i := range per {
			v := values[i%len(values)]
			args = append(args, seq, 1, now, v, len(v))
			seq++
		}
		if _, err := tx.Exec(q, args...); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return float64(batches*per) / time.Since(start).Seconds()
}

// BenchmarkPublishLatency publishes single 1 KB events through HTTP from 16
// concurrent publishers and reports the p50 and p99 latency of an
// acknowledged (durably committed) publish.
func BenchmarkPublishLatency(b *testing.B) {
	ts, _ := benchServer(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := benchBatchBody(0, 1)
	const publishers = 16
	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	work := make(chan struct{}, b.N)
	for range b.N {
		work <- struct{}{}
	}
	close(work)
	b.ResetTimer()
	start := time.Now()
	for range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for range work {
				t0 := time.Now()
				if !postBench(b, client, ts.URL, body) {
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lats) == 0 {
		return
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) float64 {
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "events/s")
}

// benchOrderAvro is the order of benchSchema as an Avro record.
const benchOrderAvro = `{"type":"record","name":"Order","namespace":"bench","fields":[` +
	`{"name":"orderId","type":"string"},{"name":"customerId","type":"string"},` +
	`{"name":"status","type":{"type":"enum","name":"Status","symbols":["placed","paid","shipped","cancelled"]}},` +
	`{"name":"placedAt","type":"string"},` +
	`{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},` +
	`{"name":"total","type":"double"},{"name":"note","type":["null","string"],"default":null},` +
	`{"name":"shipping","type":{"type":"record","name":"Shipping","fields":[{"name":"country","type":"string"},{"name":"city","type":"string"},{"name":"street","type":"string"},{"name":"zip","type":"string"}]}},` +
	`{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[` +
	`{"name":"sku","type":"string"},{"name":"name","type":"string"},{"name":"quantity","type":"int"},` +
	`{"name":"unitPrice","type":"double"},{"name":"discount","type":["null","double"],"default":null}]}}}]}`

// benchOrderProto is the same order as a Protobuf message.
const benchOrderProto = `syntax = "proto3"; package bench;
enum Status { PLACED = 0; PAID = 1; SHIPPED = 2; CANCELLED = 3; }
message Order {
  string order_id = 1; string customer_id = 2; Status status = 3; string placed_at = 4;
  string currency = 5; double total = 6; optional string note = 7; Shipping shipping = 8;
  repeated Line lines = 9;
}
message Shipping { string country = 1; string city = 2; string street = 3; string zip = 4; }
message Line { string sku = 1; string name = 2; int32 quantity = 3; double unit_price = 4; optional double discount = 5; }`

// benchOrder is the data of benchEvent(i), for the binary encodings.
type benchOrder struct {
	orderID, customerID, placedAt, country, city, street, zip string
	total                                                     float64
	lines                                                     []benchLine
}

type benchLine struct {
	sku, name   string
	quantity    int
	unitPrice   float64
	discount    float64
	hasDiscount bool
}

func newBenchOrder(i int) benchOrder {
	o := benchOrder{
		orderID:    fmt.Sprintf("%08x-1f2e-4d3c-9b8a-%012x", i, i),
		customerID: fmt.Sprintf("cus_%06d", i%1000000),
		placedAt:   "2025-03-14T09:26:53.589Z",
		country:    "DE", city: "Berlin", street: "Unter den Linden 77", zip: "10117",
		total: float64(100+i%900) + float64(i%100)/100,
	}
	for l := range 8 {
		o.lines = append(o.lines, benchLine{sku: fmt.Sprintf("SKU-%05d-%d", i%100000, l), name: fmt.Sprintf("Widget number %d, blue", l),
			quantity: 1 + l, unitPrice: float64(3+l) + 0.99, discount: []float64{0, 0.1, 0}[l%3], hasDiscount: l%3 != 0})
	}
	return o
}

// avro encodes the order in Avro's binary encoding.
func (o benchOrder) avro() []byte {
	str := func(b []byte, s string) []byte { return append(binary.AppendVarint(b, int64(len(s))), s...) }
	dbl := func(b []byte, f float64) []byte { return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)) }
	var b []byte
	b = str(b, o.orderID)
	b = str(b, o.customerID)
	b = binary.AppendVarint(b, 1) // paid
	b = str(b, o.placedAt)
	b = binary.AppendVarint(b, 0) // EUR
	b = dbl(b, o.total)
	b = binary.AppendVarint(b, 0) // note: null
	for _, s := range []string{o.country, o.city, o.street, o.zip} {
		b = str(b, s)
	}
	b = binary.AppendVarint(b, int64(len(o.lines)))
	for _, l := range o.lines {
		b = str(b, l.sku)
		b = str(b, l.name)
		b = binary.AppendVarint(b, int64(l.quantity))
		b = dbl(b, l.unitPrice)
		if l.hasDiscount {
			b = dbl(binary.AppendVarint(b, 1), l.discount)
		} else {
			b = binary.AppendVarint(b, 0)
		}
	}
	return binary.AppendVarint(b, 0) // end of the array
}

// proto encodes the order in the Protobuf wire format, preceded by the
// Confluent message indexes ([0]: the first message).
func (o benchOrder) proto() []byte {
	str := func(b []byte, field int, s string) []byte {
		b = binary.AppendUvarint(b, uint64(field<<3|2))
		return append(binary.AppendUvarint(b, uint64(len(s))), s...)
	}
	dbl := func(b []byte, field int, f float64) []byte {
		return binary.LittleEndian.AppendUint64(binary.AppendUvarint(b, uint64(field<<3|1)), math.Float64bits(f))
	}
	msg := func(b []byte, field int, m []byte) []byte {
		b = binary.AppendUvarint(b, uint64(field<<3|2))
		return append(binary.AppendUvarint(b, uint64(len(m))), m...)
	}
	var b []byte
	b = str(b, 1, o.orderID)
	b = str(b, 2, o.customerID)
	b = append(b, 3<<3, 1) // field 3, varint: status PAID
	b = str(b, 4, o.placedAt)
	b = str(b, 5, "EUR")
	b = dbl(b, 6, o.total)
	var sh []byte
	for f, s := range []string{o.country, o.city, o.street, o.zip} {
		sh = str(sh, f+1, s)
	}
	b = msg(b, 8, sh)
	for _, l := range o.lines {
		var lb []byte
		lb = str(lb, 1, l.sku)
		lb = str(lb, 2, l.name)
		lb = binary.AppendUvarint(append(lb, 3<<3), uint64(l.quantity)) // field 3, varint
		lb = dbl(lb, 4, l.unitPrice)
		if l.hasDiscount {
			lb = dbl(lb, 5, l.discount)
		}
		b = msg(b, 9, lb)
	}
	return append([]byte{0}, b...)
}

// benchWireBodies builds 16 envelopes of 100 base64 wire-format events each,
// and the 16 distinct wire-format values for the raw baseline.
func benchWireBodies(id int, encode func(benchOrder) []byte) (bodies []string, values [][]byte) {
	for i := range 16 {
		values = append(values, broker.AppendWire(nil, id, encode(newBenchOrder(i))))
	}
	for k := range 16 {
		var sb strings.Builder
		sb.WriteString(`{"events":[`)
		for i := range 100 {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(`{"value":"`)
			sb.WriteString(base64.StdEncoding.EncodeToString(broker.AppendWire(nil, id, encode(newBenchOrder(k*100+i)))))
			sb.WriteString(`"}`)
		}
		sb.WriteString(`]}`)
		bodies = append(bodies, sb.String())
	}
	return bodies, values
}

// BenchmarkPublishBatch100Avro is BenchmarkPublishBatch100 with the order in
// Avro (Confluent wire format, base64 in the JSON envelope, about 400 bytes
// an event) on a binary topic; the raw baselines insert the same wire-format
// bytes.
func BenchmarkPublishBatch100Avro(b *testing.B) {
	ts, dir, id := benchServerFor(b, schemaBody("AVRO", benchOrderAvro), "binary")
	bodies, values := benchWireBodies(id, benchOrder.avro)
	benchPublishBatches(b, ts, dir, bodies, values)
}

// BenchmarkPublishBatch100Protobuf is BenchmarkPublishBatch100Avro with the
// order as a Protobuf message.
func BenchmarkPublishBatch100Protobuf(b *testing.B) {
	ts, dir, id := benchServerFor(b, schemaBody("PROTOBUF", benchOrderProto), "binary")
	bodies, values := benchWireBodies(id, benchOrder.proto)
	benchPublishBatches(b, ts, dir, bodies, values)
}
