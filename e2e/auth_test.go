package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/heraldhq/herald/server/auth"
)

// Credentials of the auth file startAuthHerald writes. The password hashes
// are bcrypt at cost 4, to keep the test fast.
const (
	// adminHash and readerHash are the bcrypt hashes of "admin-pw" and "reader-pw".
	adminHash  = "$2a$04$6yJjvrw/JHD5gmeXKqLtBOf3lWZKmYjUi9YJUJuFwmy1cnwe9A1X2"
	readerHash = "$2a$04$kyqXtaTGeSNvEnGALJoYjewf8oayRwJbjPieJtDfMx2LDfu9dC6FS"
	devKey     = "hrld_e2e-developer-key-of-users"
	readerKey  = "hrld_e2e-reader-key"
)

// startAuthHerald runs herald serve with an auth file: Basic "platform"
// (admin) and "viewer" (reader), and API keys for a developer limited to
// users-* and for a reader.
func startAuthHerald(t *testing.T) *herald {
	t.Helper()
	return startAuthFileHerald(t, "principals:\n"+
		"  - name: platform\n    password: \""+adminHash+"\"\n    roles: [admin]\n"+
		"  - name: viewer\n    password: \""+readerHash+"\"\n    roles: [reader]\n"+
		"  - name: users-ci\n    apiKey: "+auth.HashAPIKey(devKey)+"\n    roles: [{role: developer, subjects: [\"users-*\"]}]\n"+
		"  - name: dashboards\n    apiKey: "+auth.HashAPIKey(readerKey)+"\n    roles: [reader]\n")
}

// wantStatus is the outcome of a call: 0 for success, else the HTTP status
// and error_code of the refusal.
type wantStatus struct{ status, code int }

var (
	ok        = wantStatus{}
	refused   = wantStatus{http.StatusUnauthorized, 40101}
	forbidden = wantStatus{http.StatusForbidden, 40301}
)

// startAuthFileHerald runs herald serve with the auth file whose text is file.
func startAuthFileHerald(t *testing.T, file string) *herald {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.yaml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	return startHerald(t, filepath.Join(dir, "herald.db"), "--auth", path)
}

// srClient is a franz-go pkg/sr client of h with the options opt.
func srClient(t *testing.T, h *herald, opt ...sr.ClientOpt) *sr.Client {
	t.Helper()
	cl, err := sr.NewClient(append([]sr.ClientOpt{sr.URLs(h.URL())}, opt...)...)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// checkSR fails the test unless err, from a pkg/sr call, is want.
func checkSR(t *testing.T, err error, want wantStatus) {
	t.Helper()
	var re *sr.ResponseError
	switch {
	case want == ok && err != nil:
		t.Fatalf("refused: %v", err)
	case want != ok && (!errors.As(err, &re) || re.StatusCode != want.status || re.ErrorCode != want.code):
		t.Fatalf("got %v, want HTTP %d error_code %d", err, want.status, want.code)
	}
}

// newConfluentClient is a confluent-kafka-go schemaregistry client with conf,
// which it tells not to retry; the test closes it.
func newConfluentClient(t *testing.T, conf *schemaregistry.Config) schemaregistry.Client {
	t.Helper()
	conf.MaxRetries = 0
	c, err := schemaregistry.NewClient(conf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// checkConfluent fails the test unless err, from a confluent-kafka-go
// schemaregistry call, is want (by error_code: its errors carry no status).
func checkConfluent(t *testing.T, err error, want wantStatus) {
	t.Helper()
	var re *rest.Error
	switch {
	case want == ok && err != nil:
		t.Fatalf("refused: %v", err)
	case want != ok && (!errors.As(err, &re) || re.Code != want.code):
		t.Fatalf("got %v, want error_code %d", err, want.code)
	}
}

// checkConfluentCalls makes through c the three calls the Confluent client
// tests check: read schema id, register users-value and set the global
// compatibility; each must have its outcome.
func checkConfluentCalls(t *testing.T, c schemaregistry.Client, id int, read, registerUsers, updateGlobalCompat wantStatus) {
	t.Helper()
	_, err := c.GetBySubjectAndID("", id)
	checkConfluent(t, err, read)
	_, err = c.Register("users-value", schemaregistry.SchemaInfo{Schema: userV1}, false)
	checkConfluent(t, err, registerUsers)
	_, err = c.UpdateDefaultCompatibility(schemaregistry.Backward)
	checkConfluent(t, err, updateGlobalCompat)
}

// TestFranzGoAuth drives a herald that requires credentials with franz-go's
// pkg/sr, with Basic auth and with bearer API keys.
func TestFranzGoAuth(t *testing.T) {
	t.Parallel()
	h := startAuthHerald(t)
	ctx := context.Background()
	admin := srClient(t, h, sr.BasicAuth("platform", "admin-pw"))
	ss, err := admin.CreateSchema(ctx, "payments-value", sr.Schema{Schema: userV1})
	checkSR(t, err, ok)

	for _, tc := range []struct {
		name                        string
		opts                        []sr.ClientOpt
		read, registerUsers, global wantStatus
	}{
		{"NoCredentials", nil, refused, refused, refused},
		{"BasicWrongPassword", []sr.ClientOpt{sr.BasicAuth("platform", "guess")}, refused, refused, refused},
		{"BasicAdmin", []sr.ClientOpt{sr.BasicAuth("platform", "admin-pw")}, ok, ok, ok},
		{"BasicReader", []sr.ClientOpt{sr.BasicAuth("viewer", "reader-pw")}, ok, forbidden, forbidden},
		{"BearerDeveloperKey", []sr.ClientOpt{sr.BearerToken(devKey)}, ok, ok, forbidden},
		{"BearerReaderKey", []sr.ClientOpt{sr.BearerToken(readerKey)}, ok, forbidden, forbidden},
		{"BearerUnknownKey", []sr.ClientOpt{sr.BearerToken("hrld_unknown")}, refused, refused, refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := srClient(t, h, tc.opts...)
			_, err := cl.SchemaByID(ctx, ss.ID)
			checkSR(t, err, tc.read)
			_, err = cl.CreateSchema(ctx, "users-value", sr.Schema{Schema: userV1})
			checkSR(t, err, tc.registerUsers)
			res := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatBackward})
			checkSR(t, res[0].Err, tc.global)
		})
	}

	// A developer limited to users-* may not register elsewhere, and sees
	// only its subjects.
	dev := srClient(t, h, sr.BearerToken(devKey))
	_, err = dev.CreateSchema(ctx, "payments-value", sr.Schema{Schema: userV2})
	checkSR(t, err, forbidden)
	subs, err := dev.Subjects(ctx)
	if err != nil || len(subs) != 1 || subs[0] != "users-value" {
		t.Errorf("the developer lists %v, %v; want only users-value", subs, err)
	}
}

// TestConfluentClientAuth drives a herald that requires credentials with
// confluent-kafka-go's schemaregistry client, with basic.auth USER_INFO and
// with a static bearer token.
func TestConfluentClientAuth(t *testing.T) {
	t.Parallel()
	h := startAuthHerald(t)
	admin := newConfluentClient(t, schemaregistry.NewConfigWithBasicAuthentication(h.URL(), "platform", "admin-pw"))
	id, err := admin.Register("payments-value", schemaregistry.SchemaInfo{Schema: userV1}, false)
	checkConfluent(t, err, ok)

	bearer := func(token string) *schemaregistry.Config {
		// Herald ignores Confluent Cloud's logical cluster and identity pool.
		return schemaregistry.NewConfigWithBearerAuthentication(h.URL(), token, "lsrc-herald", "pool-herald")
	}
	for _, tc := range []struct {
		name                string
		conf                *schemaregistry.Config
		read, registerUsers wantStatus
		updateGlobalCompat  wantStatus
	}{
		{"NoCredentials", schemaregistry.NewConfig(h.URL()), refused, refused, refused},
		{"BasicWrongPassword", schemaregistry.NewConfigWithBasicAuthentication(h.URL(), "viewer", "nope"), refused, refused, refused},
		{"BasicAdmin", schemaregistry.NewConfigWithBasicAuthentication(h.URL(), "platform", "admin-pw"), ok, ok, ok},
		{"BasicReader", schemaregistry.NewConfigWithBasicAuthentication(h.URL(), "viewer", "reader-pw"), ok, forbidden, forbidden},
		{"BearerDeveloperKey", bearer(devKey), ok, ok, forbidden},
		{"BearerReaderKey", bearer(readerKey), ok, forbidden, forbidden},
		{"BearerUnknownKey", bearer("hrld_unknown"), refused, refused, refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConfluentClient(t, tc.conf)
			checkConfluentCalls(t, c, id, tc.read, tc.registerUsers, tc.updateGlobalCompat)
		})
	}
}
