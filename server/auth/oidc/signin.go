package oidc

// The provider's side of a web sign-in: the authorization code flow with
// PKCE (RFC 7636, S256), state and nonce. The Verifier already knows the
// provider (its issuer and discovery document); here it also learns the
// authorization and token endpoints, exchanges a code for an ID token, and
// verifies that token: signature, iss, exp and nbf as for any bearer token,
// aud equal to the client id (or the configured audience), and the nonce the
// sign-in sent, so an ID token minted for another sign-in cannot be replayed
// into this one.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldhq/herald/server/auth"
)

// errNonce is an ID token whose nonce is not the sign-in's.
var errNonce = fmt.Errorf("%w: nonce does not match the sign-in", ErrInvalidToken)

// Endpoints are where the browser signs in and where Herald exchanges codes.
type Endpoints struct {
	Authorization, Token string
}

// Endpoints returns the provider's authorization and token endpoints, from
// its discovery document (read once, then kept).
func (v *Verifier) Endpoints(ctx context.Context) (Endpoints, error) {
	v.mu.Lock()
	doc := v.discovered
	v.mu.Unlock()
	if doc == nil {
		var err error
		if doc, err = v.discover(ctx); err != nil {
			return Endpoints{}, err
		}
	}
	if doc.AuthorizationEndpoint == "" || doc.TokenEndpoint == "" {
		return Endpoints{}, fmt.Errorf("%w: the discovery document of %s names no authorization_endpoint or token_endpoint: the provider cannot sign users in", ErrProvider, v.cfg.Issuer)
	}
	return Endpoints{Authorization: doc.AuthorizationEndpoint, Token: doc.TokenEndpoint}, nil
}

// AuthRequest is one sign-in's parameters.
type AuthRequest struct {
	ClientID, RedirectURI string
	// State, Nonce and CodeVerifier are random per sign-in; the verifier's
	// S256 challenge is what the provider sees.
	State, Nonce, CodeVerifier string
}

// AuthCodeURL is the authorization endpoint URL the browser is sent to.
func (v *Verifier) AuthCodeURL(ctx context.Context, r AuthRequest) (string, error) {
	ep, err := v.Endpoints(ctx)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(ep.Authorization)
	if err != nil {
		return "", fmt.Errorf("%w: authorization_endpoint: %w", ErrProvider, err)
	}
	q := u.Query()
	q.Set("response_type", "code")
	q.Set("client_id", r.ClientID)
	q.Set("redirect_uri", r.RedirectURI)
	q.Set("scope", "openid profile email")
	q.Set("state", r.State)
	q.Set("nonce", r.Nonce)
	q.Set("code_challenge", S256Challenge(r.CodeVerifier))
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// S256Challenge is the PKCE S256 code challenge of a code verifier.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CodeExchange is what Exchange sends to the token endpoint.
type CodeExchange struct {
	ClientID string
	// ClientSecret, when set, authenticates a confidential client (HTTP
	// Basic, client_secret_basic).
	ClientSecret       string
	Code, CodeVerifier string
	RedirectURI        string
	// ExpectedNonce is the nonce the sign-in sent.
	ExpectedNonce string
	// AdditionalAudience is accepted in aud besides ClientID (the configured
	// audience, for providers that put it there).
	AdditionalAudience string
}

// Exchange trades an authorization code for the ID token and verifies it
// (see VerifyIDToken). Errors wrap ErrProvider (the token endpoint failed or
// refused the code, a replayed one included) or ErrInvalidToken; none quotes
// a code, a secret or a token.
func (v *Verifier) Exchange(ctx context.Context, x CodeExchange) (Identity, error) {
	ep, err := v.Endpoints(ctx)
	if err != nil {
		return Identity{}, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {x.Code}, "redirect_uri": {x.RedirectURI},
		"code_verifier": {x.CodeVerifier}, "client_id": {x.ClientID}}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.Token, strings.NewReader(form.Encode()))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrProvider, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if x.ClientSecret != "" {
		// RFC 6749 §2.3.1: both parts form-encoded before Basic.
		req.SetBasicAuth(url.QueryEscape(x.ClientID), url.QueryEscape(x.ClientSecret))
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: token endpoint: %w", ErrProvider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: token endpoint: %w", ErrProvider, err)
	}
	var tok struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	_ = json.Unmarshal(body, &tok) // an unreadable body is reported below by what it lacks
	if resp.StatusCode != http.StatusOK {
		reason := "status " + fmt.Sprint(resp.StatusCode)
		if tok.Error != "" && isPlainWord(tok.Error) {
			reason += ", error " + tok.Error
		}
		return Identity{}, fmt.Errorf("%w: token endpoint refused the code (%s)", ErrProvider, reason)
	}
	if tok.IDToken == "" {
		return Identity{}, fmt.Errorf("%w: token endpoint answered without an id_token (is the openid scope allowed for client %s?)", ErrProvider, x.ClientID)
	}
	return v.VerifyIDToken(ctx, tok.IDToken, x.ExpectedNonce, x.ClientID, x.AdditionalAudience)
}

// VerifyIDToken verifies an ID token as Verify does a bearer token, except
// that aud must hold one of audiences (the client id, or the configured
// audience when given) and the nonce claim must be nonce.
func (v *Verifier) VerifyIDToken(ctx context.Context, token, nonce string, audiences ...string) (Identity, error) {
	if nonce == "" {
		return Identity{}, errors.New("oidc: VerifyIDToken needs the sign-in's nonce")
	}
	claims, err := v.signedClaims(ctx, token)
	if err != nil {
		return Identity{}, err
	}
	id, err := v.identity(claims, v.cfg.Now(), audiences...)
	if err != nil {
		return Identity{}, err
	}
	got, _ := claims["nonce"].(string)
	if subtle.ConstantTimeCompare([]byte(got), []byte(nonce)) != 1 {
		return Identity{}, errNonce
	}
	return id, nil
}

// isPlainWord reports whether an OAuth error code is safe to log: RFC 6749
// codes are short words of letters and underscores.
func isPlainWord(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		default:
			return false
		}
	}
	return true
}

// Client is a Verifier seen as the auth package wants it for one client of
// the provider: an auth.TokenVerifier for bearer tokens and an
// auth.SignInProvider for the web sign-in.
type Client struct {
	Verifier *Verifier
	// ClientID and ClientSecret are the web UI's client (oidc.clientID,
	// oidc.clientSecret); Audience is oidc.audience, also accepted in an ID
	// token's aud.
	ClientID, ClientSecret, Audience string
}

var (
	_ auth.TokenVerifier  = Client{}
	_ auth.SignInProvider = Client{}
)

// Verify implements auth.TokenVerifier.
func (c Client) Verify(ctx context.Context, token string) (auth.Identity, error) {
	id, err := c.Verifier.Verify(ctx, token)
	if err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{Username: id.Username, Roles: id.Roles, Expires: id.Expiry}, nil
}

// AuthCodeURL implements auth.SignInProvider.
func (c Client) AuthCodeURL(ctx context.Context, r auth.SignInRequest) (string, error) {
	return c.Verifier.AuthCodeURL(ctx, AuthRequest{ClientID: c.ClientID, RedirectURI: r.RedirectURI, State: r.State, Nonce: r.Nonce, CodeVerifier: r.CodeVerifier})
}

// Exchange implements auth.SignInProvider.
func (c Client) Exchange(ctx context.Context, r auth.CodeExchange) (auth.Identity, error) {
	id, err := c.Verifier.Exchange(ctx, CodeExchange{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Code: r.Code,
		CodeVerifier: r.CodeVerifier, RedirectURI: r.RedirectURI, ExpectedNonce: r.Nonce, AdditionalAudience: c.Audience})
	if err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{Username: id.Username, Roles: id.Roles, Expires: id.Expiry}, nil
}
