package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
)

// testPKI is a CA, a server certificate for 127.0.0.1 and a client
// certificate it signed, as PEM files in dir.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "herald test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, kind string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".pem", "CERTIFICATE", der), write(name+".key", "EC PRIVATE KEY", kder)
	}
	pki := testPKI{ca: write("ca.pem", "CERTIFICATE", caDER)}
	pki.serverCert, pki.serverKey = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	pki.clientCert, pki.clientKey = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return pki
}

// startVerifyingNATS starts a private nats-server that requires TLS and a
// client certificate signed by the test CA.
func startVerifyingNATS(t *testing.T, pki testPKI) *natstest.Server {
	t.Helper()
	return natstest.StartWith(t, "--tls", "--tlscert", pki.serverCert, "--tlskey", pki.serverKey, "--tlsverify", "--tlscacert", pki.ca)
}

// TestServeBrokerClientCertificate: with --broker-cert and --broker-key,
// serve reaches a NATS server that verifies clients and keeps a stream
// topic's events there.
func TestServeBrokerClientCertificate(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	srv := startVerifyingNATS(t, pki)
	m := startMainWith(t, Config{Addr: "127.0.0.1:0", DB: filepath.Join(t.TempDir(), "herald.db"), Logger: discardLogger(), Version: "test",
		broker: &brokerFlags{JetStream: &jetStreamFlags{URLs: srv.URL(), CACert: pki.ca, Cert: pki.clientCert, Key: pki.clientKey, Prefix: "HERALD"}}})
	postJSON(t, m.URL()+"/subjects/orders-value/versions", "application/json", `{"schema":"{\"type\":\"object\"}","schemaType":"JSON"}`)
	req, _ := http.NewRequest("PUT", m.URL()+"/v1/topics/orders", strings.NewReader(`{"valueSubject":"orders-value"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT topic over TLS NATS: %d", resp.StatusCode)
	}
	postJSON(t, m.URL()+"/v1/topics/orders/events", "application/json", `{"events":[{"value":{"id":"a"}}]}`)
	// The stream is on the TLS server: its store directory holds it.
	if _, err := os.Stat(filepath.Join(srv.Dir, "jetstream", "$G", "streams", "HERALD_orders")); err != nil {
		t.Errorf("the topic's stream is not on the verifying server: %v", err)
	}
}

// TestServeBrokerCertFlags: the env twins reach --broker-cert and --broker-key;
// one without the other is refused; without a client certificate a
// verifying NATS server refuses serve, with an error naming --broker.
func TestServeBrokerCertFlags(t *testing.T) {
	// Not parallel: it sets process environment.
	pki := newTestPKI(t)
	srv := startVerifyingNATS(t, pki)
	t.Setenv("HERALD_ADDR", "127.0.0.1:0")
	t.Setenv("HERALD_BROKER", srv.URL())
	t.Setenv("HERALD_BROKER_CA_CERT", pki.ca)
	t.Setenv("HERALD_DB", filepath.Join(t.TempDir(), "a.db"))
	t.Setenv("HERALD_BROKER_CERT", pki.clientCert)
	if code, _, stderr := runCLI("serve"); code == exitOK || !strings.Contains(stderr, "--broker-cert and --broker-key go together") {
		t.Errorf("serve with HERALD_BROKER_CERT alone: code %d, stderr %q; want an error naming --broker-key", code, stderr)
	}
	t.Setenv("HERALD_BROKER_CERT", "")
	t.Setenv("HERALD_DB", filepath.Join(t.TempDir(), "b.db"))
	code, _, stderr := runCLI("serve")
	if code != exitFailure || !strings.Contains(stderr, "--broker") {
		t.Errorf("serve without a client certificate: code %d, stderr %q; want a failure naming --broker", code, stderr)
	}
}
