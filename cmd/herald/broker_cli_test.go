package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// brokerMain runs a Main (registry and broker) on 127.0.0.1:0 in a temp dir and
// waits until it is ready.
func brokerMain(t testing.TB) *Main {
	t.Helper()
	return startMainWith(t, testConfig(t))
}

// brokerCLI runs the broker commands with stdin and returns the exit code and
// outputs.
func brokerCLI(stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	root := &cobra.Command{Use: "herald", SilenceUsage: true, SilenceErrors: true}
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetIn(strings.NewReader(stdin))
	root.AddCommand(newTopicCommand(), newPublishCommand(), newConsumeCommand())
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0, stdout.String(), stderr.String()
	}
	stderr.WriteString(err.Error())
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, stdout.String(), stderr.String()
	}
	return exitUsage, stdout.String(), stderr.String()
}

func postJSON(t testing.TB, url, ct, body string) {
	t.Helper()
	resp, err := http.Post(url, ct, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
}

func TestBrokerCLI(t *testing.T) {
	m := brokerMain(t)
	postJSON(t, m.URL()+"/subjects/orders-value/versions", "application/json",
		`{"schemaType":"JSON","schema":"{\"type\":\"object\",\"required\":[\"id\"]}"}`)
	srv := "--server=" + m.URL()

	code, out, errOut := brokerCLI("", "topic", "create", "orders", "--value-subject", "orders-value", "--max-age", "7d", srv)
	if code != 0 || !strings.Contains(out, `"valueSubject": "orders-value"`) {
		t.Fatalf("topic create: %d %s %s", code, out, errOut)
	}
	code, _, errOut = brokerCLI("", "topic", "create", "bad", "--value-subject", "nope", srv)
	if code != exitFailure || !strings.Contains(errOut, "error_code 42220") {
		t.Errorf("topic create on a missing subject: %d %s", code, errOut)
	}

	// JSON lines on stdin.
	code, out, errOut = brokerCLI("{\"id\":\"a\"}\n{\"id\":\"b\"}\n{\"id\":\"c\"}\n", "publish", "orders", "-", "--batch", "2", "--client", "cli-test", srv)
	if code != 0 || out != "event 0: offset 0\nevent 1: offset 1\nevent 2: offset 2\npublished 3 events to orders, offsets 0\u20132\n" {
		t.Fatalf("publish: %d %q %s", code, out, errOut)
	}
	// One document from a file, and a refusal with details.
	file := filepath.Join(t.TempDir(), "ev.json")
	if err := os.WriteFile(file, []byte(`{"id": "d"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := brokerCLI("", "publish", "orders", file, srv); code != 0 || out != "event 0: offset 3\npublished 1 event to orders, offset 3\n" {
		t.Errorf("publish file: %d %q", code, out)
	}
	code, _, errOut = brokerCLI(`{"nope":1}`, "publish", "orders", srv)
	if code != exitFailure || !strings.Contains(errOut, "error_code 42222") || !strings.Contains(errOut, `"index": 0`) {
		t.Errorf("publish invalid: %d %s", code, errOut)
	}
	// The index of an unreadable input event counts from 0 too.
	code, _, errOut = brokerCLI("{\"id\":\"x\"}\n{\"id\":", "publish", "orders", srv)
	if code != exitUsage || !strings.Contains(errOut, "input event 1: ") {
		t.Errorf("publish unreadable second event: %d %s", code, errOut)
	}
	// A batch over the server's limit (10,000 events) is refused whole, with
	// the flag to lower.
	code, _, errOut = brokerCLI(strings.Repeat("{\"id\":\"big\"}\n", 10_001), "publish", "orders", "--batch", "20000", srv)
	if code != exitFailure || !strings.Contains(errOut, "more than 10000 events in one publish: send them in several batches; lower --batch (20000 now) (HTTP 413, error_code 41302)") {
		t.Errorf("publish over the limit: %d %s", code, errOut)
	}
	// Duplicates (the same --id again) are counted apart.
	for i, want := range []string{"published 1 event to orders, offset 4\n", "published 0 events to orders; 1 event already there (duplicate ids)\n"} {
		if code, out, errOut := brokerCLI(`{"id":"dup"}`, "publish", "orders", "--id", "dup-1", srv); code != 0 || !strings.HasSuffix(out, want) {
			t.Errorf("publish with an id, time %d: %d %q %s; want it to end with %q", i+1, code, out, errOut, want)
		}
	}

	code, out, _ = brokerCLI("", "consume", "orders", "--from", "1", "--max", "2", srv)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"offset":1`) || !strings.Contains(out, `"offset":2`) {
		t.Errorf("consume --from 1: %d %s", code, out)
	}
	// A group resumes where it committed.
	if code, out, _ := brokerCLI("", "consume", "orders", "--group", "g", "--max", "3", srv); code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("consume --group: %d %s", code, out)
	}
	if code, out, _ := brokerCLI("", "consume", "orders", "--group", "g", srv); code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"offset":4`) {
		t.Errorf("consume --group again: %d %s", code, out)
	}
	// --follow waits for an event published meanwhile.
	done := make(chan string, 1)
	go func() {
		_, out, _ := brokerCLI("", "consume", "orders", "--from", "latest", "--follow", "--max", "1", srv)
		done <- out
	}()
	deadline := time.Now().Add(time.Minute)
	for len(done) == 0 && time.Now().Before(deadline) {
		brokerCLI(`{"id":"live"}`, "publish", "orders", srv)
		time.Sleep(50 * time.Millisecond)
	}
	if out := <-done; !strings.Contains(out, `"live"`) {
		t.Errorf("consume --follow: %s", out)
	}

	// Queues: consume receives and acks.
	if code, _, errOut := brokerCLI("", "topic", "create", "jobs", "--kind", "queue", "--value-subject", "orders-value", srv); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := brokerCLI("{\"id\":\"j1\"}\n{\"id\":\"j2\"}\n", "publish", "jobs", srv); code != 0 || out != "event 0: offset 0\nevent 1: offset 1\npublished 2 events to jobs, offsets 0\u20131\n" {
		t.Fatalf("publish to the queue: %d %q %s", code, out, errOut)
	}
	if code, out, _ := brokerCLI("", "consume", "jobs", srv); code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"ackId":"0-1"`) {
		t.Errorf("consume queue: %d %s", code, out)
	}
	if code, out, _ := brokerCLI("", "consume", "jobs", srv); code != 0 || out != "" {
		t.Errorf("queue after acks: %d %q", code, out)
	}

	code, out, _ = brokerCLI("", "topic", "list", srv)
	if code != 0 || !strings.Contains(out, "orders") || !strings.Contains(out, "jobs") || !strings.Contains(out, "TOPIC") {
		t.Errorf("topic list: %d\n%s", code, out)
	}
	code, out, _ = brokerCLI("", "topic", "show", "orders", srv)
	if code != 0 || !strings.Contains(out, `"client": "cli-test"`) {
		t.Errorf("topic show: %d %s", code, out)
	}
	if code, out, _ := brokerCLI("", "topic", "delete", "jobs", srv); code != 0 || out != "deleted topic jobs\n" {
		t.Errorf("topic delete: %d %s", code, out)
	}
	if code, _, errOut := brokerCLI("", "topic", "show", "jobs", srv); code != exitFailure || !strings.Contains(errOut, "40420") {
		t.Errorf("show deleted: %d %s", code, errOut)
	}
	t.Setenv("HERALD_SERVER", "ftp://x")
	if code, _, _ := brokerCLI("", "topic", "list"); code != exitUsage {
		t.Errorf("HERALD_SERVER=ftp://x: exit %d, want usage", code)
	}
}
