package server

// Web sessions: after a sign-in with the identity provider (signin.go) the
// browser holds a session cookie, which the access middleware accepts as a
// credential like an Authorization header.
//
// The cookie carries the session itself, signed with HMAC-SHA256: a random
// session id, the principal's name, the roles claim values the auth file
// maps, and the expiry. Any Herald instance with the same key
// (oidc.sessionKey in the auth file) accepts it, so sessions work behind a
// load balancer without shared state; without a configured key one is
// generated at start, and sessions then end at a restart and belong to one
// instance. The cookie is signed, not encrypted: its holder can read the
// name and roles it carries, which are their own. Bindings are not stored:
// the roles are mapped by the file in force at each request.
//
// Sign-out revokes the session id in this instance's memory until the
// session would have expired (bounded; other instances learn nothing of
// it, so behind a load balancer a copied cookie stays good elsewhere until
// its expiry, at most maxSessionLifetime).

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

const (
	// sessionCookie holds the session; signInCookie a sign-in under way.
	sessionCookie = "herald_session"
	signInCookie  = "herald_signin"
	// maxSessionLifetime bounds a session, whatever the ID token's exp.
	maxSessionLifetime = 8 * time.Hour
	// signInLifetime bounds the time from /ui/signin to /ui/callback.
	signInLifetime = 10 * time.Minute
	// maxCookieBytes bounds a cookie Herald writes or reads (browsers keep
	// 4096 bytes per cookie).
	maxCookieBytes = 3800
	// maxRevoked bounds the revoked session ids kept in memory.
	maxRevoked = 100_000
)

// The purposes a key signs for: a value signed for one is never accepted
// for another.
const (
	purposeSession = "herald-session"
	purposeSignIn  = "herald-signin"
	purposeCSRF    = "herald-csrf"
)

// sessionStore is the server's session state: the generated key and the
// revoked session ids.
type sessionStore struct {
	// generated is the key used when the auth file names none.
	generated []byte
	now       func() time.Time

	mu      sync.Mutex
	revoked map[string]time.Time // session id -> when it would have expired
}

func newSessionStore() *sessionStore {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails
	return &sessionStore{generated: k, now: time.Now, revoked: map[string]time.Time{}}
}

// key is the signing key: the auth file's oidc.sessionKey, else the one
// generated at start.
func (s *Server) sessionKey() []byte {
	if a := s.cfg.Auth; a != nil {
		if o := a.File().OIDC; o != nil && len(o.SessionKey) > 0 {
			return o.SessionKey
		}
	}
	return s.sessions.generated
}

// mac is the HMAC-SHA256 of msg under key for purpose.
func mac(key []byte, purpose, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// seal encodes v as JSON and signs it: base64url(json) "." base64url(mac).
func seal(key []byte, purpose string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + base64.RawURLEncoding.EncodeToString(mac(key, purpose, body)), nil
}

// errBadSeal is a cookie that was not signed by this server for this purpose.
var errBadSeal = errors.New("cookie not signed by this server")

// unseal checks a sealed value's signature and decodes it into v.
func unseal(key []byte, purpose, sealed string, v any) error {
	if len(sealed) > maxCookieBytes {
		return errBadSeal
	}
	body, sig, ok := strings.Cut(sealed, ".")
	if !ok {
		return errBadSeal
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, purpose, body)) {
		return errBadSeal
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return errBadSeal
	}
	return json.Unmarshal(b, v)
}

// session is what a session cookie carries.
type session struct {
	ID      string   `json:"sid"`
	Name    string   `json:"sub"`
	Roles   []string `json:"roles,omitempty"`
	Expires int64    `json:"exp"`
}

// randomToken is 32 random bytes, base64url: session ids, state, nonce and
// PKCE verifiers (43 characters, as RFC 7636 asks at least).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// readSession returns the request's valid session: signed by this server's
// key, not expired, not revoked here.
func (s *Server) readSession(c *gin.Context) (session, bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return session{}, false
	}
	var ses session
	if unseal(s.sessionKey(), purposeSession, ck.Value, &ses) != nil || ses.ID == "" || ses.Name == "" {
		return session{}, false
	}
	now := s.sessions.now()
	if now.Unix() >= ses.Expires {
		return session{}, false
	}
	s.sessions.mu.Lock()
	_, revoked := s.sessions.revoked[ses.ID]
	s.sessions.mu.Unlock()
	return ses, !revoked
}

// sessionPrincipal is the principal of the request's session, if it has a
// valid one and the auth file in force still offers sign-in.
func (s *Server) sessionPrincipal(c *gin.Context) (*auth.Principal, bool) {
	if sp, _ := s.cfg.Auth.SignIn(); sp == nil {
		return nil, false
	}
	ses, ok := s.readSession(c)
	if !ok {
		return nil, false
	}
	c.Set(sessionKey, ses)
	return s.cfg.Auth.SessionPrincipal(ses.Name, ses.Roles), true
}

// sessionKey is the gin context key of the request's session.
const sessionKey = "herald.session"

// requestSession is the session the access middleware accepted, if any.
func requestSession(c *gin.Context) (session, bool) {
	v, ok := c.Get(sessionKey)
	if !ok {
		return session{}, false
	}
	ses, ok := v.(session)
	return ses, ok
}

// revoke forgets a session id in this instance until it would have expired.
func (st *sessionStore) revoke(ses session) {
	now := st.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.revoked) >= maxRevoked {
		for id, exp := range st.revoked {
			if now.Unix() >= exp.Unix() {
				delete(st.revoked, id)
			}
		}
	}
	if len(st.revoked) < maxRevoked {
		st.revoked[ses.ID] = time.Unix(ses.Expires, 0)
	}
}

// setCookie writes a cookie Herald owns: HttpOnly, SameSite=Lax, Secure
// when the client reached Herald over TLS. maxAge < 0 deletes it.
func setCookie(c *gin.Context, name, value, path string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: servedOverTLS(c.Request), SameSite: http.SameSiteLaxMode})
}
