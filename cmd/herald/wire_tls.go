package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/pflag"
)

// tlsFlags are the serve flags of HTTPS and client certificates (HERALD_*
// env twins). The zero value serves plain HTTP.
type tlsFlags struct {
	// Cert and Key are PEM files of the server's certificate chain and its
	// private key (--tls-cert, --tls-key). Both or neither; empty: plain HTTP.
	Cert, Key string
	// ClientCA is a PEM file of the CAs that issue client certificates
	// (--tls-client-ca). Empty: no client certificates are asked for. Set:
	// every connection must present a certificate one of them issued, and
	// the certificate's subject CN names a principal of the auth file.
	ClientCA string
}

// addTLSFlags registers the TLS serve flags on fs.
func addTLSFlags(fs *pflag.FlagSet) *tlsFlags {
	f := &tlsFlags{}
	fs.StringVar(&f.Cert, "tls-cert", "", "serve HTTPS with this PEM certificate chain (needs --tls-key); default: plain HTTP")
	fs.StringVar(&f.Key, "tls-key", "", "PEM private key of --tls-cert")
	fs.StringVar(&f.ClientCA, "tls-client-ca", "", "require a client certificate issued by a CA in this PEM file on every connection (probes included); "+
		"its subject CN names the principal of the auth file, unless the request also sends an Authorization header (needs --tls-cert and --auth)")
	return f
}

// enabled reports whether the server speaks HTTPS.
func (f *tlsFlags) enabled() bool { return f != nil && (f.Cert != "" || f.Key != "") }

// serverConfig loads the certificate, the key and the client CAs, and returns
// the server's TLS configuration: nil for plain HTTP. hasAuth says whether an
// auth file is given, which client certificates need to name anyone.
func (f *tlsFlags) serverConfig(hasAuth bool) (*tls.Config, error) {
	if f == nil || (f.Cert == "" && f.Key == "" && f.ClientCA == "") {
		return nil, nil
	}
	if f.Cert == "" || f.Key == "" {
		return nil, errors.New("--tls-cert and --tls-key (HERALD_TLS_CERT, HERALD_TLS_KEY) go together: give both to serve HTTPS, or neither; --tls-client-ca needs them too")
	}
	pair, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		// The error names the files and what is wrong with them, never the
		// key's bytes.
		return nil, fmt.Errorf("--tls-cert %s / --tls-key %s: %w", f.Cert, f.Key, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{pair},
		// TLS 1.0 and 1.1 are broken; every client Herald serves speaks 1.2.
		MinVersion: tls.VersionTLS12,
	}
	if f.ClientCA == "" {
		return cfg, nil
	}
	if !hasAuth {
		return nil, errors.New("--tls-client-ca needs --auth: a client certificate's subject CN names a principal of the auth file, and without one it names no one")
	}
	pool, err := loadCertPool(f.ClientCA)
	if err != nil {
		return nil, fmt.Errorf("--tls-client-ca: %w", err)
	}
	cfg.ClientCAs = pool
	// Required, not merely verified if given: the flag promises that no
	// connection without a certificate from these CAs gets an HTTP answer.
	// Such a connection fails its handshake; a certificate whose CN names no
	// principal is answered 401 unless it also sends credentials.
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	return cfg, nil
}

// loadCertPool reads a PEM file of CA certificates.
func loadCertPool(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate (want one or more \"-----BEGIN CERTIFICATE-----\" blocks)", path)
	}
	return pool, nil
}
