package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// jwk is one usable public key of a JWKS.
type jwk struct {
	kid string
	// alg is the key's own alg member; empty: any alg of its kind.
	alg  string
	kind keyKind
	pub  crypto.PublicKey
}

// keySet is a fetched JWKS. It is never modified after a fetch builds it.
type keySet struct {
	keys    []jwk
	fetched time.Time
}

// find returns the key for a token with kid and alg: the key with that kid,
// or, for a token without kid, the only key that can verify alg.
func (s *keySet) find(kid string, alg *algorithm) (*jwk, error) {
	var found *jwk
	sawKid := false
	for i := range s.keys {
		k := &s.keys[i]
		if kid != "" && k.kid != kid {
			continue
		}
		sawKid = true
		if k.kind != alg.kind || (k.alg != "" && k.alg != alg.name) {
			continue
		}
		if kid != "" {
			return k, nil
		}
		if found != nil {
			return nil, errAmbiguousKey
		}
		found = k
	}
	switch {
	case found != nil:
		return found, nil
	case kid != "" && sawKid:
		return nil, errKeyMismatch
	}
	return nil, errUnknownKey
}

// key returns the key to verify a token with kid and alg, fetching the JWKS
// when there is none yet, when it is older than maxKeySetAge, or when it has
// no key for kid.
func (v *Verifier) key(ctx context.Context, kid string, alg *algorithm) (*jwk, error) {
	now := v.cfg.Now()
	set := v.keys.Load()
	if set != nil {
		k, err := set.find(kid, alg)
		switch {
		case err == nil && now.Sub(set.fetched) < maxKeySetAge:
			return k, nil
		case err != nil && !errors.Is(err, errUnknownKey):
			return nil, err
		}
	}
	set, ferr := v.refresh(ctx, now)
	if set == nil {
		return nil, ferr
	}
	k, err := set.find(kid, alg)
	if err == nil {
		// A stale set still verifies when the provider cannot be reached.
		return k, nil
	}
	if errors.Is(err, errUnknownKey) && ferr != nil {
		// The provider may have rotated keys we could not fetch: say so.
		return nil, ferr
	}
	return nil, err
}

// fetchCall is one JWKS fetch that concurrent Verify calls wait on.
type fetchCall struct {
	done chan struct{}
	// set and err are written before done is closed. set is the new JWKS,
	// or the old one if the fetch failed.
	set *keySet
	err error
}

// refresh fetches the JWKS unless a fetch started within the minimum
// interval, and returns the key set to use (nil if none was ever fetched)
// and the error of the latest fetch. Callers arriving during a fetch wait
// for it rather than starting another.
func (v *Verifier) refresh(ctx context.Context, now time.Time) (*keySet, error) {
	v.mu.Lock()
	c := v.inflight
	if c == nil {
		interval := minRefreshInterval
		if v.lastErr != nil {
			interval = retryInterval
		}
		if !v.lastFetch.IsZero() && now.Sub(v.lastFetch) < interval {
			err := v.lastErr
			v.mu.Unlock()
			return v.keys.Load(), err
		}
		c = &fetchCall{done: make(chan struct{})}
		v.inflight = c
		v.lastFetch = now
		// The fetch outlives a caller that gives up, so the others waiting
		// on it still get its result; fetchTimeout bounds it.
		go v.run(context.WithoutCancel(ctx), c)
	}
	v.mu.Unlock()
	select {
	case <-c.done:
		return c.set, c.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for the JWKS: %w", ErrProvider, ctx.Err())
	}
}

// run performs fetch call c and publishes its result.
func (v *Verifier) run(ctx context.Context, c *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	set, err := v.fetch(ctx)
	v.mu.Lock()
	if err == nil {
		v.keys.Store(set)
	} else {
		set = v.keys.Load()
	}
	v.lastErr = err
	v.inflight = nil
	v.mu.Unlock()
	c.set, c.err = set, err
	close(c.done)
}

// fetch reads the JWKS, running discovery first if its URL is not known.
func (v *Verifier) fetch(ctx context.Context) (*keySet, error) {
	v.mu.Lock()
	jwksURL := v.jwksURL
	v.mu.Unlock()
	if jwksURL == "" {
		doc, err := v.discover(ctx)
		if err != nil {
			return nil, err
		}
		jwksURL = doc.JWKSURI
	}
	body, err := v.get(ctx, jwksURL)
	if err != nil {
		return nil, err
	}
	set, err := parseKeySet(body)
	if err != nil {
		return nil, fmt.Errorf("%w: JWKS at %s: %w", ErrProvider, jwksURL, err)
	}
	set.fetched = v.cfg.Now()
	return set, nil
}

// discoveryDoc is what Herald reads of a provider's discovery document.
type discoveryDoc struct {
	Issuer                string `json:"issuer"`
	JWKSURI               string `json:"jwks_uri"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}

// discover reads the provider's discovery document, checks it, and keeps
// what it says: the JWKS URL (unless one is configured) and the sign-in
// endpoints.
func (v *Verifier) discover(ctx context.Context) (*discoveryDoc, error) {
	u := strings.TrimSuffix(v.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	body, err := v.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var doc discoveryDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: discovery document at %s is not JSON: %w", ErrProvider, u, err)
	}
	// OpenID Connect Discovery §4.3: the document must name the issuer it was
	// fetched for, or it describes some other provider.
	if doc.Issuer != v.cfg.Issuer {
		return nil, fmt.Errorf("%w: discovery document at %s names issuer %q, want %q", ErrProvider, u, doc.Issuer, v.cfg.Issuer)
	}
	if doc.JWKSURI == "" {
		return nil, fmt.Errorf("%w: discovery document at %s has no jwks_uri", ErrProvider, u)
	}
	for _, e := range []struct{ name, url string }{{"jwks_uri", doc.JWKSURI}, {"authorization_endpoint", doc.AuthorizationEndpoint}, {"token_endpoint", doc.TokenEndpoint}} {
		if e.url == "" {
			continue
		}
		if err := checkProviderURL(e.url); err != nil {
			return nil, fmt.Errorf("%w: discovery document at %s: %s %w", ErrProvider, u, e.name, err)
		}
	}
	v.mu.Lock()
	if v.jwksURL == "" {
		v.jwksURL = doc.JWKSURI
	}
	v.discovered = &doc
	v.mu.Unlock()
	return &doc, nil
}

// get fetches u and returns its body, refusing answers other than 200 and
// bodies over maxDocumentBytes.
func (v *Verifier) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: GET %s: status %d", ErrProvider, u, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: GET %s: %w", ErrProvider, u, err)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("%w: GET %s: response larger than %d MiB", ErrProvider, u, maxDocumentBytes>>20)
	}
	return body, nil
}

// rawJWK is a JWK as published (RFC 7517 §4, RFC 7518 §6).
type rawJWK struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	// RSA
	N string `json:"n"`
	E string `json:"e"`
	// EC and OKP
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const minRSABits = 2048

// parseKeySet reads a JWKS. Keys for encryption, of kinds or curves this
// package cannot verify with (symmetric "oct" keys included), or that are
// malformed are skipped, so that one odd key does not disable the others;
// a JWKS left with no key at all is an error.
func parseKeySet(body []byte) (*keySet, error) {
	var doc struct {
		Keys []rawJWK `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("not a JSON object with a keys array")
	}
	if len(doc.Keys) > maxKeys {
		return nil, fmt.Errorf("%d keys, more than the %d accepted", len(doc.Keys), maxKeys)
	}
	set := &keySet{keys: make([]jwk, 0, len(doc.Keys))}
	var skipped []string
	for i, r := range doc.Keys {
		k, err := r.key()
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key %d (kid %q): %v", i, r.Kid, err))
			continue
		}
		set.keys = append(set.keys, k)
	}
	if len(set.keys) == 0 {
		if len(skipped) == 0 {
			return nil, errors.New("no keys")
		}
		return nil, fmt.Errorf("no usable key: %s", strings.Join(skipped, "; "))
	}
	return set, nil
}

// key converts r into a usable verification key.
func (r *rawJWK) key() (jwk, error) {
	if r.Use != "" && r.Use != "sig" {
		return jwk{}, fmt.Errorf("use %q is not sig", r.Use)
	}
	k := jwk{kid: r.Kid, alg: r.Alg}
	if r.Alg != "" {
		a, err := lookupAlg(r.Alg)
		if err != nil {
			return jwk{}, fmt.Errorf("alg %q not accepted", r.Alg)
		}
		k.kind = a.kind
	}
	var (
		kind keyKind
		err  error
	)
	switch r.Kty {
	case "RSA":
		kind = kindRSA
		k.pub, err = r.rsaKey()
	case "EC":
		kind = kindEC
		k.pub, err = r.ecKey()
	case "OKP":
		kind = kindEd25519
		k.pub, err = r.okpKey()
	default:
		err = fmt.Errorf("kty %q not supported", r.Kty)
	}
	if err != nil {
		return jwk{}, err
	}
	if k.kind != 0 && k.kind != kind {
		return jwk{}, fmt.Errorf("alg %q does not fit kty %q", r.Alg, r.Kty)
	}
	k.kind = kind
	if kind == kindEC && k.alg != "" && r.ecAlg() != k.alg {
		return jwk{}, fmt.Errorf("alg %q does not fit curve %q", r.Alg, r.Crv)
	}
	return k, nil
}

// okpKey reads an OKP key (RFC 8037); only Ed25519 verifies JWS.
func (r *rawJWK) okpKey() (ed25519.PublicKey, error) {
	if r.Crv != "Ed25519" {
		return nil, fmt.Errorf("OKP curve %q not supported", r.Crv)
	}
	x, err := b64.DecodeString(r.X)
	if err != nil || len(x) != ed25519.PublicKeySize {
		return nil, errors.New("OKP x is not a base64url Ed25519 key")
	}
	return ed25519.PublicKey(x), nil
}

func (r *rawJWK) rsaKey() (*rsa.PublicKey, error) {
	n, err := b64.DecodeString(r.N)
	if err != nil || len(n) == 0 || n[0] == 0 {
		return nil, errors.New("RSA n is not a base64url unsigned integer")
	}
	if len(n)*8 < minRSABits {
		return nil, fmt.Errorf("RSA modulus of %d bits, fewer than %d", len(n)*8, minRSABits)
	}
	// 8 KiB moduli make each verification slow enough to matter; no provider
	// uses more than 4096 bits.
	if len(n)*8 > 8192 {
		return nil, fmt.Errorf("RSA modulus of %d bits, more than 8192", len(n)*8)
	}
	e, err := b64.DecodeString(r.E)
	if err != nil || len(e) == 0 || len(e) > 4 || e[0] == 0 {
		return nil, errors.New("RSA e is not a base64url integer of at most 4 bytes")
	}
	var exp int
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	if exp < 3 || exp%2 == 0 || exp > 1<<31-1 {
		return nil, fmt.Errorf("RSA exponent %d is not an odd number in [3, 2^31-1]", exp)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
}

// ecAlg is the only alg a key on r's curve verifies.
func (r *rawJWK) ecAlg() string {
	switch r.Crv {
	case "P-256":
		return "ES256"
	case "P-384":
		return "ES384"
	case "P-521":
		return "ES512"
	}
	return ""
}

func (r *rawJWK) ecKey() (*ecdsa.PublicKey, error) {
	a, err := lookupAlg(r.ecAlg())
	if err != nil {
		return nil, fmt.Errorf("EC curve %q not supported", r.Crv)
	}
	x, errX := b64.DecodeString(r.X)
	y, errY := b64.DecodeString(r.Y)
	size := (a.curve.Params().BitSize + 7) / 8
	// RFC 7518 §6.2.1.2: coordinates are the full byte size of the curve.
	if errX != nil || errY != nil || len(x) != size || len(y) != size {
		return nil, fmt.Errorf("EC x or y is not a base64url coordinate of %d bytes", size)
	}
	point := make([]byte, 0, 1+2*size)
	point = append(point, 4) // uncompressed
	point = append(point, x...)
	point = append(point, y...)
	// ParseUncompressedPublicKey refuses points not on the curve, which would
	// otherwise open invalid-curve attacks.
	pub, err := ecdsa.ParseUncompressedPublicKey(a.curve, point)
	if err != nil {
		return nil, fmt.Errorf("EC point: %w", err)
	}
	return pub, nil
}
