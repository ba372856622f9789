// Package pgstore is the plumbing Herald's PostgreSQL stores share (registrydb,
// catalogdb, brokerdb), as internal/sqlstore is for SQLite: how a store
// connects (its own schema on the search_path, a bounded pool), the one
// migration runner, the write probe readiness uses, and what a driver error
// means to the server (ErrUnavailable when the database cannot be reached).
//
// Every store keeps its tables in its own PostgreSQL schema (namespace), so the
// stores share one database, and each its own schema_migrations, without
// meeting each other's tables.
package pgstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/heraldhq/herald/internal/sqlstore"
)

// ErrUnavailable means PostgreSQL cannot be reached (refused, reset, shutting
// down, starting up): the request was fine and may succeed once the database
// is back, so the server answers 503, not 500.
var ErrUnavailable = errors.New("the database is unavailable")

// DefaultMaxConns bounds a store's pool when Options.MaxConns is zero. Every
// Herald instance holds at most this many connections per store, so several
// instances stay well below PostgreSQL's default max_connections of 100.
const DefaultMaxConns = 10

// migrateLockKey serializes migrations of several instances starting at once
// (pg_advisory_xact_lock takes a bigint, scoped to the database). It is an
// arbitrary constant chosen once (the registry's since its first PostgreSQL
// release): changing it lets an old and a new binary migrate side by side.
const migrateLockKey int64 = 0x4845_5241_4c44_0001 // "HERALD" 1

// Options say how Open connects.
type Options struct {
	// Schema is the PostgreSQL schema (namespace) the store's tables live in,
	// set as its connections' search_path. Required.
	Schema string
	// MaxConns bounds the pool's open (and idle) connections. Zero:
	// DefaultMaxConns.
	MaxConns int
	// Migrations are applied by Migrate after connecting: Migrations[i] is
	// version i+1, never edited once shipped.
	Migrations []string
}

// IsURL reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns a PostgreSQL URL with its password replaced by "xxxxx", for
// logs and error messages; anything that does not parse as a URL becomes
// "(unparsable database URL)" so that a mistyped secret never reaches a log.
func Redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// Open connects to the PostgreSQL database at dbURL with the store's schema on
// the search_path and brings that schema up to date. Several instances may
// open one database at the same time: migrations run once (see Migrate).
// Errors name the URL without its password.
func Open(ctx context.Context, dbURL string, o Options) (*sql.DB, error) {
	name := Redact(dbURL)
	if o.Schema == "" {
		return nil, errors.New("pgstore: no schema")
	}
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		// pgx's parse error can quote the URL, password included.
		return nil, fmt.Errorf("%s is not a valid PostgreSQL URL", name)
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["search_path"] = o.Schema
	db := stdlib.OpenDB(*cfg, stdlib.OptionShouldPing(shouldPing))
	n := o.MaxConns
	if n <= 0 {
		n = DefaultMaxConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	// A connection PostgreSQL closed (a restart, a failover) is found broken on
	// first use and dropped; recycling them also bounds how long a pool holds
	// stale ones.
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // error path: the connect error is the one to report
		return nil, fmt.Errorf("connect to %s: %w", name, Translate(err))
	}
	if err := Migrate(ctx, db, o.Schema, o.Migrations); err != nil {
		_ = db.Close() // error path: the migration error is the one to report
		return nil, fmt.Errorf("migrate %s (schema %s): %w", name, o.Schema, Translate(err))
	}
	return db, nil
}

// Migrate applies the pending migrations of the schema on db's search_path,
// each in its own transaction with its row in that schema's
// schema_migrations. Every transaction first takes an advisory lock, then
// reads the version: instances starting together queue on the lock, and each
// finds the work of those before it done. The lock also covers creating the
// schema and schema_migrations, whose IF NOT EXISTS is not safe against a
// concurrent CREATE in PostgreSQL. A database migrated by a newer binary gives
// sqlstore.ErrSchemaTooNew.
func Migrate(ctx context.Context, db *sql.DB, schema string, migrations []string) error {
	for {
		done, err := step(ctx, db, schema, migrations)
		if err != nil || done {
			return err
		}
	}
}

func step(ctx context.Context, db *sql.DB, schema string, migrations []string) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback() // error path: err is the one to report
		}
	}()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{schema}.Sanitize()+`;
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
		)`); err != nil {
		return false, fmt.Errorf("schema_migrations: %w", err)
	}
	var v int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return false, err
	}
	switch {
	case v > len(migrations):
		return false, fmt.Errorf("%w: version %d, this binary knows %d", sqlstore.ErrSchemaTooNew, v, len(migrations))
	case v == len(migrations):
		return true, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
		return false, fmt.Errorf("migration %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v+1); err != nil {
		return false, err
	}
	return false, tx.Commit()
}

// ProbeWrite checks that PostgreSQL accepts a write transaction: a server in
// recovery (a standby, or read-only after a failover) refuses it. what names
// the store in the error.
func ProbeWrite(ctx context.Context, db *sql.DB, what string) error {
	var readOnly string
	if err := db.QueryRowContext(ctx, `SHOW transaction_read_only`).Scan(&readOnly); err != nil {
		return fmt.Errorf("%s database: %w", what, Translate(err))
	}
	if readOnly == "on" {
		return fmt.Errorf("%s database: PostgreSQL accepts no writes (a standby, or read-only)", what)
	}
	return nil
}

// Translate marks an error that means PostgreSQL cannot be reached with
// ErrUnavailable (keeping the driver's error in the chain); others pass
// unchanged. nil stays nil. Every store's errors pass through it, so it also
// notes when the database was last found unreachable (see shouldPing).
func Translate(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || !unavailable(err) {
		return err
	}
	lastUnavailable.Store(time.Now().UnixNano())
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// suspectFor is how long after the database was last found unreachable every
// pooled connection is pinged before it is reused.
const suspectFor = time.Minute

// lastUnavailable is when Translate last saw the database unreachable (Unix
// nanoseconds; 0: never).
var lastUnavailable atomic.Int64

// shouldPing decides whether a pooled connection is pinged before reuse
// (a dead one is then dropped and another taken, without failing the
// request). pgx's default pings a connection idle for over a second; after an
// outage (a restart, a failover) every connection the pool still holds is
// dead, and one a busy store used a moment before would each fail one request
// on first use. So for suspectFor after an outage was noticed, every reuse is
// pinged: a round trip per query, only then.
func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	if p.IdleDuration > time.Second {
		return true
	}
	last := lastUnavailable.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < suspectFor
}

// unavailable reports whether err says the server could not be reached or
// dropped the connection, rather than refusing the statement.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception. 57P01-57P03: the server is shutting
		// down (admin or crash) or not accepting connections yet.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// Retryable reports whether a transaction failed only because it met another
// one (a deadlock, a serialization failure): run again, it can succeed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
