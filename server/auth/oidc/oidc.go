// Package oidc verifies JWT bearer tokens issued by an OpenID Connect identity
// provider, against the keys the provider publishes as a JWKS.
//
// A Verifier checks, in this order: the token's size and shape, its alg (never
// "none", never an HMAC alg, and always the alg of the key's type), the
// signature with the key the header's kid names, then the claims iss (exact),
// aud (contains Config.Audience), exp (required), nbf and iat, each time with
// Config.ClockSkew of tolerance. It then reads the username and the roles from
// the configured claims.
//
// The JWKS is fetched on the first Verify (through OIDC discovery when no JWKS
// URL is configured) and cached. A token whose kid is not in the cache makes
// the Verifier fetch the JWKS again, because that is how a provider's key
// rotation looks from here, but at most once per minRefreshInterval: a flood
// of tokens with random kids costs the provider one request per interval, not
// one per token. Concurrent refreshes are collapsed into one fetch. A cached
// JWKS older than maxKeySetAge is fetched again so that keys the provider has
// withdrawn stop being accepted; if that fetch fails, the old keys stay in use.
//
// Only the standard library's crypto is used: RS256/384/512, PS256/384/512,
// ES256/384/512 and EdDSA (Ed25519) cover what identity providers sign with,
// and a JWT library would bring algorithms this package must refuse anyway.
//
// Errors wrap ErrInvalidToken (anything wrong with the token) or ErrProvider
// (the JWKS or discovery document could not be fetched or read). No error
// message contains the token or any part of it.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on what a token and a provider may make the Verifier do.
const (
	// maxTokenBytes bounds a token; real ones are a few KiB at most, and the
	// bound keeps base64 and JSON decoding of hostile input small.
	maxTokenBytes = 16 << 10
	// maxDocumentBytes bounds a JWKS or discovery response.
	maxDocumentBytes = 1 << 20
	// maxKeys bounds the keys of a JWKS; providers publish a handful.
	maxKeys = 100
	// minRefreshInterval is the least time between two JWKS fetches caused by
	// unknown kids after a successful fetch.
	minRefreshInterval = 30 * time.Second
	// retryInterval is the least time between fetches after a failed one:
	// shorter, so a provider that was briefly down is not locked out for long.
	retryInterval = 5 * time.Second
	// maxKeySetAge is how long a fetched JWKS is trusted without a refetch.
	maxKeySetAge = time.Hour
	// fetchTimeout bounds one JWKS fetch, discovery included.
	fetchTimeout = 10 * time.Second
)

// ErrInvalidToken is wrapped by every error about the token itself: its shape,
// alg, key id, signature or claims. The message after "invalid token: " says
// what is wrong.
var ErrInvalidToken = errors.New("invalid token")

// ErrProvider is wrapped by every error fetching or reading the identity
// provider's discovery document or JWKS.
var ErrProvider = errors.New("identity provider")

// Config configures a Verifier.
type Config struct {
	// Issuer is the provider's issuer URL, compared exactly with the iss claim.
	// Required; https, or http on a loopback host.
	Issuer string
	// JWKSURL is where the provider publishes its keys. Empty: read from the
	// jwks_uri of the discovery document at Issuer +
	// "/.well-known/openid-configuration".
	JWKSURL string
	// Audience must be the aud claim or one of its values. Required: without
	// it, a token the provider issued to any other application would do.
	Audience string
	// UsernameClaim names the claim holding the username. Empty: "sub".
	UsernameClaim string
	// RolesClaim names the claim holding the roles, a string or an array of
	// strings; a dotted path such as "realm_access.roles" reaches into nested
	// objects. Empty: tokens carry no roles.
	RolesClaim string
	// ClockSkew is the tolerance on exp, nbf and iat. Zero: 60s.
	ClockSkew time.Duration
	// HTTPClient fetches the discovery document and the JWKS. Nil: a client
	// with a 10s timeout.
	HTTPClient *http.Client
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Identity is what a valid token says about its bearer.
type Identity struct {
	// Username is the value of Config.UsernameClaim.
	Username string
	// Roles are the values of Config.RolesClaim; nil when it is unset or the
	// token lacks the claim.
	Roles []string
	// Expiry is the token's exp.
	Expiry time.Time
	// Claims are all the token's claims, as encoding/json decodes them.
	Claims map[string]any
}

// Verifier verifies tokens. It is safe for concurrent use.
type Verifier struct {
	cfg Config
	// keys is the cached JWKS, nil before the first fetch succeeds. It is
	// read without a lock on every Verify and replaced whole by a fetch.
	keys atomic.Pointer[keySet]

	// mu protects the fields below it.
	mu sync.Mutex
	// jwksURL is Config.JWKSURL, or the one discovery found.
	jwksURL string
	// lastFetch is when the last fetch started; zero before the first.
	lastFetch time.Time
	// lastErr is the error of the last fetch, nil if it succeeded.
	lastErr error
	// inflight is the fetch under way, nil when there is none.
	inflight *fetchCall
	// discovered is the last discovery document read, nil before one.
	discovered *discoveryDoc
}

// New returns a Verifier for cfg. It checks cfg but does no network I/O;
// the provider is first asked on the first Verify.
func New(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("oidc: issuer is required")
	}
	if err := checkProviderURL(cfg.Issuer); err != nil {
		return nil, fmt.Errorf("oidc: issuer: %w", err)
	}
	if cfg.JWKSURL != "" {
		if err := checkProviderURL(cfg.JWKSURL); err != nil {
			return nil, fmt.Errorf("oidc: jwksURL: %w", err)
		}
	}
	if cfg.Audience == "" {
		return nil, errors.New("oidc: audience is required, or tokens issued to any other application would be accepted")
	}
	if cfg.ClockSkew < 0 {
		return nil, fmt.Errorf("oidc: clock skew %v is negative", cfg.ClockSkew)
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "sub"
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = 60 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: fetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, jwksURL: cfg.JWKSURL}, nil
}

// checkProviderURL accepts absolute https URLs, and http ones on a loopback
// host (a provider on the same machine, or a test's). Keys fetched over plain
// http from elsewhere could be replaced by anyone on the path.
func checkProviderURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q uses http on a non-loopback host; use https", raw)
	default:
		return fmt.Errorf("%q: scheme must be https", raw)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Verify checks token and returns what it says about its bearer. Errors wrap
// ErrInvalidToken or ErrProvider; a ctx that ends while the JWKS is being
// fetched ends the wait with an error wrapping ErrProvider and ctx.Err().
func (v *Verifier) Verify(ctx context.Context, token string) (Identity, error) {
	claims, err := v.signedClaims(ctx, token)
	if err != nil {
		return Identity{}, err
	}
	return v.identity(claims, v.cfg.Now(), v.cfg.Audience)
}

// signedClaims checks token's shape, alg and signature, and returns its
// claims, not yet checked.
func (v *Verifier) signedClaims(ctx context.Context, token string) (map[string]any, error) {
	tok, err := parseToken(token)
	if err != nil {
		return nil, err
	}
	k, err := v.key(ctx, tok.kid, tok.alg)
	if err != nil {
		return nil, err
	}
	if err := tok.verify(k); err != nil {
		return nil, err
	}
	return tok.claims()
}
