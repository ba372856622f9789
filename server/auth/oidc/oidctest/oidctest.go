// Package oidctest is an OpenID Connect identity provider for tests, in the
// manner of net/http/httptest: it serves a discovery document and a JWKS on a
// loopback port, and signs the tokens a test needs, good and bad (expired,
// for another audience, unsigned, HMAC-signed, under a key it has not
// published yet). It also signs users in (signin.go): an authorization
// endpoint that approves at once, as the user SignInAs names, and a token
// endpoint that checks the code, PKCE and the client as a real one does.
//
// It signs with RS256 only: the verifier's own tests cover the other
// algorithms; what depends on this package is the wiring around it.
package oidctest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Key is an RS256 signing key of the provider.
type Key struct {
	// ID is the key's kid.
	ID   string
	priv *rsa.PrivateKey
}

// NewKey generates a 2048-bit RSA key (the least the verifier accepts) named
// id. It takes a moment, longer under the race detector: reuse keys.
func NewKey(id string) (*Key, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("oidctest: generate key %s: %w", id, err)
	}
	return &Key{ID: id, priv: priv}, nil
}

// Provider is a running test identity provider. Its methods are safe for
// concurrent use.
type Provider struct {
	srv *httptest.Server

	// mu protects published.
	mu        sync.Mutex
	published []*Key

	fetches atomic.Int64

	// signIn is the sign-in side (authorization and token endpoints).
	signIn signIn
}

// NewProvider starts a provider that publishes keys. Close it when done.
func NewProvider(keys ...*Key) *Provider {
	p := &Provider{published: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"issuer": p.Issuer(), "jwks_uri": p.JWKSURL(),
			"authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		p.fetches.Add(1)
		p.mu.Lock()
		keys := make([]map[string]any, 0, len(p.published))
		for _, k := range p.published {
			pub := k.priv.PublicKey
			keys = append(keys, map[string]any{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": k.ID,
				"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())})
		}
		p.mu.Unlock()
		writeJSON(w, map[string]any{"keys": keys})
	})
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	return p
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Issuer is the provider's issuer URL (http on 127.0.0.1), the base of its
// discovery document.
func (p *Provider) Issuer() string { return p.srv.URL }

// JWKSURL is where the provider publishes its keys.
func (p *Provider) JWKSURL() string { return p.srv.URL + "/keys" }

// Publish replaces the published keys: a key rotation.
func (p *Provider) Publish(keys ...*Key) {
	p.mu.Lock()
	p.published = keys
	p.mu.Unlock()
}

// JWKSFetches is how many times the JWKS was fetched.
func (p *Provider) JWKSFetches() int64 { return p.fetches.Load() }

// Close stops the provider.
func (p *Provider) Close() { p.srv.Close() }

// Sign returns a compact JWS of claims signed by k with RS256, its header
// naming k.ID as kid.
func (k *Key) Sign(claims map[string]any) string {
	input := encodePart(map[string]any{"alg": "RS256", "typ": "JWT", "kid": k.ID}) + "." + encodePart(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.priv, crypto.SHA256, sum[:])
	if err != nil {
		panic(fmt.Sprintf("oidctest: sign: %v", err)) // only a broken key fails, and NewKey made it
	}
	return input + "." + b64(sig)
}

// Unsigned returns claims as a token with alg "none" and no signature, which
// a verifier must refuse.
func Unsigned(kid string, claims map[string]any) string {
	return encodePart(map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + encodePart(claims) + "."
}

// HS256 returns claims signed with HMAC-SHA256 under secret, which a verifier
// of public-key signatures must refuse (else anyone who knows a public key
// could sign with it as the HMAC secret).
func HS256(kid string, secret []byte, claims map[string]any) string {
	input := encodePart(map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}) + "." + encodePart(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + b64(m.Sum(nil))
}

func encodePart(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("oidctest: encode: %v", err)) // a test passed claims JSON cannot hold
	}
	return b64(b)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Claims are the claims of a token the provider issues to sub for audience
// aud, expiring at exp, with groups as its "groups" claim (none: no claim).
func (p *Provider) Claims(sub, aud string, exp time.Time, groups ...string) map[string]any {
	c := map[string]any{"iss": p.Issuer(), "sub": sub, "aud": aud, "exp": exp.Unix()}
	if len(groups) > 0 {
		c["groups"] = groups
	}
	return c
}
