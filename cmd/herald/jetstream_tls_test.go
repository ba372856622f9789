package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldhq/herald/internal/natstest"
)

// testPKI is a CA, a server certificate for 127.0.0.1 and a client
// certificate it signed, as PEM files.
type testPKI struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	ca := newTestCA(t, dir, "nats-ca")
	pki := testPKI{ca: ca.pemPath}
	pki.serverCert, pki.serverKey = ca.issue(t, dir, "nats", true)
	pki.clientCert, pki.clientKey = ca.issue(t, dir, "herald", false)
	return pki
}

// startVerifyingNATS starts a private nats-server that requires TLS and a
// client certificate signed by the test CA.
func startVerifyingNATS(t *testing.T, pki testPKI) *natstest.Server {
	t.Helper()
	return natstest.StartWith(t, "--tls", "--tlscert", pki.serverCert, "--tlskey", pki.serverKey, "--tlsverify", "--tlscacert", pki.ca)
}

// putTopic creates or replaces a topic through m's API and fails t unless
// it answers 200.
func putTopic(t *testing.T, m *Main, name, body string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", m.URL()+"/v1/topics/"+name, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT topic %s: %d", name, resp.StatusCode)
	}
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
	putTopic(t, m, "orders", `{"valueSubject":"orders-value"}`)
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
