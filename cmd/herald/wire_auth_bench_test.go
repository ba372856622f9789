package main

import (
	"context"
	"testing"
	"time"

	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

// BenchmarkAuthenticateJWT measures what a bearer JWT costs a request once
// it has been verified (the Authorizer caches it until it expires), next to
// an API key in the same run. The first JWT request pays the signature check
// and the JWKS fetch; every later one should cost about what a key does.
func BenchmarkAuthenticateJWT(b *testing.B) {
	key := oidcKey1()
	idp := oidctest.NewProvider(key)
	defer idp.Close()
	a := authtest.New(b, "principals:\n"+
		"  - name: ci\n    apiKey: "+auth.HashAPIKey("key-ci")+"\n    roles: [reader]\n"+
		"oidc:\n  issuer: "+idp.Issuer()+"\n  audience: herald\n  roleMapping:\n    readers: [reader]\n",
		newTokenVerifier(&authFlags{}, discardLogger()))
	jwt := "Bearer " + key.Sign(idp.Claims("alice", "herald", time.Now().Add(time.Hour), "readers"))
	ctx := context.Background()
	for _, tc := range []struct{ name, header string }{{"apikey", "Bearer key-ci"}, {"jwt-cached", jwt}} {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := a.Authenticate(ctx, tc.header); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(ctx, tc.header); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if n := idp.JWKSFetches(); n != 1 {
		b.Errorf("the JWKS was fetched %d times, want 1", n)
	}
}
