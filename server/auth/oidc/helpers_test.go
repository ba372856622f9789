package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/fakeclock"
)

// testKey is a signing key of a test provider.
type testKey struct {
	kid  string
	alg  string
	priv crypto.Signer
}

// Keys are generated once per test binary: RSA generation is slow under -race.
var (
	rsaKeyA = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	rsaKeyB = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	ecKey   = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
	edKey = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func keyRS256() testKey  { return testKey{kid: "rsa-a", alg: "RS256", priv: rsaKeyA()} }
func keyRS256B() testKey { return testKey{kid: "rsa-b", alg: "RS256", priv: rsaKeyB()} }
func keyPS256() testKey  { return testKey{kid: "rsa-a", alg: "PS256", priv: rsaKeyA()} }
func keyES256() testKey  { return testKey{kid: "ec-1", alg: "ES256", priv: ecKey()} }
func keyEdDSA() testKey  { return testKey{kid: "ed-1", alg: "EdDSA", priv: edKey()} }

// jwk is k's public key as a JWK, without an alg member.
func (k testKey) jwk() map[string]any {
	m := map[string]any{"kid": k.kid, "use": "sig"}
	switch pub := k.priv.Public().(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64.EncodeToString(pub.N.Bytes())
		m["e"] = b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes()
		if err != nil {
			panic(err)
		}
		size := (len(raw) - 1) / 2
		m["kty"] = "EC"
		m["crv"] = pub.Curve.Params().Name
		m["x"] = b64.EncodeToString(raw[1 : 1+size])
		m["y"] = b64.EncodeToString(raw[1+size:])
	case ed25519.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = b64.EncodeToString(pub)
	}
	return m
}

// sign returns a token with claims signed by k. header entries are added to
// the header {"alg": k.alg, "kid": k.kid}; a nil value removes one.
func (k testKey) sign(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": k.alg, "kid": k.kid}
	for name, v := range header {
		if v == nil {
			delete(h, name)
		} else {
			h[name] = v
		}
	}
	input := encodeJSON(t, h) + "." + encodeJSON(t, claims)
	return input + "." + b64.EncodeToString(k.signature(t, input))
}

func (k testKey) signature(t testing.TB, input string) []byte {
	t.Helper()
	var digest []byte
	hash := crypto.SHA256
	switch k.alg[2:] {
	case "384":
		hash = crypto.SHA384
		d := sha512.Sum384([]byte(input))
		digest = d[:]
	case "512":
		hash = crypto.SHA512
		d := sha512.Sum512([]byte(input))
		digest = d[:]
	default:
		d := sha256.Sum256([]byte(input))
		digest = d[:]
	}
	var sig []byte
	var err error
	switch priv := k.priv.(type) {
	case *rsa.PrivateKey:
		if strings.HasPrefix(k.alg, "PS") {
			sig, err = rsa.SignPSS(rand.Reader, priv, hash, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			sig, err = rsa.SignPKCS1v15(nil, priv, hash, digest)
		}
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, digest)
		if err == nil {
			size := (priv.Curve.Params().BitSize + 7) / 8
			sig = make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, []byte(input))
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func encodeJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(b)
}

// provider is an identity provider served by the test: a discovery document
// and a JWKS, counting the requests for each.
type provider struct {
	srv *httptest.Server

	jwksHits      atomic.Int64
	discoveryHits atomic.Int64

	// mu protects the fields below it.
	mu sync.Mutex
	// jwks is the body of the JWKS answer.
	jwks []byte
	// status, when not 0 or 200, is sent instead of the JWKS.
	status int
	// discoveryIssuer overrides the issuer the discovery document names.
	discoveryIssuer string
	// jwksURI overrides the jwks_uri of the discovery document.
	jwksURI string
	// gate, when set, is received from before the JWKS is answered; started
	// is sent to (without blocking) when such a request arrives.
	gate, started chan struct{}
}

func newProvider(t testing.TB, keys ...testKey) *provider {
	t.Helper()
	p := &provider{}
	p.setKeys(keys...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discoveryHits.Add(1)
		p.mu.Lock()
		iss, uri := p.srv.URL, p.srv.URL+"/certs"
		if p.discoveryIssuer != "" {
			iss = p.discoveryIssuer
		}
		if p.jwksURI != "" {
			uri = p.jwksURI
		}
		p.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": uri})
	})
	mux.HandleFunc("GET /certs", func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		body, status, gate, started := p.jwks, p.status, p.gate, p.started
		p.mu.Unlock()
		if gate != nil {
			select {
			case started <- struct{}{}:
			default:
			}
			<-gate
		}
		if status != 0 && status != http.StatusOK {
			http.Error(w, "provider down", status)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(body)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// setKeys makes the provider publish keys from now on.
func (p *provider) setKeys(keys ...testKey) {
	jwks := make([]map[string]any, len(keys))
	for i, k := range keys {
		jwks[i] = k.jwk()
	}
	p.setJWKS(map[string]any{"keys": jwks})
}

func (p *provider) setJWKS(doc any) {
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	p.jwks = b
	p.mu.Unlock()
}

func (p *provider) setStatus(code int) {
	p.mu.Lock()
	p.status = code
	p.mu.Unlock()
}

// clock is a settable clock for Config.Now.
type clock = fakeclock.Clock

func newClock() *clock { return fakeclock.New(time.Unix(1_800_000_000, 0)) }

// newSetup returns a provider publishing keys, a clock, and a verifier on both
// with newVerifier's default config.
func newSetup(t testing.TB, keys ...testKey) (*provider, *clock, *Verifier) {
	t.Helper()
	p := newProvider(t, keys...)
	c := newClock()
	return p, c, newVerifier(t, p, c)
}

// newVerifier returns a Verifier for p with the JWKS URL given (no discovery),
// audience "herald", roles from "groups", and clock c.
func newVerifier(t testing.TB, p *provider, c *clock, edit ...func(*Config)) *Verifier {
	t.Helper()
	cfg := Config{
		Issuer:     p.srv.URL,
		JWKSURL:    p.srv.URL + "/certs",
		Audience:   "herald",
		RolesClaim: "groups",
		HTTPClient: p.srv.Client(),
		Now:        c.Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claimsAt are valid claims for p at c's time; edits are applied on top, a
// nil value removing a claim.
func claimsAt(p *provider, c *clock, edits map[string]any) map[string]any {
	now := c.Now().Unix()
	m := map[string]any{
		"iss":    p.srv.URL,
		"aud":    "herald",
		"sub":    "alice",
		"exp":    now + 300,
		"iat":    now,
		"nbf":    now,
		"groups": []string{"payments-team"},
	}
	for k, v := range edits {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// verifyDefault has v verify a token k signs over p's default claims at c's
// time (claimsAt with no edits) and returns the error.
func verifyDefault(t testing.TB, v *Verifier, k testKey, p *provider, c *clock) error {
	t.Helper()
	_, err := v.Verify(context.Background(), k.sign(t, nil, claimsAt(p, c, nil)))
	return err
}

// mustVerify is verifyDefault for a token that must be accepted.
func mustVerify(t testing.TB, v *Verifier, k testKey, p *provider, c *clock) {
	t.Helper()
	if err := verifyDefault(t, v, k, p, c); err != nil {
		t.Fatal(err)
	}
}

// checkVerify verifies token and fails unless the outcome is want (nil:
// accepted; else an error wrapping want and ErrInvalidToken that quotes no
// part of the token).
func checkVerify(t testing.TB, v *Verifier, token string, want error) {
	t.Helper()
	_, err := v.Verify(context.Background(), token)
	checkNoLeak(t, err, token)
	if want == nil {
		if err != nil {
			t.Fatalf("Verify: %v, want accepted", err)
		}
		return
	}
	if !errors.Is(err, want) || !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify: %v, want %v", err, want)
	}
}

// checkNoLeak fails t if err's message contains token or any of its parts.
func checkNoLeak(t testing.TB, err error, token string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, part := range append(strings.Split(token, "."), token) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error %q contains part of the token", msg)
		}
	}
}
