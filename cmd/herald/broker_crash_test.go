package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/servelog"
)

// serveProcess is a `herald serve` child process.
type serveProcess struct {
	cmd *exec.Cmd
	url string
	log *servelog.Log
}

// logText is what the process has written to stderr so far.
func (p *serveProcess) logText() string { return p.log.String() }

// startServe starts the binary on a free port with extra serve flags (--db
// and the rest) and waits for its listening line.
func startServe(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, log: servelog.New(0)}
	// A read error only means the pipe closed under us (Wait closes it), and
	// the logs are already kept.
	go func() { _, _ = p.log.ReadFrom(stderr) }()
	select {
	case addr, ok := <-p.log.Addr():
		if !ok {
			// The process already failed; its logs say why, the exit status adds nothing.
			_ = cmd.Wait()
			t.Fatalf("herald serve exited before listening:\n%s", p.logText())
		}
		p.url = "http://" + addr
	case <-time.After(2 * time.Minute):
		if err := cmd.Process.Kill(); err != nil {
			t.Errorf("kill herald serve: %v", err)
		}
		t.Fatal("herald serve never logged its address")
	}
	return p
}

// TestBrokerCrash publishes from several goroutines into the real binary, kills
// it with SIGKILL mid-stream, restarts it on the same files and checks that every
// acknowledged event is there exactly once, at its acknowledged offset, in each
// publisher's order.
func TestBrokerCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test builds the herald binary and kills it; run without -short")
	}
	dir, bin := t.TempDir(), buildHerald(t)
	db := filepath.Join(dir, "h.db")
	p := startServe(t, bin, "--db", db)
	postJSON(t, p.url+"/subjects/crash-value/versions", "application/json",
		`{"schemaType":"JSON","schema":"{\"type\":\"object\",\"required\":[\"p\",\"n\"]}"}`)
	req, _ := http.NewRequest("PUT", p.url+"/v1/topics/crash", strings.NewReader(`{"valueSubject":"crash-value"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("create topic: %v %v", resp, err)
	}

	// Each publisher sends batches of 3 sequentially numbered events and records
	// the offsets of every acknowledged batch.
	const publishers, per = 6, 3
	type ack struct {
		n      int
		offset int64
	}
	acked := make([][]ack, publishers)
	var (
		mu    sync.Mutex
		total int
		wg    sync.WaitGroup
	)
	enough := make(chan struct{})
	var once sync.Once
	client := &http.Client{Timeout: 30 * time.Second}
	for g := range publishers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				var evs []string
				for i := range per {
					evs = append(evs, fmt.Sprintf(`{"value":{"p":%d,"n":%d}}`, g, b*per+i))
				}
				resp, err := client.Post(p.url+"/v1/topics/crash/events", "application/json", strings.NewReader(`{"events":[`+strings.Join(evs, ",")+`]}`))
				if err != nil {
					return // the server is gone
				}
				var out struct{ Results []struct{ Offset int64 } }
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || len(out.Results) != per {
					return // cut mid-answer: not acknowledged
				}
				mu.Lock()
				for i, r := range out.Results {
					acked[g] = append(acked[g], ack{b*per + i, r.Offset})
				}
				total += per
				if total >= 600 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(5 * time.Minute):
		t.Log("publishing was slow; killing anyway")
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait reaps the process; after SIGKILL it always reports "signal: killed".
	_ = p.cmd.Wait()
	wg.Wait()
	mu.Lock()
	t.Logf("%d events acknowledged before kill -9", total)
	if total == 0 {
		mu.Unlock()
		t.Fatal("no event was acknowledged before kill -9: the crash checked nothing")
	}
	mu.Unlock()

	p2 := startServe(t, bin, "--db", db)
	defer func() {
		if err := p2.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Errorf("interrupt restarted herald serve: %v", err)
		}
		if err := p2.cmd.Wait(); err != nil {
			t.Errorf("restarted herald serve: %v\n%s", err, p2.logText())
		}
	}()
	type stored struct{ p, n int }
	byOffset := map[int64]stored{}
	seen := map[stored]int{}
	from := "earliest"
	for {
		resp, err := http.Get(p2.url + "/v1/topics/crash/events?limit=1000&from=" + from)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Events []struct {
				Offset int64
				Value  struct{ P, N int }
			}
			NextOffset int64
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			break
		}
		for _, e := range page.Events {
			s := stored{e.Value.P, e.Value.N}
			byOffset[e.Offset] = s
			seen[s]++
		}
		from = fmt.Sprint(page.NextOffset)
	}
	for s, n := range seen {
		if n != 1 {
			t.Errorf("publisher %d event %d stored %d times", s.p, s.n, n)
		}
	}
	for g, acks := range acked {
		for i, a := range acks {
			if got, ok := byOffset[a.offset]; !ok || got != (stored{g, a.n}) {
				t.Errorf("publisher %d event %d acknowledged at offset %d; after restart that offset holds %+v (present %v)", g, a.n, a.offset, got, ok)
			}
			if i > 0 && a.offset <= acks[i-1].offset {
				t.Errorf("publisher %d: event %d at offset %d is not after event %d at %d", g, a.n, a.offset, acks[i-1].n, acks[i-1].offset)
			}
		}
	}
	// The restarted broker keeps taking events after the last offset.
	resp, err := client.Post(p2.url+"/v1/topics/crash/events", "application/json", strings.NewReader(`{"events":[{"value":{"p":99,"n":0}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Results []struct{ Offset int64 } }
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("publish after restart: %v", err)
	}
	if len(out.Results) != 1 {
		t.Fatalf("publish after restart: %+v", out)
	}
	if _, taken := byOffset[out.Results[0].Offset]; taken {
		t.Errorf("publish after restart got offset %v, already used", out.Results)
	}
}
