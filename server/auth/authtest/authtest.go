// Package authtest builds an auth.Authorizer from the text of an auth file,
// for tests: the parse and the construction every test of authentication
// starts with, failing the test on an error.
package authtest

import (
	"testing"

	"github.com/heraldhq/herald/server/auth"
)

// PasswordHash is a bcrypt hash of "s3cret" at cost 4, the lowest, so that a
// test's Basic sign-ins stay fast.
const PasswordHash = "$2a$04$FIFHBsQHnYvpvqNvo88k2Om/S8pC6/dz2eFBmWGZEdqGTmlHv4XMW"

// Parse parses src as the auth file "auth.yaml" and fails tb on an error.
func Parse(tb testing.TB, src string) *auth.File {
	tb.Helper()
	f, err := auth.Parse("auth.yaml", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// New returns the Authorizer of the auth file src, with newVerifier for its
// OIDC section (nil when it has none), and fails tb on an error.
func New(tb testing.TB, src string, newVerifier auth.VerifierFunc) *auth.Authorizer {
	tb.Helper()
	a, err := auth.New(Parse(tb, src), newVerifier)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}
