package registrytest

import (
	"testing"

	"github.com/heraldhq/herald/internal/pgtest"
)

// PostgresEnv names the environment variable holding the URL of the
// PostgreSQL server tests use (see pgtest.Env).
const PostgresEnv = pgtest.Env

// DefaultPostgresURL is the server the project's machines and CI run (see
// pgtest.DefaultURL).
const DefaultPostgresURL = pgtest.DefaultURL

// PostgresURL creates a database of the test's own and returns its URL; it
// skips the test when no server answers, or fails it under CI=true. Every
// store's tests share the one implementation, pgtest.URL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t)
}
