package client

import (
	"crypto/tls"
	"fmt"
	"net/http"
)

// WithTLSConfig sets the TLS configuration of the connections to the server:
// the CAs it trusts (RootCAs) and the client certificate it presents
// (Certificates or GetClientCertificate), overriding the default of the HTTP
// client's own settings (the system's CAs and no client certificate). The
// configuration is cloned; later changes to cfg have no effect.
//
// It applies to the transport of the client given with HTTPClient, or of
// http.DefaultClient, which must be an *http.Transport (or nil); New fails
// otherwise. That transport is cloned, never modified.
func WithTLSConfig(cfg *tls.Config) Opt {
	return optFunc(func(c *config) {
		c.tls = nil
		if cfg != nil {
			c.tls = cfg.Clone()
		}
	})
}

// withTLS returns a copy of hc whose transport uses cfg.
func withTLS(hc *http.Client, cfg *tls.Config) (*http.Client, error) {
	var tr *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("client: WithTLSConfig needs http.DefaultTransport to be an *http.Transport, got %T: pass an HTTP client with HTTPClient", http.DefaultTransport)
		}
		tr = dt.Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return nil, fmt.Errorf("client: WithTLSConfig needs the HTTP client's Transport to be an *http.Transport, got %T: set its TLS configuration there instead", t)
	}
	tr.TLSClientConfig = cfg
	out := *hc
	out.Transport = tr
	return &out, nil
}
