package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testConfig is the Config most tests start from: a random port on 127.0.0.1,
// a fresh SQLite file in its own temp dir, a discarded log, version "test".
func testConfig(t testing.TB) Config {
	return Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "herald.db"), Logger: discardLogger(), Version: "test"}
}

// startMain runs a Main on 127.0.0.1:0 over db and waits until /readyz answers 200.
func startMain(t testing.TB, db string) *Main {
	t.Helper()
	cfg := testConfig(t)
	cfg.DB = db
	return startMainWith(t, cfg)
}

// startMainWith runs a Main with cfg, waits until /readyz answers 200, and
// closes it, checking the error, when the test ends.
func startMainWith(t testing.TB, cfg Config) *Main {
	t.Helper()
	m := NewMain(cfg)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
	})
	waitReady(t, m)
	return m
}

// waitReady polls /readyz until it answers 200 or the server stops.
func waitReady(t testing.TB, m *Main) {
	t.Helper()
	for {
		select {
		case err := <-m.Done():
			t.Fatalf("server stopped before ready: %v", err)
		default:
		}
		resp, err := http.Get(m.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runCLI runs the herald command line and returns the exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeFiles writes name → content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI("version")
	if code != 0 || !strings.HasPrefix(out, "herald ") {
		t.Errorf("version: code %d, out %q", code, out)
	}
	code, flagOut, _ := runCLI("--version")
	if code != 0 || flagOut != out {
		t.Errorf("--version: code %d, out %q; want what version prints, %q", code, flagOut, out)
	}
}

func TestHelpDocumentsExitCodes(t *testing.T) {
	code, out, _ := runCLI("--help")
	if code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"Exit status", "  1  refused or failed", "  2  usage", "  3  server unreachable"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

func TestUnknownCommandAndFlag(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {"compat", "--nope", "a", "b"}} {
		if code, _, stderr := runCLI(args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: code %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if code, _, _ := runCLI("serve", "--incompatible-error-code", "500"); code != exitUsage {
		t.Errorf("bad --incompatible-error-code: code %d, want 2", code)
	}
	if code, _, _ := runCLI("serve", "--log-format", "xml"); code != exitUsage {
		t.Errorf("bad --log-format: code %d, want 2", code)
	}
}

func TestCompatCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"v1.avsc":                      `{"type":"record","name":"User","fields":[{"name":"id","type":"string"}]}`,
		"v2.avsc":                      `{"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"email","type":"string","default":""}]}`,
		"v3-bad.avsc":                  `{"type":"record","name":"User","fields":[{"name":"id","type":"string"},{"name":"age","type":"int"}]}`,
		"broken.avsc":                  `{"type":"record","name":"User","fields":[{"name":"id","type":"nosuch"}]}`,
		"notjson.avsc":                 `{"type":`,
		"s1.json":                      `{"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":false}`,
		"s2.json":                      `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"additionalProperties":false}`,
		"open1.json":                   `{"type":"object","properties":{"a":{"type":"string"}}}`,
		"open2.json":                   `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}}}`,
		"p1.proto":                     "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1;\n  int32 b = 2;\n}\n",
		"p2.proto":                     "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1;\n  string b = 2;\n}\n",
		"p-syntax.proto":               "syntax = \"proto3\";\npackage p;\nmessage M {\n  string a = 1\n}\n",
		"o1.proto":                     "syntax = \"proto3\";\npackage o;\nimport \"acme/common/money.proto\";\nmessage O {\n  acme.common.Money total = 1;\n}\n",
		"o2.proto":                     "syntax = \"proto3\";\npackage o;\nimport \"acme/common/money.proto\";\nmessage O {\n  acme.common.Money total = 1;\n  string note = 2;\n}\n",
		"refs/acme/common/money.proto": "syntax = \"proto3\";\npackage acme.common;\nmessage Money {\n  string currency = 1;\n}\n",
	})
	f := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"AvroCompatible", []string{f("v1.avsc"), f("v2.avsc")}, 0, []string{"compatible:"}},
		{"AvroIncompatible", []string{f("v1.avsc"), f("v3-bad.avsc")}, 1,
			[]string{f("v1.avsc") + ": /fields/1: READER_FIELD_MISSING_DEFAULT_VALUE: ", "[backward]", "incompatible:"}},
		{"AvroForwardAllowsNewRequiredField", []string{"--level", "forward", f("v1.avsc"), f("v3-bad.avsc")}, 0, nil},
		{"AvroTransitiveNamesTheFile", []string{"--level", "BACKWARD_TRANSITIVE", f("v1.avsc"), f("v2.avsc"), f("v3-bad.avsc")}, 1,
			[]string{f("v1.avsc") + ": ", f("v2.avsc") + ": "}},
		{"LevelNone", []string{"--level", "NONE", f("v1.avsc"), f("v3-bad.avsc")}, 0, nil},
		{"ExplicitFormat", []string{"--format", "avro", f("v1.avsc"), f("v2.avsc")}, 0, nil},
		{"JSONClosedAddIsCompatible", []string{"--format", "json", f("s1.json"), f("s2.json")}, 0, nil},
		{"JSONOpenAddStrict", []string{f("open1.json"), f("open2.json")}, 1, []string{f("open1.json") + ": "}},
		{"JSONOpenAddLenient", []string{"--policy", "lenient", f("open1.json"), f("open2.json")}, 0, nil},
		{"ProtobufTypeChange", []string{"--format", "protobuf", f("p1.proto"), f("p2.proto")}, 1, []string{f("p1.proto") + ": "}},
		{"ProtobufRuleSetWire", []string{"--rule-set", "WIRE", f("p1.proto"), f("p2.proto")}, 1, nil},
		{"ProtobufRefsDir", []string{"--refs-dir", f("refs"), f("o1.proto"), f("o2.proto")}, 0, nil},
		{"ProtobufRef", []string{"--ref", "acme/common/money.proto=" + f("refs/acme/common/money.proto"), f("o1.proto"), f("o2.proto")}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(append([]string{"compat"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, stderr)
			}
			for _, c := range tc.contains {
				if !strings.Contains(out, c) {
					t.Errorf("output lacks %q:\n%s", c, out)
				}
			}
		})
	}

	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"UnreadableFile", []string{f("v1.avsc"), f("missing.avsc")}, "missing.avsc"},
		{"InvalidSchema", []string{f("v1.avsc"), f("broken.avsc")}, "broken.avsc: invalid AVRO schema"},
		{"NotJSON", []string{f("notjson.avsc"), f("v1.avsc")}, "notjson.avsc"},
		{"ProtobufSyntaxLineColumn", []string{f("p1.proto"), f("p-syntax.proto")}, "5:1"},
		{"MissingImport", []string{f("o1.proto"), f("o2.proto")}, "o1.proto"},
		{"UnknownLevel", []string{"--level", "sideways", f("v1.avsc"), f("v2.avsc")}, "--level"},
		{"UnknownFormat", []string{"--format", "xml", f("v1.avsc"), f("v2.avsc")}, "--format"},
		{"UnknownExtension", []string{f("v1.avsc"), f("refs")}, "cannot tell the format"},
		{"UnknownPolicy", []string{"--policy", "loose", f("v1.avsc"), f("v2.avsc")}, "--policy"},
		{"UnknownRuleSet", []string{"--rule-set", "BOGUS", f("p1.proto"), f("p2.proto")}, "--rule-set"},
		{"RuleSetOnAvro", []string{"--rule-set", "WIRE", f("v1.avsc"), f("v2.avsc")}, "protobuf only"},
		{"BadRef", []string{"--ref", "nofile", f("v1.avsc"), f("v2.avsc")}, "NAME=FILE"},
		{"BadOutput", []string{"--output", "yaml", f("v1.avsc"), f("v2.avsc")}, "--output"},
		{"OneFile", []string{f("v1.avsc")}, "arg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(append([]string{"compat"}, tc.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, stderr)
			}
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr lacks %q: %s", tc.msg, stderr)
			}
		})
	}

	t.Run("JSONOutput", func(t *testing.T) {
		code, out, _ := runCLI("compat", "--output", "json", "--level", "FULL", f("v1.avsc"), f("v3-bad.avsc"))
		if code != 1 {
			t.Fatalf("exit %d", code)
		}
		var got compatOutput
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.Compatible || got.Level != "FULL" || got.New != f("v3-bad.avsc") || len(got.Violations) != 1 {
			t.Fatalf("report = %+v", got)
		}
		v := got.Violations[0]
		if v.File != f("v1.avsc") || v.Rule != "READER_FIELD_MISSING_DEFAULT_VALUE" || v.Path != "/fields/1" || v.Version != 1 || v.Direction.String() != "backward" || v.Message == "" {
			t.Errorf("violation = %+v", v)
		}
		code, out, _ = runCLI("compat", "-o", "json", f("v1.avsc"), f("v2.avsc"))
		if code != 0 || !strings.Contains(out, `"violations": []`) {
			t.Errorf("compatible json: %d %s", code, out)
		}
	})
}

func TestServeEnvTwins(t *testing.T) {
	// Not parallel: it sets process environment.
	t.Setenv("HERALD_LOG_FORMAT", "xml")
	if code, _, stderr := runCLI("serve"); code != exitUsage || !strings.Contains(stderr, "xml") {
		t.Errorf("HERALD_LOG_FORMAT=xml: code %d, stderr %q", code, stderr)
	}
}

func TestServeCommand(t *testing.T) {
	// serve runs until its context ends; the log names the bound address. The
	// address and database come from their HERALD_* twins.
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	t.Setenv("HERALD_ADDR", "127.0.0.1:0")
	t.Setenv("HERALD_DB", db)
	listening, stop := serveJSON(t, "--incompatible-error-code", "40901")
	if listening["db"] != db {
		t.Errorf("listening on db %v, want %s", listening["db"], db)
	}
	addr := listening["addr"].(string)
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "{}" {
		t.Errorf("GET / = %s", body)
	}
	// --incompatible-error-code reaches the server.
	post := func(body string) (int, string) {
		resp, err := http.Post("http://"+addr+"/subjects/s/versions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := post(`{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[]}"}`); st != 200 {
		t.Fatalf("register: %d %s", st, b)
	}
	if st, b := post(`{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"}`); st != 409 || !strings.Contains(b, `"error_code":40901`) {
		t.Errorf("incompatible register: %d %s", st, b)
	}
	stop()
}

// serveJSON runs `serve --log-format json` with args in the background and
// returns its "herald listening" log line, read as JSON, and a stop that ends
// serve and checks that it exits 0.
func serveJSON(t *testing.T, args ...string) (listening map[string]any, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() {
		code := run(ctx, append([]string{"serve", "--log-format", "json"}, args...), io.Discard, pw)
		_ = pw.Close()
		done <- code
	}()
	// Read the JSON log lines in the background (the server must never block on
	// its log) and pick the "herald listening" line.
	linec := make(chan map[string]any, 1)
	go func() {
		dec := json.NewDecoder(pr)
		for {
			var line map[string]any
			if err := dec.Decode(&line); err != nil {
				close(linec)
				_, _ = io.Copy(io.Discard, pr)
				return
			}
			if line["msg"] == "herald listening" {
				linec <- line
			}
		}
	}()
	listening, ok := <-linec
	if !ok {
		t.Fatal("serve ended without logging its address")
	}
	return listening, func() {
		t.Helper()
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
