package pgstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/internal/sqlstore"
)

func TestTranslateMarksOnlyUnreachableDatabases(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"AdminShutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"CannotConnectNow", &pgconn.PgError{Code: "57P03"}, true},
		{"ConnectionFailure", &pgconn.PgError{Code: "08006"}, true},
		{"ConnectionCutMidQuery", fmt.Errorf("read rows: %w", io.ErrUnexpectedEOF), true},
		{"SyntaxError", &pgconn.PgError{Code: "42601"}, false},
		{"UniqueViolation", &pgconn.PgError{Code: "23505"}, false},
		{"NoRows", sql.ErrNoRows, false},
		{"Canceled", context.Canceled, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pgstore.Translate(tc.err)
			if errors.Is(got, pgstore.ErrUnavailable) != tc.want {
				t.Errorf("Translate(%v) = %v; ErrUnavailable %v, want %v", tc.err, got, !tc.want, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("Translate(%v) = %v lost the driver's error", tc.err, got)
			}
		})
	}
	if pgstore.Translate(nil) != nil {
		t.Error("Translate(nil) is not nil")
	}
}

func TestOpenUnreachableIsUnavailableAndHidesThePassword(t *testing.T) {
	t.Parallel()
	// Port 1 on the loopback refuses at once.
	_, err := pgstore.Open(context.Background(), "postgres://herald:s3cret@127.0.0.1:1/herald?sslmode=disable&connect_timeout=5", pgstore.Options{Schema: "x"})
	if !errors.Is(err, pgstore.ErrUnavailable) {
		t.Errorf("Open = %v, want ErrUnavailable", err)
	}
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "herald:xxxxx@127.0.0.1:1") {
		t.Errorf("Open = %v, want it to name the database with the password masked", err)
	}
	if _, err := pgstore.Open(context.Background(), "postgres://herald:s3cret@[bad", pgstore.Options{Schema: "x"}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open of a bad URL = %v, want an error without the password", err)
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{"40P01": true, "40001": true, "23505": false} {
		if got := pgstore.Retryable(fmt.Errorf("x: %w", &pgconn.PgError{Code: code})); got != want {
			t.Errorf("Retryable(%s) = %v, want %v", code, got, want)
		}
	}
}

// TestMigrateOnceInItsSchema: two stores' migrations on one database live in
// their own schemas, each with its own schema_migrations; a second Open finds
// them done, and a binary that knows fewer migrations refuses the database.
func TestMigrateOnceInItsSchema(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()
	migs := []string{`CREATE TABLE t (x BIGINT)`, `INSERT INTO t VALUES (1)`}
	for range 2 {
		for _, schema := range []string{"one", "two"} {
			db, err := pgstore.Open(ctx, url, pgstore.Options{Schema: schema, Migrations: migs})
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
				t.Errorf("schema %s: rows of t = %d, %v; want 1 (each migration once)", schema, n, err)
			}
			if err := pgstore.ProbeWrite(ctx, db, schema); err != nil {
				t.Errorf("ProbeWrite = %v", err)
			}
			_ = db.Close()
		}
	}
	_, err := pgstore.Open(ctx, url, pgstore.Options{Schema: "one", Migrations: migs[:1]})
	if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
		t.Errorf("Open with fewer migrations = %v, want ErrSchemaTooNew", err)
	}
}

func TestIsURL(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"postgres://h/db": true, "POSTGRESQL://h/db": true, "./herald.db": false, "/data/postgres.db": false} {
		if pgstore.IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, !want, want)
		}
	}
}
