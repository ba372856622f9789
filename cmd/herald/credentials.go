package main

import (
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
