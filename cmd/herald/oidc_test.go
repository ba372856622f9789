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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

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
