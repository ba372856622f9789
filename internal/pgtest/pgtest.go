// Package pgtest gives tests a PostgreSQL database of their own: every store's
// PostgreSQL tests and the serve tests create one with URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver the admin connection uses

	"github.com/heraldhq/herald/internal/pgstore"
)

// Env names the environment variable holding the URL of the PostgreSQL server
// tests use; the database in it is only used to create and drop the tests'
// own. Unset: DefaultURL.
const Env = "HERALD_TEST_POSTGRES"

// DefaultURL is the server the project's machines and CI run: PostgreSQL on
// 127.0.0.1:5432, user postgres with trust authentication, database test.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// URL creates a database with a unique name (herald_test_<random>) on the test
// server and returns its URL; the database is dropped when the test ends. When
// no server answers, the test is skipped with a message saying so, except
// under CI (CI=true), where a skipped engine would pass unseen, so the test
// fails instead.
func URL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(Env)
	if admin == "" {
		admin = DefaultURL
	}
	return Create(t, admin)
}

// Create is URL on the server at admin (a URL whose database is only used to
// create and drop the test's), for tests that run a server of their own.
func Create(t testing.TB, admin string) string {
	t.Helper()
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // the ping error is the one to report
		msg := fmt.Sprintf("PostgreSQL is not reachable at %s (set %s to another server): %v", pgstore.Redact(admin), Env, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI must run the PostgreSQL tests")
		}
		t.Skip(msg)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "herald_test_" + hex.EncodeToString(b[:])
	// CREATE DATABASE copies template1 and queues behind every other test's
	// doing the same: on a busy machine it takes far longer than a ping.
	createCtx, cancelCreate := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelCreate()
	if _, err := db.ExecContext(createCtx, `CREATE DATABASE `+name); err != nil {
		_ = db.Close()
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// WITH (FORCE) ends connections a failed test left open (PostgreSQL 13+).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		_ = db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
