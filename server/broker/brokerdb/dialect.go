package brokerdb

import (
	"context"
	"database/sql"

	"github.com/heraldhq/herald/internal/sqlitefault"
)

// This file holds what is SQLite's own in the broker log: the DDL and the
// dialect. Pragmas, the migration runner and the open-error diagnosis are
// shared by every store (internal/sqlstore).

// migrations are applied in order, each once and in its own transaction,
// recorded in schema_migrations (sqlstore.Migrate): migrations[i] is version
// i+1. Never edit one that has shipped: append a new one.
var migrations = []string{
	// The schema the log had before migrations were numbered, when this DDL
	// ran at every Open: IF NOT EXISTS lets it run once more on those
	// databases, which have the tables but no schema_migrations.
	`CREATE TABLE IF NOT EXISTS broker_topics (
	id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: seq ranges stay unique
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	value_subject TEXT NOT NULL,
	key_subject TEXT NOT NULL DEFAULT '',
	encoding TEXT NOT NULL,
	first_version INTEGER NOT NULL DEFAULT 0,
	last_version INTEGER NOT NULL DEFAULT 0,
	max_age_ns INTEGER NOT NULL DEFAULT 0,
	max_bytes INTEGER NOT NULL DEFAULT 0,
	max_events INTEGER NOT NULL DEFAULT 0,
	on_invalid TEXT NOT NULL,
	dead_letter_topic TEXT NOT NULL DEFAULT '',
	max_deliveries INTEGER NOT NULL DEFAULT 0,
	visibility_ns INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	next_offset INTEGER NOT NULL DEFAULT 0,
	event_count INTEGER NOT NULL DEFAULT 0,
	byte_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS broker_events (
	seq INTEGER PRIMARY KEY, -- topic id << 40 | offset
	topic_id INTEGER NOT NULL,
	time INTEGER NOT NULL, -- unix nanoseconds
	event_id TEXT,
	key BLOB,
	value BLOB NOT NULL,
	headers TEXT, -- JSON object, NULL when none
	schema_id INTEGER NOT NULL,
	key_schema_id INTEGER NOT NULL,
	size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS broker_events_time ON broker_events(topic_id, time);
CREATE TABLE IF NOT EXISTS broker_queue (
	seq INTEGER PRIMARY KEY, -- the event's seq
	visible_at INTEGER NOT NULL, -- unix nanoseconds
	deliveries INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS broker_group_offsets (
	group_name TEXT NOT NULL,
	topic_id INTEGER NOT NULL,
	next_offset INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (group_name, topic_id)
);
CREATE TABLE IF NOT EXISTS broker_dedup (
	topic_id INTEGER NOT NULL,
	dedup_key TEXT NOT NULL,
	off INTEGER NOT NULL,
	time INTEGER NOT NULL,
	PRIMARY KEY (topic_id, dedup_key)
);
CREATE INDEX IF NOT EXISTS broker_dedup_time ON broker_dedup(time);
CREATE TABLE IF NOT EXISTS broker_lineage (
	topic TEXT NOT NULL,
	role TEXT NOT NULL,
	client TEXT NOT NULL,
	first_seen INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	count INTEGER NOT NULL,
	PRIMARY KEY (topic, role, client)
);
CREATE INDEX IF NOT EXISTS broker_lineage_last_seen ON broker_lineage(last_seen);
`,
	// 2: a producer's refused (invalid or dead-lettered) events, beside
	// the accepted ones it already counted: its conformance rate.
	`ALTER TABLE broker_lineage ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;`,
}

// dialect is what differs between the engines. The package's SQL is written
// once; a dialect adapts it.
type dialect interface {
	// rebind turns the package's ? placeholders into the engine's.
	rebind(query string) string
	// lockRows is the clause that locks the rows a SELECT returns until the
	// transaction ends, passing over rows another transaction holds when
	// skipLocked; "" where the engine runs one writer at a time.
	lockRows(skipLocked bool) string
	// translate marks the errors the server maps (a full disk, an unreachable
	// database); others, and nil, pass unchanged.
	translate(err error) error
	// retryable reports whether a transaction failed only because it met
	// another, so that running it again can succeed.
	retryable(err error) bool
	// cachesIDs reports whether the store is the only writer of its topics,
	// so that it may keep their ids in memory.
	cachesIDs() bool
	// probeWrite checks that the database would accept a small write now.
	probeWrite(ctx context.Context, db *sql.DB) error
}

// sqliteDialect is SQLite's: the package's SQL as written, one writer.
type sqliteDialect struct{}

func (sqliteDialect) rebind(query string) string { return query }

// lockRows is empty: the writer connection runs one transaction at a time,
// each taking the database's write lock at BEGIN (sqlstore.DSN).
func (sqliteDialect) lockRows(bool) string { return "" }

func (sqliteDialect) translate(err error) error { return sqlitefault.Translate(err) }

// retryable is false: with one writer, transactions never meet.
func (sqliteDialect) retryable(error) bool { return false }

// cachesIDs is true: one Herald process per database file (a lock file
// enforces it), and its store is that file's only writer.
func (sqliteDialect) cachesIDs() bool { return true }

// probeWrite checks that the database has room for a small write, keeping
// nothing (see sqlitefault.Probe), to notice that a full disk has room again.
func (sqliteDialect) probeWrite(ctx context.Context, db *sql.DB) error {
	return sqlitefault.Probe(ctx, db)
}
