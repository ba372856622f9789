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
	// prefix starts every flag's name: "" for the server a command talks
	// to, "from-" for the source registry of herald import.
	prefix string
}

// addCredentialFlags registers the credential and TLS flags on fs.
func addCredentialFlags(fs *pflag.FlagSet) *credentialFlags {
	return addPrefixedCredentialFlags(fs, "", "a server")
}

// addPrefixedCredentialFlags registers the credential and TLS flags on fs,
// each name starting with prefix; what names the server they are for.
func addPrefixedCredentialFlags(fs *pflag.FlagSet, prefix, what string) *credentialFlags {
	f := &credentialFlags{prefix: prefix}
	fs.StringVar(&f.User, prefix+"user", "", "HTTP Basic credentials for "+what+" as user:password (env "+f.env("user")+")")
	fs.StringVar(&f.Token, prefix+"token", "", "bearer token for "+what+": an API key or a JWT (env "+f.env("token")+")")
	fs.StringVar(&f.CACert, prefix+"ca-cert", "", "PEM file of the CAs the certificate of "+what+" (https) must chain to, instead of the system's (env "+f.env("ca-cert")+")")
	fs.StringVar(&f.ClientCert, prefix+"client-cert", "", "PEM client certificate for "+what+" that requires one (mTLS; needs "+f.flag("client-key")+"; env "+f.env("client-cert")+")")
	fs.StringVar(&f.ClientKey, prefix+"client-key", "", "PEM private key of "+f.flag("client-cert")+" (env "+f.env("client-key")+")")
	return f
}

// flag is the command-line name of the flag name: --user, --from-user.
func (f *credentialFlags) flag(name string) string { return "--" + f.prefix + name }

// env is the environment twin of the flag name: HERALD_USER, HERALD_FROM_USER.
func (f *credentialFlags) env(name string) string {
	return "HERALD_" + strings.ToUpper(strings.ReplaceAll(f.prefix+name, "-", "_"))
}

// given reports whether any credential or TLS flag is set.
func (f *credentialFlags) given() bool {
	return f.User != "" || f.Token != "" || f.CACert != "" || f.ClientCert != "" || f.ClientKey != ""
}

// check reports a malformed --user, both credentials at once, or half a
// client certificate. It never quotes the secret.
func (f *credentialFlags) check() error {
	if f.User != "" && f.Token != "" {
		return usageErrorf("%s and %s (or %s and %s) are both set: give one", f.flag("user"), f.flag("token"), f.env("user"), f.env("token"))
	}
	if f.User != "" {
		if u, _, ok := strings.Cut(f.User, ":"); !ok || u == "" {
			return usageErrorf("%s (%s) must be user:password", f.flag("user"), f.env("user"))
		}
	}
	if (f.ClientCert == "") != (f.ClientKey == "") {
		return usageErrorf("%s and %s (%s, %s) go together: give both or neither",
			f.flag("client-cert"), f.flag("client-key"), f.env("client-cert"), f.env("client-key"))
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
			return nil, usageErrorf("%s: %v", f.flag("ca-cert"), err)
		}
		cfg.RootCAs = pool
	}
	if f.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
		if err != nil {
			return nil, usageErrorf("%s %s / %s %s: %v", f.flag("client-cert"), f.ClientCert, f.flag("client-key"), f.ClientKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}
