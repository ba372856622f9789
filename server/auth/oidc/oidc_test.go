package oidc

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestVerifyAcceptsValidTokens(t *testing.T) {
	t.Parallel()
	for _, k := range []testKey{keyRS256(), keyPS256(), keyES256(), keyEdDSA()} {
		t.Run(k.alg, func(t *testing.T) {
			t.Parallel()
			p, c, v := newSetup(t, keyRS256B(), k)
			tok := k.sign(t, nil, claimsAt(p, c, nil))
			got, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			want := Identity{
				Username: "alice",
				Roles:    []string{"payments-team"},
				Expiry:   c.Now().Add(300 * time.Second).UTC(),
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Identity{}, "Claims")); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if got.Claims["sub"] != "alice" {
				t.Errorf("Claims[sub] = %v, want alice", got.Claims["sub"])
			}
		})
	}
}

func TestVerifyChecksClaims(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyRS256())
	now := c.Now().Unix()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   error // nil: accepted
	}{
		{"ExpiredWithinSkewAccepted", map[string]any{"exp": now - 59}, nil},
		{"ErrExpired", map[string]any{"exp": now - 61}, errExpired},
		{"ErrNoExpiry", map[string]any{"exp": nil}, errNoExpiry},
		{"ErrNoExpiryWhenString", map[string]any{"exp": "tomorrow"}, errNoExpiry},
		{"NotBeforeWithinSkewAccepted", map[string]any{"nbf": now + 59}, nil},
		{"ErrNotYetValid", map[string]any{"nbf": now + 61}, errNotYetValid},
		{"ErrIssuedInFuture", map[string]any{"iat": now + 120}, errIssuedInFuture},
		{"ErrBadTimeWhenNbfIsString", map[string]any{"nbf": "now"}, errBadTime},
		{"NoNbfNorIatAccepted", map[string]any{"nbf": nil, "iat": nil}, nil},
		{"ErrAudience", map[string]any{"aud": "other-app"}, errAudience},
		{"ErrAudienceWhenMissing", map[string]any{"aud": nil}, errAudience},
		{"ErrAudienceWhenArrayLacksIt", map[string]any{"aud": []string{"a", "b"}}, errAudience},
		{"AudienceArrayContainingItAccepted", map[string]any{"aud": []any{1, "a", "herald"}}, nil},
		{"ErrIssuer", map[string]any{"iss": "https://evil.example"}, errIssuer},
		{"ErrIssuerWhenTrailingSlash", map[string]any{"iss": p.srv.URL + "/"}, errIssuer},
		{"ErrIssuerWhenMissing", map[string]any{"iss": nil}, errIssuer},
		{"ErrUsernameWhenMissing", map[string]any{"sub": nil}, errUsername},
		{"ErrUsernameWhenEmpty", map[string]any{"sub": ""}, errUsername},
		{"ErrUsernameWhenNotString", map[string]any{"sub": 42}, errUsername},
		{"ErrRolesWhenObject", map[string]any{"groups": map[string]any{"a": 1}}, errRoles},
		{"ErrRolesWhenArrayHasNumber", map[string]any{"groups": []any{"a", 1}}, errRoles},
		{"NoRolesClaimAccepted", map[string]any{"groups": nil}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkVerify(t, v, keyRS256().sign(t, nil, claimsAt(p, c, tc.claims)), tc.want)
		})
	}
}

func TestVerifyReadsClaimPaths(t *testing.T) {
	t.Parallel()
	p := newProvider(t, keyES256())
	c := newClock()
	for _, tc := range []struct {
		name          string
		usernameClaim string
		rolesClaim    string
		extra         map[string]any
		wantUser      string
		wantRoles     []string
	}{
		{
			name: "NestedRolesPath", usernameClaim: "preferred_username", rolesClaim: "realm_access.roles",
			extra:    map[string]any{"preferred_username": "bob", "realm_access": map[string]any{"roles": []string{"platform-admins", "x"}}},
			wantUser: "bob", wantRoles: []string{"platform-admins", "x"},
		},
		{
			name: "ClaimNameWithDotsReadWhole", rolesClaim: "https://herald.example/roles",
			extra:    map[string]any{"https://herald.example/roles": "developers"},
			wantUser: "alice", wantRoles: []string{"developers"},
		},
		{
			name: "NestedUsernamePath", usernameClaim: "user.name",
			extra:    map[string]any{"user": map[string]any{"name": "carol"}},
			wantUser: "carol",
		},
		{
			name: "MissingNestedRolesGiveNone", rolesClaim: "realm_access.roles",
			extra:    map[string]any{"realm_access": "not an object"},
			wantUser: "alice",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, p, c, func(cfg *Config) {
				cfg.UsernameClaim, cfg.RolesClaim = tc.usernameClaim, tc.rolesClaim
			})
			extra := map[string]any{"groups": nil}
			for k, x := range tc.extra {
				extra[k] = x
			}
			id, err := v.Verify(context.Background(), keyES256().sign(t, nil, claimsAt(p, c, extra)))
			if err != nil {
				t.Fatal(err)
			}
			if id.Username != tc.wantUser {
				t.Errorf("Username = %q, want %q", id.Username, tc.wantUser)
			}
			if diff := cmp.Diff(tc.wantRoles, id.Roles, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Roles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyRefusesAlgsAndSignatures(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyRS256(), keyES256())
	claims := claimsAt(p, c, nil)
	valid := keyRS256().sign(t, nil, claims)
	head, rest, _ := strings.Cut(valid, ".")
	payload, _, _ := strings.Cut(rest, ".")

	// The classic confusion attack: HS256 keyed with the RSA public key,
	// which anyone can fetch from the JWKS.
	der, err := x509.MarshalPKIXPublicKey(rsaKeyA().Public())
	if err != nil {
		t.Fatal(err)
	}
	hsInput := encodeJSON(t, map[string]any{"alg": "HS256", "kid": "rsa-a"}) + "." + payload
	var hsTokens []string
	for _, secret := range [][]byte{der, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})} {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(hsInput))
		hsTokens = append(hsTokens, hsInput+"."+b64.EncodeToString(mac.Sum(nil)))
	}
	unsigned := func(alg string) string {
		return encodeJSON(t, map[string]any{"alg": alg, "kid": "rsa-a"}) + "." + payload + "."
	}
	// A token signed by another RSA key under the provider's kid.
	forged := keyRS256B().sign(t, map[string]any{"kid": "rsa-a"}, claims)
	_, forgedRest, _ := strings.Cut(forged, ".")
	_, forgedSig, _ := strings.Cut(forgedRest, ".")
	// The payload of one token under the signature of another.
	other := keyRS256().sign(t, nil, claimsAt(p, c, map[string]any{"sub": "mallory"}))
	_, otherRest, _ := strings.Cut(other, ".")
	otherPayload, _, _ := strings.Cut(otherRest, ".")
	_, sig, _ := strings.Cut(rest, ".")
	sigBytes, err := b64.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	truncated := b64.EncodeToString(sigBytes[:len(sigBytes)-1])

	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"ErrAlgNone", unsigned("none"), errAlgNone},
		{"ErrAlgNoneWhenCapitalised", unsigned("NoNe"), errAlgNone},
		{"ErrAlgHMACWithPublicKeyDER", hsTokens[0], errAlgHMAC},
		{"ErrAlgHMACWithPublicKeyPEM", hsTokens[1], errAlgHMAC},
		{"ErrAlgHMACWhenHS512", unsigned("HS512"), errAlgHMAC},
		{"ErrAlgUnsupported", unsigned("RS1"), errAlgUnsupported},
		{"ErrKeyMismatchWhenESAlgOnRSAKey", keyES256().sign(t, map[string]any{"kid": "rsa-a"}, claims), errKeyMismatch},
		{"ErrKeyMismatchWhenES384OnP256Key", encodeJSON(t, map[string]any{"alg": "ES384", "kid": "ec-1"}) + "." + payload + "." + sig, errKeyMismatch},
		{"ErrCritical", keyRS256().sign(t, map[string]any{"crit": []string{"exp"}, "exp": 1}, claims), errCritical},
		{"ErrSignatureWhenOtherKey", head + "." + payload + "." + forgedSig, errSignature},
		{"ErrSignatureWhenPayloadSwapped", head + "." + otherPayload + "." + sig, errSignature},
		{"ErrSignatureWhenTruncated", head + "." + payload + "." + truncated, errSignature},
		{"NoKidAcceptedWhenOneKeyFits", keyRS256().sign(t, map[string]any{"kid": nil}, claims), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One RSA key only: a kid-less RS256 token picks it.
			checkVerify(t, v, tc.token, tc.want)
		})
	}
}

func TestVerifyNeedsKidWhenSeveralKeysFit(t *testing.T) {
	t.Parallel()
	p, c, v := newSetup(t, keyRS256(), keyRS256B())
	tok := keyRS256().sign(t, map[string]any{"kid": nil}, claimsAt(p, c, nil))
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, errAmbiguousKey) {
		t.Fatalf("Verify: %v, want %v", err, errAmbiguousKey)
	}
}

func TestVerifyRefusesMalformedTokens(t *testing.T) {
	t.Parallel()
	p, _, v := newSetup(t, keyRS256())
	enc := func(s string) string { return b64.EncodeToString([]byte(s)) }
	goodHead := enc(`{"alg":"RS256","kid":"rsa-a"}`)
	for _, tc := range []struct {
		name  string
		token string
		want  error
	}{
		{"ErrMalformedWhenEmpty", "", errMalformed},
		{"ErrMalformedWhenOnePart", "abc", errMalformed},
		{"ErrMalformedWhenTwoParts", goodHead + ".e30", errMalformed},
		{"ErrMalformedWhenFourParts", goodHead + ".e30.c2ln.c2ln", errMalformed},
		{"ErrMalformedWhenHeaderNotBase64", "!!!.e30.c2ln", errMalformed},
		{"ErrMalformedWhenHeaderPadded", goodHead + "=.e30.c2ln", errMalformed},
		{"ErrMalformedWhenHeaderNotJSON", enc("alg") + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenHeaderArray", enc(`["RS256"]`) + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenHeaderNull", enc(`null`) + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenAlgNotString", enc(`{"alg":256}`) + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenAlgUpperCaseKey", enc(`{"ALG":"RS256"}`) + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenKidNotString", enc(`{"alg":"RS256","kid":7}`) + ".e30.c2ln", errMalformed},
		{"ErrMalformedWhenSignatureEmpty", goodHead + ".e30.", errMalformed},
		{"ErrMalformedWhenSignatureNotBase64", goodHead + ".e30.+/+/", errMalformed},
		{"ErrTooLarge", goodHead + "." + strings.Repeat("A", maxTokenBytes) + ".c2ln", errTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkVerify(t, v, tc.token, tc.want)
		})
	}
	// None of these needed the provider.
	if n := p.jwksHits.Load(); n != 0 {
		t.Errorf("JWKS fetched %d times for malformed tokens, want 0", n)
	}

	// A correctly signed payload that is not a JSON object.
	for _, payload := range []string{"null", "[1]", "{"} {
		input := goodHead + "." + enc(payload)
		tok := input + "." + b64.EncodeToString(keyRS256().signature(t, input))
		if _, err := v.Verify(context.Background(), tok); !errors.Is(err, errMalformed) {
			t.Errorf("payload %s: Verify: %v, want %v", payload, err, errMalformed)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Issuer: "https://idp.example/realms/acme", Audience: "herald"}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string // "" accepted, else a substring of the error
	}{
		{"AcceptedWithDiscovery", func(*Config) {}, ""},
		{"AcceptedWithHTTPOnLoopback", func(c *Config) { c.Issuer, c.JWKSURL = "http://127.0.0.1:8080", "http://localhost:8080/certs" }, ""},
		{"ErrWhenIssuerMissing", func(c *Config) { c.Issuer = "" }, "issuer is required"},
		{"ErrWhenIssuerRelative", func(c *Config) { c.Issuer = "/realms/acme" }, "has no host"},
		{"ErrWhenIssuerHTTPRemote", func(c *Config) { c.Issuer = "http://idp.example" }, "use https"},
		{"ErrWhenIssuerFTP", func(c *Config) { c.Issuer = "ftp://idp.example" }, "scheme must be https"},
		{"ErrWhenJWKSURLHTTPRemote", func(c *Config) { c.JWKSURL = "http://idp.example/certs" }, "jwksURL"},
		{"ErrWhenAudienceMissing", func(c *Config) { c.Audience = "" }, "audience is required"},
		{"ErrWhenSkewNegative", func(c *Config) { c.ClockSkew = -time.Second }, "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			_, err := New(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("New: %v, want accepted", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("New: %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
