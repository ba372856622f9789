// Package sqlstore is the plumbing Herald's SQLite stores share (registrydb,
// catalogdb, brokerdb): the one set of connection pragmas, with the reason for
// each, and the one migration runner. The stores keep their own schemas and
// queries; the domains (registry, catalog, broker) never see this package.
//
// It speaks database/sql to mattn/go-sqlite3 only. A store that models rows
// hands the *sql.DB Open returns to gorm (gorm.io/driver/sqlite's Conn field),
// so pragmas and migrations are the same whichever way a store queries.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver the DSN below is written for

	"github.com/heraldhq/herald/internal/dbfile"
	"github.com/heraldhq/herald/internal/sqlitefault"
)

// BusyTimeout is how long, in milliseconds, a connection waits for a lock held
// by another connection before SQLITE_BUSY. The registry and catalog pools
// queue their writers on it (each write transaction takes the write lock at
// BEGIN), so it is a queue's patience, not an error path: a burst of
// registrations, each running compatibility checks inside its transaction, can
// queue for seconds, and failing one of them is worse than a slow answer. The
// broker's single writer only meets another process (a backup, the sqlite3
// shell), where waiting is also better than refusing a publish. It was 10 s in
// the registry and 5 s in the catalog and broker; 10 s everywhere keeps the
// longest, because a store that gives up first only turns load into errors.
const BusyTimeout = 10000

// Options say how Open connects. The zero value is a durable read-write pool
// that runs no migrations.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "" or "FULL" (the default)
	// fsyncs the WAL at every commit, so a committed write survives a power cut;
	// "NORMAL" survives a process crash but may lose the last commits on power
	// loss. Only the broker lets its user choose; the registry hands out ids
	// that producers write into data, so it stays at FULL.
	Synchronous string
	// ReadOnly opens a pool that can never write (query_only), for readers that
	// run beside a writer; it runs no migrations.
	ReadOnly bool
	// MaxConns bounds the pool's open (and idle) connections. Zero: no bound.
	MaxConns int
	// Migrations are applied by Migrate after the database opens (ignored with
	// ReadOnly).
	Migrations []string
}

// DSN is the go-sqlite3 data source name for path with Herald's pragmas. They
// are in the DSN rather than run once after opening because the driver applies
// them to every connection the pool opens, and most of them are per connection.
func DSN(path string, o Options) (string, error) {
	syncMode := strings.ToUpper(o.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return "", fmt.Errorf("synchronous %q: want FULL or NORMAL", o.Synchronous)
	}
	q := url.Values{}
	// WAL: readers run while a writer writes, and a commit is one sequential
	// append to the log instead of rewritten pages.
	q.Set("_journal_mode", "WAL")
	// Foreign keys are off by default in SQLite; they keep rows pointing at rows
	// that exist (versions at schemas, references at versions).
	q.Set("_foreign_keys", "on")
	// See BusyTimeout.
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout))
	// See Options.Synchronous.
	q.Set("_synchronous", syncMode)
	if o.ReadOnly {
		// query_only: a read pool can never write by mistake. Its transactions
		// stay deferred, so reads never take the write lock.
		q.Set("_query_only", "true")
	} else {
		// BEGIN IMMEDIATE takes the write lock when a transaction starts. A
		// deferred transaction that reads and then writes can otherwise fail
		// with SQLITE_BUSY half-way (no busy wait applies to a lock upgrade)
		// when another writer got there first.
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode(), nil
}

// Open opens (creating it if needed) the SQLite database at path with Herald's
// pragmas and applies o.Migrations. It connects before returning, so a file
// that cannot be opened fails here, with an error that says what is wrong with
// the file or its directory when dbfile can tell (see dbfile.DiagnoseOpen).
func Open(ctx context.Context, path string, o Options) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("empty database path")
	}
	dsn, err := DSN(path, o)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if o.MaxConns > 0 {
		db.SetMaxOpenConns(o.MaxConns)
		db.SetMaxIdleConns(o.MaxConns)
	}
	// go-sqlite3 opens the file and runs the pragmas on the first connection.
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // error path: the open error is the one to report
		return nil, fmt.Errorf("open %s: %w", path, ExplainOpen(path, err))
	}
	if o.ReadOnly || o.Migrations == nil {
		return db, nil
	}
	if err := Migrate(ctx, db, o.Migrations); err != nil {
		_ = db.Close() // error path: the migration error is the one to report
		return nil, fmt.Errorf("migrate %s: %w", path, ExplainOpen(path, err))
	}
	return db, nil
}

// ExplainOpen replaces a failed open's or migration's driver error by what is
// really wrong with the file or its directory, when dbfile finds it, and
// otherwise marks a storage fault (sqlitefault.Translate).
func ExplainOpen(path string, err error) error {
	if d := dbfile.DiagnoseOpen(path); d != nil {
		return d
	}
	return sqlitefault.Translate(err)
}
