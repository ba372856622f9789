package server

// Keeping web pages on other sites away from a Herald on a developer's machine.
// Three defences, each in its own middleware:
//
//   - contentTypeMiddleware (middleware.go): a state-changing request must name a
//     Content-Type that a page can send cross-site only after a CORS preflight;
//   - hostMiddleware: the Host header must be allowed, so DNS rebinding (a name
//     the attacker controls, re-pointed at 127.0.0.1) cannot make the page
//     same-origin with Herald;
//   - corsMiddleware: preflights are granted only to Config.CORSOrigins (none by
//     default), so the browser refuses what the first two let through to a
//     preflight.

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// hostPolicy is Config.AllowedHosts, parsed: which Host headers the server answers.
type hostPolicy struct {
	// any: no list, or "*" in it.
	any bool
	// names are the allowed host names, lower case, without a trailing dot.
	names map[string]bool
	// domains are the ".example.com" entries: every name ending in one is allowed
	// (example.com itself is in names).
	domains []string
}

// newHostPolicy parses Config.AllowedHosts. Empty allows every host.
func newHostPolicy(hosts []string) (hostPolicy, error) {
	p := hostPolicy{any: len(hosts) == 0, names: map[string]bool{}}
	for i, entry := range hosts {
		h := strings.ToLower(strings.TrimSpace(entry))
		if h == "*" {
			p.any = true
			continue
		}
		h = strings.TrimSuffix(h, ".")
		name, domain := strings.CutPrefix(h, ".")
		if !validHostName(name) {
			return hostPolicy{}, fmt.Errorf("server: Config.AllowedHosts[%d] %q: want a host name (herald.example.com), a domain and its subdomains (.example.com) or *, without scheme, port or path", i, entry)
		}
		p.names[name] = true
		if domain {
			p.domains = append(p.domains, "."+name)
		}
	}
	return p, nil
}

// validHostName reports whether s is a DNS name or an IP address (an allowlist
// entry may name an IP, though every IP is allowed anyway).
func validHostName(s string) bool {
	if _, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return true
	}
	if s == "" || len(s) > 253 || strings.Contains(s, "..") || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return true
}

// allows reports whether the server answers a request with this Host header.
//
// IP addresses and localhost (and *.localhost, which browsers resolve to
// loopback themselves) are always allowed: DNS rebinding needs a name the
// attacker controls, and a page addressing Herald by IP is cross-origin, which
// the content-type and CORS rules handle. An empty Host (HTTP/1.0) is allowed
// too: browsers always send one.
func (p hostPolicy) allows(hostport string) bool {
	if p.any || hostport == "" {
		return true
	}
	h := hostOnly(hostport)
	// Only what may be an address is parsed as one: a failed ParseAddr
	// allocates its error, and names are the common case on every request.
	if mayBeIP(h) {
		if _, err := netip.ParseAddr(h); err == nil {
			return true
		}
	}
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || p.names[h] {
		return true
	}
	for _, d := range p.domains {
		if strings.HasSuffix(h, d) {
			return true
		}
	}
	return false
}

// mayBeIP reports whether h could be an IP address: IPv4 starts with a digit,
// IPv6 holds a colon. Host names rarely start with a digit.
func mayBeIP(h string) bool {
	return h != "" && (h[0] >= '0' && h[0] <= '9' || strings.IndexByte(h, ':') >= 0)
}

// hostOnly strips the port from a Host header, and the brackets from an IPv6
// address.
func hostOnly(hostport string) string {
	if strings.HasPrefix(hostport, "[") {
		if end := strings.IndexByte(hostport, ']'); end > 0 {
			return hostport[1:end]
		}
		return hostport
	}
	if i := strings.IndexByte(hostport, ':'); i >= 0 && strings.Count(hostport, ":") == 1 {
		return hostport[:i]
	}
	return hostport
}

// hostExempt are the paths every Host may reach: the probes, which orchestrators
// send to a pod address under whatever Host they are configured with, and which
// tell a page nothing.
func hostExempt(path string) bool { return path == "/healthz" || path == "/readyz" }

// hostMiddleware refuses a request whose Host is not allowed with 403 (40310),
// before anything else reads it.
func (s *Server) hostMiddleware(c *gin.Context) {
	r := c.Request
	if s.hosts.allows(r.Host) || hostExempt(r.URL.Path) {
		return
	}
	h := hostOnly(r.Host)
	s.writeError(c, errHostNotAllowed.with(fmt.Sprintf("Host %q is not allowed (a defence against DNS rebinding); if this server is reached by that name, start herald with --allowed-hosts=%s", h, h)))
}

// corsPolicy is Config.CORSOrigins, parsed.
type corsPolicy struct {
	// any: "*" was listed; responses say Access-Control-Allow-Origin: *.
	any bool
	// origins are the allowed origins, serialized as browsers send them
	// (scheme://host[:port], lower case, no default port).
	origins map[string]bool
}

// newCORSPolicy parses Config.CORSOrigins. Empty allows no origin.
func newCORSPolicy(origins []string) (corsPolicy, error) {
	p := corsPolicy{origins: map[string]bool{}}
	for i, entry := range origins {
		o := strings.TrimSpace(entry)
		if o == "*" {
			p.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return corsPolicy{}, fmt.Errorf("server: Config.CORSOrigins[%d] %q: want an origin such as https://app.example.com (scheme, host and optional port; no path) or *", i, entry)
		}
		host := strings.ToLower(u.Host)
		if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
			host = strings.ToLower(u.Hostname())
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
		p.origins[u.Scheme+"://"+host] = true
	}
	return p, nil
}

// enabled reports whether any origin is allowed.
func (p corsPolicy) enabled() bool { return p.any || len(p.origins) > 0 }

// corsMethods are the methods a preflight grants: every method Herald routes.
const corsMethods = "GET, HEAD, POST, PUT, DELETE"

// corsMaxAge is how long, in seconds, a browser may cache a preflight grant
// (browsers cap it at 2 hours or less).
const corsMaxAge = "600"

// corsMiddleware implements Config.CORSOrigins. When it is empty it does
// nothing: responses carry no CORS headers and preflights reach no route (405),
// so browsers refuse cross-origin calls. For an allowed Origin it answers
// preflights itself (204, granting every routed method and the request headers
// asked for) and marks every other response, errors included, as readable.
func (s *Server) corsMiddleware(c *gin.Context) {
	if !s.cors.enabled() {
		return
	}
	h := c.Writer.Header()
	if !s.cors.any {
		// The answer depends on Origin: caches must not give one origin's
		// answer to another.
		h.Add("Vary", "Origin")
	}
	origin := c.GetHeader("Origin")
	if origin == "" || (!s.cors.any && !s.cors.origins[origin]) {
		return
	}
	if s.cors.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.Request.Method != http.MethodOptions || c.GetHeader("Access-Control-Request-Method") == "" {
		return
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	if rh := c.GetHeader("Access-Control-Request-Headers"); rh != "" && validTokenList(rh) {
		// The origin is trusted: grant whatever headers its page sends
		// (CloudEvents binary mode uses any ce-* name, so no fixed list fits).
		h.Set("Access-Control-Allow-Headers", rh)
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	c.AbortWithStatus(http.StatusNoContent)
}

// validTokenList reports whether s is a comma-separated list of HTTP tokens
// (header names), as Access-Control-Request-Headers must be.
func validTokenList(s string) bool {
	for _, f := range strings.Split(s, ",") {
		f = strings.Trim(f, " \t")
		if f == "" {
			return false
		}
		for i := 0; i < len(f); i++ {
			if !isTokenChar(f[i]) {
				return false
			}
		}
	}
	return true
}

// isTokenChar reports whether c may appear in an HTTP token (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
