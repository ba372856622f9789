package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/heraldhq/herald/client"
	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// startAuthServer runs a registry-only Herald with an auth file that has a
// developer API key "key-dev", a reader key "key-reader" and a Basic admin
// "platform" with password "s3cret".
func startAuthServer(t *testing.T) string {
	t.Helper()
	src := "principals:\n" +
		"  - name: dev\n    apiKey: " + auth.HashAPIKey("key-dev") + "\n    roles: [developer]\n" +
		"  - name: reader\n    apiKey: " + auth.HashAPIKey("key-reader") + "\n    roles: [reader]\n" +
		"  - name: platform\n    password: \"" + authtest.PasswordHash + "\"\n    roles: [admin]\n"
	a := authtest.New(t, src, nil)
	store, err := registrydb.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(store, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Registry: reg, Logger: slog.New(slog.DiscardHandler), Auth: a})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		_ = store.Close()
	})
	return hs.URL
}

const authSchema = `{"type":"record","name":"A","fields":[{"name":"id","type":"string"}]}`

// TestCredentials checks each way the SDK sends credentials against a server
// that requires them: accepted where the role allows, 401/403 where not.
func TestCredentials(t *testing.T) {
	t.Parallel()
	url := startAuthServer(t)
	ctx := context.Background()
	var calls atomic.Int64
	source := client.BearerTokenSource(func(context.Context) (string, error) { calls.Add(1); return "key-dev", nil })
	for _, tc := range []struct {
		name   string
		opts   []client.Opt
		status int // of a registration; 0 is success
	}{
		{"NoCredentialsIs401", nil, http.StatusUnauthorized},
		{"BasicAdminRegisters", []client.Opt{client.BasicAuth("platform", "s3cret")}, 0},
		{"WrongPasswordIs401", []client.Opt{client.BasicAuth("platform", "nope")}, http.StatusUnauthorized},
		{"DeveloperKeyRegisters", []client.Opt{client.WithBearerToken("key-dev")}, 0},
		{"ReaderKeyIs403", []client.Opt{client.WithBearerToken("key-reader")}, http.StatusForbidden},
		{"TokenSourceRegisters", []client.Opt{source}, 0},
		{"LastCredentialWins", []client.Opt{client.WithBearerToken("key-reader"), client.BasicAuth("platform", "s3cret")}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(url, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Register(ctx, "a-value", client.Schema{Text: authSchema}, false)
			var ae *client.APIError
			switch {
			case tc.status == 0 && err != nil:
				t.Fatalf("register: %v", err)
			case tc.status != 0 && (!errors.As(err, &ae) || ae.Status != tc.status):
				t.Fatalf("register: %v, want HTTP %d", err, tc.status)
			}
		})
	}
	if calls.Load() == 0 {
		t.Error("the token source was never called")
	}
	failing := client.BearerTokenSource(func(context.Context) (string, error) { return "", errors.New("idp down") })
	c, err := client.New(url, failing)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Latest(ctx, "a-value"); err == nil || !strings.Contains(err.Error(), "idp down") {
		t.Errorf("a failing token source: %v, want its error", err)
	}
}
