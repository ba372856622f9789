package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/heraldhq/herald/client"
)

// roundTripperFunc is an http.RoundTripper that is not an *http.Transport.
type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWithTLSConfig checks that the TLS configuration reaches the connection:
// a server whose certificate the system does not trust is reached with its
// CA, refused without, and an HTTP client given with HTTPClient keeps its
// own transport untouched.
func TestWithTLSConfig(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`["orders-value"]`))
	}))
	// The refused handshake of WithoutItIsUnknownAuthority is expected.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	trusting := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	ctx := context.Background()

	t.Run("TrustedCAConnects", func(t *testing.T) {
		c, err := client.New(srv.URL, client.WithTLSConfig(trusting))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListSubjects(ctx, "", false); err != nil {
			t.Fatalf("ListSubjects: %v", err)
		}
	})
	t.Run("WithoutItIsUnknownAuthority", func(t *testing.T) {
		c, err := client.New(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		var ua x509.UnknownAuthorityError
		if _, err := c.ListSubjects(ctx, "", false); !errors.As(err, &ua) {
			t.Fatalf("ListSubjects: %v, want an unknown authority", err)
		}
	})
	t.Run("HTTPClientTransportIsClonedNotChanged", func(t *testing.T) {
		tr := &http.Transport{}
		hc := &http.Client{Transport: tr}
		c, err := client.New(srv.URL, client.HTTPClient(hc), client.WithTLSConfig(trusting))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListSubjects(ctx, "", false); err != nil {
			t.Fatalf("ListSubjects: %v", err)
		}
		// Cloning a transport lets net/http fill in its HTTP/2 defaults, which
		// may give it an empty TLS configuration; ours must not reach it.
		if (tr.TLSClientConfig != nil && tr.TLSClientConfig.RootCAs != nil) || hc.Transport != tr {
			t.Error("the caller's HTTP client or transport was modified")
		}
	})
	t.Run("LaterChangesToTheConfigHaveNoEffect", func(t *testing.T) {
		cfg := trusting.Clone()
		c, err := client.New(srv.URL, client.WithTLSConfig(cfg))
		if err != nil {
			t.Fatal(err)
		}
		cfg.RootCAs = x509.NewCertPool()
		if _, err := c.ListSubjects(ctx, "", false); err != nil {
			t.Fatalf("ListSubjects: %v", err)
		}
	})
	t.Run("OtherRoundTripperIsAnError", func(t *testing.T) {
		hc := &http.Client{Transport: roundTripperFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("unused") })}
		if _, err := client.New(srv.URL, client.HTTPClient(hc), client.WithTLSConfig(trusting)); err == nil {
			t.Fatal("New accepted WithTLSConfig over a transport it cannot configure")
		}
	})
}
