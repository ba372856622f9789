package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
	"github.com/heraldhq/herald/server/auth/oidc"
	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

// signInKey is the provider's signing key, made once: RSA keys are slow.
var signInKey = sync.OnceValues(func() (*oidctest.Key, error) { return oidctest.NewKey("signin-1") })

// signInEnv is a Herald with web sign-in against a test identity provider,
// served on a loopback port, and a browser-like client that does not follow
// redirects (each step is checked).
type signInEnv struct {
	t       *testing.T
	idp     *oidctest.Provider
	herald  *httptest.Server
	srv     *server.Server
	authz   *auth.Authorizer
	browser *http.Client
	audit   string       // the audit log's path
	now     atomic.Int64 // the session clock, unix seconds
}

func newSignInEnv(t *testing.T) *signInEnv {
	t.Helper()
	key, err := signInKey()
	if err != nil {
		t.Fatal(err)
	}
	idp := oidctest.NewProvider(key)
	t.Cleanup(idp.Close)
	idp.EnableSignIn("herald-ui", "s3cret", key, time.Hour)
	idp.SignInAs("alice", "platform-admins", "unmapped-group")
	file := accessFile() + "oidc:\n  issuer: " + idp.Issuer() + "\n  audience: herald\n  clientID: herald-ui\n  clientSecret: s3cret\n" +
		"  roleMapping:\n    platform-admins: [admin]\n"
	a := authtest.New(t, file, func(c *auth.OIDCConfig) (auth.TokenVerifier, error) {
		v, err := oidc.New(oidc.Config{Issuer: c.Issuer, Audience: c.Audience, UsernameClaim: c.UsernameClaim, RolesClaim: c.RolesClaim})
		if err != nil {
			return nil, err
		}
		return oidc.Client{Verifier: v, ClientID: c.ClientID, ClientSecret: c.ClientSecret, Audience: c.Audience}, nil
	})
	e := &signInEnv{t: t, idp: idp, authz: a}
	e.now.Store(time.Now().Unix())
	var audit *server.AuditLog
	audit, e.audit = auditFile(t)
	e.srv = newFullServer(t, server.Config{Auth: a, AuditLog: audit})
	server.SetSessionClock(e.srv, func() time.Time { return time.Unix(e.now.Load(), 0) })
	e.herald = httptest.NewServer(e.srv)
	t.Cleanup(e.herald.Close)
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// get fetches u (absolute, or a path of Herald) and wants status want.
func (e *signInEnv) get(u string, want int) *http.Response {
	e.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = e.herald.URL + u
	}
	resp, err := e.browser.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		e.t.Fatalf("GET %s: %d, want %d: %s", u, resp.StatusCode, want, body)
	}
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// startSignIn goes to /ui/signin and through the provider, and returns the
// callback URL the provider sent the browser back to (not yet visited).
func (e *signInEnv) startSignIn() string {
	e.t.Helper()
	r := e.get("/ui/signin?return=/ui/topics", http.StatusFound)
	authz := r.Header.Get("Location")
	u, err := url.Parse(authz)
	if err != nil || !strings.HasPrefix(authz, e.idp.Issuer()+"/authorize") {
		e.t.Fatalf("sign-in redirect %q: want the provider's authorization endpoint", authz)
	}
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("client_id") != "herald-ui" || q.Get("redirect_uri") != e.herald.URL+"/ui/callback" {
		e.t.Fatalf("authorization request %v: want PKCE S256, state, nonce, the client and Herald's callback", q)
	}
	return e.get(authz, http.StatusFound).Header.Get("Location")
}

// body reads a response body.
func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// whoami is who Herald takes the browser for.
func (e *signInEnv) whoami() string {
	e.t.Helper()
	var w struct{ Principal, Method string }
	mustUnmarshal(e.t, []byte(body(e.get("/v1/whoami", http.StatusOK))), &w)
	return w.Principal + "/" + w.Method
}

func (e *signInEnv) sessionCookie() *http.Cookie {
	u, _ := url.Parse(e.herald.URL)
	for _, c := range e.browser.Jar.Cookies(u) {
		if c.Name == "herald_session" {
			return c
		}
	}
	return nil
}

// signInLines are the audit lines of sign-in callbacks.
func (e *signInEnv) signInLines() []map[string]any {
	var out []map[string]any
	for _, l := range auditLines(e.t, e.audit) {
		if l["action"] == "session.signin" && l["route"] == "/ui/callback" {
			out = append(out, l)
		}
	}
	return out
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestSignInHappyPath signs in, checks the session cookie's attributes and
// that the session is a credential for pages and the API with the roles the
// file maps, then signs out.
func TestSignInHappyPath(t *testing.T) {
	t.Parallel()
	e := newSignInEnv(t)
	if got := e.whoami(); got != "anonymous/anonymous" {
		t.Fatalf("before sign-in: %s", got)
	}
	e.get("/ui/topics", http.StatusUnauthorized)
	cb := e.startSignIn()
	r := e.get(cb, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/ui/topics" {
		t.Errorf("after the callback the browser goes to %q, want the page it came from", loc)
	}
	var set *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == "herald_session" {
			set = c
		}
	}
	if set == nil || !set.HttpOnly || set.Secure || set.SameSite != http.SameSiteLaxMode || set.Path != "/" || set.MaxAge <= 0 || set.MaxAge > 3605 { // the test clock counts whole seconds
		t.Fatalf("session cookie %+v: want HttpOnly, not Secure over http, SameSite=Lax, Path=/, living at most the token's hour", set)
	}
	if got := e.whoami(); got != "alice/session" {
		t.Fatalf("after sign-in whoami = %s, want alice/session", got)
	}
	if l := e.signInLines(); len(l) != 1 || l[0]["principal"] != "alice" || l[0]["auth_method"] != "session" || l[0]["outcome"] != "allowed" {
		t.Errorf("sign-in audit lines %v: want one, alice's, allowed", l)
	}
	page := body(e.get("/ui/topics", http.StatusOK))
	if !strings.Contains(page, "Signed in as <strong>alice</strong>") || !strings.Contains(page, `action="/ui/signout"`) {
		t.Fatalf("the page does not show alice signed in with a sign-out form:\n%s", page)
	}
	// alice is an admin through platform-admins: a write from Herald's own
	// page is allowed, the same write without Origin is not.
	req, _ := http.NewRequest("PUT", e.herald.URL+"/config", strings.NewReader(`{"compatibility":"FULL"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", e.herald.URL)
	if resp, err := e.browser.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("same-origin write with the session: %v %v", resp.Status, err)
	}
	req, _ = http.NewRequest("PUT", e.herald.URL+"/config", strings.NewReader(`{"compatibility":"NONE"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.browser.Do(req)
	if err != nil || resp.StatusCode != http.StatusForbidden || !strings.Contains(body(resp), "40302") {
		t.Fatalf("write with the session cookie and no Origin: %v, want 403 40302", resp.Status)
	}

	// Sign out: the form needs the page's token.
	old := e.sessionCookie()
	token := csrfInput.FindStringSubmatch(page)
	if token == nil {
		t.Fatal("no csrf token on the page")
	}
	resp, err = e.browser.PostForm(e.herald.URL+"/ui/signout", url.Values{"csrf": {"forged"}})
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("sign-out with a forged token: %v, want 403", resp.Status)
	}
	resp, err = e.browser.PostForm(e.herald.URL+"/ui/signout", url.Values{"csrf": {token[1]}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %v, want 303", resp.Status)
	}
	if got := e.whoami(); got != "anonymous/anonymous" {
		t.Fatalf("after sign-out whoami = %s", got)
	}
	// The old cookie, replayed, is revoked.
	req, _ = http.NewRequest("GET", e.herald.URL+"/v1/whoami", nil)
	req.AddCookie(old)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || !strings.Contains(body(resp), `"principal":"anonymous"`) {
		t.Fatalf("a signed-out session cookie still works")
	}
}

// TestSignInRefusals covers the callbacks that must not sign anyone in: a
// state that is not the browser's, a replayed callback, a replayed code, an
// ID token with another sign-in's nonce, and a session past its expiry.
func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	t.Run("bad state", func(t *testing.T) {
		t.Parallel()
		e := newSignInEnv(t)
		cb, _ := url.Parse(e.startSignIn())
		q := cb.Query()
		q.Set("state", "not-the-state")
		cb.RawQuery = q.Encode()
		if b := body(e.get(cb.String(), http.StatusBadRequest)); !strings.Contains(b, "state mismatch") {
			t.Errorf("bad state page: %s", b)
		}
		if e.sessionCookie() != nil || e.idp.CodesRedeemed() != 0 {
			t.Errorf("a bad state signed in or spent the code")
		}
		if l := e.signInLines(); len(l) != 1 || l[0]["outcome"] != "failed" || l[0]["status"] != float64(400) || l[0]["route"] != "/ui/callback" {
			t.Errorf("audit lines of the refused callback %v: want one, failed 400", l)
		}
	})
	t.Run("replayed code", func(t *testing.T) {
		t.Parallel()
		e := newSignInEnv(t)
		cb := e.startSignIn()
		e.get(cb, http.StatusSeeOther)
		// The same callback again: its sign-in is over.
		e.get(cb, http.StatusBadRequest)
		// The code again, under a new sign-in's state: the provider refuses it.
		fresh, _ := url.Parse(e.startSignIn())
		old, _ := url.Parse(cb)
		q := fresh.Query()
		q.Set("code", old.Query().Get("code"))
		fresh.RawQuery = q.Encode()
		e.browser.Jar.SetCookies(fresh, []*http.Cookie{{Name: "herald_session", Value: "", MaxAge: -1, Path: "/"}})
		e.get(fresh.String(), http.StatusBadRequest)
		if e.idp.CodesRefused() != 1 || e.idp.CodesRedeemed() != 1 {
			t.Errorf("codes redeemed %d, refused %d: want the replay refused by the provider", e.idp.CodesRedeemed(), e.idp.CodesRefused())
		}
	})
	t.Run("wrong nonce", func(t *testing.T) {
		t.Parallel()
		e := newSignInEnv(t)
		e.idp.ForgeNonce("another-sign-in")
		e.get(e.startSignIn(), http.StatusBadRequest)
		if e.sessionCookie() != nil {
			t.Error("an ID token with another nonce signed in")
		}
	})
	t.Run("expired session", func(t *testing.T) {
		t.Parallel()
		e := newSignInEnv(t)
		e.get(e.startSignIn(), http.StatusSeeOther)
		if got := e.whoami(); got != "alice/session" {
			t.Fatalf("whoami = %s", got)
		}
		e.now.Add(int64(2 * time.Hour / time.Second)) // the token lived an hour
		if got := e.whoami(); got != "anonymous/anonymous" {
			t.Fatalf("after expiry whoami = %s, want anonymous", got)
		}
		if page := body(e.get("/ui/", http.StatusUnauthorized)); !strings.Contains(page, `href="/ui/signin?return=%2Fui%2F"`) {
			t.Errorf("the 401 page offers no sign-in link back to the page:\n%s", page)
		}
	})
	t.Run("no sign-in under way", func(t *testing.T) {
		t.Parallel()
		e := newSignInEnv(t)
		e.get("/ui/callback?code=x&state=y", http.StatusBadRequest)
	})
}

// TestSignInCookieSecureBehindTrustedProxy checks that the cookies are
// Secure when a trusted proxy says the browser used https, and not when an
// untrusted peer says so.
func TestSignInCookieSecureBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	e := newSignInEnv(t)
	for _, tc := range []struct {
		proxies []string
		secure  bool
	}{{nil, false}, {[]string{"10.0.0.0/8"}, true}} {
		srv := newFullServer(t, server.Config{Auth: e.authz, TrustedProxies: tc.proxies})
		req := httptest.NewRequest("GET", "/ui/signin", nil)
		req.RemoteAddr = "10.1.2.3:5000"
		req.Header.Set("X-Forwarded-Proto", "https")
		w := serve(srv, req)
		if w.Code != http.StatusFound {
			t.Fatalf("signin: %d %s", w.Code, w.Body)
		}
		c := w.Result().Cookies()
		if len(c) != 1 || c[0].Secure != tc.secure || !strings.HasPrefix(w.Header().Get("Location"), e.idp.Issuer()) {
			t.Errorf("proxies %v: cookies %+v, want Secure=%t", tc.proxies, c, tc.secure)
		}
		u, _ := url.Parse(w.Header().Get("Location"))
		wantScheme := map[bool]string{true: "https://", false: "http://"}[tc.secure]
		if got := u.Query().Get("redirect_uri"); !strings.HasPrefix(got, wantScheme) {
			t.Errorf("proxies %v: redirect_uri %q, want %s", tc.proxies, got, wantScheme)
		}
	}
}

// TestSignInChallenges checks that, with sign-in offered, a page's 401 does
// not challenge with Basic (the browser would prompt before the Sign in
// links show) while the API's still does, and that /ui/signin/basic asks for
// a password and, given one, goes back to the page.
func TestSignInChallenges(t *testing.T) {
	t.Parallel()
	e := newSignInEnv(t)
	if h := e.get("/ui/topics", http.StatusUnauthorized).Header.Get("WWW-Authenticate"); h != `Bearer realm="herald"` {
		t.Errorf("page challenge %q, want Bearer only", h)
	}
	if h := e.get("/subjects", http.StatusUnauthorized).Header.Get("WWW-Authenticate"); !strings.Contains(h, "Basic") {
		t.Errorf("API challenge %q, want Basic and Bearer", h)
	}
	if h := e.get("/ui/signin/basic?return=/ui/topics", http.StatusUnauthorized).Header.Get("WWW-Authenticate"); !strings.Contains(h, "Basic") {
		t.Errorf("/ui/signin/basic challenge %q, want Basic", h)
	}
	req, _ := http.NewRequest("GET", e.herald.URL+"/ui/signin/basic?return=/ui/topics", nil)
	req.SetBasicAuth("platform", "s3cret")
	resp, err := e.browser.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/topics" {
		t.Fatalf("with a password: %v %v, want 303 to /ui/topics", resp.Status, err)
	}
}
