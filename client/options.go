package client

import (
	"context"
	"crypto/tls"
	"net/http"
	"time"
)

// config is what the options set; defaultConfig holds the defaults they override.
type config struct {
	http           *http.Client
	name           string
	user, password string
	// token, when set, gives the bearer token of each request.
	token   TokenSource
	timeout time.Duration
	header  http.Header
	// tls, when set, is the TLS configuration of the transport (WithTLSConfig).
	tls *tls.Config
}

func defaultConfig() config {
	return config{http: http.DefaultClient, timeout: 30 * time.Second, header: http.Header{}}
}

// Opt configures a Client in New.
type Opt interface{ apply(*config) }

type optFunc func(*config)

func (f optFunc) apply(c *config) { f(c) }

// HTTPClient sets the HTTP client requests go through, overriding the default
// http.DefaultClient. Use it for TLS settings, proxies or a custom transport.
func HTTPClient(hc *http.Client) Opt {
	return optFunc(func(c *config) {
		if hc != nil {
			c.http = hc
		}
	})
}

// ClientName names this client to the server in the Herald-Client header,
// overriding the default of sending no name. The catalog shows the name as an
// observed producer or consumer of the topics the client uses.
func ClientName(name string) Opt {
	return optFunc(func(c *config) { c.name = name })
}

// WithBasicAuth sends HTTP basic authentication with every request, overriding
// the default of sending no credentials. Of WithBasicAuth, WithBearerToken and
// BearerTokenSource, the last given wins.
func WithBasicAuth(user, password string) Opt { return BasicAuth(user, password) }

// BasicAuth is WithBasicAuth, under the name earlier releases used.
func BasicAuth(user, password string) Opt {
	return optFunc(func(c *config) { c.user, c.password, c.token = user, password, nil })
}

// TokenSource returns the bearer token for a request. It is called for every
// request, so it should cache the token and refresh it before it expires; an
// error fails the request without sending it.
type TokenSource func(ctx context.Context) (string, error)

// WithBearerToken sends "Authorization: Bearer token" with every request (a
// Herald API key or a JWT), overriding the default of sending no credentials.
// Of BasicAuth, WithBearerToken and BearerTokenSource, the last given wins.
func WithBearerToken(token string) Opt {
	return BearerTokenSource(func(context.Context) (string, error) { return token, nil })
}

// BearerTokenSource sends the token src returns as "Authorization: Bearer …"
// with every request, for tokens that expire (an OIDC access token),
// overriding the default of sending no credentials. Of BasicAuth,
// WithBearerToken and BearerTokenSource, the last given wins.
func BearerTokenSource(src TokenSource) Opt {
	return optFunc(func(c *config) { c.token, c.user, c.password = src, "", "" })
}

// Timeout bounds each request, overriding the default of 30 seconds. A long poll
// (Consumer.Poll with a wait) gets its wait on top. Zero means no bound beyond
// the caller's context.
func Timeout(d time.Duration) Opt {
	return optFunc(func(c *config) { c.timeout = d })
}

// Header adds a header to every request, overriding the default of no extra
// headers. It may be given several times.
func Header(key, value string) Opt {
	return optFunc(func(c *config) { c.header.Add(key, value) })
}
