package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifyRefreshesOnKeyRotation(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyRS256())
	ctx := context.Background()
	verify := func(k testKey) error {
		_, err := v.Verify(ctx, k.sign(t, nil, claimsAt(p, c, nil)))
		return err
	}
	if err := verify(keyRS256()); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}

	p.setKeys(keyRS256B())
	// Within the interval of the first fetch, the new kid is not fetched.
	c.Advance(minRefreshInterval - time.Second)
	if err := verify(keyRS256B()); !errors.Is(err, errUnknownKey) {
		t.Fatalf("new key within the refresh interval: %v, want %v", err, errUnknownKey)
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times within the interval, want 1", n)
	}

	c.Advance(time.Second)
	if err := verify(keyRS256B()); err != nil {
		t.Fatalf("new key after the interval: %v", err)
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", n)
	}
	// The provider withdrew the old key, so its tokens stop working.
	if err := verify(keyRS256()); !errors.Is(err, errUnknownKey) {
		t.Fatalf("withdrawn key: %v, want %v", err, errUnknownKey)
	}
}

func TestVerifyUnknownKidFloodFetchesOncePerInterval(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyES256())
	ctx := context.Background()
	if _, err := v.Verify(ctx, keyES256().sign(t, nil, claimsAt(p, c, nil))); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		for i := range 50 {
			kid := fmt.Sprintf("random-%d-%d", round, i)
			tok := keyES256().sign(t, map[string]any{"kid": kid}, claimsAt(p, c, nil))
			if _, err := v.Verify(ctx, tok); !errors.Is(err, errUnknownKey) {
				t.Fatalf("kid %s: %v, want %v", kid, err, errUnknownKey)
			}
		}
		// One fetch at start, then one per later round.
		if got, want := p.jwksHits.Load(), int64(1+round); got != want {
			t.Fatalf("round %d: JWKS fetched %d times, want %d", round, got, want)
		}
		c.Advance(minRefreshInterval)
	}
}

func TestVerifyCollapsesConcurrentRefreshes(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyRS256())
	ctx := context.Background()
	if _, err := v.Verify(ctx, keyRS256().sign(t, nil, claimsAt(p, c, nil))); err != nil {
		t.Fatal(err)
	}
	p.setKeys(keyRS256(), keyRS256B())
	c.Advance(minRefreshInterval)
	// The JWKS answer waits until every caller has been started, so that
	// callers arrive while the fetch is under way.
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	p.mu.Lock()
	p.gate, p.started = gate, started
	p.mu.Unlock()

	tok := keyRS256B().sign(t, nil, claimsAt(p, c, nil))
	const callers = 16
	errs := make(chan error, callers)
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			_, err := v.Verify(ctx, tok)
			errs <- err
		})
	}
	<-started
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Verify: %v", err)
		}
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want 2 (one refresh for %d callers)", n, callers)
	}
}

func TestVerifyWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	p := newProvider(t, keyRS256())
	gate, started := make(chan struct{}), make(chan struct{}, 1)
	p.mu.Lock()
	p.gate, p.started = gate, started
	p.mu.Unlock()
	c := newClock()
	v := newVerifier(t, p, c)
	ctx, cancel := context.WithCancel(context.Background())
	tok := keyRS256().sign(t, nil, claimsAt(p, c, nil))
	errc := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, tok)
		errc <- err
	}()
	<-started
	cancel()
	err := <-errc
	close(gate)
	if !errors.Is(err, ErrProvider) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify: %v, want ErrProvider and context.Canceled", err)
	}
	// The abandoned fetch still completes and serves the next caller.
	p.mu.Lock()
	p.gate = nil
	p.mu.Unlock()
	c.Advance(minRefreshInterval)
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("Verify after the wait ended: %v", err)
	}
}

func TestVerifyProviderFailures(t *testing.T) {
	t.Parallel()
	t.Run("ErrProviderThenRetryAfterInterval", func(t *testing.T) {
		t.Parallel()
		p, c, v := newSetup(t, keyRS256())
		p.setStatus(http.StatusInternalServerError)
		tok := keyRS256().sign(t, nil, claimsAt(p, c, nil))
		_, err := v.Verify(context.Background(), tok)
		if !errors.Is(err, ErrProvider) || !strings.Contains(err.Error(), "status 500") {
			t.Fatalf("Verify: %v, want ErrProvider naming status 500", err)
		}
		// Within the retry interval the provider is not asked again.
		_, err = v.Verify(context.Background(), tok)
		if !errors.Is(err, ErrProvider) || p.jwksHits.Load() != 1 {
			t.Fatalf("Verify: %v after %d fetches, want ErrProvider after 1", err, p.jwksHits.Load())
		}
		p.setStatus(http.StatusOK)
		c.Advance(retryInterval)
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatalf("Verify after the provider recovered: %v", err)
		}
		if n := p.jwksHits.Load(); n != 2 {
			t.Fatalf("JWKS fetched %d times, want 2", n)
		}
	})
	t.Run("StaleKeysAcceptedWhileProviderDown", func(t *testing.T) {
		t.Parallel()
		p, c, v := newSetup(t, keyRS256())
		mustVerify(t, v, keyRS256(), p, c)
		p.setStatus(http.StatusServiceUnavailable)
		c.Advance(maxKeySetAge)
		if err := verifyDefault(t, v, keyRS256(), p, c); err != nil {
			t.Fatalf("Verify with stale keys: %v", err)
		}
		if n := p.jwksHits.Load(); n != 2 {
			t.Fatalf("JWKS fetched %d times, want 2 (the stale set is refetched)", n)
		}
	})
	t.Run("StaleKeysWithdrawnAreRefused", func(t *testing.T) {
		t.Parallel()
		p, c, v := newSetup(t, keyRS256())
		mustVerify(t, v, keyRS256(), p, c)
		p.setKeys(keyRS256B())
		c.Advance(maxKeySetAge)
		err := verifyDefault(t, v, keyRS256(), p, c)
		if !errors.Is(err, errUnknownKey) {
			t.Fatalf("Verify with a withdrawn key: %v, want %v", err, errUnknownKey)
		}
	})
	t.Run("ErrProviderWhenJWKSTooLarge", func(t *testing.T) {
		t.Parallel()
		p := newProvider(t)
		p.mu.Lock()
		p.jwks = []byte(`{"keys":[]}` + strings.Repeat(" ", maxDocumentBytes))
		p.mu.Unlock()
		c := newClock()
		v := newVerifier(t, p, c)
		err := verifyDefault(t, v, keyRS256(), p, c)
		if !errors.Is(err, ErrProvider) || !strings.Contains(err.Error(), "larger than 1 MiB") {
			t.Fatalf("Verify: %v, want ErrProvider saying the response is too large", err)
		}
	})
}

func TestVerifyDiscovery(t *testing.T) {
	t.Parallel()
	noJWKSURL := func(cfg *Config) { cfg.JWKSURL = "" }
	t.Run("FindsJWKSOnce", func(t *testing.T) {
		t.Parallel()
		p := newProvider(t, keyEdDSA())
		c := newClock()
		v := newVerifier(t, p, c, noJWKSURL)
		for range 2 {
			mustVerify(t, v, keyEdDSA(), p, c)
			c.Advance(minRefreshInterval)
			p.setKeys(keyEdDSA(), keyRS256())
			// A token for the newly published key makes a second fetch,
			// which reuses the discovered URL.
			mustVerify(t, v, keyRS256(), p, c)
		}
		if d, j := p.discoveryHits.Load(), p.jwksHits.Load(); d != 1 || j != 2 {
			t.Fatalf("discovery fetched %d times and JWKS %d, want 1 and 2", d, j)
		}
	})
	for _, tc := range []struct {
		name     string
		issuer   string
		jwksURI  string
		wantText string
	}{
		{"ErrProviderWhenIssuerDiffers", "https://evil.example", "", "names issuer"},
		{"ErrProviderWhenJWKSOverHTTP", "", "http://idp.example/certs", "use https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, keyEdDSA())
			p.mu.Lock()
			p.discoveryIssuer, p.jwksURI = tc.issuer, tc.jwksURI
			p.mu.Unlock()
			c := newClock()
			v := newVerifier(t, p, c, noJWKSURL)
			err := verifyDefault(t, v, keyEdDSA(), p, c)
			if !errors.Is(err, ErrProvider) || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("Verify: %v, want ErrProvider saying %q", err, tc.wantText)
			}
			if n := p.jwksHits.Load(); n != 0 {
				t.Fatalf("JWKS fetched %d times, want 0", n)
			}
		})
	}
}

func TestParseKeySet(t *testing.T) {
	t.Parallel()
	rsa := keyRS256().jwk()
	ec := keyES256().jwk()
	with := func(base map[string]any, edits map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range edits {
			m[k] = v
		}
		return m
	}
	manyKeys := make([]any, maxKeys+1)
	for i := range manyKeys {
		manyKeys[i] = rsa
	}
	// A point off the curve: y of the real key plus one.
	yb, _ := b64.DecodeString(ec["y"].(string))
	yb[len(yb)-1] ^= 1
	offCurve := with(ec, map[string]any{"kid": "off", "y": b64.EncodeToString(yb)})
	// A 1024-bit modulus.
	small := with(rsa, map[string]any{"kid": "small", "n": b64.EncodeToString(append([]byte{0xc5}, make([]byte, 127)...))})

	for _, tc := range []struct {
		name     string
		doc      any
		wantKids []string
		wantErr  string
	}{
		{"UsableKeysKept", map[string]any{"keys": []any{rsa, ec}}, []string{"rsa-a", "ec-1"}, ""},
		{"OddKeysSkipped", map[string]any{"keys": []any{rsa, offCurve, small, ec}}, []string{"rsa-a", "ec-1"}, ""},
		{"ErrWhenTooManyKeys", map[string]any{"keys": manyKeys}, nil, "more than the 100 accepted"},
		{"ErrWhenNoKeys", map[string]any{"keys": []any{}}, nil, "no keys"},
		{"ErrWhenNotObject", []int{1}, nil, "not a JSON object"},
		{"ErrWhenOffCurve", map[string]any{"keys": []any{offCurve}}, nil, `key 0 (kid "off"): EC point`},
		{"ErrWhenRSATooSmall", map[string]any{"keys": []any{small}}, nil, "RSA modulus of 1024 bits, fewer than 2048"},
		{"ErrWhenSymmetric", map[string]any{"keys": []any{map[string]any{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}}}, nil, `kty "oct" not supported`},
		{"ErrWhenForEncryption", map[string]any{"keys": []any{with(rsa, map[string]any{"use": "enc"})}}, nil, `use "enc" is not sig`},
		{"ErrWhenKeyAlgHMAC", map[string]any{"keys": []any{with(rsa, map[string]any{"alg": "HS256"})}}, nil, `alg "HS256" not accepted`},
		{"ErrWhenKeyAlgOtherKind", map[string]any{"keys": []any{with(rsa, map[string]any{"alg": "ES256"})}}, nil, `alg "ES256" does not fit kty "RSA"`},
		{"ErrWhenKeyAlgOtherCurve", map[string]any{"keys": []any{with(ec, map[string]any{"alg": "ES384"})}}, nil, `alg "ES384" does not fit curve "P-256"`},
		{"ErrWhenExponentEven", map[string]any{"keys": []any{with(rsa, map[string]any{"e": "Ag"})}}, nil, "RSA exponent 2 is not an odd number"},
		{"ErrWhenCoordinateShort", map[string]any{"keys": []any{with(ec, map[string]any{"x": "AQ"})}}, nil, "coordinate of 32 bytes"},
		{"ErrWhenEd448", map[string]any{"keys": []any{with(keyEdDSA().jwk(), map[string]any{"crv": "Ed448"})}}, nil, `OKP curve "Ed448" not supported`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := jsonBytes(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			set, err := parseKeySet(body)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseKeySet: %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, k := range set.keys {
				kids = append(kids, k.kid)
			}
			if strings.Join(kids, ",") != strings.Join(tc.wantKids, ",") {
				t.Fatalf("kept keys %v, want %v", kids, tc.wantKids)
			}
		})
	}
}

func jsonBytes(v any) ([]byte, error) { return json.Marshal(v) }
