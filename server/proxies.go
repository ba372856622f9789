package server

// Trusted proxies: behind a load balancer every request comes from the
// balancer's address, so the audit log, the rate limits and the
// failed-authentication limits would all see one client. X-Forwarded-For and
// X-Forwarded-Proto say who the client was and whether it spoke TLS, but
// anyone can send them: they are believed only from a peer in
// Config.TrustedProxies, and ignored otherwise (the default, with no list).

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxForwardedHops bounds how many X-Forwarded-For entries are looked at:
// real chains have a few; a longer header costs no more than this.
const maxForwardedHops = 32

// proxyPolicy is Config.TrustedProxies, parsed.
type proxyPolicy struct {
	nets []netip.Prefix
}

// newProxyPolicy parses CIDRs and plain addresses (a single host).
func newProxyPolicy(list []string) (proxyPolicy, error) {
	var p proxyPolicy
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if pre, err := netip.ParsePrefix(s); err == nil {
			p.nets = append(p.nets, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return proxyPolicy{}, fmt.Errorf("server: trusted proxy %q: want a CIDR (10.0.0.0/8) or an IP address", s)
		}
		a = a.Unmap()
		p.nets = append(p.nets, netip.PrefixFrom(a, a.BitLen()))
	}
	return p, nil
}

// trusted reports whether addr (an IP, without port) is a trusted proxy.
func (p proxyPolicy) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, n := range p.nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedTLSKey marks, in a request's context, a request a trusted proxy
// received over TLS (X-Forwarded-Proto: https).
type forwardedTLSKey struct{}

// apply rewrites r.RemoteAddr to the client a trusted proxy names, so that
// every later reader of RemoteAddr (audit, access log, rate limits) sees the
// client, and notes a forwarded https. A request from any other peer is left
// as it is, its forwarding headers ignored.
//
// The client is the rightmost X-Forwarded-For entry that is not itself a
// trusted proxy: entries to its left were written by the client or by
// proxies nobody vouches for, so they could be anything.
func (p proxyPolicy) apply(r *http.Request) *http.Request {
	if len(p.nets) == 0 {
		return r
	}
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !p.trusted(peer) {
		return r
	}
	if client := p.forwardedClient(r.Header.Values("X-Forwarded-For")); client != "" {
		r.RemoteAddr = net.JoinHostPort(client, "0")
	}
	if proto := lastListValue(r.Header.Values("X-Forwarded-Proto")); strings.EqualFold(proto, "https") {
		r = r.WithContext(context.WithValue(r.Context(), forwardedTLSKey{}, true))
	}
	return r
}

// forwardedClient walks X-Forwarded-For from the right. It returns "" when
// the header is absent or its nearest entry is not an IP address.
func (p proxyPolicy) forwardedClient(values []string) string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := ""
	for i, n := len(hops)-1, 0; i >= 0 && n < maxForwardedHops; i, n = i-1, n+1 {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			break
		}
		client = a.Unmap().String()
		if !p.trusted(client) {
			break
		}
	}
	return client
}

// lastListValue is the last entry of a comma-separated header: the one the
// nearest proxy added.
func lastListValue(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.TrimSpace(v)
}

// servedOverTLS reports whether the client reached Herald over TLS: directly,
// or through a trusted proxy that said so. It decides the Secure cookie flag.
func servedOverTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	v, _ := r.Context().Value(forwardedTLSKey{}).(bool)
	return v
}
