package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/heraldhq/herald/client"
)

// exitCodesHelp documents the exit codes in `herald --help` (and the README
// table says the same).
const exitCodesHelp = `Exit status, the same for every command:
  0  done: everything compatible, applied, published or printed
  1  refused or failed: a check found a break, the server refused the request
     (an invalid event or catalog, an unknown topic, a missing permission), or
     an import could not copy everything
  2  usage: unknown flags or values, unreadable or invalid local files
  3  server unreachable or failing: connection refused, TLS or DNS errors,
     a 5xx answer, an answer that cannot be read`

// serverFailure is how every command that talks to a server ends on an SDK
// error: a refusal of the server (4xx) exits 1 and is printed by refusal; a
// server that cannot be reached, fails (5xx) or answers what cannot be read
// exits 3, naming the server and, when it is unreachable, where its address
// comes from.
func serverFailure(err error, refusal func(*client.APIError) error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		// An interrupt (Ctrl-C), not the server's doing.
		return &exitError{code: exitFailure, err: errors.New("interrupted")}
	}
	var ae *client.APIError
	if errors.As(err, &ae) {
		if ae.Status >= http.StatusInternalServerError {
			return &exitError{code: exitServer, err: fmt.Errorf("the server failed: %s (HTTP %d, error_code %d)", ae.Message, ae.Status, ae.Code)}
		}
		return &exitError{code: exitFailure, err: refusal(ae)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &exitError{code: exitServer, err: unreachableError{server: serverOf(ue.URL), err: ue.Err}}
	}
	return &exitError{code: exitServer, err: err}
}

// serverOf is the scheme and host of a request URL: the server it went to.
func serverOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}

// unreachableError is a server that could not be reached; it says where the
// address came from, since the default (or a stale HERALD_SERVER) is the usual
// cause.
type unreachableError struct {
	server string
	err    error
}

func (e unreachableError) Error() string {
	hint := "is Herald running there? Give its URL with --server or HERALD_SERVER"
	if strings.Contains(e.err.Error(), "tls:") || strings.Contains(e.err.Error(), "x509:") {
		// The server answered; its certificate or ours is the matter.
		hint = "check --ca-cert (the CAs the server's certificate chains to) and --client-cert/--client-key"
	}
	return fmt.Sprintf("cannot reach %s: %v\n  %s", e.server, e.err, hint)
}

func (e unreachableError) Unwrap() error { return e.err }

// plural is "1 event" or "2 events", "1 entity" or "2 entities": n and
// noun, made plural unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "y") && !strings.ContainsAny(noun[len(noun)-2:len(noun)-1], "aeiou") {
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
