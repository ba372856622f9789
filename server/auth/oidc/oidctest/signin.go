package oidctest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// signIn is the provider's sign-in state.
type signIn struct {
	mu       sync.Mutex
	clientID string
	secret   string
	key      *Key
	user     string
	groups   []string
	ttl      time.Duration
	nonce    *string // replaces the sign-in's nonce in ID tokens (a bad provider)
	codes    map[string]*grant
	// redeemed counts codes exchanged, refused counts exchanges refused.
	redeemed, refused atomic.Int64
}

// grant is an issued authorization code.
type grant struct {
	clientID, redirectURI, challenge, nonce, user string
	groups                                        []string
	used                                          bool
}

// EnableSignIn lets the provider sign users in for clientID (with secret,
// when not "", as a confidential client), issuing ID tokens signed by key
// that live ttl. Until SignInAs, the authorization endpoint refuses.
func (p *Provider) EnableSignIn(clientID, secret string, key *Key, ttl time.Duration) {
	s := &p.signIn
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clientID, s.secret, s.key, s.ttl = clientID, secret, key, ttl
	s.codes = map[string]*grant{}
}

// SignInAs makes the authorization endpoint approve every request as user,
// member of groups: the user "typed their password".
func (p *Provider) SignInAs(user string, groups ...string) {
	p.signIn.mu.Lock()
	p.signIn.user, p.signIn.groups = user, groups
	p.signIn.mu.Unlock()
}

// ForgeNonce makes later ID tokens carry nonce instead of the sign-in's: a
// token from another sign-in, which the relying party must refuse.
func (p *Provider) ForgeNonce(nonce string) {
	p.signIn.mu.Lock()
	p.signIn.nonce = &nonce
	p.signIn.mu.Unlock()
}

// CodesRedeemed is how many codes the token endpoint exchanged; CodesRefused
// how many exchanges it refused.
func (p *Provider) CodesRedeemed() int64 { return p.signIn.redeemed.Load() }

// CodesRefused is how many code exchanges the token endpoint refused.
func (p *Provider) CodesRefused() int64 { return p.signIn.refused.Load() }

// authorize serves the authorization endpoint: it checks the request as a
// provider does and redirects back with a code and the state.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	s := &p.signIn
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.codes == nil || s.user == "":
		http.Error(w, "sign-in is not enabled", http.StatusForbidden)
		return
	case q.Get("client_id") != s.clientID || q.Get("response_type") != "code":
		http.Error(w, "unknown client or response type", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "":
		http.Error(w, "PKCE S256, state and nonce are required", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !redirect.IsAbs() {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := randomHex()
	s.codes[code] = &grant{clientID: s.clientID, redirectURI: redirect.String(), challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), user: s.user, groups: s.groups}
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token serves the token endpoint: a code is good once, for its client,
// redirect URI and PKCE verifier.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	s := &p.signIn
	refuse := func(code string) {
		s.refused.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
	}
	if err := r.ParseForm(); err != nil {
		refuse("invalid_request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.secret != "" {
		id, secret, ok := r.BasicAuth()
		if !ok || id != s.clientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.secret)) != 1 {
			refuse("invalid_client")
			return
		}
	}
	g := s.codes[r.PostForm.Get("code")]
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code" || g == nil || g.used:
		if g != nil {
			g.used = true // RFC 6749 §4.1.2: a code used twice is revoked
		}
		refuse("invalid_grant")
		return
	case r.PostForm.Get("client_id") != g.clientID || r.PostForm.Get("redirect_uri") != g.redirectURI ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		refuse("invalid_grant")
		return
	}
	g.used = true
	s.redeemed.Add(1)
	nonce := g.nonce
	if s.nonce != nil {
		nonce = *s.nonce
	}
	claims := p.Claims(g.user, g.clientID, time.Now().Add(s.ttl), g.groups...)
	claims["nonce"] = nonce
	claims["iat"] = time.Now().Unix()
	writeJSON(w, map[string]any{"access_token": randomHex(), "token_type": "Bearer", "id_token": s.key.Sign(claims), "expires_in": int(s.ttl.Seconds())})
}

func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
