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

func TestImportHeraldToHeraldOverHTTP(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	want := readState(t, src.URL())

	code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL())
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "\r") {
		t.Errorf("progress written to a stdout that is not a terminal: %q", out)
	}
	if !strings.Contains(out, "6 versions: 6 imported, 0 already present, 1 soft-deleted again") || !strings.Contains(out, "6 of 6 versions verified") {
		t.Errorf("summary:\n%s", out)
	}
	if d := cmp.Diff(want, readState(t, dst.URL())); d != "" {
		t.Errorf("copy differs (-source +copy):\n%s", d)
	}

	t.Run("RunningAgainChangesNothing", func(t *testing.T) {
		code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL())
		if code != 0 || !strings.Contains(out, "0 imported, 6 already present") {
			t.Fatalf("second import: exit %d\n%s", code, out)
		}
		if d := cmp.Diff(want, readState(t, dst.URL())); d != "" {
			t.Errorf("copy differs after a second run (-source +copy):\n%s", d)
		}
	})
}

func TestImportResumesAPartialCopy(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	want := readState(t, src.URL())
	// A first run that copied only the money subject, as an interrupted one would.
	if code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL(), "--subjects", "money"); code != 0 || !strings.Contains(out, "1 versions: 1 imported") {
		t.Fatalf("partial import: exit %d\n%s", code, out)
	}
	code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL())
	if code != 0 || !strings.Contains(out, "5 imported, 1 already present") {
		t.Fatalf("resumed import: exit %d\n%s", code, out)
	}
	if d := cmp.Diff(want, readState(t, dst.URL())); d != "" {
		t.Errorf("copy differs (-source +copy):\n%s", d)
	}
}

func TestExportThenImportFromFolder(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	want := readState(t, src.URL())
	dir := filepath.Join(t.TempDir(), "backup")
	code, out := cli(t, "export", "--server", src.URL(), "--to", dir)
	if code != 0 || !strings.Contains(out, "4 subjects, 6 versions written") {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	// The backup is readable: the schema text sits in its own file.
	text, err := os.ReadFile(filepath.Join(dir, "subjects", "money", "1.schema.json"))
	if err != nil || string(text) != migMoney {
		t.Errorf("money version 1 text: %q, %v; want %q", text, err, migMoney)
	}
	if _, err := os.Stat(filepath.Join(dir, "subjects", "%3A.staging%3Apay", "1.schema.avsc")); err != nil {
		t.Errorf("the context subject's folder: %v", err)
	}
	code, out = cli(t, "import", "--from", dir, "--server", dst.URL())
	if code != 0 {
		t.Fatalf("import from folder: exit %d\n%s", code, out)
	}
	if d := cmp.Diff(want, readState(t, dst.URL())); d != "" {
		t.Errorf("copy through files differs (-source +copy):\n%s", d)
	}
}

func TestImportRefusesAnIDHoldingAnotherSchema(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	// ids 1 and 2 taken by other schemas; the source's money is id 2.
	regCall(t, 200, "POST", dst.URL()+"/subjects/local/versions", schemaJSONBody(t, "JSON", `{"type":"number"}`))
	regCall(t, 200, "POST", dst.URL()+"/subjects/local2/versions", schemaJSONBody(t, "JSON", `{"type":"boolean"}`))
	code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL())
	if code != exitFailure || !strings.Contains(out, "id 2 holds a different schema here; not overwritten") {
		t.Fatalf("import over a clashing id: exit %d\n%s", code, out)
	}
	var held map[string]any
	mustJSON(t, regCall(t, 200, "GET", dst.URL()+"/schemas/ids/2", ""), &held)
	if held["schema"] != `{"type":"boolean"}` {
		t.Errorf("id 2 now holds %v", held["schema"])
	}
	var mode map[string]string
	mustJSON(t, regCall(t, 200, "GET", dst.URL()+"/mode", ""), &mode)
	if mode["mode"] != "READWRITE" {
		t.Errorf("global mode after a failed import: %s, want READWRITE", mode["mode"])
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	src, dst := brokerMain(t), brokerMain(t)
	seedSource(t, src.URL())
	code, out := cli(t, "import", "--from", src.URL(), "--server", dst.URL(), "--dry-run")
	if code != 0 || !strings.Contains(out, "6 versions: 6 to import") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if got := regCall(t, 200, "GET", dst.URL()+"/subjects?deleted=true", ""); got != "[]" {
		t.Errorf("subjects after a dry run: %s", got)
	}
	var mode map[string]string
	mustJSON(t, regCall(t, 200, "GET", dst.URL()+"/mode", ""), &mode)
	if mode["mode"] != "READWRITE" {
		t.Errorf("mode after a dry run: %s", mode["mode"])
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
		{"UserNeedsPassword", []string{"import", "--from", "http://127.0.0.1:1", "--user", "a"}, "USER:PASSWORD"},
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
