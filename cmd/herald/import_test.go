package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// regCall sends one JSON request to a registry and fails the test unless the
// status is want; it returns the body.
func regCall(t *testing.T, want int, method, u, body string) string {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" || method == http.MethodPost || method == http.MethodPut {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, u, resp.StatusCode, want, b)
	}
	return string(b)
}

func schemaJSONBody(t *testing.T, typ, schema string, refs ...map[string]any) string {
	t.Helper()
	m := map[string]any{"schema": schema}
	if typ != "" {
		m["schemaType"] = typ
	}
	if len(refs) > 0 {
		m["references"] = refs
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const (
	migMoney  = `{"type":"object","properties":{"units":{"type":"integer"}}}`
	migOrder  = `{"type":"object","properties":{"total":{"$ref":"money.json"}}}`
	migOrder2 = `{"type":"object","title":"order","properties":{"total":{"$ref":"money.json"}}}`
	migOld1   = `{"type":"record","name":"Old","fields":[{"name":"a","type":"string"}]}`
	migOld2   = `{"type":"record","name":"Old","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}`
	migPay    = `{"type":"record","name":"Pay","namespace":"acme","fields":[{"name":"amount","type":"long"}]}`
)

// seedSource fills a registry with what a migration must carry: ids that do not
// start at 1, references, a soft-deleted version, a context, and configs and
// modes at every level.
func seedSource(t *testing.T, base string) {
	t.Helper()
	regCall(t, 200, "POST", base+"/subjects/tmp/versions", schemaJSONBody(t, "JSON", `{"type":"string"}`))
	regCall(t, 200, "DELETE", base+"/subjects/tmp", "")
	regCall(t, 200, "DELETE", base+"/subjects/tmp?permanent=true", "")
	regCall(t, 200, "POST", base+"/subjects/money/versions", schemaJSONBody(t, "JSON", migMoney))
	ref := map[string]any{"name": "money.json", "subject": "money", "version": 1}
	regCall(t, 200, "POST", base+"/subjects/order/versions", schemaJSONBody(t, "JSON", migOrder, ref))
	regCall(t, 200, "POST", base+"/subjects/order/versions", schemaJSONBody(t, "JSON", migOrder2, ref))
	regCall(t, 200, "POST", base+"/subjects/old/versions", schemaJSONBody(t, "", migOld1))
	regCall(t, 200, "POST", base+"/subjects/old/versions", schemaJSONBody(t, "", migOld2))
	regCall(t, 200, "DELETE", base+"/subjects/old/versions/1", "")
	regCall(t, 200, "POST", base+"/subjects/"+url.PathEscape(":.staging:pay")+"/versions", schemaJSONBody(t, "", migPay))
	regCall(t, 200, "PUT", base+"/config", `{"compatibility":"FULL"}`)
	regCall(t, 200, "PUT", base+"/config/"+url.PathEscape(":.staging:"), `{"compatibility":"NONE"}`)
	regCall(t, 200, "PUT", base+"/config/order", `{"compatibility":"FORWARD","validateFields":true}`)
	regCall(t, 200, "PUT", base+"/mode/old", `{"mode":"READONLY"}`)
}

// registryState is everything a copy must reproduce, read through the API.
type registryState struct {
	Versions map[string]any
	Configs  map[string]string
	Modes    map[string]string
}

func readState(t *testing.T, base string) registryState {
	t.Helper()
	st := registryState{Versions: map[string]any{}, Configs: map[string]string{}, Modes: map[string]string{}}
	var subjects []string
	mustJSON(t, regCall(t, 200, "GET", base+"/subjects?deleted=true", ""), &subjects)
	for _, s := range subjects {
		var vs []int
		mustJSON(t, regCall(t, 200, "GET", base+"/subjects/"+url.PathEscape(s)+"/versions?deleted=true", ""), &vs)
		for _, v := range vs {
			var sv map[string]any
			mustJSON(t, regCall(t, 200, "GET", base+"/subjects/"+url.PathEscape(s)+"/versions/"+itoa(v)+"?deleted=true", ""), &sv)
			delete(sv, "ts") // the registration time is the copy's
			st.Versions[s+"/"+itoa(v)] = sv
		}
	}
	for _, scope := range []string{"", "/" + url.PathEscape(":.staging:"), "/order"} {
		st.Configs[scope] = regCall(t, 200, "GET", base+"/config"+scope, "")
	}
	for _, scope := range []string{"", "/old"} {
		st.Modes[scope] = regCall(t, 200, "GET", base+"/mode"+scope, "")
	}
	return st
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// cli runs herald with args and returns the exit code and stdout.
func cli(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return code, out.String()
}

// seededPair starts a seeded source Herald and an empty destination, and
// returns them with the source's state, which a copy must reproduce.
func seededPair(t *testing.T) (src, dst *Main, want registryState) {
	t.Helper()
	src, dst = brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	return src, dst, readState(t, src.URL())
}

// wantCLI runs the CLI with args and fails t unless it exits with code and
// its output contains wantOut; what names the run. It returns the output.
func wantCLI(t *testing.T, what string, code int, wantOut string, args ...string) string {
	t.Helper()
	got, out := cli(t, args...)
	if got != code || !strings.Contains(out, wantOut) {
		t.Fatalf("%s: exit %d\n%s", what, got, out)
	}
	return out
}

// wantState fails t unless the registry at base holds want; what names the copy.
func wantState(t *testing.T, what string, want registryState, base string) {
	t.Helper()
	if d := cmp.Diff(want, readState(t, base)); d != "" {
		t.Errorf("%s differs (-source +copy):\n%s", what, d)
	}
}

// globalMode returns the global mode of the registry at base.
func globalMode(t *testing.T, base string) string {
	t.Helper()
	var mode map[string]string
	mustJSON(t, regCall(t, 200, "GET", base+"/mode", ""), &mode)
	return mode["mode"]
}

func TestImportHeraldToHeraldOverHTTP(t *testing.T) {
	src, dst, want := seededPair(t)

	out := wantCLI(t, "import", 0, "", "import", "--from", src.URL(), "--server", dst.URL())
	if strings.Contains(out, "\r") {
		t.Errorf("progress written to a stdout that is not a terminal: %q", out)
	}
	if !strings.Contains(out, "6 versions: 6 imported, 0 already present, 1 soft-deleted again") || !strings.Contains(out, "6 of 6 versions verified") {
		t.Errorf("summary:\n%s", out)
	}
	wantState(t, "copy", want, dst.URL())

	t.Run("RunningAgainChangesNothing", func(t *testing.T) {
		wantCLI(t, "second import", 0, "0 imported, 6 already present", "import", "--from", src.URL(), "--server", dst.URL())
		wantState(t, "copy after a second run", want, dst.URL())
	})
}

func TestImportResumesAPartialCopy(t *testing.T) {
	src, dst, want := seededPair(t)
	// A first run that copied only the money subject, as an interrupted one would.
	wantCLI(t, "partial import", 0, "1 version: 1 imported", "import", "--from", src.URL(), "--server", dst.URL(), "--subjects", "money")
	wantCLI(t, "resumed import", 0, "5 imported, 1 already present", "import", "--from", src.URL(), "--server", dst.URL())
	wantState(t, "copy", want, dst.URL())
}

func TestExportThenImportFromFolder(t *testing.T) {
	src, dst, want := seededPair(t)
	dir := filepath.Join(t.TempDir(), "backup")
	wantCLI(t, "export", 0, "4 subjects, 6 versions written", "export", "--server", src.URL(), "--to", dir)
	// The backup is readable: the schema text sits in its own file.
	text, err := os.ReadFile(filepath.Join(dir, "subjects", "money", "1.schema.json"))
	if err != nil || string(text) != migMoney {
		t.Errorf("money version 1 text: %q, %v; want %q", text, err, migMoney)
	}
	if _, err := os.Stat(filepath.Join(dir, "subjects", "%3A.staging%3Apay", "1.schema.avsc")); err != nil {
		t.Errorf("the context subject's folder: %v", err)
	}
	wantCLI(t, "import from folder", 0, "", "import", "--from", dir, "--server", dst.URL())
	wantState(t, "copy through files", want, dst.URL())
}

func TestImportRefusesAnIDHoldingAnotherSchema(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	// ids 1 and 2 taken by other schemas; the source's money is id 2.
	regCall(t, 200, "POST", dst.URL()+"/subjects/local/versions", schemaJSONBody(t, "JSON", `{"type":"number"}`))
	regCall(t, 200, "POST", dst.URL()+"/subjects/local2/versions", schemaJSONBody(t, "JSON", `{"type":"boolean"}`))
	wantCLI(t, "import over a clashing id", exitFailure, "id 2 holds a different schema here; not overwritten", "import", "--from", src.URL(), "--server", dst.URL())
	var held map[string]any
	mustJSON(t, regCall(t, 200, "GET", dst.URL()+"/schemas/ids/2", ""), &held)
	if held["schema"] != `{"type":"boolean"}` {
		t.Errorf("id 2 now holds %v", held["schema"])
	}
	if mode := globalMode(t, dst.URL()); mode != "READWRITE" {
		t.Errorf("global mode after a failed import: %s, want READWRITE", mode)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	wantCLI(t, "dry run", 0, "6 versions: 6 to import", "import", "--from", src.URL(), "--server", dst.URL(), "--dry-run")
	if got := regCall(t, 200, "GET", dst.URL()+"/subjects?deleted=true", ""); got != "[]" {
		t.Errorf("subjects after a dry run: %s", got)
	}
	if mode := globalMode(t, dst.URL()); mode != "READWRITE" {
		t.Errorf("mode after a dry run: %s", mode)
	}
}

func TestImportFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"FromIsRequired", []string{"import"}, "--from is required"},
		{"UserAndTokenExclude", []string{"import", "--from", "http://127.0.0.1:1", "--user", "a:b", "--token", "t"}, "give one"},
		{"UserNeedsPassword", []string{"import", "--from", "http://127.0.0.1:1", "--user", "a"}, "--user (HERALD_USER) must be user:password"},
		{"FromUserAndTokenExclude", []string{"import", "--from", "http://127.0.0.1:1", "--from-user", "a:b", "--from-token", "t"}, "--from-user and --from-token (or HERALD_FROM_USER and HERALD_FROM_TOKEN)"},
		{"FromClientCertNeedsKey", []string{"import", "--from", "http://127.0.0.1:1", "--from-client-cert", "c.pem"}, "--from-client-cert and --from-client-key"},
		{"FromCredentialsOnAFolder", []string{"import", "--from", t.TempDir(), "--from-token", "t"}, "apply to a registry URL"},
		{"MissingFolderIsUsage", []string{"import", "--from", filepath.Join(t.TempDir(), "none")}, "registry.json"},
		{"ToIsRequired", []string{"export"}, "--to is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != exitUsage || !strings.Contains(errb.String(), tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), exitUsage, tc.msg)
			}
		})
	}
}

// authCall sends one registry request with a bearer token and fails the
// test unless it answers 200.
func authCall(t *testing.T, token, method, u, body string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, b)
	}
}

// TestImportWithCredentialsOnEachSide copies between two Heralds that both
// require credentials: the source is read with a reader key given by
// --from-token (then HERALD_FROM_TOKEN), the target written with an admin
// key given by --token. Not parallel: it sets the environment.
func TestImportWithCredentialsOnEachSide(t *testing.T) {
	src, dst := authMain(t), authMain(t)
	authCall(t, "key-admin", "POST", src.URL()+"/subjects/money/versions", schemaJSONBody(t, "JSON", migMoney))
	authCall(t, "key-admin", "POST", src.URL()+"/subjects/old/versions", schemaJSONBody(t, "", migOld1))

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"SourceWithoutCredentials", []string{"--token", "key-admin"}, "read " + src.URL() + ": herald: 401 40101"},
		{"TargetWithoutCredentials", []string{"--from-token", "key-reader"}, "import into " + dst.URL() + ": herald: 401 40101"},
		{"TargetAsAReader", []string{"--from-token", "key-reader", "--token", "key-reader"}, "403"},
	} {
		code, out, errOut := runCLI(append([]string{"import", "--from", src.URL(), "--server", dst.URL()}, tc.args...)...)
		if code != exitFailure || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q\nstdout: %s", tc.name, code, errOut, tc.want, out)
		}
		if strings.Contains(errOut+out, "key-") {
			t.Errorf("%s: a secret is echoed: %s %s", tc.name, out, errOut)
		}
	}
	wantCLI(t, "import", exitOK, "2 versions: 2 imported", "import", "--from", src.URL(), "--from-token", "key-reader", "--server", dst.URL(), "--token", "key-admin")

	// The env twins; the source's HERALD_FROM_USER is the developer, which may read too.
	t.Setenv("HERALD_FROM_USER", "ci:s3cret")
	t.Setenv("HERALD_TOKEN", "key-admin")
	wantCLI(t, "import again through the environment", exitOK, "0 imported, 2 already present", "import", "--from", src.URL(), "--server", dst.URL())
}
