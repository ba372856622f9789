package main

import (
	"crypto/tls"
	"strings"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/client"
)

// credentialFlags are the credentials every command that talks to a server
// takes: --user user:password (HERALD_USER) for HTTP Basic, or --token
// (HERALD_TOKEN) for a bearer API key or JWT; and for an https server, the
// CA that signed its certificate (--ca-cert) and a client certificate
// (--client-cert, --client-key) for one that requires them. The zero value
// sends none and trusts the system's CAs.
type credentialFlags struct {
	User  string
	Token string
	// CACert is a PEM file of the CAs the server's certificate must chain to,
	// in place of the system's.
	CACert string
	// ClientCert and ClientKey are the PEM certificate and key presented to
	// a server that asks for one (mTLS).
	ClientCert, ClientKey string
}

// addCredentialFlags registers the credential and TLS flags on fs.
func addCredentialFlags(fs *pflag.FlagSet) *credentialFlags {
	f := &credentialFlags{}
	fs.StringVar(&f.User, "user", "", "HTTP Basic credentials as user:password (env HERALD_USER)")
	fs.StringVar(&f.Token, "token", "", "bearer token: an API key or a JWT (env HERALD_TOKEN)")
	fs.StringVar(&f.CACert, "ca-cert", "", "PEM file of the CAs an https server's certificate must chain to, instead of the system's (env HERALD_CA_CERT)")
	fs.StringVar(&f.ClientCert, "client-cert", "", "PEM client certificate for a server that requires one (mTLS; needs --client-key; env HERALD_CLIENT_CERT)")
	fs.StringVar(&f.ClientKey, "client-key", "", "PEM private key of --client-cert (env HERALD_CLIENT_KEY)")
	return f
}

// check reports a malformed --user, both credentials at once, or half a
// client certificate. It never quotes the secret.
func (f *credentialFlags) check() error {
	if f.User != "" && f.Token != "" {
		return usageErrorf("--user and --token (or HERALD_USER and HERALD_TOKEN) are both set: give one")
	}
	if f.User != "" {
		if u, _, ok := strings.Cut(f.User, ":"); !ok || u == "" {
			return usageErrorf("--user (HERALD_USER) must be user:password")
		}
	}
	if (f.ClientCert == "") != (f.ClientKey == "") {
		return usageErrorf("--client-cert and --client-key (HERALD_CLIENT_CERT, HERALD_CLIENT_KEY) go together: give both or neither")
	}
	return nil
}

// clientOpts are the SDK options that send the credentials and set up TLS.
func (f *credentialFlags) clientOpts() ([]client.Opt, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	var opts []client.Opt
	switch {
	case f.User != "":
		u, p, _ := strings.Cut(f.User, ":")
		opts = append(opts, client.BasicAuth(u, p))
	case f.Token != "":
		opts = append(opts, client.WithBearerToken(f.Token))
	}
	cfg, err := f.tlsConfig()
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		opts = append(opts, client.WithTLSConfig(cfg))
	}
	return opts, nil
}

// tlsConfig is the TLS configuration the flags ask for; nil when they ask
// for none. Files that cannot be read are usage errors naming the flag.
func (f *credentialFlags) tlsConfig() (*tls.Config, error) {
	if f.CACert == "" && f.ClientCert == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CACert != "" {
		pool, err := loadCertPool(f.CACert)
		if err != nil {
			return nil, usageErrorf("--ca-cert: %v", err)
		}
		cfg.RootCAs = pool
	}
	if f.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
		if err != nil {
			return nil, usageErrorf("--client-cert %s / --client-key %s: %v", f.ClientCert, f.ClientKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
