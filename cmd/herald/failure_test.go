package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"

	"github.com/heraldhq/herald/client"
)

func TestServerFailureExitCodes(t *testing.T) {
	t.Parallel()
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:9/v1/topics/x",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	badCert := &url.Error{Op: "Get", URL: "https://h.example:8443/v1/topics",
		Err: &tls509Error{x509.UnknownAuthorityError{}}}
	for _, tc := range []struct {
		name string
		err  error
		code int
		msg  []string
	}{
		{"RefusalIs1", fmt.Errorf("read: %w", &client.APIError{Status: 404, Code: 40420, Message: "Topic x not found"}), exitFailure, []string{"REFUSED Topic x not found"}},
		{"ForbiddenIs1", &client.APIError{Status: 403, Code: 40301, Message: "lacks role admin"}, exitFailure, []string{"REFUSED lacks role admin"}},
		{"ServerErrorIs3", &client.APIError{Status: 503, Code: 50310, Message: "not ready"}, exitServer, []string{"the server failed: not ready (HTTP 503, error_code 50310)"}},
		{"ConnectionRefusedIs3WithTheHint", refused, exitServer, []string{"cannot reach http://127.0.0.1:9: ", "--server or HERALD_SERVER"}},
		{"TLSIs3WithTheTLSHint", badCert, exitServer, []string{"cannot reach https://h.example:8443: ", "--ca-cert"}},
		{"InterruptIs1", fmt.Errorf("get: %w", context.Canceled), exitFailure, []string{"interrupted"}},
		{"UnreadableAnswerIs3", errors.New("GET /v1/topics: reading the answer: unexpected EOF"), exitServer, []string{"reading the answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := serverFailure(tc.err, func(ae *client.APIError) error { return errors.New("REFUSED " + ae.Message) })
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != tc.code {
				t.Fatalf("serverFailure = %v, want exit %d", err, tc.code)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
	if serverFailure(nil, nil) != nil {
		t.Error("serverFailure(nil) is not nil")
	}
}

// tls509Error words an x509 failure as crypto/tls does.
type tls509Error struct{ err error }

func (e *tls509Error) Error() string { return "tls: failed to verify certificate: " + e.err.Error() }

func TestPlural(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n          int
		noun, want string
	}{
		{0, "event", "0 events"}, {1, "event", "1 event"}, {2, "violation", "2 violations"},
		{1, "entity", "1 entity"}, {42, "entity", "42 entities"}, {3, "key", "3 keys"},
	} {
		if got := plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
