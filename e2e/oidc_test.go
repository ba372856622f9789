package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

// oidcHerald is a herald serve whose auth file accepts JWTs from a provider
// the test runs, and the tokens the tests send.
type oidcHerald struct {
	*herald
	// developer (users-devs: developer on users-*) and reader (readers)
	// are valid; expired and otherAudience are signed by the provider but
	// must be refused.
	developer, reader, expired, otherAudience string
}

// startOIDCHerald starts a provider and a herald that trusts it, with its
// JWKS URL given (no discovery), and the Basic admin "platform".
func startOIDCHerald(t *testing.T) *oidcHerald {
	t.Helper()
	key, err := oidctest.NewKey("e2e-key")
	if err != nil {
		t.Fatal(err)
	}
	idp := oidctest.NewProvider(key)
	t.Cleanup(idp.Close)
	h := startAuthFileHerald(t, "principals:\n"+
		"  - name: platform\n    password: \""+adminHash+"\"\n    roles: [admin]\n"+
		"oidc:\n  issuer: "+idp.Issuer()+"\n  jwksURL: "+idp.JWKSURL()+"\n  audience: herald\n"+
		"  usernameClaim: preferred_username\n  rolesClaim: groups\n  roleMapping:\n"+
		"    users-devs: [{role: developer, subjects: [\"users-*\"]}]\n"+
		"    readers: [reader]\n")
	now := time.Now()
	claims := func(user, aud string, exp time.Time, groups ...string) map[string]any {
		c := idp.Claims(user+"-sub", aud, exp, groups...)
		c["preferred_username"] = user
		return c
	}
	return &oidcHerald{herald: h,
		developer:     key.Sign(claims("dora", "herald", now.Add(time.Hour), "users-devs")),
		reader:        key.Sign(claims("rex", "herald", now.Add(time.Hour), "readers")),
		expired:       key.Sign(claims("dora", "herald", now.Add(-time.Hour), "users-devs")),
		otherAudience: key.Sign(claims("dora", "another-app", now.Add(time.Hour), "users-devs")),
	}
}

// jwtCase is a token the OIDC tests send and the outcome each call with it
// must have.
type jwtCase struct {
	name, token         string
	read, registerUsers wantStatus
	// registerPayments (franz-go) and updateGlobalCompat (confluent) are the
	// calls outside users-* that the two tests make.
	registerPayments, updateGlobalCompat wantStatus
}

// jwtCases are the tokens of h, valid and not, with their outcomes.
func (h *oidcHerald) jwtCases() []jwtCase {
	return []jwtCase{
		{"DeveloperJWT", h.developer, ok, ok, forbidden, forbidden},
		{"ReaderJWT", h.reader, ok, forbidden, forbidden, forbidden},
		{"ExpiredJWTIs401", h.expired, refused, refused, refused, refused},
		{"OtherAudienceJWTIs401", h.otherAudience, refused, refused, refused, refused},
	}
}

// TestFranzGoOIDC drives a herald that accepts JWTs with franz-go's pkg/sr
// sending them as bearer tokens.
func TestFranzGoOIDC(t *testing.T) {
	t.Parallel()
	h := startOIDCHerald(t)
	ctx := context.Background()
	ss, err := srClient(t, h.herald, sr.BasicAuth("platform", "admin-pw")).CreateSchema(ctx, "payments-value", sr.Schema{Schema: userV1})
	checkSR(t, err, ok)

	for _, tc := range h.jwtCases() {
		t.Run(tc.name, func(t *testing.T) {
			cl := srClient(t, h.herald, sr.BearerToken(tc.token))
			_, err := cl.SchemaByID(ctx, ss.ID)
			checkSR(t, err, tc.read)
			_, err = cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: userV1})
			checkSR(t, err, tc.registerUsers)
			_, err = cl.CreateSchema(ctx, "payments-value", sr.Schema{Schema: userV2})
			checkSR(t, err, tc.registerPayments)
		})
	}
}

// TestConfluentClientOIDC drives a herald that accepts JWTs with
// confluent-kafka-go's schemaregistry client configured with
// bearer.auth.credentials.source=STATIC_TOKEN.
func TestConfluentClientOIDC(t *testing.T) {
	t.Parallel()
	h := startOIDCHerald(t)
	id, err := newConfluentClient(t, schemaregistry.NewConfigWithBasicAuthentication(h.URL(), "platform", "admin-pw")).
		Register("payments-value", schemaregistry.SchemaInfo{Schema: userV1}, false)
	checkConfluent(t, err, ok)
	for _, tc := range h.jwtCases() {
		t.Run(tc.name, func(t *testing.T) {
			conf := schemaregistry.NewConfigWithBearerAuthentication(h.URL(), tc.token, "lsrc-herald", "pool-herald")
			if conf.BearerAuthCredentialsSource != "STATIC_TOKEN" {
				t.Fatalf("the config's bearer source is %q, want STATIC_TOKEN", conf.BearerAuthCredentialsSource)
			}
			c := newConfluentClient(t, conf)
			checkConfluentCalls(t, c, id, tc.read, tc.registerUsers, tc.updateGlobalCompat)
		})
	}
}
