package oidc

import (
	"context"
	"errors"
	"testing"
)

// FuzzVerify feeds arbitrary strings to Verify with the JWKS already cached
// and the clock stopped, so no input reaches the network. Every refusal must
// wrap ErrInvalidToken and must not repeat the token.
func FuzzVerify(f *testing.F) {
	p, c, v := newSetup(f, keyRS256(), keyES256(), keyEdDSA())
	for _, k := range []testKey{keyRS256(), keyES256(), keyEdDSA()} {
		tok := k.sign(f, nil, claimsAt(p, c, nil))
		if _, err := v.Verify(context.Background(), tok); err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	f.Add(keyRS256().sign(f, map[string]any{"kid": "unknown"}, claimsAt(p, c, nil)))
	f.Add(keyES256().sign(f, map[string]any{"kid": nil}, claimsAt(p, c, map[string]any{"aud": []string{"herald"}})))
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJSUzI1NiJ9.e30.AA"} {
		f.Add(s)
	}
	hits := p.jwksHits.Load()
	f.Fuzz(func(t *testing.T, token string) {
		id, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify: %v does not wrap ErrInvalidToken", err)
			}
			checkNoLeak(t, err, token)
			return
		}
		if id.Username == "" || id.Expiry.IsZero() {
			t.Fatalf("accepted token gave identity %+v", id)
		}
		if n := p.jwksHits.Load(); n != hits {
			t.Fatalf("JWKS fetched %d times during fuzzing, want %d", n, hits)
		}
	})
}

// FuzzParseKeySet checks that any JWKS body is refused with an error or gives
// a bounded set of usable keys.
func FuzzParseKeySet(f *testing.F) {
	for _, k := range []testKey{keyRS256(), keyES256(), keyEdDSA()} {
		body, err := jsonBytes(map[string]any{"keys": []any{k.jwk()}})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		set, err := parseKeySet(body)
		if err != nil {
			return
		}
		if len(set.keys) == 0 || len(set.keys) > maxKeys {
			t.Fatalf("parseKeySet kept %d keys", len(set.keys))
		}
		for _, k := range set.keys {
			if k.pub == nil || k.kind == 0 {
				t.Fatalf("parseKeySet kept an unusable key %+v", k)
			}
		}
	})
}
