package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
)

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

var testFile = `principals:
  - name: platform
    password: "` + authtest.PasswordHash + `"
    roles: [admin]
  - name: orders-ci
    apiKey: "` + testKeyHash + `"
    roles: [{role: developer, subjects: ["orders-*"]}]
  - name: cert-only
    roles: [reader]
anonymous: [reader]
oidc:
  issuer: https://idp.example
  audience: herald
  usernameClaim: preferred_username
  roleMapping:
    admins: [admin]
    readers: [reader]
`

// fakeVerifier accepts the token "a.b.c" and counts its calls.
type fakeVerifier struct {
	calls   atomic.Int64
	expires time.Time
}

func (v *fakeVerifier) Verify(_ context.Context, token string) (auth.Identity, error) {
	v.calls.Add(1)
	if token != "a.b.c" {
		return auth.Identity{}, errors.New("bad signature on a.b.x")
	}
	return auth.Identity{Username: "jane", Roles: []string{"readers", "unmapped", "admins"}, Expires: v.expires}, nil
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	v := &fakeVerifier{expires: time.Now().Add(time.Hour)}
	a := authtest.New(t, testFile, func(*auth.OIDCConfig) (auth.TokenVerifier, error) { return v, nil })
	for _, tc := range []struct {
		name, header string
		wantName     string
		wantMethod   auth.Method
		wantRoles    []auth.Role
		wantErr      error
	}{
		{"NoHeaderIsAnonymous", "", auth.AnonymousName, auth.Anonymous, []auth.Role{auth.Reader}, nil},
		{"BasicAccepted", basicHeader("platform", "s3cret"), "platform", auth.Basic, []auth.Role{auth.Admin}, nil},
		{"BasicSchemeAnyCase", strings.Replace(basicHeader("platform", "s3cret"), "Basic", "bAsIc", 1), "platform", auth.Basic, []auth.Role{auth.Admin}, nil},
		{"WrongPassword", basicHeader("platform", "wrong"), "", 0, nil, auth.ErrInvalidCredentials},
		{"UnknownUser", basicHeader("nobody", "s3cret"), "", 0, nil, auth.ErrInvalidCredentials},
		{"UserWithoutPassword", basicHeader("cert-only", ""), "", 0, nil, auth.ErrInvalidCredentials},
		{"APIKeyAccepted", "Bearer " + testKey, "orders-ci", auth.APIKey, []auth.Role{auth.Developer}, nil},
		{"UnknownAPIKey", "Bearer hrld_nope", "", 0, nil, auth.ErrInvalidCredentials},
		{"JWTAccepted", "Bearer a.b.c", "jane", auth.OIDC, []auth.Role{auth.Reader, auth.Admin}, nil},
		{"JWTRefused", "Bearer a.b.x", "", 0, nil, auth.ErrInvalidToken},
		{"UnknownScheme", "Digest x=y", "", 0, nil, auth.ErrMalformed},
		{"BasicNotBase64", "Basic !!!", "", 0, nil, auth.ErrMalformed},
		{"BasicWithoutColon", "Basic " + base64.StdEncoding.EncodeToString([]byte("platform")), "", 0, nil, auth.ErrMalformed},
		{"BearerWithSpace", "Bearer a b", "", 0, nil, auth.ErrMalformed},
		{"EmptyBearer", "Bearer ", "", 0, nil, auth.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.Authenticate(context.Background(), tc.header)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, auth.ErrUnauthenticated) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				for _, secret := range []string{"s3cret", "wrong", "hrld_", "a.b.x"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q quotes the credential", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var roles []auth.Role
			for _, b := range p.Bindings {
				roles = append(roles, b.Role)
			}
			if p.Name != tc.wantName || p.Method != tc.wantMethod || !slices.Equal(roles, tc.wantRoles) {
				t.Errorf("got %s/%v %v, want %s/%v %v", p.Name, p.Method, roles, tc.wantName, tc.wantMethod, tc.wantRoles)
			}
		})
	}
	if p, ok := a.Certificate("cert-only"); !ok || p.Method != auth.MTLS || p.Name != "cert-only" {
		t.Errorf("Certificate(cert-only) = %+v, %v", p, ok)
	}
	if _, ok := a.Certificate("stranger"); ok {
		t.Error("a certificate of an unknown CN was accepted")
	}
}

// TestVerifiedTokensAreCached checks that a JWT is verified once while its
// verification is cached, and that a token without an expiry is not cached.
func TestVerifiedTokensAreCached(t *testing.T) {
	t.Parallel()
	v := &fakeVerifier{expires: time.Now().Add(time.Hour)}
	a := authtest.New(t, testFile, func(*auth.OIDCConfig) (auth.TokenVerifier, error) { return v, nil })
	for range 5 {
		if _, err := a.Authenticate(context.Background(), "Bearer a.b.c"); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.calls.Load(); n != 1 {
		t.Errorf("verified %d times, want once", n)
	}
	v.expires = time.Time{}
	if err := a.Replace(authtest.Parse(t, testFile)); err != nil { // a new file starts a new cache
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Authenticate(context.Background(), "Bearer a.b.c"); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.calls.Load(); n != 4 {
		t.Errorf("verified %d times in all, want 4: a token without exp is checked every time", n)
	}
}

func TestJWTWithoutOIDCIsRefused(t *testing.T) {
	t.Parallel()
	a := authtest.New(t, "anonymous: [reader]\n", nil)
	_, err := a.Authenticate(context.Background(), "Bearer a.b.c")
	if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "verifies no JWTs") {
		t.Errorf("err = %v, want ErrInvalidToken saying no JWTs are verified", err)
	}
}

// TestReplace checks that a new file is in force at once, and that a verifier
// that cannot be built leaves the old file in force.
func TestReplace(t *testing.T) {
	t.Parallel()
	fail := false
	a := authtest.New(t, testFile, func(*auth.OIDCConfig) (auth.TokenVerifier, error) {
		if fail {
			return nil, errors.New("no JWKS")
		}
		return &fakeVerifier{}, nil
	})
	if _, err := a.Authenticate(context.Background(), basicHeader("platform", "s3cret")); err != nil {
		t.Fatal(err)
	}
	if err := a.Replace(authtest.Parse(t, "anonymous: [admin]\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(context.Background(), basicHeader("platform", "s3cret")); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("a removed user still authenticates (from the cache?): %v", err)
	}
	fail = true
	if err := a.Replace(authtest.Parse(t, testFile)); err == nil {
		t.Fatal("a file whose verifier fails was put in force")
	}
	if got := a.Anonymous().Bindings[0].Role; got != auth.Admin {
		t.Errorf("the old file is no longer in force: anonymous is %v", got)
	}
}

func TestHashes(t *testing.T) {
	t.Parallel()
	k1, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := auth.NewAPIKey()
	if k1 == k2 || !strings.HasPrefix(k1, "hrld_") || len(k1) != len("hrld_")+43 {
		t.Errorf("keys %q, %q", k1, k2)
	}
	c, err := auth.ParseAuthorization("Bearer " + k1)
	if err != nil || c.Token != k1 || c.IsJWT() {
		t.Errorf("a new key does not read back as an API key: %+v, %v", c, err)
	}
	h := auth.HashAPIKey(k1)
	a := authtest.New(t, "principals:\n  - name: k\n    apiKey: "+h+"\n    roles: [reader]\n", nil)
	if p, err := a.Authenticate(context.Background(), "Bearer "+k1); err != nil || p.Name != "k" {
		t.Errorf("the hashed key does not authenticate: %v", err)
	}
	if _, err := auth.HashPassword(""); err == nil {
		t.Error("an empty password was hashed")
	}
}

// secretMarker stands for secret material in FuzzParseAuthorization.
const secretMarker = "SeCrEt"

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")), "Bearer abc", "Bearer a.b.c",
		"bearer x==", "Basic", "Basic ", "Digest a", "Bearer a=b", "Basic Og==", " Basic x", "Bearer  tok",
		"Bearer " + secretMarker + " x", "Digest " + secretMarker, "Basic " + secretMarker + "!", "Bearer " + strings.Repeat(secretMarker, 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := auth.ParseAuthorization(h)
		if err != nil {
			if !errors.Is(err, auth.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			// The scheme may be quoted back, the credential never: seeds carry
			// the marker in their credentials.
			if scheme, _, _ := strings.Cut(h, " "); !strings.Contains(scheme, secretMarker) && strings.Contains(err.Error(), secretMarker) {
				t.Fatalf("error %q quotes the credential of %q", err, h)
			}
			return
		}
		switch c.Scheme {
		case auth.SchemeNone:
			if h != "" {
				t.Fatalf("%q read as no credential", h)
			}
		case auth.SchemeBasic:
			if c.User == "" {
				t.Fatalf("%q: Basic without a user", h)
			}
		case auth.SchemeBearer:
			if c.Token == "" || strings.ContainsAny(c.Token, " \t\r\n") {
				t.Fatalf("%q: token %q", h, c.Token)
			}
		}
	})
}
