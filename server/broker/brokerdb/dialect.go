package brokerdb

import (
	"context"

	"github.com/heraldhq/herald/internal/sqlitefault"
)

// This file holds what is SQLite's own in the broker log: the DDL and the
// statements no other engine takes as written. Pragmas, the migration runner
// and the open-error diagnosis are shared by every store (internal/sqlstore).
// The rest of the package's SQL is plain, but a port still changes the
// placeholders (? to $n) and the seq layout's reliance on SQLite's integer
// primary key being the table's b-tree key.

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
}

// The append statements Open prepares on the writer connection. A dedup key
// seen again (after its window) points at the newer offset: INSERT OR REPLACE
// is SQLite's spelling of that upsert.
const (
	insertQueueSQL = "INSERT INTO broker_queue (seq, visible_at, deliveries) VALUES (?, ?, 0)"
	insertDedupSQL = "INSERT OR REPLACE INTO broker_dedup (topic_id, dedup_key, off, time) VALUES (?, ?, ?, ?)"
)

// upsertGroupOffsetSQL stores a group's next offset for a topic.
const upsertGroupOffsetSQL = `INSERT INTO broker_group_offsets (group_name, topic_id, next_offset, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (group_name, topic_id) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`

// upsertObservationSQL merges one observation. SQLite's two-argument min and
// max are LEAST and GREATEST elsewhere.
const upsertObservationSQL = `INSERT INTO broker_lineage (topic, role, client, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (topic, role, client) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
	last_seen = max(last_seen, excluded.last_seen), count = count + excluded.count`

// pruneObservationsSQL keeps a topic's most recently seen observations per
// role (the second parameter is how many). It names rows by SQLite's rowid,
// since broker_lineage's key has three columns.
const pruneObservationsSQL = `DELETE FROM broker_lineage WHERE rowid IN (
	SELECT rowid FROM (
		SELECT rowid, row_number() OVER (PARTITION BY role ORDER BY last_seen DESC, client) AS rn
		FROM broker_lineage WHERE topic = ?)
	WHERE rn > ?)`

// ProbeWrite checks that the database has room for a small write, keeping
// nothing (see sqlitefault.Probe). Readiness uses it to notice that a full disk
// has room again.
func (s *Store) ProbeWrite(ctx context.Context) error { return sqlitefault.Probe(ctx, s.w) }
