package server

// Cross-site request forgery. A browser sends a page's cookies (and cached
// Basic credentials) with any form another site makes it post, so every
// state-changing form of the UI is checked by csrfMiddleware:
//
//   - the form's hidden csrf field must hold the token of the caller: an
//     HMAC, under the session key, of the session id (or of the principal,
//     for a browser using Basic or an open server), which another site's page
//     cannot read;
//   - Sec-Fetch-Site, when the browser sends it, must be same-origin, and
//     Origin, when sent, must be this server's own.
//
// Writes to the API that rely on the session cookie alone get the second
// check (sameOrigin, from the access middleware); API clients that send
// their own credentials are not concerned.

import (
	"crypto/hmac"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// csrfField is the hidden form field that carries the token.
const csrfField = "csrf"

// maxFormBytes bounds a UI form's body.
const maxFormBytes = 64 << 10

// formRoutes are the UI's form routes: contentTypeMiddleware lets their
// form bodies through, and csrfMiddleware checks them instead.
var formRoutes = map[string]bool{
	"/ui/signout":                           true,
	"/ui/topics/:topic/deadletters/redrive": true,
}

// csrfToken is the token the caller's forms carry: bound to its session, or
// else to who it is.
func (s *Server) csrfToken(c *gin.Context) string {
	binding := "none"
	if ses, ok := requestSession(c); ok {
		binding = "session:" + ses.ID
	} else if p := principal(c); p != nil {
		binding = "principal:" + p.Method.String() + ":" + p.Name
	}
	return base64.RawURLEncoding.EncodeToString(mac(s.sessionKey(), purposeCSRF, binding))
}

// ownOrigin is this server's origin as the browser sees it.
func ownOrigin(r *http.Request) string {
	scheme := "http"
	if servedOverTLS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sameOrigin reports whether the browser says the request comes from this
// server's own pages. A request that sends neither header (not a current
// browser) passes; the caller decides whether that is enough.
func sameOrigin(r *http.Request) (ok bool, sent bool) {
	site := r.Header.Get("Sec-Fetch-Site")
	origin := r.Header.Get("Origin")
	if site == "" && origin == "" {
		return true, false
	}
	if site != "" && site != "same-origin" {
		return false, true
	}
	if origin != "" && !strings.EqualFold(origin, ownOrigin(r)) {
		return false, true
	}
	return true, true
}

// csrfMiddleware checks a UI form post: a form body, from this origin, with
// the caller's token. A failure answers 403 (40302) and the handler never
// runs.
func (s *Server) csrfMiddleware(c *gin.Context) {
	r := c.Request
	if ok, _ := sameOrigin(r); !ok {
		s.writeError(c, errCrossSite.with("This form was posted from another site (Origin or Sec-Fetch-Site): Herald only takes its forms from its own pages."))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.writeError(c, errCrossSite.with("This address takes Herald's own forms only (application/x-www-form-urlencoded with a csrf field)."))
		return
	}
	r.Body = http.MaxBytesReader(c.Writer, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.writeError(c, errCrossSite.with("The form cannot be read."))
		return
	}
	got := r.PostForm.Get(csrfField)
	if got == "" || !hmac.Equal([]byte(got), []byte(s.csrfToken(c))) {
		s.writeError(c, errCrossSite.with("The form's csrf token is missing or not yours (the page may predate a sign-in or sign-out): reload the page and try again."))
		return
	}
}

// sessionWriteAllowed is the access middleware's check of a write whose
// only credential is the session cookie: a browser must say it comes from
// this origin, and a request that says nothing is refused (only a browser
// holds the cookie).
func sessionWriteAllowed(c *gin.Context, p *auth.Principal) bool {
	if p.Method != auth.Session || !isWrite(c.Request.Method) || formRoutes[c.FullPath()] {
		return true
	}
	ok, sent := sameOrigin(c.Request)
	return ok && sent
}
