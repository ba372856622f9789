package server_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/auth/authtest"
)

// TestRegistrationRecordsItsAuthor checks that a version registered with a
// credential records its principal (the event changelog's author), and one
// registered without authentication records none.
func TestRegistrationRecordsItsAuthor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name, key, want string
		auth            bool
	}{
		{"WithAnAPIKey", "key-orders-dev", "orders-dev", true},
		{"WithoutAuthentication", "", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			reg := newSQLiteRegistry(t, t.TempDir())
			cfg := server.Config{Registry: reg, Logger: slog.New(slog.DiscardHandler)}
			if c.auth {
				cfg.Auth = authtest.New(t, accessFile(), nil)
			}
			srv, err := server.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			req := newRequest(http.MethodPost, "/subjects/orders-value/versions", schemaBody("JSON", `{"type":"string"}`))
			if c.key != "" {
				req.Header.Set("Authorization", "Bearer "+c.key)
			}
			if w := serve(srv, req); w.Code != http.StatusOK {
				t.Fatalf("register = %d %s", w.Code, w.Body)
			}
			v, err := reg.Version(ctx, "orders-value", 1, false)
			if err != nil {
				t.Fatal(err)
			}
			if v.CreatedBy != c.want {
				t.Errorf("CreatedBy = %q, want %q", v.CreatedBy, c.want)
			}
		})
	}
}
