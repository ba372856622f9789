package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrSchemaTooNew means the database was migrated by a newer Herald: this
// binary does not know its schema, so it refuses to run on it rather than
// guess.
var ErrSchemaTooNew = errors.New("database schema is newer than this binary")

// Migrate brings db's schema up to date. migrations[i] is version i+1: a
// migration is numbered by its place in the list, so a store never edits or
// reorders one that has shipped, only appends. Each pending migration runs in
// its own transaction together with its row in schema_migrations (version,
// applied_at), so a failure leaves the database at the last version that
// applied completely, and the next Open resumes there.
//
// Two Opens of one file at once are safe: each migration's transaction takes
// the write lock first (the pool's BEGIN IMMEDIATE, see DSN) and then reads the
// version, so the second Open finds the migration done and skips it.
//
// Databases created by earlier Herald versions: registry databases have
// schema_migrations without applied_at, which Migrate adds (their old rows get
// ""); catalog and broker databases have no schema_migrations at all, which is
// why those stores' first migration creates their tables only if they do not
// exist yet.
func Migrate(ctx context.Context, db *sql.DB, migrations []string) error {
	if err := prepare(ctx, db); err != nil {
		return fmt.Errorf("schema_migrations: %w", err)
	}
	for {
		done, err := step(ctx, db, migrations)
		if err != nil || done {
			return err
		}
	}
}

// Version returns the highest migration applied to db, 0 when none.
func Version(ctx context.Context, db *sql.DB) (int, error) {
	return version(ctx, db)
}

// queryer is what version needs: a pool or a transaction.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func version(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// prepare creates schema_migrations, or adds applied_at to the one registry
// databases got before it was recorded, in one transaction.
func prepare(ctx context.Context, db *sql.DB) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, createMigrationsTable); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, hasAppliedAtColumn).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, addAppliedAtColumn)
		return err
	})
}

// step applies the first pending migration and reports whether none was left.
func step(ctx context.Context, db *sql.DB, migrations []string) (done bool, err error) {
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		v, err := version(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case v > len(migrations):
			return fmt.Errorf("%w: version %d, this binary knows %d", ErrSchemaTooNew, v, len(migrations))
		case v == len(migrations):
			done = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		_, err = tx.ExecContext(ctx, recordMigration, v+1, time.Now().UTC().Format(time.RFC3339Nano))
		return err
	})
	return done, err
}

// inTx runs fn in a transaction on db, committing when fn succeeds.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	return tx.Commit()
}

// ignoreDone drops sql.ErrTxDone: SQLite may have rolled back already after
// the failed statement.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}

// The runner's own SQL (SQLite). applied_at is RFC 3339 text in UTC: the
// table is read by people in the sqlite3 shell, and "" marks a migration
// applied before Herald recorded when.
const (
	createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL DEFAULT ''
)`
	hasAppliedAtColumn = `SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'applied_at'`
	addAppliedAtColumn = `ALTER TABLE schema_migrations ADD COLUMN applied_at TEXT NOT NULL DEFAULT ''`
	recordMigration    = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`
)
