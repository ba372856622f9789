package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8081": true, "127.1.2.3:0": true, "[::1]:8081": true, "localhost:8081": true, "LOCALHOST:1": true,
		"0.0.0.0:8081": false, ":8081": false, "[::]:8081": false, "10.0.0.5:8081": false, "herald.example.com:8081": false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestServeRefusesExposureWithoutAuth checks that herald will not listen
// beyond loopback without an auth file, says why, and opens nothing.
func TestServeRefusesExposureWithoutAuth(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := NewMain(Config{Addr: "0.0.0.0:0", DB: filepath.Join(dir, "herald.db"), Logger: discardLogger()})
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
		t.Fatal("listening on 0.0.0.0 without --auth was allowed")
	}
	for _, part := range []string{"without --auth", "--insecure-no-auth", "herald auth hash"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %s", err, part)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "herald.db")); !os.IsNotExist(err) {
		t.Errorf("the database was created before the refusal: %v", err)
	}

	m = NewMain(Config{Addr: "0.0.0.0:0", DB: filepath.Join(dir, "herald.db"), Logger: discardLogger(), auth: &authFlags{InsecureNoAuth: true}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("--insecure-no-auth: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// runAuth runs `herald auth ARGS` with stdin and returns stdout.
func runAuth(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newAuthCmd()
	var out bytes.Buffer
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// TestAuthHashLinesWork checks that what `herald auth hash` and `herald auth
// new-key` print, pasted into an auth file, authenticates the secret.
func TestAuthHashLinesWork(t *testing.T) {
	t.Parallel()
	pw, err := runAuth(t, "correct horse\n", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pw, `password: "$2a$12$`) || strings.Contains(pw, "correct horse") {
		t.Fatalf("hash printed %q", pw)
	}
	key, err := runAuth(t, "hrld_abc\r\n", "hash", "--api-key")
	if err != nil {
		t.Fatal(err)
	}
	if want := "apiKey: \"" + auth.HashAPIKey("hrld_abc") + "\"\n"; key != want {
		t.Fatalf("hash --api-key printed %q, want %q", key, want)
	}
	minted, err := runAuth(t, "", "new-key", "ci-bot")
	if err != nil {
		t.Fatal(err)
	}
	newKey, snippet, _ := strings.Cut(minted, "\n")
	if !strings.HasPrefix(newKey, "hrld_") {
		t.Fatalf("new-key printed %q", minted)
	}
	var entry []string
	for _, l := range strings.Split(snippet, "\n") {
		if strings.HasPrefix(l, "  ") {
			entry = append(entry, l)
		}
	}
	file := "principals:\n  - name: web\n    " + pw + "    roles: [admin]\n  - name: ci\n    " + key + "    roles: [reader]\n" +
		strings.Join(entry, "\n") + "\n"
	f, err := auth.Parse("pasted.yaml", []byte(file))
	if err != nil {
		t.Fatalf("the printed lines do not parse: %v\n%s", err, file)
	}
	a, err := auth.New(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	for header, want := range map[string]string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("web:correct horse")): "web",
		"Bearer hrld_abc":  "ci",
		"Bearer " + newKey: "ci-bot",
	} {
		p, err := a.Authenticate(context.Background(), header)
		if err != nil || p.Name != want {
			t.Errorf("%s: %v, %v; want %s", header, p, err, want)
		}
	}
}

func TestAuthHashRefusesEmptyInput(t *testing.T) {
	t.Parallel()
	if _, err := runAuth(t, "", "hash"); err == nil || !strings.Contains(err.Error(), "nothing on stdin") {
		t.Errorf("err = %v", err)
	}
	if _, err := runAuth(t, "", "new-key", "a:b"); err == nil {
		t.Error("a name with a colon was accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing if the server stops first. It
// bounds nothing by time itself; the test's own deadline does.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if deadline, ok := t.Deadline(); ok && time.Until(deadline) < time.Second {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuthFileReloads checks that a changed auth file is put in force without
// a restart, and that an invalid one is refused, logged, and leaves the
// previous one in force.
func TestAuthFileReloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.yaml")
	write := func(content string) {
		t.Helper()
		// Write aside and rename, as editors and config managers do, so the
		// poll never reads half a file.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	keyFile := func(key string) string {
		return "principals:\n  - name: rotating\n    apiKey: " + auth.HashAPIKey(key) + "\n    roles: [admin]\n"
	}
	write(keyFile("key-one"))
	var logs syncBuffer
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "herald.db"), Version: "test",
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), auth: &authFlags{File: path, ReloadInterval: 20 * time.Millisecond}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Close() }()
	waitReady(t, m)
	status := func(key string) int {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/subjects", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := status("key-one"); st != http.StatusOK {
		t.Fatalf("key-one: %d", st)
	}
	if st := status("key-two"); st != http.StatusUnauthorized {
		t.Fatalf("key-two before the reload: %d", st)
	}
	write(keyFile("key-two"))
	waitFor(t, "key-two to be accepted", func() bool { return status("key-two") == http.StatusOK })
	if st := status("key-one"); st != http.StatusUnauthorized {
		t.Errorf("key-one after the reload: %d, want 401", st)
	}

	write("principals:\n  - name: broken\n    password: plain-text\n    roles: [admin]\n")
	waitFor(t, "the invalid file to be refused", func() bool { return strings.Contains(logs.String(), "auth file refused") })
	if st := status("key-two"); st != http.StatusOK {
		t.Errorf("key-two after an invalid file: %d, want the previous file in force", st)
	}
	if strings.Contains(logs.String(), "plain-text") || strings.Contains(logs.String(), "key-two") {
		t.Errorf("the log quotes a secret:\n%s", logs.String())
	}
}

// Signing keys of the test identity provider, generated once per test binary:
// RSA generation is slow under the race detector.
var (
	oidcKey1 = sync.OnceValue(func() *oidctest.Key { return mustKey("key-1") })
	oidcKey2 = sync.OnceValue(func() *oidctest.Key { return mustKey("key-2") })
)

func mustKey(id string) *oidctest.Key {
	k, err := oidctest.NewKey(id)
	if err != nil {
		panic(err)
	}
	return k
}

// answer is what a test request got: the status, the error_code of a
// refusal, the challenge and the body.
type answer struct {
	status, code int
	challenge    string
	body         []byte
}

// do sends a request with an Authorization header (none when empty)
// through hc.
func do(t *testing.T, hc *http.Client, method, url, authorization, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: b}
	if resp.StatusCode >= 400 {
		var e struct {
			Code int `json:"error_code"`
		}
		_ = json.Unmarshal(b, &e)
		a.code = e.Code
	}
	return a
}

// whoAmI is the answer of GET /v1/whoami.
type whoAmI struct {
	Principal string         `json:"principal"`
	Method    string         `json:"method"`
	Bindings  []auth.Binding `json:"bindings"`
}

const registerString = `{"schema":"\"string\""}`

// TestOIDCBearerTokens runs a Main whose auth file has an oidc section found
// by discovery from a provider the test serves, and checks what bearer JWTs
// get: a valid one its roleMapping's bindings, a bad one 401, and a token
// under a key the provider publishes later is accepted once it is published.
func TestOIDCBearerTokens(t *testing.T) {
	t.Parallel()
	key1, key2 := oidcKey1(), oidcKey2()
	idp := oidctest.NewProvider(key1)
	t.Cleanup(idp.Close)

	// The clock JWTs are checked against; the test moves it past the JWKS
	// refresh interval instead of waiting.
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }

	dir := t.TempDir()
	file := "principals:\n" +
		"  - name: platform\n    apiKey: " + auth.HashAPIKey("key-platform") + "\n    roles: [admin]\n" +
		"oidc:\n  issuer: " + idp.Issuer() + "\n  audience: herald\n  roleMapping:\n" +
		"    orders-devs: [{role: developer, subjects: [\"orders-*\"]}]\n" +
		"    readers: [reader]\n"
	path := filepath.Join(dir, "auth.yaml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: filepath.Join(dir, "herald.db"), Version: "test",
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		auth:   &authFlags{File: path, oidcClock: now}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	waitReady(t, m)
	hc := &http.Client{}
	url := m.URL()
	var tokens []string
	bearer := func(tok string) string {
		tokens = append(tokens, tok)
		return "Bearer " + tok
	}
	valid := func(sub string, groups ...string) map[string]any {
		return idp.Claims(sub, "herald", now().Add(time.Hour), groups...)
	}

	t.Run("ValidTokenGetsItsMappedBindings", func(t *testing.T) {
		tok := bearer(key1.Sign(valid("alice", "orders-devs", "unmapped-group")))
		a := do(t, hc, "GET", url+"/v1/whoami", tok, "")
		if a.status != 200 {
			t.Fatalf("whoami: %d %s", a.status, a.body)
		}
		var got whoAmI
		if err := json.Unmarshal(a.body, &got); err != nil {
			t.Fatal(err)
		}
		want := whoAmI{Principal: "alice", Method: "oidc", Bindings: []auth.Binding{{Role: auth.Developer, Subjects: []string{"orders-*"}}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("whoami (-want +got):\n%s", diff)
		}
		if a := do(t, hc, "POST", url+"/subjects/orders-value/versions", tok, registerString); a.status != 200 {
			t.Errorf("register orders-value: %d %s", a.status, a.body)
		}
		if a := do(t, hc, "POST", url+"/subjects/payments-value/versions", tok, registerString); a.status != 403 || a.code != 40301 {
			t.Errorf("register payments-value: %d %s, want 403 40301", a.status, a.body)
		}
		if a := do(t, hc, "PUT", url+"/config", tok, `{"compatibility":"NONE"}`); a.status != 403 {
			t.Errorf("PUT /config: %d %s, want 403", a.status, a.body)
		}
	})
	t.Run("ReaderGroupReadsButCannotRegister", func(t *testing.T) {
		tok := bearer(key1.Sign(valid("bob", "readers")))
		if a := do(t, hc, "GET", url+"/subjects", tok, ""); a.status != 200 {
			t.Errorf("GET /subjects: %d %s", a.status, a.body)
		}
		if a := do(t, hc, "POST", url+"/subjects/orders-value/versions", tok, registerString); a.status != 403 || a.code != 40301 {
			t.Errorf("register: %d %s, want 403 40301", a.status, a.body)
		}
	})
	t.Run("NoMappedGroupIs403", func(t *testing.T) {
		tok := bearer(key1.Sign(valid("carol", "strangers")))
		if a := do(t, hc, "GET", url+"/subjects", tok, ""); a.status != 403 || a.code != 40301 {
			t.Errorf("GET /subjects: %d %s, want 403 40301", a.status, a.body)
		}
	})

	expired := valid("alice", "orders-devs")
	expired["exp"] = now().Add(-10 * time.Minute).Unix()
	notYet := valid("alice", "orders-devs")
	notYet["nbf"] = now().Add(10 * time.Minute).Unix()
	wrongAud := idp.Claims("alice", "another-app", now().Add(time.Hour), "orders-devs")
	wrongIss := valid("alice", "orders-devs")
	wrongIss["iss"] = "https://idp.evil.example"
	for _, tc := range []struct {
		name, token string
	}{
		{"ExpiredIs401", key1.Sign(expired)},
		{"NotYetValidIs401", key1.Sign(notYet)},
		{"WrongAudienceIs401", key1.Sign(wrongAud)},
		{"WrongIssuerIs401", key1.Sign(wrongIss)},
		{"AlgNoneIs401", oidctest.Unsigned(key1.ID, valid("alice", "orders-devs"))},
		{"HMACIs401", oidctest.HS256(key1.ID, []byte("a-shared-secret"), valid("alice", "orders-devs"))},
		// key-2's signature under key-1's kid: the signature does not verify.
		{"ForgedSignatureIs401", key2.Sign(valid("alice", "orders-devs"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tc.name == "ForgedSignatureIs401" {
				// Put key-1's kid in key-2's token: same header, other key.
				good := strings.Split(key1.Sign(valid("alice", "orders-devs")), ".")
				forged := strings.Split(tok, ".")
				tok = good[0] + "." + forged[1] + "." + forged[2]
			}
			a := do(t, hc, "GET", url+"/v1/whoami", bearer(tok), "")
			if a.status != 401 || a.code != 40101 || !strings.Contains(a.challenge, "Bearer") {
				t.Errorf("got %d %q (WWW-Authenticate %q), want 401 40101 with a Bearer challenge", a.status, a.body, a.challenge)
			}
		})
	}

	t.Run("UnknownKidIsAcceptedAfterRotation", func(t *testing.T) {
		tok := bearer(key2.Sign(valid("dave", "orders-devs")))
		before := idp.JWKSFetches()
		if a := do(t, hc, "GET", url+"/v1/whoami", tok, ""); a.status != 401 {
			t.Fatalf("a token under an unpublished key: %d %s, want 401", a.status, a.body)
		}
		// The provider rotates: key-2 replaces key-1. Herald refetches the
		// JWKS for the unknown kid once the refresh interval has passed.
		idp.Publish(key2)
		clock.Add(int64(31 * time.Second))
		a := do(t, hc, "GET", url+"/v1/whoami", tok, "")
		if a.status != 200 || !bytes.Contains(a.body, []byte(`"principal":"dave"`)) {
			t.Fatalf("after the rotation: %d %s, want 200 for dave", a.status, a.body)
		}
		if got := idp.JWKSFetches() - before; got != 1 {
			t.Errorf("the JWKS was fetched %d times for the rotation, want 1", got)
		}
		// A new token under the withdrawn key is refused.
		old := bearer(key1.Sign(valid("erin", "orders-devs")))
		if a := do(t, hc, "GET", url+"/v1/whoami", old, ""); a.status != 401 {
			t.Errorf("a token under the withdrawn key: %d %s, want 401", a.status, a.body)
		}
	})

	out := logs.String()
	if !strings.Contains(out, "bearer JWT refused") {
		t.Errorf("the log does not say why JWTs were refused:\n%s", out)
	}
	for _, tok := range tokens {
		sig := tok[strings.LastIndexByte(tok, '.')+1:]
		if len(sig) > 8 && strings.Contains(out, sig) {
			t.Fatalf("a token's signature is in the log:\n%s", out)
		}
	}
}
