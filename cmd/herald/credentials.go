package main

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/client"
)

// credentialFlags are the credentials every command that talks to a server
// takes: --user user:password (HERALD_USER) for HTTP Basic, or --token
// (HERALD_TOKEN) for a bearer API key or JWT. The zero value sends none.
type credentialFlags struct {
	User  string
	Token string
}

// addCredentialFlags registers --user and --token on fs.
func addCredentialFlags(fs *pflag.FlagSet) *credentialFlags {
	f := &credentialFlags{}
	fs.StringVar(&f.User, "user", "", "HTTP Basic credentials as user:password (env HERALD_USER)")
	fs.StringVar(&f.Token, "token", "", "bearer token: an API key or a JWT (env HERALD_TOKEN)")
	return f
}

// check reports a malformed --user, or both flags at once. It never quotes
// the secret.
func (f *credentialFlags) check() error {
	if f.User != "" && f.Token != "" {
		return usageErrorf("--user and --token (or HERALD_USER and HERALD_TOKEN) are both set: give one")
	}
	if f.User != "" {
		if u, _, ok := strings.Cut(f.User, ":"); !ok || u == "" {
			return usageErrorf("--user (HERALD_USER) must be user:password")
		}
	}
	return nil
}

// clientOpts are the SDK options that send the credentials.
func (f *credentialFlags) clientOpts() ([]client.Opt, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	switch {
	case f.User != "":
		u, p, _ := strings.Cut(f.User, ":")
		return []client.Opt{client.BasicAuth(u, p)}, nil
	case f.Token != "":
		return []client.Opt{client.WithBearerToken(f.Token)}, nil
	}
	return nil, nil
}

// httpClient wraps hc's transport so that every request to server's host
// carries the credentials; requests to any other host (a redirect elsewhere)
// get none. It returns hc unchanged when there are no credentials.
func (f *credentialFlags) httpClient(hc *http.Client, server string) (*http.Client, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.User == "" && f.Token == "" {
		return hc, nil
	}
	u, err := url.Parse(server)
	if err != nil {
		return nil, usageErrorf("--server %q: want a URL such as %s", server, defaultServer)
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out := *hc
	out.Transport = &credentialTransport{base: base, host: u.Host, creds: *f}
	return &out, nil
}

// credentialTransport adds the Authorization header to requests for one host.
type credentialTransport struct {
	base  http.RoundTripper
	host  string
	creds credentialFlags
}

// RoundTrip implements http.RoundTripper. It does not change the caller's
// request: it sends a copy with the header.
func (t *credentialTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host || r.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	if t.creds.User != "" {
		u, p, _ := strings.Cut(t.creds.User, ":")
		r2.SetBasicAuth(u, p)
	} else {
		r2.Header.Set("Authorization", "Bearer "+t.creds.Token)
	}
	return t.base.RoundTrip(r2)
}
