package server

// The web UI's sign-in with the identity provider, when the auth file's oidc
// section has a clientID: the authorization code flow with PKCE (S256),
// state and nonce.
//
//	GET  /ui/signin?return=/ui/…  keeps state, nonce and the PKCE verifier in
//	                              a short-lived signed cookie and sends the
//	                              browser to the provider;
//	GET  /ui/callback             checks the state against that cookie, has
//	                              the provider exchange the code (and verify
//	                              the ID token: signature, iss, aud, exp, the
//	                              nonce), then sets the session cookie
//	                              (session.go);
//	POST /ui/signout              (a CSRF-checked form) revokes the session.

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// pendingSignIn is what the sign-in cookie carries from /ui/signin to
// /ui/callback.
type pendingSignIn struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Redirect string `json:"redirect"`
	Return   string `json:"return"`
	Expires  int64  `json:"exp"`
}

// registerSignInRoutes registers the sign-in routes with the pages. They
// answer 404 while the auth file offers no sign-in, so a reload that adds
// oidc.clientID needs no restart.
func (s *Server) registerSignInRoutes() {
	if s.cfg.Catalog == nil {
		return
	}
	if s.cfg.Auth != nil {
		if sp, cfg := s.cfg.Auth.SignIn(); sp != nil && len(cfg.SessionKey) == 0 {
			s.log.Warn("web sign-in: no oidc.sessionKey in the auth file, so sessions are signed with a key generated at start: " +
				"they end when herald restarts, and other instances behind the same load balancer do not accept them")
		}
	}
	s.handleRoute(http.MethodGet, "/ui/signin", s.handle(s.signIn))
	s.handleRoute(http.MethodGet, "/ui/callback", s.handle(s.signInCallback))
	s.handleRoute(http.MethodPost, "/ui/signout", s.csrfMiddleware, s.handle(s.signOut))
	s.handleRoute(http.MethodGet, basicSignInRoute, s.handle(s.basicSignIn))
}

// basicSignInRoute makes the browser ask for a password (HTTP Basic): the
// pages' other 401s do not, when the identity provider's sign-in is offered.
const basicSignInRoute = "/ui/signin/basic"

// basicSignIn serves GET /ui/signin/basic?return=: a caller who sent
// credentials goes back to the page; anyone else gets the Basic challenge.
func (s *Server) basicSignIn(c *gin.Context) error {
	if s.cfg.Auth == nil {
		return errCatalogNotFound.with("This server runs without an auth file: there is nothing to sign in to.")
	}
	if p := principal(c); p != nil && p.Method != auth.Anonymous {
		c.Redirect(http.StatusSeeOther, safeReturn(c.Query("return")))
		return nil
	}
	s.refuse(c, errNoCredentials)
	return nil
}

// signInProvider is the sign-in the auth file in force offers, or the 404
// of a server that offers none.
func (s *Server) signInProvider() (auth.SignInProvider, *auth.OIDCConfig, error) {
	if s.cfg.Auth == nil {
		return nil, nil, errCatalogNotFound.with("This server runs without an auth file: there is nothing to sign in to.")
	}
	sp, cfg := s.cfg.Auth.SignIn()
	if sp == nil {
		return nil, nil, errCatalogNotFound.with("Sign-in with an identity provider is not configured (oidc.clientID in the auth file).")
	}
	return sp, cfg, nil
}

// redirectURL is where the provider sends the browser back: the configured
// one, else this server's own /ui/callback as the browser reached it (the
// Host was vetted by hostMiddleware).
func redirectURL(c *gin.Context, cfg *auth.OIDCConfig) string {
	if cfg.RedirectURL != "" {
		return cfg.RedirectURL
	}
	return ownOrigin(c.Request) + "/ui/callback"
}

// safeReturn keeps a return path only when it is a page of this server:
// never another site ("//evil.example", "https://…"), whatever the link.
func safeReturn(p string) string {
	if !strings.HasPrefix(p, "/ui") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return "/ui/"
	}
	return p
}

// signIn serves GET /ui/signin: it starts a sign-in and sends the browser
// to the identity provider.
func (s *Server) signIn(c *gin.Context) error {
	sp, cfg, err := s.signInProvider()
	if err != nil {
		return err
	}
	now := s.sessions.now()
	p := pendingSignIn{State: randomToken(), Nonce: randomToken(), Verifier: randomToken(), Redirect: redirectURL(c, cfg),
		Return: safeReturn(c.Query("return")), Expires: now.Add(signInLifetime).Unix()}
	u, err := sp.AuthCodeURL(c.Request.Context(), auth.SignInRequest{RedirectURI: p.Redirect, State: p.State, Nonce: p.Nonce, CodeVerifier: p.Verifier})
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "sign-in: the identity provider cannot be reached", "err", err)
		return errIdentityProvider.with("The identity provider's discovery document cannot be read; try again later.")
	}
	sealed, err := seal(s.sessionKey(), purposeSignIn, p)
	if err != nil {
		return err
	}
	setCookie(c, signInCookie, sealed, "/ui/callback", int(signInLifetime/time.Second))
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, u)
	return nil
}

// signInCallback serves GET /ui/callback: it completes the sign-in the
// cookie describes, once.
func (s *Server) signInCallback(c *gin.Context) error {
	sp, cfg, err := s.signInProvider()
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Set(auditAlwaysKey, true)
	// The sign-in cookie is good for one callback, whatever its outcome.
	setCookie(c, signInCookie, "", "/ui/callback", -1)
	var p pendingSignIn
	ck, err := c.Request.Cookie(signInCookie)
	now := s.sessions.now()
	if err != nil || unseal(s.sessionKey(), purposeSignIn, ck.Value, &p) != nil || now.Unix() >= p.Expires {
		return errSignIn.with("No sign-in is under way in this browser, or it took longer than 10 minutes: sign in again.")
	}
	if e := c.Query("error"); e != "" {
		return errSignIn.with(fmt.Sprintf("The identity provider did not sign you in (%s): sign in again, or ask an administrator.", plainWord(e)))
	}
	state := c.Query("state")
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 {
		return errSignIn.with("The answer of the identity provider does not belong to this browser's sign-in (state mismatch): sign in again.")
	}
	code := c.Query("code")
	if code == "" {
		return errSignIn.with("The identity provider sent no code: sign in again.")
	}
	id, err := sp.Exchange(c.Request.Context(), auth.CodeExchange{Code: code, CodeVerifier: p.Verifier, RedirectURI: p.Redirect, Nonce: p.Nonce})
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "sign-in refused", "remote", remoteHost(c.Request.RemoteAddr), "err", err)
		return errSignIn.with("The identity provider's answer was not accepted (the code was refused, or the ID token did not verify): sign in again. The server log says why.")
	}
	if id.Username == "" {
		return errSignIn.with(fmt.Sprintf("The ID token has no %s claim to name you by.", cfg.UsernameClaim))
	}
	exp := now.Add(maxSessionLifetime)
	if !id.Expires.IsZero() && id.Expires.Before(exp) {
		exp = id.Expires
	}
	if !exp.After(now) {
		return errSignIn.with("The ID token has expired already: check the clocks of Herald and the identity provider.")
	}
	ses := session{ID: randomToken(), Name: id.Username, Expires: exp.Unix()}
	// Only the roles the file maps are kept: they decide access, and an
	// identity provider's full group list may not fit in a cookie.
	for _, r := range id.Roles {
		if _, ok := cfg.RoleMapping[r]; ok {
			ses.Roles = append(ses.Roles, r)
		}
	}
	sealed, err := seal(s.sessionKey(), purposeSession, ses)
	if err != nil {
		return err
	}
	if len(sealed) > maxCookieBytes {
		return errSignIn.with(fmt.Sprintf("Your identity maps to %d roles, more than a session cookie holds.", len(ses.Roles)))
	}
	setCookie(c, sessionCookie, sealed, "/", int(exp.Sub(now)/time.Second))
	// The audit line names who signed in.
	c.Set(principalKey, s.cfg.Auth.SessionPrincipal(ses.Name, ses.Roles))
	s.log.InfoContext(c.Request.Context(), "signed in", "principal", ses.Name, "roles", ses.Roles, "expires", exp.UTC().Format(time.RFC3339),
		"remote", remoteHost(c.Request.RemoteAddr))
	c.Redirect(http.StatusSeeOther, p.Return)
	return nil
}

// signOut serves POST /ui/signout: it revokes the session (in this
// instance) and deletes the cookie.
func (s *Server) signOut(c *gin.Context) error {
	if ses, ok := requestSession(c); ok {
		s.sessions.revoke(ses)
	} else if ses, ok := s.readSession(c); ok {
		s.sessions.revoke(ses)
	}
	setCookie(c, sessionCookie, "", "/", -1)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/ui/")
	return nil
}

// plainWord keeps an OAuth error code printable: letters, digits and _.
func plainWord(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
