package client

import (
	"net/http"
	"time"
)

// config is what the options set; defaultConfig holds the defaults they override.
type config struct {
	http           *http.Client
	name           string
	user, password string
	timeout        time.Duration
	header         http.Header
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

// BasicAuth sends HTTP basic authentication with every request, overriding the
// default of sending no credentials.
func BasicAuth(user, password string) Opt {
	return optFunc(func(c *config) { c.user, c.password = user, password })
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
