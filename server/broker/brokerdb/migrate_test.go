package brokerdb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/internal/sqlstore/sqlstoretest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// TestOpenMigratesALogOfTheOldCode opens a log the code before numbered
// migrations wrote: it ran the schema (now migration 1, unchanged) at every
// Open and kept no schema_migrations. The log comes up at the latest version
// with its topic, events and group offsets.
func TestOpenMigratesALogOfTheOldCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	fresh, old := filepath.Join(dir, "new.db"), filepath.Join(dir, "old.db")
	st, err := brokerdb.Open(ctx, fresh, brokerdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sql.Open("sqlite3", old+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		brokerdb.Migrations[0],
		// Topic 1 "orders" with two events, what Append wrote (seq = 1<<40 | offset).
		`INSERT INTO broker_topics (name, kind, value_subject, encoding, on_invalid, created_at, updated_at, next_offset, event_count, byte_count)
			VALUES ('orders', 'stream', 'orders-value', 'json', 'reject', 0, 0, 2, 2, 4)`,
		`INSERT INTO broker_events (seq, topic_id, time, value, schema_id, key_schema_id, size) VALUES (1099511627776, 1, 0, 'ab', 1, 0, 2)`,
		`INSERT INTO broker_events (seq, topic_id, time, value, schema_id, key_schema_id, size) VALUES (1099511627777, 1, 0, 'cd', 1, 0, 2)`,
		`INSERT INTO broker_group_offsets (group_name, topic_id, next_offset, updated_at) VALUES ('billing', 1, 1, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("old log: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st, err = brokerdb.Open(ctx, old, brokerdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	if d := cmp.Diff(sqlstoretest.Schema(t, fresh), sqlstoretest.Schema(t, old)); d != "" {
		t.Errorf("schema of the upgraded log differs from a new one's (-new +upgraded):\n%s", d)
	}
	stats, err := st.Stats(ctx, "orders")
	if err != nil || stats.Events != 2 || stats.NextOffset != 2 || stats.LastOffset != 1 {
		t.Errorf("Stats = %+v, %v; want the two old events", stats, err)
	}
	recs, err := st.Read(ctx, "orders", 0, 10, 0)
	if err != nil || len(recs) != 2 || string(recs[1].Value) != "cd" {
		t.Errorf("Read = %+v, %v", recs, err)
	}
	offs, err := st.Offsets(ctx, "billing")
	if err != nil || offs["orders"] != 1 {
		t.Errorf("Offsets = %v, %v; want orders at 1", offs, err)
	}
	// New writes land after the old ones.
	firsts, err := st.Append(ctx, []broker.Batch{{Topic: "orders", Records: []broker.Record{{Value: []byte("ef")}}}})
	if err != nil || firsts[0] != 2 {
		t.Errorf("Append after the upgrade = %v, %v; want offset 2", firsts, err)
	}
}
