// Command herald-bench measures Herald's read path over real HTTP from a
// separate process, against a bare net/http server answering the same bytes,
// which is the ratio DESIGN.md budgets. `make bench-http` runs it.
//
// It starts `herald serve` (the binary given by -herald) on a fresh database,
// registers a schema, records the answers of the measured paths, and starts
// itself again as the bare server (`herald-bench bare`) serving those answers
// with the same headers. The load comes from this process: -conns keep-alive
// connections, each sending a request as soon as the last answer is read.
// Herald and the bare server are measured in turns, -rounds times per path, so
// load from elsewhere on the machine falls on both alike; each round prints
// its ratio of requests per second (Herald over bare).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bare" {
		if err := bare(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "herald-bench bare:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "herald-bench:", err)
		os.Exit(1)
	}
}

// answer is one recorded response the bare server replays.
type answer struct {
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// benchSchema is the registered schema: an Avro record of a realistic size.
const benchSchema = `{"type":"record","name":"Order","namespace":"com.acme.orders","fields":[` +
	`{"name":"id","type":"string"},{"name":"customer","type":"string"},{"name":"amount","type":"double"},` +
	`{"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},` +
	`{"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[` +
	`{"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}},` +
	`{"name":"note","type":["null","string"],"default":null}]}`

func run(args []string) error {
	fs := flag.NewFlagSet("herald-bench", flag.ContinueOnError)
	heraldBin := fs.String("herald", "bin/herald", "the herald binary to start")
	conns := fs.Int("conns", 16, "keep-alive connections of the load")
	rounds := fs.Int("rounds", 3, "rounds per path, each measuring Herald then the bare server")
	dur := fs.Duration("duration", 5*time.Second, "how long each server is loaded in each round")
	paths := fs.String("paths", "/schemas/ids/1,/subjects/orders-value/versions/latest", "comma-separated paths to measure")
	withAuth := fs.Bool("auth", false, "start Herald with an auth file and send every request with an API key (the bare server gets the same header)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "herald-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temp dir; nothing to do if it stays

	var extra []string
	client := newClient(*conns)
	if *withAuth {
		authFile := filepath.Join(dir, "auth.yaml")
		sum := sha256.Sum256([]byte(benchKey))
		file := "principals:\n  - name: bench\n    apiKey: \"sha256:" + hex.EncodeToString(sum[:]) + "\"\n    roles: [admin]\n"
		if err := os.WriteFile(authFile, []byte(file), 0o600); err != nil {
			return err
		}
		extra = []string{"--auth", authFile}
		client.Transport = bearer{client.Transport}
	}
	herald, heraldURL, err := startHerald(*heraldBin, dir, extra...)
	if err != nil {
		return err
	}
	defer stop(herald)
	if err := register(client, heraldURL); err != nil {
		return err
	}
	var answers []answer
	for _, p := range strings.Split(*paths, ",") {
		a, err := record(client, heraldURL, p)
		if err != nil {
			return err
		}
		answers = append(answers, a)
	}
	answersFile := filepath.Join(dir, "answers.json")
	b, _ := json.Marshal(answers) // answers are plain data
	if err := os.WriteFile(answersFile, b, 0o600); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bareCmd, bareURL, err := startBare(self, answersFile)
	if err != nil {
		return err
	}
	defer stop(bareCmd)

	mode := "no auth"
	if *withAuth {
		mode = "every request with an API key (--auth)"
	}
	fmt.Printf("herald-bench: %d connections, %d rounds of %v per server per path, %s, GOMAXPROCS of each process = its default\n", *conns, *rounds, *dur, mode)
	for _, a := range answers {
		// Warm both servers and the connections.
		load(client, heraldURL+a.Path, *conns, *dur/5)
		load(client, bareURL+a.Path, *conns, *dur/5)
		var ratios []float64
		for r := 1; r <= *rounds; r++ {
			h := load(client, heraldURL+a.Path, *conns, *dur)
			bb := load(client, bareURL+a.Path, *conns, *dur)
			if h.err != nil || bb.err != nil {
				return errors.Join(h.err, bb.err)
			}
			ratio := h.rps() / bb.rps()
			ratios = append(ratios, ratio)
			fmt.Printf("GET %-45s round %d: herald %8.0f req/s  bare %8.0f req/s  ratio %.3f\n", a.Path, r, h.rps(), bb.rps(), ratio)
		}
		sort.Float64s(ratios)
		fmt.Printf("GET %-45s median ratio %.3f (min %.3f, max %.3f)\n", a.Path, ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	}
	return nil
}

// startHerald starts `herald serve` on a free port over a new database in dir
// and returns its base URL once it is ready.
func startHerald(bin, dir string, extra ...string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "herald.db"), "--log-format", "json"}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", bin, err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var line struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "herald listening" {
			go func() { _, _ = io.Copy(os.Stderr, stderr) }() // later log lines, if any
			url := "http://" + line.Addr
			return cmd, url, waitReady(url + "/readyz")
		}
	}
	stop(cmd)
	return nil, "", fmt.Errorf("%s exited before listening", bin)
}

// startBare starts this program as the bare server and returns its base URL.
func startBare(self, answersFile string) (*exec.Cmd, string, error) {
	cmd := exec.Command(self, "bare", "-answers", answersFile)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop(cmd)
		return nil, "", fmt.Errorf("bare server: %w", err)
	}
	return cmd, "http://" + strings.TrimSpace(line), nil
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func waitReady(url string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not ready after 30s", url)
}

// benchKey is the API key of -auth runs.
const benchKey = "herald-bench-key"

// bearer sends every request with the bench's API key.
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+benchKey)
	return b.next.RoundTrip(r)
}

func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}}
}

func register(cl *http.Client, base string) error {
	body, _ := json.Marshal(map[string]string{"schema": benchSchema}) // a string map always encodes
	resp, err := cl.Post(base+"/subjects/orders-value/versions", "application/vnd.schemaregistry.v1+json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("register: %d %s", resp.StatusCode, b)
	}
	return nil
}

// record fetches path from Herald for the bare server to replay.
func record(cl *http.Client, base, path string) (answer, error) {
	resp, err := cl.Get(base + path)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return answer{Path: path, ContentType: resp.Header.Get("Content-Type"), Body: b}, nil
}

// result is one load run.
type result struct {
	n   int64
	d   time.Duration
	err error
}

func (r result) rps() float64 { return float64(r.n) / r.d.Seconds() }

// load sends GETs of url on conns connections for d and counts the 200s.
func load(cl *http.Client, url string, conns int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := cl.Get(url)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					once.Do(func() { firstErr = fmt.Errorf("GET %s: %d", url, resp.StatusCode) })
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return result{n: n.Load(), d: time.Since(start), err: firstErr}
}

// bare serves the recorded answers with plain net/http: the baseline.
func bare(args []string) error {
	fs := flag.NewFlagSet("bare", flag.ContinueOnError)
	file := fs.String("answers", "", "the JSON file of recorded answers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var answers []answer
	if err := json.Unmarshal(b, &answers); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	mux := http.NewServeMux()
	for _, a := range answers {
		mux.HandleFunc("GET "+a.Path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", a.ContentType)
			w.Write(a.Body)
		})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, mux)
}
