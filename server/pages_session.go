package server

import (
	"net/url"
	"reflect"

	"github.com/gin-gonic/gin"

	"github.com/heraldhq/herald/server/auth"
)

// pageUser is who the layout shows as signed in, with the control that goes
// with it: a sign-out form for a web session, a sign-in link for an
// anonymous caller when sign-in is offered.
type pageUser struct {
	// Show is set when the server authenticates (there is someone to show).
	Show bool
	// Name and Method name the caller; Name is empty for the anonymous one.
	Name, Method string
	// Session is set for a web session, which can sign out.
	Session bool
	// SignInURL is the sign-in link, when sign-in is offered and the caller
	// is anonymous; BasicURL the link that asks for a password instead.
	SignInURL, BasicURL string
	// CSRF is the token the page's forms carry (csrf.go).
	CSRF string
	// Admin is set when the caller holds an admin binding on every topic.
	Admin bool
}

// setUser fills the layout's user; render calls it on a copy of each view.
func (m *pageMeta) setUser(u pageUser) { m.User = u }

// pageUserOf is the caller as the layout shows it.
func (s *Server) pageUserOf(c *gin.Context) pageUser {
	u := pageUser{CSRF: s.csrfToken(c)}
	if s.cfg.Auth == nil {
		return u
	}
	u.Show = true
	p := principal(c)
	if p != nil && p.Method != auth.Anonymous {
		u.Name, u.Method = p.Name, p.Method.String()
		u.Session = p.Method == auth.Session
		return u
	}
	if sp, _ := s.cfg.Auth.SignIn(); sp != nil {
		ret := url.QueryEscape(c.Request.URL.RequestURI())
		u.SignInURL, u.BasicURL = "/ui/signin?return="+ret, basicSignInRoute+"?return="+ret
	}
	return u
}

// withUser returns a copy of view, a page view embedding pageMeta, with its
// user set; any other value is returned as it is. The copy is a pointer,
// which templates read like the value.
func withUser(view any, u pageUser) any {
	v := reflect.ValueOf(view)
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return view
	}
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	setter, ok := cp.Interface().(interface{ setUser(pageUser) })
	if !ok {
		return view
	}
	setter.setUser(u)
	return cp.Interface()
}
