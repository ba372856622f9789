package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
)

const (
	checkV1    = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
	checkV2    = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}`
	checkBad   = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"qty","type":"int"}]}`
	checkWrong = `{"type":"record","name":"Order","fields":[{"name":"id","type":"nosuch"}]}`
	checkRule  = "READER_FIELD_MISSING_DEFAULT_VALUE"
)

// runCheckCLI runs `herald check ARGS...` and fails the test on an unexpected exit
// code.
func runCheckCLI(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, stderr := runCLI(append([]string{"check"}, args...)...)
	if code != want {
		t.Fatalf("herald check %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, stderr)
	}
	return out, stderr
}

func TestCheckRegistry(t *testing.T) {
	t.Parallel()
	m := startMain(t, filepath.Join(t.TempDir(), "herald.db"))
	cl, err := client.New(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Register(context.Background(), "orders-value", client.Schema{Type: compat.Avro, Text: checkV1}, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"v2.avsc":                     checkV2,
		"bad.avsc":                    checkBad,
		"wrong.avsc":                  checkWrong,
		"schemas/orders.avsc":         checkV2,
		"schemas/payments-value.avsc": checkV1,
		"herald-check.yaml":           "schemas:\n  - subject: orders-value\n    file: bad.avsc\n    type: avro\n",
		"typo.yaml":                   "schemas:\n  - subjct: orders-value\n    file: bad.avsc\n",
	})
	f := func(name string) string { return filepath.Join(dir, name) }
	srv := "--server=" + m.URL()

	t.Run("Compatible", func(t *testing.T) {
		out, _ := runCheckCLI(t, 0, srv, "--subject", "orders-value="+f("v2.avsc"))
		if !strings.Contains(out, f("v2.avsc")+" (orders-value): compatible under BACKWARD") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("Breaking", func(t *testing.T) {
		out, _ := runCheckCLI(t, 1, srv, "--subject", "orders-value="+f("bad.avsc"))
		if !strings.Contains(out, f("bad.avsc")+": /fields/1: "+checkRule+": ") || !strings.Contains(out, "incompatible: breaks BACKWARD (1 violation)") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("NewSubject", func(t *testing.T) {
		out, _ := runCheckCLI(t, 0, srv, "--subject", "brand-new-value="+f("bad.avsc"))
		if !strings.Contains(out, "(brand-new-value): new subject (warning): ") || !strings.Contains(out, "closest existing subjects: orders-value\n") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("FailOnNewNamesTheClosestSubjects", func(t *testing.T) {
		out, _ := runCheckCLI(t, 1, srv, "--fail-on-new", "--subject", "ordrs-value="+f("v2.avsc"), "--subject", "orders-value="+f("v2.avsc"))
		if !strings.Contains(out, "(ordrs-value): new subject (error): ordrs-value is a new subject") ||
			!strings.Contains(out, "(--fail-on-new); closest existing subjects: orders-value") {
			t.Errorf("output:\n%s", out)
		}
		out, _ = runCheckCLI(t, 1, srv, "--fail-on-new", "-o", "github", "--subject", "ordrs-value="+f("v2.avsc"))
		if !strings.HasPrefix(out, "::error file="+escapeProperty(filepath.ToSlash(f("v2.avsc")))+",line=1,title=new subject::") {
			t.Errorf("github output:\n%s", out)
		}
	})
	t.Run("InvalidSchema", func(t *testing.T) {
		out, stderr := runCheckCLI(t, 2, srv, "--subject", "orders-value="+f("wrong.avsc"))
		if !strings.Contains(out, "invalid AVRO schema") || !strings.Contains(stderr, "1 of 1 file could not be checked") {
			t.Errorf("stdout:\n%s\nstderr: %s", out, stderr)
		}
	})
	t.Run("InvalidSchemaOfNewSubject", func(t *testing.T) {
		runCheckCLI(t, 2, srv, "--subject", "other-value="+f("wrong.avsc"))
	})
	t.Run("UnreadableFile", func(t *testing.T) {
		runCheckCLI(t, 2, srv, "--subject", "orders-value="+f("missing.avsc"))
	})
	t.Run("Unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		out, stderr := runCheckCLI(t, exitServer, "--server=http://"+addr, "--subject", "orders-value="+f("v2.avsc"))
		if !strings.Contains(out, "error: ") || !strings.Contains(stderr, "--server or HERALD_SERVER") {
			t.Errorf("output:\n%s\nstderr: %s", out, stderr)
		}
	})
	t.Run("Config", func(t *testing.T) {
		out, _ := runCheckCLI(t, 1, srv, "--config", f("herald-check.yaml"))
		if !strings.Contains(out, checkRule) {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("ConfigUnknownField", func(t *testing.T) {
		runCheckCLI(t, 2, srv, "--config", f("typo.yaml"))
	})
	t.Run("Dir", func(t *testing.T) {
		out, _ := runCheckCLI(t, 0, srv, "--dir", f("schemas"), "-o", "json")
		var got []checkResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		want := []checkResult{
			{File: f("schemas/orders.avsc"), Subject: "orders-value", Status: statusCompatible, Level: "BACKWARD", Violations: []compat.Violation{}},
			{File: f("schemas/payments-value.avsc"), Subject: "payments-value", Status: statusNew, Violations: []compat.Violation{}, Closest: []string{"orders-value"}},
		}
		if d := cmp.Diff(want, got, cmpopts.IgnoreUnexported(checkResult{})); d != "" {
			t.Errorf("results (-want +got):\n%s", d)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, _ := runCheckCLI(t, 1, "--server", m.URL(), "--subject", "orders-value="+f("bad.avsc"), "-o", "json")
		var got []checkResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(got) != 1 || got[0].Status != statusIncompatible || len(got[0].Violations) != 1 || got[0].Violations[0].Rule != checkRule {
			t.Errorf("results = %+v", got)
		}
	})
	t.Run("JUnit", func(t *testing.T) {
		junit := filepath.Join(t.TempDir(), "report.xml")
		out, _ := runCheckCLI(t, 2, srv, "-o", "junit", "--junit-file", junit,
			"--subject", "orders-value="+f("v2.avsc"), "--subject", "orders-value="+f("bad.avsc"),
			"--subject", "brand-new-value="+f("v1-missing.avsc"), "--subject", "fresh-value="+f("v2.avsc"))
		b, err := os.ReadFile(junit)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != out {
			t.Errorf("--junit-file differs from stdout:\n%s\n---\n%s", b, out)
		}
		var got junitSuites
		if err := xml.Unmarshal(b, &got); err != nil {
			t.Fatalf("%v:\n%s", err, b)
		}
		if got.Tests != 4 || got.Failures != 1 || got.Errors != 1 || len(got.Suites) != 1 {
			t.Fatalf("counts: tests %d failures %d errors %d suites %d\n%s", got.Tests, got.Failures, got.Errors, len(got.Suites), b)
		}
		s := got.Suites[0]
		if s.Tests != 4 || s.Failures != 1 || s.Errors != 1 || len(s.Cases) != 4 {
			t.Fatalf("suite: %+v", s)
		}
		if c := s.Cases[1]; c.Failure == nil || c.Failure.Type != checkRule || !strings.Contains(c.Failure.Text, "/fields/1") {
			t.Errorf("failing case: %+v", c)
		}
		if c := s.Cases[2]; c.Error == nil || c.Failure != nil {
			t.Errorf("error case: %+v", c)
		}
		for _, i := range []int{0, 3} {
			if c := s.Cases[i]; c.Failure != nil || c.Error != nil {
				t.Errorf("passing case %d: %+v", i, c)
			}
		}
	})
	t.Run("GitHub", func(t *testing.T) {
		out, _ := runCheckCLI(t, 1, srv, "-o", "github", "--subject", "orders-value="+f("bad.avsc"))
		// bad.avsc is one line: the path is found there.
		want := "::error file=" + escapeProperty(filepath.ToSlash(f("bad.avsc"))) + ",line=1,title=" + checkRule + "::orders-value: /fields/1: "
		if !strings.HasPrefix(out, want) || strings.Count(out, "\n") != 1 {
			t.Errorf("output:\n%s\nwant prefix %s", out, want)
		}
	})
}

func TestCheckWorkflowCommandEscaping(t *testing.T) {
	t.Parallel()
	got := workflowCommand("error", "a,b:c%.avsc", 7, "RULE,X:Y", "50% off\r\nsecond line, with: colons")
	want := "::error file=a%2Cb%3Ac%25.avsc,line=7,title=RULE%2CX%3AY::50%25 off%0D%0Asecond line, with: colons"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	var b strings.Builder
	err := writeCheckGitHub(&b, []checkResult{
		{File: "s/o.avsc", Subject: "o-value", Status: statusIncompatible, Violations: []compat.Violation{{Rule: "R", Path: "/a", Message: "multi\nline 100%"}}},
		{File: "s/n.avsc", Subject: "n-value", Status: statusNew},
		{File: "s/e.avsc", Subject: "e-value", Status: statusError, Error: "bad: input,\nhere"},
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	wantOut := "::error file=s/o.avsc,line=1,title=R::o-value: /a: multi%0Aline 100%25\n" +
		"::warning file=s/n.avsc,line=1,title=new subject::n-value is a new subject: there is no earlier version to check against\n" +
		"::error file=s/e.avsc,line=1,title=herald check::bad: input,%0Ahere\n"
	if d := cmp.Diff(wantOut, b.String()); d != "" {
		t.Errorf("github output (-want +got):\n%s", d)
	}
}

// gitRepo creates a git repository in a temporary directory with files
// committed, and returns its directory.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	for _, args := range [][]string{
		{"init", "-q"},
		{"add", "."},
		{"-c", "user.name=Herald Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "v1"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return dir
}

func TestCheckAgainstGit(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t, map[string]string{
		"schemas/orders.avsc": checkV1,
		"schemas/money.proto": "syntax = \"proto3\";\npackage acme;\nmessage Money {\n  string currency = 1;\n}\n",
		"schemas/pay.proto":   "syntax = \"proto3\";\npackage pay;\nimport \"acme/money.proto\";\nmessage Pay {\n  acme.Money total = 1;\n}\n",
	})
	// The working tree moves on from the commit.
	writeFiles(t, dir, map[string]string{
		"schemas/added.avsc":  checkBad,
		"schemas/wrong.avsc":  checkWrong,
		"schemas/compat.avsc": checkV2,
		"schemas/pay.proto":   "syntax = \"proto3\";\npackage pay;\nimport \"acme/money.proto\";\nmessage Pay {\n  acme.Money total = 1;\n  string note = 2;\n}\n",
		"schemas/money.proto": "syntax = \"proto3\";\npackage acme;\nmessage Money {\n  int64 currency = 1;\n}\n",
		"herald-check.yaml": "schemas:\n" +
			"  - {subject: money-value, file: schemas/money.proto}\n" +
			"  - subject: pay-value\n    file: schemas/pay.proto\n    references:\n      - {name: acme/money.proto, subject: money-value, version: 1}\n",
	})
	f := func(name string) string { return filepath.Join(dir, name) }

	t.Run("Compatible", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"schemas/orders.avsc": checkV2})
		out, _ := runCheckCLI(t, 0, "--against", "HEAD", "--subject", "orders-value="+f("schemas/orders.avsc"))
		if !strings.Contains(out, "(orders-value): compatible under BACKWARD") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("Breaking", func(t *testing.T) {
		writeFiles(t, dir, map[string]string{"schemas/orders.avsc": checkBad})
		out, _ := runCheckCLI(t, 1, "--against", "HEAD", "--subject", "orders-value="+f("schemas/orders.avsc"))
		if !strings.Contains(out, f("schemas/orders.avsc")+": /fields/1: "+checkRule+": ") {
			t.Errorf("output:\n%s", out)
		}
		// FORWARD accepts a new required field.
		runCheckCLI(t, 0, "--against", "HEAD", "--level", "FORWARD", "--subject", "orders-value="+f("schemas/orders.avsc"))
	})
	t.Run("NewFile", func(t *testing.T) {
		out, _ := runCheckCLI(t, 0, "--against", "HEAD", "--subject", "added-value="+f("schemas/added.avsc"))
		if !strings.Contains(out, "(added-value): new subject") {
			t.Errorf("output:\n%s", out)
		}
		out, _ = runCheckCLI(t, 1, "--against", "HEAD", "--fail-on-new", "-o", "junit", "--subject", "added-value="+f("schemas/added.avsc"))
		if !strings.Contains(out, `failures="1"`) || !strings.Contains(out, `type="NEW_SUBJECT"`) {
			t.Errorf("junit output with --fail-on-new:\n%s", out)
		}
	})
	t.Run("UnknownRef", func(t *testing.T) {
		_, stderr := runCheckCLI(t, 2, "--against", "no-such-branch", "--subject", "added-value="+f("schemas/added.avsc"))
		if !strings.Contains(stderr, "--against") {
			t.Errorf("stderr: %s", stderr)
		}
	})
	t.Run("UnknownLevel", func(t *testing.T) {
		runCheckCLI(t, 2, "--against", "HEAD", "--level", "sideways", "--subject", "added-value="+f("schemas/added.avsc"))
	})
	t.Run("InvalidSchema", func(t *testing.T) {
		runCheckCLI(t, 2, "--against", "HEAD", "--subject", "wrong-value="+f("schemas/wrong.avsc"))
	})
	t.Run("ReferencesFromCheckedFiles", func(t *testing.T) {
		// money.proto changed a field's type; pay.proto only added a field but
		// imports money.proto, read at HEAD for the previous version and from the
		// working tree for the current one, so the change reaches it.
		out, _ := runCheckCLI(t, 1, "--against", "HEAD", "--config", f("herald-check.yaml"), "-o", "json")
		var got []checkResult
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(got) != 2 || got[0].Status != statusIncompatible || got[1].Status != statusIncompatible {
			t.Fatalf("results = %+v", got)
		}
		rules := map[string]bool{}
		for _, v := range got[1].Violations {
			rules[v.Rule] = true
		}
		if !rules["FIELD_NAMED_TYPE_CHANGED"] {
			t.Errorf("pay-value violations = %+v", got[1].Violations)
		}
	})
	t.Run("MissingReference", func(t *testing.T) {
		out, _ := runCheckCLI(t, 2, "--against", "HEAD", "--subject", "pay-value="+f("schemas/pay.proto"))
		if !strings.Contains(out, "error: ") {
			t.Errorf("output:\n%s", out)
		}
	})
	t.Run("Dir", func(t *testing.T) {
		// compat.avsc is new, so only orders.avsc (breaking in Breaking, or
		// at v1) and the broken wrong.avsc decide: wrong.avsc makes it 2.
		runCheckCLI(t, 2, "--against", "HEAD", "--dir", f("schemas"))
	})
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.avsc": checkV1, "a.txt": "x"})
	f := func(name string) string { return filepath.Join(dir, name) }
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"Nothing", nil, "nothing to check"},
		{"BadSubject", []string{"--subject", "nofile"}, "SUBJECT=FILE"},
		{"BadOutput", []string{"--output", "xml", "--subject", "a-value=" + f("a.avsc")}, "--output"},
		{"UnknownExtension", []string{"--subject", "a-value=" + f("a.txt")}, "cannot tell the format"},
		{"BadServer", []string{"--server", "ftp://x", "--subject", "a-value=" + f("a.avsc")}, "--server"},
		{"MissingConfig", []string{"--config", f("none.yaml")}, "--config"},
		{"MissingDir", []string{"--dir", f("none")}, "--dir"},
		{"LevelWithoutAgainst", []string{"--level", "FULL", "--subject", "a-value=" + f("a.avsc")}, "--against"},
		{"RefsWithoutAgainst", []string{"--refs-dir", dir, "--subject", "a-value=" + f("a.avsc")}, "--against"},
		{"Args", []string{"x"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr := runCheckCLI(t, 2, tc.args...)
			if !strings.Contains(stderr, tc.msg) {
				t.Errorf("stderr lacks %q: %s", tc.msg, stderr)
			}
		})
	}
}

// TestCheckAnnotationPath sets GITHUB_WORKSPACE, so it does not run in parallel.
func TestCheckAnnotationPath(t *testing.T) {
	ws := t.TempDir()
	t.Setenv("GITHUB_WORKSPACE", ws)
	for in, want := range map[string]string{
		filepath.Join(ws, "schemas", "o.avsc"): "schemas/o.avsc",
		filepath.Join(ws, "..", "else.avsc"):   filepath.ToSlash(filepath.Join(ws, "..", "else.avsc")),
	} {
		if got := annotationPath(in); got != want {
			t.Errorf("annotationPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTopicNameSubject(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"orders": "orders-value", "orders-key": "orders-key", "orders-value": "orders-value"} {
		if got := topicNameSubject(in); got != want {
			t.Errorf("topicNameSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
