package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// pemPath is its certificate as a PEM file.
	pemPath string
}

// newTestCA makes a CA and writes its certificate to dir/name.pem.
func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, pemPath: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.pemPath, "CERTIFICATE", der)
	return ca
}

// issue makes a certificate for cn (a server certificate for 127.0.0.1 when
// server) and writes it and its key to dir/cn.crt and dir/cn.key.
func (ca *testCA) issue(t *testing.T, dir, cn string, server bool) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.ReplaceAll(ca.cert.Subject.CommonName+"-"+cn, " ", "_")
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writePEM(t, certPath, "CERTIFICATE", der)
	writePEM(t, keyPath, "PRIVATE KEY", keyDER)
	return certPath, keyPath
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// mtlsClient is an HTTP client that trusts ca and presents the certificate
// in certPath/keyPath (none when empty).
func mtlsClient(t *testing.T, ca *testCA, certPath, keyPath string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certPath != "" {
		pair, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	tr := &http.Transport{TLSClientConfig: cfg}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// tlsPKI is the certificates of an mTLS test: the server's, clients' from
// the trusted CA, and one from another CA.
type tlsPKI struct {
	dir                   string
	ca                    *testCA
	serverCert            string
	serverKey             string
	ordersCert, ordersKey string // CN orders-svc, a principal of the file
	strangerCert          string // CN stranger, not in the file
	strangerKey           string
	rogueCert, rogueKey   string // CN orders-svc, from another CA
}

func newTLSPKI(t *testing.T) *tlsPKI {
	t.Helper()
	dir := t.TempDir()
	p := &tlsPKI{dir: dir, ca: newTestCA(t, dir, "herald-test-ca")}
	p.serverCert, p.serverKey = p.ca.issue(t, dir, "127.0.0.1", true)
	p.ordersCert, p.ordersKey = p.ca.issue(t, dir, "orders-svc", false)
	p.strangerCert, p.strangerKey = p.ca.issue(t, dir, "stranger", false)
	rogue := newTestCA(t, dir, "rogue-ca")
	p.rogueCert, p.rogueKey = rogue.issue(t, dir, "orders-svc", false)
	return p
}

// mtlsMain runs a Main over HTTPS that requires client certificates from
// pki's CA. Its auth file names orders-svc (a developer on orders-*, with no
// password or key: only its certificate names it) and a reader API key.
func mtlsMain(t *testing.T, pki *tlsPKI) *Main {
	t.Helper()
	src := "principals:\n" +
		"  - name: orders-svc\n    roles: [{role: developer, subjects: [\"orders-*\"]}]\n" +
		"  - name: dashboards\n    apiKey: " + auth.HashAPIKey("key-reader") + "\n    roles: [reader]\n"
	path := filepath.Join(pki.dir, "auth.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain(Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "herald.db"), Logger: discardLogger(), Version: "test",
		auth: &authFlags{File: path},
		tls:  &tlsFlags{Cert: pki.serverCert, Key: pki.serverKey, ClientCA: pki.ca.pemPath}})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	if !strings.HasPrefix(m.URL(), "https://") {
		t.Fatalf("URL %s is not https", m.URL())
	}
	hc := mtlsClient(t, pki.ca, pki.ordersCert, pki.ordersKey)
	for {
		resp, err := hc.Get(m.URL() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return m
			}
		}
		select {
		case err := <-m.Done():
			t.Fatalf("server stopped before ready: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestMTLS checks who a client certificate makes the caller: the principal
// its CN names, with that principal's roles; a connection without a
// certificate, or with one from another CA, fails its TLS handshake.
func TestMTLS(t *testing.T) {
	t.Parallel()
	pki := newTLSPKI(t)
	m := mtlsMain(t, pki)
	url := m.URL()
	orders := mtlsClient(t, pki.ca, pki.ordersCert, pki.ordersKey)

	t.Run("CertificateCNIsThePrincipal", func(t *testing.T) {
		a := do(t, orders, "GET", url+"/v1/whoami", "", "")
		var got whoAmI
		if err := json.Unmarshal(a.body, &got); err != nil || a.status != 200 {
			t.Fatalf("whoami: %d %s %v", a.status, a.body, err)
		}
		if got.Principal != "orders-svc" || got.Method != "mtls" || len(got.Bindings) != 1 || got.Bindings[0].Role != auth.Developer {
			t.Errorf("whoami = %+v, want orders-svc by mtls as a developer", got)
		}
	})
	t.Run("CertificatePrincipalRegistersOnItsSubjects", func(t *testing.T) {
		if a := do(t, orders, "POST", url+"/subjects/orders-value/versions", "", registerString); a.status != 200 {
			t.Errorf("register orders-value: %d %s", a.status, a.body)
		}
	})
	t.Run("CertificatePrincipalIs403ElsewhereAndNamed", func(t *testing.T) {
		a := do(t, orders, "POST", url+"/subjects/payments-value/versions", "", registerString)
		if a.status != 403 || a.code != 40301 || !strings.Contains(string(a.body), "orders-svc (mtls)") {
			t.Errorf("register payments-value: %d %s, want 403 40301 naming orders-svc (mtls)", a.status, a.body)
		}
	})
	t.Run("AuthorizationHeaderWinsOverTheCertificate", func(t *testing.T) {
		a := do(t, orders, "GET", url+"/v1/whoami", "Bearer key-reader", "")
		if a.status != 200 || !strings.Contains(string(a.body), `"principal":"dashboards"`) {
			t.Errorf("whoami with a key: %d %s, want dashboards", a.status, a.body)
		}
		if a := do(t, orders, "GET", url+"/v1/whoami", "Bearer wrong-key", ""); a.status != 401 {
			t.Errorf("a wrong key beside a good certificate: %d %s, want 401", a.status, a.body)
		}
	})
	t.Run("UnknownCNIs401", func(t *testing.T) {
		hc := mtlsClient(t, pki.ca, pki.strangerCert, pki.strangerKey)
		if a := do(t, hc, "GET", url+"/subjects", "", ""); a.status != 401 || a.code != 40101 {
			t.Errorf("GET /subjects: %d %s, want 401 40101", a.status, a.body)
		}
	})
	for _, tc := range []struct {
		name      string
		cert, key string
	}{
		{"NoCertificateFailsTheHandshake", "", ""},
		{"CertificateFromAnotherCAFailsTheHandshake", pki.rogueCert, pki.rogueKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := mtlsClient(t, pki.ca, tc.cert, tc.key)
			resp, err := hc.Get(url + "/healthz")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("got HTTP %d, want a failed TLS handshake", resp.StatusCode)
			}
			// The server's alert arrives as a "remote error" (TLS 1.3 sends
			// it after the client's handshake completes).
			if !strings.Contains(err.Error(), "remote error: tls:") {
				t.Errorf("got %v, want the server's TLS alert", err)
			}
		})
	}
}

// TestTLSFlagErrors checks that bad TLS flags stop Run with a message that
// says what is wrong.
func TestTLSFlagErrors(t *testing.T) {
	t.Parallel()
	pki := newTLSPKI(t)
	authFile := filepath.Join(pki.dir, "auth.yaml")
	if err := os.WriteFile(authFile, []byte("principals:\n  - name: x\n    roles: [reader]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(pki.dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		auth string
		tls  tlsFlags
		want string
	}{
		{"CertWithoutKey", "", tlsFlags{Cert: pki.serverCert}, "--tls-cert and --tls-key"},
		{"KeyWithoutCert", "", tlsFlags{Key: pki.serverKey}, "--tls-cert and --tls-key"},
		{"ClientCAWithoutCert", authFile, tlsFlags{ClientCA: pki.ca.pemPath}, "--tls-client-ca needs them too"},
		{"MissingCertFile", "", tlsFlags{Cert: filepath.Join(pki.dir, "absent.crt"), Key: pki.serverKey}, "absent.crt"},
		{"KeyOfAnotherCert", "", tlsFlags{Cert: pki.serverCert, Key: pki.ordersKey}, "private key does not match public key"},
		{"ClientCAWithoutAuth", "", tlsFlags{Cert: pki.serverCert, Key: pki.serverKey, ClientCA: pki.ca.pemPath}, "--tls-client-ca needs --auth"},
		{"ClientCANotPEM", authFile, tlsFlags{Cert: pki.serverCert, Key: pki.serverKey, ClientCA: notPEM}, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags := tc.tls
			m := NewMain(Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "herald.db"), Logger: discardLogger(),
				auth: &authFlags{File: tc.auth}, tls: &flags})
			err := m.Run(context.Background())
			if err == nil {
				_ = m.Close()
				t.Fatal("Run succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") {
				t.Errorf("error quotes key material: %v", err)
			}
		})
	}
}

// TestCLITLSFlags checks --ca-cert, --client-cert and --client-key on a
// client command against a server that requires client certificates.
func TestCLITLSFlags(t *testing.T) {
	t.Parallel()
	pki := newTLSPKI(t)
	m := mtlsMain(t, pki)
	srv := "--server=" + m.URL()
	ca, cert, key := "--ca-cert="+pki.ca.pemPath, "--client-cert="+pki.ordersCert, "--client-key="+pki.ordersKey
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"WithCAAndClientCertificate", []string{"topic", "list", srv, ca, cert, key}, exitOK, ""},
		{"CatalogExportWithClientCertificate", []string{"catalog", "export", srv, ca, cert, key}, exitOK, ""},
		{"WithoutCAIsUnknownAuthority", []string{"topic", "list", srv, cert, key}, exitServer, "certificate signed by unknown authority"},
		// Under TLS 1.3 the client finishes its side of the handshake first,
		// so the server's refusal arrives as its alert or as the connection it
		// closed (HTTP/2: the client conn that could not be established),
		// whichever the client reads first.
		{"WithoutClientCertificateIsRefused", []string{"topic", "list", srv, ca}, exitServer, "remote error: tls|broken pipe|connection reset|client conn could not be established"},
		{"CertWithoutKeyIsUsage", []string{"topic", "list", srv, ca, cert}, exitUsage, "give both or neither"},
		{"CANotPEMIsUsage", []string{"topic", "list", srv, "--ca-cert=" + pki.ordersKey, cert, key}, exitUsage, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			if tc.out != "" && !slices.ContainsFunc(strings.Split(tc.out, "|"), func(o string) bool { return strings.Contains(stderr+stdout, o) }) {
				t.Errorf("output does not mention %q:\nstdout: %s\nstderr: %s", tc.out, stdout, stderr)
			}
		})
	}
}

// TestCLITLSEnv checks the HERALD_* twins of the client TLS flags. It sets
// the environment, so it does not run in parallel.
func TestCLITLSEnv(t *testing.T) {
	pki := newTLSPKI(t)
	m := mtlsMain(t, pki)
	t.Setenv("HERALD_CA_CERT", pki.ca.pemPath)
	t.Setenv("HERALD_CLIENT_CERT", pki.ordersCert)
	t.Setenv("HERALD_CLIENT_KEY", pki.ordersKey)
	if code, stdout, stderr := runCLI("topic", "list", "--server="+m.URL()); code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	t.Setenv("HERALD_CLIENT_KEY", "")
	if code, _, stderr := runCLI("topic", "list", "--server="+m.URL()); code != exitUsage || !strings.Contains(stderr, "HERALD_CLIENT_KEY") {
		t.Fatalf("with HERALD_CLIENT_KEY empty: exit %d, want %d naming it\nstderr: %s", code, exitUsage, stderr)
	}
}
