package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/internal/servelog"
)

// The memory budgets of DESIGN.md, in MB of resident memory.
const (
	idleBudgetMB    = 60
	schemasBudgetMB = 500
)

var (
	schemaCount   = flag.Int("schemas", 100000, "BenchmarkRSS100kSchemas: how many schemas to register")
	schemaClients = flag.Int("schema-clients", 8, "BenchmarkRSS100kSchemas: concurrent HTTP clients")
)

// BenchmarkIdleRSS starts `herald serve` on an empty database, waits until it is
// ready, sends a few requests (registry, compat rules, catalog page, metrics)
// and reads its resident memory. One op is one start-up to that point; the
// figures are averages over the b.N processes.
func BenchmarkIdleRSS(b *testing.B) {
	skipWithoutProc(b)
	bin := buildHerald(b)
	var rss, peak float64
	b.ResetTimer()
	for i := range b.N {
		p := startMeasured(b, bin, filepath.Join(b.TempDir(), fmt.Sprintf("idle%d.db", i)))
		for _, path := range []string{"/", "/subjects", "/schemas/types", "/config", "/v1/compat/rules", "/v1/topics", "/ui/", "/metrics"} {
			p.get(b, path)
		}
		m := p.memory(b)
		rss += m.rssMB
		peak += m.peakMB
		p.stop(b)
	}
	b.StopTimer()
	rss /= float64(b.N)
	b.ReportMetric(rss, "MB-rss")
	b.ReportMetric(peak/float64(b.N), "MB-peak-rss")
	b.ReportMetric(rss/idleBudgetMB, "budget-ratio")
}

// BenchmarkRSS100kSchemas registers -schemas distinct realistic schemas (100,000
// by default: see realisticSchema) across 1,000 subjects with the global level
// NONE, from -schema-clients concurrent clients, then reads every id once so the
// by-id cache holds them all, and reads the resident memory and the live heap.
// It reports them per schema beside the average text size. One op is the whole
// run on a fresh database.
func BenchmarkRSS100kSchemas(b *testing.B) {
	skipWithoutProc(b)
	if *schemaCount < 1 || *schemaClients < 1 {
		b.Fatalf("-schemas=%d -schema-clients=%d: want positive numbers", *schemaCount, *schemaClients)
	}
	bin := buildHerald(b)
	var rss, peak, idle, afterIdle, regRate, heap, text float64
	b.ResetTimer()
	for i := range b.N {
		p := startMeasured(b, bin, filepath.Join(b.TempDir(), fmt.Sprintf("schemas%d.db", i)))
		idle += p.memory(b).rssMB
		p.send(b, http.MethodPut, "/config", `{"compatibility":"NONE"}`)

		p.registerCommon(b)
		start := time.Now()
		ids, textBytes := p.registerMany(b, *schemaCount, *schemaClients)
		regRate += float64(len(ids)) / time.Since(start).Seconds()
		p.getAll(b, ids, *schemaClients)

		m := p.memory(b)
		rss += m.rssMB
		peak += m.peakMB
		h := p.heapMB(b)
		heap += h
		text = float64(textBytes) / float64(len(ids))
		// The server returns freed memory once it has been idle for one
		// to two periods of returnMemoryWhenIdle.
		time.Sleep(2*idleReturnEvery + 5*time.Second)
		quiet := p.memory(b).rssMB
		afterIdle += quiet
		b.Logf("%d schemas (%.0f B of text each): registered at %.0f/s; RSS %.1f MB (peak %.1f MB, %.0f B per schema), %.1f MB after %s idle; heap %.1f MB (%.0f B per schema), idle before %.1f MB",
			len(ids), text, regRate/float64(i+1), m.rssMB, m.peakMB, m.rssMB*(1<<20)/float64(len(ids)), quiet, 2*idleReturnEvery+5*time.Second, h, h*(1<<20)/float64(len(ids)), idle/float64(i+1))
		p.stop(b)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(heap/n, "MB-heap")
	b.ReportMetric(rss/n*(1<<20)/float64(*schemaCount), "B-rss/schema")
	b.ReportMetric(heap/n*(1<<20)/float64(*schemaCount), "B-heap/schema")
	b.ReportMetric(text, "B-text/schema")
	b.ReportMetric(rss/n, "MB-rss")
	b.ReportMetric(peak/n, "MB-peak-rss")
	b.ReportMetric(idle/n, "MB-rss-before")
	b.ReportMetric(afterIdle/n, "MB-rss-after-idle")
	b.ReportMetric(rss/n/schemasBudgetMB, "budget-ratio")
	b.ReportMetric(regRate/n, "schemas/s")
	b.ReportMetric(float64(*schemaCount), "schemas")
}

// skipWithoutProc skips on systems where a process's memory cannot be read
// from /proc/<pid>/status.
func skipWithoutProc(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skipf("no /proc/self/status (%v): resident memory is read from /proc", err)
	}
}

// buildHerald builds the herald binary into a temporary directory.
func buildHerald(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "herald")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// measuredServe is a `herald serve` child process whose memory is read.
type measuredServe struct {
	cmd    *exec.Cmd
	url    string
	log    *servelog.Log
	client *http.Client
	// done is closed when the process has exited and waitErr is set.
	done    chan struct{}
	waitErr error
}

// startMeasured starts the binary on a free port over db (its working directory
// is the database's) and waits until /readyz answers 200.
func startMeasured(b *testing.B, bin, db string) *measuredServe {
	b.Helper()
	lt := servelog.New(40) // the last lines, for failure messages
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db)
	cmd.Dir = filepath.Dir(db)
	cmd.Stderr = lt
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &measuredServe{cmd: cmd, log: lt, done: make(chan struct{}),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	select {
	case addr := <-lt.Addr():
		p.url = "http://" + addr
	case <-p.done:
		b.Fatalf("herald serve exited before listening: %v\n%s", p.waitErr, lt)
	}
	for {
		resp, err := p.client.Get(p.url + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body) // only the status matters
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			b.Fatalf("herald serve exited before ready: %v\n%s", p.waitErr, lt)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stop interrupts the process and waits for a clean exit.
func (p *measuredServe) stop(b *testing.B) {
	b.Helper()
	p.client.CloseIdleConnections()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		b.Errorf("interrupt herald serve: %v", err)
	}
	<-p.done
	if p.waitErr != nil {
		b.Errorf("herald serve: %v\n%s", p.waitErr, p.log)
	}
}

// memoryMB is a process's resident memory, now and at its peak.
type memoryMB struct {
	rssMB, peakMB float64
}

// memory reads VmRSS and VmHWM from /proc/<pid>/status.
func (p *measuredServe) memory(b *testing.B) memoryMB {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var m memoryMB
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		fields := strings.Fields(value) // "12345 kB"
		if len(fields) != 2 || fields[1] != "kB" {
			b.Fatalf("/proc status: unexpected %s line %q", name, sc.Text())
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			b.Fatalf("/proc status: %s: %v", name, err)
		}
		if name == "VmRSS" {
			m.rssMB = kb / 1024
		} else {
			m.peakMB = kb / 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	if found != 2 {
		b.Fatalf("/proc/%d/status has no VmRSS or VmHWM line", p.cmd.Process.Pid)
	}
	return m
}

// get sends a GET and fails unless it answers 200.
func (p *measuredServe) get(b *testing.B, path string) {
	b.Helper()
	if _, err := p.do(http.MethodGet, path, ""); err != nil {
		b.Fatal(err)
	}
}

// send sends a request with a JSON body and fails unless it answers 200.
func (p *measuredServe) send(b *testing.B, method, path, body string) {
	b.Helper()
	if _, err := p.do(method, path, body); err != nil {
		b.Fatal(err)
	}
}

// do sends one request and returns the body of a 200 answer.
func (p *measuredServe) do(method, path, body string) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, p.url+path, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s = %d: %s", method, path, resp.StatusCode, out)
	}
	return out, nil
}

// memorySubjects is how many subjects the schemas are spread over.
const memorySubjects = 1000

// The schemas BenchmarkRSS100kSchemas registers are what teams write: records
// of 20 fields with docs (compattest.AvroRecord and its JSON Schema and Protobuf
// cousins), the three formats in turn, and every tenth one using a type from a
// common schema by reference.
const (
	commonAvro  = "mem-common-avro"
	commonJSON  = "mem-common-json"
	commonProto = "mem-common-proto"
)

// registerCommon registers the schemas the others reference, as version 1 of
// their subjects.
func (p *measuredServe) registerCommon(b *testing.B) {
	b.Helper()
	_, avroRefs := compattest.AvroWithReference(0)
	_, jsonRefs := compattest.JSONSchemaWithReference(0)
	_, protoRefs := compattest.ProtobufWithReference(0)
	for _, c := range []struct{ subject, typ, text string }{
		{commonAvro, "AVRO", avroRefs[0].Text},
		{commonJSON, "JSON", jsonRefs[0].Text},
		{commonProto, "PROTOBUF", protoRefs[0].Text},
	} {
		body, _ := json.Marshal(map[string]string{"schemaType": c.typ, "schema": c.text}) // strings always marshal
		p.send(b, http.MethodPost, "/subjects/"+c.subject+"/versions", string(body))
	}
}

// realisticFormats are the formats realisticSchema takes in turn: the schema
// type, its generators, the subject of its common referenced schema, and how
// its referencing schema names Customer0 (customer) and Customer i (customerN).
var realisticFormats = [3]struct {
	typ                 string
	withReference       func(int) (string, []compat.Reference)
	record              func(i, fields int) string
	common              string
	customer, customerN string
}{
	{"AVRO", compattest.AvroWithReference, compattest.AvroRecord, commonAvro, `"Customer0"`, `"Customer%d"`},
	{"JSON", compattest.JSONSchemaWithReference, compattest.JSONSchemaRecord, commonJSON, `"Customer0"`, `"Customer%d"`},
	{"PROTOBUF", compattest.ProtobufWithReference, compattest.ProtobufRecord, commonProto, "message Customer0 ", "message Customer%d "},
}

// realisticSchema returns the body registering schema i and the length of its text.
func realisticSchema(i int) ([]byte, int) {
	type ref struct {
		Name    string `json:"name"`
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	req := struct {
		SchemaType string `json:"schemaType"`
		Schema     string `json:"schema"`
		References []ref  `json:"references,omitempty"`
	}{}
	f := realisticFormats[i%3]
	req.SchemaType = f.typ
	if i%10 == 9 {
		var refs []compat.Reference
		req.Schema, refs = f.withReference(0)
		req.Schema = strings.Replace(req.Schema, f.customer, fmt.Sprintf(f.customerN, i), 1)
		req.References = []ref{{refs[0].Name, f.common, 1}}
	} else {
		req.Schema = f.record(i, 20)
	}
	body, _ := json.Marshal(req) // strings and ints always marshal
	return body, len(req.Schema)
}

// registerMany registers n distinct realistic schemas (realisticSchema) over
// memorySubjects subjects, each client taking its own subjects, and returns
// their ids and the total length of their texts.
func (p *measuredServe) registerMany(b *testing.B, n, clients int) ([]int, int64) {
	b.Helper()
	ids := make([]int, n)
	var (
		wg        sync.WaitGroup
		errOnce   sync.Once
		failed    atomic.Bool
		first     error
		textBytes atomic.Int64
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Schema i goes to subject i % memorySubjects; client c registers the
			// subjects congruent to c modulo clients.
			for s := c; s < memorySubjects && !failed.Load(); s += clients {
				for i := s; i < n && !failed.Load(); i += memorySubjects {
					body, size := realisticSchema(i)
					textBytes.Add(int64(size))
					out, err := p.do(http.MethodPost, fmt.Sprintf("/subjects/mem-%04d-value/versions", s), string(body))
					var resp struct{ ID int }
					if err == nil {
						err = json.Unmarshal(out, &resp)
					}
					if err == nil && resp.ID < 1 {
						err = fmt.Errorf("register schema %d: no id in %s", i, out)
					}
					if err != nil {
						errOnce.Do(func() { first = err })
						failed.Store(true)
						return
					}
					ids[i] = resp.ID
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	seen := make(map[int]bool, n)
	for i, id := range ids {
		if seen[id] {
			b.Fatalf("schema %d got id %d, already given to another schema", i, id)
		}
		seen[id] = true
	}
	return ids, textBytes.Load()
}

// heapMB reads the server's live heap (go_memstats_heap_alloc_bytes) from /metrics.
func (p *measuredServe) heapMB(b *testing.B) float64 {
	b.Helper()
	out, err := p.do(http.MethodGet, "/metrics", "")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "go_memstats_heap_alloc_bytes "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				b.Fatalf("/metrics: %q: %v", line, err)
			}
			return n / (1 << 20)
		}
	}
	b.Fatal("/metrics has no go_memstats_heap_alloc_bytes")
	return 0
}

// getAll reads every id once through GET /schemas/ids/{id}, from several clients.
func (p *measuredServe) getAll(b *testing.B, ids []int, clients int) {
	b.Helper()
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				if _, err := p.do(http.MethodGet, fmt.Sprintf("/schemas/ids/%d", ids[i]), ""); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(len(ids))) // stop every client
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}
