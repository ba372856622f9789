package oidc

import (
	"context"
	"testing"
)

// BenchmarkVerify measures Verify with the JWKS cached, beside its baseline:
// the signature check alone (hash and verify, with the token already parsed
// and the key found), which is the part no verifier can skip. The difference is what parsing the token and
// checking its claims cost.
func BenchmarkVerify(b *testing.B) {
	for _, k := range []testKey{keyRS256(), keyES256(), keyEdDSA()} {
		p, c, v := newSetup(b, k)
		tok := k.sign(b, nil, claimsAt(p, c, nil))
		ctx := context.Background()
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.Run(k.alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(k.alg+"/signature-only", func(b *testing.B) {
			parsed, err := parseToken(tok)
			if err != nil {
				b.Fatal(err)
			}
			key, err := v.keys.Load().find(parsed.kid, parsed.alg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := parsed.verify(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
