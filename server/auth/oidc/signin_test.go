package oidc

import (
	"context"
	"errors"
	"testing"
)

// TestVerifyIDToken checks the ID token rules of the web sign-in: aud is the
// client id (or the configured audience), the nonce must be the sign-in's,
// and a bearer token's other rules still hold.
func TestVerifyIDToken(t *testing.T) {
	t.Parallel()
	k := keyRS256()
	p, c, v := newSetup(t, k)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		edits map[string]any
		want  error
	}{
		{"client id audience", map[string]any{"aud": "herald-ui", "nonce": "n-1"}, nil},
		{"configured audience", map[string]any{"aud": []string{"other", "herald"}, "nonce": "n-1"}, nil},
		{"another client", map[string]any{"aud": "someone-else", "nonce": "n-1"}, errAudience},
		{"another sign-in's nonce", map[string]any{"aud": "herald-ui", "nonce": "n-2"}, errNonce},
		{"no nonce", map[string]any{"aud": "herald-ui"}, errNonce},
		{"expired", map[string]any{"aud": "herald-ui", "nonce": "n-1", "exp": c.Now().Unix() - 3600}, errExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := k.sign(t, nil, claimsAt(p, c, tc.edits))
			id, err := v.VerifyIDToken(ctx, tok, "n-1", "herald-ui", "herald")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && id.Username != "alice" {
				t.Errorf("username %q, want alice", id.Username)
			}
			if err != nil {
				checkNoLeak(t, err, tok)
			}
		})
	}
}

// TestAuthCodeURL checks the authorization request: the endpoint from
// discovery, PKCE S256 (the challenge, never the verifier), state and nonce.
func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	p, c, _ := newSetup(t, keyRS256())
	v := newVerifier(t, p, c, func(cfg *Config) { cfg.JWKSURL = "" })
	_, err := v.AuthCodeURL(context.Background(), AuthRequest{ClientID: "ui", RedirectURI: "https://h/ui/callback", State: "s", Nonce: "n", CodeVerifier: "v"})
	if !errors.Is(err, ErrProvider) {
		t.Fatalf("err = %v: the test provider's discovery names no authorization endpoint, want ErrProvider", err)
	}
	// RFC 7636 appendix B's example.
	if got := S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("S256Challenge = %s", got)
	}
}
