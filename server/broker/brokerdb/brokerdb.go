// Package brokerdb is the broker's embedded log: a broker.Log on SQLite through
// gorm, in its own database file so publishes never wait on registry writes.
//
// Layout: every event is one row of broker_events whose integer primary key is
// seq = topic id << 40 | offset, so a topic's events are one contiguous range of
// SQLite's table b-tree in offset order: appends go to the end of the range and
// reads are range scans, with no second index. Offsets therefore stay below
// 2^40 per topic and topic ids below 2^23. Queue state (visibility, deliveries)
// lives in broker_queue under the same seq. Each topic row keeps its next
// offset, event count and byte count, updated in the transaction that changes
// them, so stats never scan events.
//
// Concurrency: all writes go through one connection (w), so SQLite never sees two
// writers and a lease can never hand one message to two consumers; reads use a
// pool of connections (r) that WAL lets run beside the writer.
package brokerdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/heraldhq/herald/internal/sqlitefault"
	"github.com/heraldhq/herald/server/broker"
)

var _ broker.Log = (*Store)(nil)

// seqBits is how many low bits of seq hold the offset.
const seqBits = 40

// maxTopicID keeps seq positive in an int64.
const maxTopicID = 1<<(63-seqBits) - 1

func seqOf(topicID, offset int64) int64 { return topicID<<seqBits | offset }

func offsetOf(seq int64) int64 { return seq & (1<<seqBits - 1) }

// topicRange returns the seq range [lo, hi) of a topic.
func topicRange(id int64) (lo, hi int64) { return seqOf(id, 0), seqOf(id+1, 0) }

// Options tune the store. The zero value is the durable default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma for the log. "" or "FULL": every
	// commit is fsynced, so an acknowledged event survives a power cut, not only a
	// crash (group commit amortises the fsync). "NORMAL": survives a process
	// crash, may lose the last commits on power loss; faster.
	Synchronous string
	// ReadConns bounds the read pool. Zero: 8.
	ReadConns int
}

// Store is the SQLite log. It is safe for concurrent use.
type Store struct {
	w *gorm.DB // one connection: every write
	r *gorm.DB // read pool

	// ins (by row count), insQueue and insDedup are the append statements,
	// prepared once on the writer connection.
	ins                map[int]*sql.Stmt
	insQueue, insDedup *sql.Stmt

	// mu protects ids, the topic name → id cache (complete: the store is the
	// only writer of broker_topics).
	mu  sync.RWMutex
	ids map[string]int64
}

// Open opens (creating if needed) the log at path and migrates it.
func Open(path string, opts Options) (*Store, error) {
	syncMode := strings.ToUpper(opts.Synchronous)
	switch syncMode {
	case "":
		syncMode = "FULL"
	case "FULL", "NORMAL":
	default:
		return nil, fmt.Errorf("brokerdb: synchronous %q: want FULL or NORMAL", opts.Synchronous)
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 8
	}
	q := url.Values{}
	// WAL: readers and the single writer do not block each other, and a commit
	// appends to the log file instead of rewriting pages.
	q.Set("_journal_mode", "WAL")
	// synchronous: see Options.Synchronous; FULL fsyncs the WAL on each commit.
	q.Set("_synchronous", syncMode)
	// busy_timeout: wait up to 5 s for a lock held by another process (a backup,
	// the sqlite3 shell) instead of failing at once.
	q.Set("_busy_timeout", "5000")
	// _txlock=immediate: a write transaction takes the write lock at BEGIN, so it
	// never fails half-way on a lock upgrade.
	q.Set("_txlock", "immediate")
	wdsn := "file:" + path + "?" + q.Encode()
	// TranslateError runs faultDialector.Translate on every error, which marks
	// a full disk (see fault.go).
	gcfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, TranslateError: true}
	w, err := gorm.Open(faultDialector{&sqlite.Dialector{DSN: wdsn}}, gcfg)
	if err != nil {
		return nil, fmt.Errorf("brokerdb: open %s: %w", path, explainOpen(path, err))
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// On the error paths below the open or migration error is the one to report;
	// closing what was opened is cleanup only.
	if err := w.Exec(schema).Error; err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("brokerdb: migrate %s: %w", path, explainOpen(path, err))
	}
	rq := url.Values{}
	rq.Set("_journal_mode", "WAL")
	rq.Set("_busy_timeout", "5000")
	// query_only: the read pool can never write by mistake.
	rq.Set("_query_only", "true")
	r, err := gorm.Open(faultDialector{&sqlite.Dialector{DSN: "file:" + path + "?" + rq.Encode()}}, gcfg)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("brokerdb: open %s for reading: %w", path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		_ = wdb.Close()
		return nil, err
	}
	rdb.SetMaxOpenConns(opts.ReadConns)
	rdb.SetMaxIdleConns(opts.ReadConns)
	s := &Store{w: w, r: r, ids: map[string]int64{}, ins: map[int]*sql.Stmt{}}
	for q, dst := range map[string]**sql.Stmt{
		"INSERT INTO broker_queue (seq, visible_at, deliveries) VALUES (?, ?, 0)":                  &s.insQueue,
		"INSERT OR REPLACE INTO broker_dedup (topic_id, dedup_key, off, time) VALUES (?, ?, ?, ?)": &s.insDedup,
	} {
		st, err := wdb.PrepareContext(context.Background(), q)
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("brokerdb: prepare: %w", err)
		}
		*dst = st
	}
	for _, n := range []int{insertChunk, insertSmall, 1} {
		st, err := wdb.PrepareContext(context.Background(), insertSQL(n))
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("brokerdb: prepare: %w", err)
		}
		s.ins[n] = st
	}
	var rows []topicRow
	if err := w.WithContext(context.Background()).Find(&rows).Error; err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("brokerdb: load topics: %w", err)
	}
	for _, t := range rows {
		s.ids[t.Name] = t.ID
	}
	return s, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.r, s.w} {
		if db, err := g.DB(); err == nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// closeRows closes rows on a read path where Close has nothing to report: once
// Next returns false the rows are already closed and iteration errors come from
// rows.Err, which callers check; on an early return the caller is already
// returning an error.
func closeRows(rows *sql.Rows) { _ = rows.Close() }

// schema is the migration: idempotent DDL run at every Open.
const schema = `
CREATE TABLE IF NOT EXISTS broker_topics (
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
`

// topicRow is a broker_topics row.
type topicRow struct {
	ID              int64  `gorm:"column:id;primaryKey"`
	Name            string `gorm:"column:name"`
	Kind            string `gorm:"column:kind"`
	ValueSubject    string `gorm:"column:value_subject"`
	KeySubject      string `gorm:"column:key_subject"`
	Encoding        string `gorm:"column:encoding"`
	FirstVersion    int    `gorm:"column:first_version"`
	LastVersion     int    `gorm:"column:last_version"`
	MaxAgeNs        int64  `gorm:"column:max_age_ns"`
	MaxBytes        int64  `gorm:"column:max_bytes"`
	MaxEvents       int64  `gorm:"column:max_events"`
	OnInvalid       string `gorm:"column:on_invalid"`
	DeadLetterTopic string `gorm:"column:dead_letter_topic"`
	MaxDeliveries   int    `gorm:"column:max_deliveries"`
	VisibilityNs    int64  `gorm:"column:visibility_ns"`
	CreatedAt       int64  `gorm:"column:created_at"`
	UpdatedAt       int64  `gorm:"column:updated_at"`
	NextOffset      int64  `gorm:"column:next_offset"`
	EventCount      int64  `gorm:"column:event_count"`
	ByteCount       int64  `gorm:"column:byte_count"`
}

// TableName implements gorm's tabler.
func (topicRow) TableName() string { return "broker_topics" }

func (r *topicRow) topic() (broker.Topic, error) {
	t := broker.Topic{
		Name: r.Name, ValueSubject: r.ValueSubject, KeySubject: r.KeySubject,
		FirstVersion: r.FirstVersion, LastVersion: r.LastVersion,
		Retention:       broker.Retention{MaxAge: time.Duration(r.MaxAgeNs), MaxBytes: r.MaxBytes, MaxEvents: r.MaxEvents},
		DeadLetterTopic: r.DeadLetterTopic, MaxDeliveries: r.MaxDeliveries, Visibility: time.Duration(r.VisibilityNs),
		CreatedAt: time.Unix(0, r.CreatedAt).UTC(), UpdatedAt: time.Unix(0, r.UpdatedAt).UTC(),
	}
	err := errors.Join(t.Kind.UnmarshalText([]byte(r.Kind)), t.Encoding.UnmarshalText([]byte(r.Encoding)), t.OnInvalid.UnmarshalText([]byte(r.OnInvalid)))
	if err != nil {
		return t, fmt.Errorf("brokerdb: topic %s: %w", r.Name, err)
	}
	return t, nil
}

func rowOf(t broker.Topic) topicRow {
	return topicRow{
		Name: t.Name, Kind: t.Kind.String(), ValueSubject: t.ValueSubject, KeySubject: t.KeySubject,
		Encoding: t.Encoding.String(), FirstVersion: t.FirstVersion, LastVersion: t.LastVersion,
		MaxAgeNs: int64(t.Retention.MaxAge), MaxBytes: t.Retention.MaxBytes, MaxEvents: t.Retention.MaxEvents,
		OnInvalid: t.OnInvalid.String(), DeadLetterTopic: t.DeadLetterTopic, MaxDeliveries: t.MaxDeliveries,
		VisibilityNs: int64(t.Visibility), CreatedAt: t.CreatedAt.UnixNano(), UpdatedAt: t.UpdatedAt.UnixNano(),
	}
}

// id returns a topic's id from the cache.
func (s *Store) id(name string) (int64, error) {
	s.mu.RLock()
	id, ok := s.ids[name]
	s.mu.RUnlock()
	if !ok {
		return 0, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
	}
	return id, nil
}

// Topics implements broker.Log.
func (s *Store) Topics(ctx context.Context) ([]broker.TopicInfo, error) {
	var rows []topicRow
	if err := s.r.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]broker.TopicInfo, 0, len(rows))
	for i := range rows {
		t, err := rows[i].topic()
		if err != nil {
			return nil, err
		}
		st, err := s.stats(ctx, s.r, &rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, broker.TopicInfo{Topic: t, Stats: st})
	}
	return out, nil
}

// PutTopic implements broker.Log.
func (s *Store) PutTopic(ctx context.Context, t broker.Topic) error {
	row := rowOf(t)
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old topicRow
		res := tx.Where("name = ?", t.Name).Limit(1).Find(&old)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			if row.ID > maxTopicID {
				return fmt.Errorf("brokerdb: topic id %d exceeds %d", row.ID, maxTopicID)
			}
			return nil
		}
		row.ID, row.NextOffset, row.EventCount, row.ByteCount = old.ID, old.NextOffset, old.EventCount, old.ByteCount
		return tx.Save(&row).Error
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ids[t.Name] = row.ID
	s.mu.Unlock()
	return nil
}

// DeleteTopic implements broker.Log.
func (s *Store) DeleteTopic(ctx context.Context, name string) error {
	id, err := s.id(name)
	if err != nil {
		return err
	}
	lo, hi := topicRange(id)
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM broker_events WHERE seq >= ? AND seq < ?", []any{lo, hi}},
			{"DELETE FROM broker_queue WHERE seq >= ? AND seq < ?", []any{lo, hi}},
			{"DELETE FROM broker_dedup WHERE topic_id = ?", []any{id}},
			{"DELETE FROM broker_group_offsets WHERE topic_id = ?", []any{id}},
			{"DELETE FROM broker_topics WHERE id = ?", []any{id}},
		} {
			if err := tx.Exec(q.sql, q.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.ids, name)
	s.mu.Unlock()
	return nil
}

// Stats implements broker.Log.
func (s *Store) Stats(ctx context.Context, topic string) (broker.Stats, error) {
	id, err := s.id(topic)
	if err != nil {
		return broker.Stats{}, err
	}
	var row topicRow
	res := s.r.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&row)
	if res.Error != nil {
		return broker.Stats{}, res.Error
	}
	if res.RowsAffected == 0 {
		return broker.Stats{}, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, topic)
	}
	return s.stats(ctx, s.r, &row)
}

func (s *Store) stats(ctx context.Context, db *gorm.DB, row *topicRow) (broker.Stats, error) {
	st := broker.Stats{Events: row.EventCount, Bytes: row.ByteCount, NextOffset: row.NextOffset, FirstOffset: -1, LastOffset: -1}
	if row.EventCount == 0 {
		return st, nil
	}
	lo, hi := topicRange(row.ID)
	var first, last sql.NullInt64
	err := db.WithContext(ctx).Raw("SELECT (SELECT min(seq) FROM broker_events WHERE seq >= ? AND seq < ?), (SELECT max(seq) FROM broker_events WHERE seq >= ? AND seq < ?)", lo, hi, lo, hi).Row().Scan(&first, &last)
	if err != nil {
		return st, err
	}
	if first.Valid {
		st.FirstOffset, st.LastOffset = offsetOf(first.Int64), offsetOf(last.Int64)
	}
	return st, nil
}

// insertCols is the column list of an event insert.
const insertCols = "INSERT INTO broker_events (seq, topic_id, time, event_id, key, value, headers, schema_id, key_schema_id, size) VALUES "

// insertChunk and insertSmall are how many rows a multi-row INSERT carries (10
// parameters each, well under SQLite's 32766 limit).
const (
	insertChunk = 64
	insertSmall = 8
)

// insertSQL is the INSERT of n event rows.
func insertSQL(n int) string {
	return insertCols + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", n), ",")
}

// Append implements broker.Log.
func (s *Store) Append(ctx context.Context, batches []broker.Batch) ([]int64, error) {
	firsts := make([]int64, len(batches))
	type delta struct{ next, count, bytes int64 }
	deltas := map[int64]*delta{}
	var order []int64
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The hot path runs statements prepared once at Open (on the single
		// writer connection) inside gorm's transaction: preparing a 640-parameter
		// INSERT costs more than running it.
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("brokerdb: transaction is a %T, not *sql.Tx", tx.Statement.ConnPool)
		}
		stmt := func(st *sql.Stmt) *sql.Stmt { return sqlTx.StmtContext(ctx, st) }
		// Rows of every batch are inserted together: chunks of insertChunk rows,
		// the rest in chunks of insertSmall and then one by one.
		args := make([]any, 0, insertChunk*10)
		rows := 0
		exec := func(st *sql.Stmt, n int) error {
			_, err := stmt(st).ExecContext(ctx, args[:n*10]...)
			args = append(args[:0], args[n*10:]...)
			rows -= n
			return err
		}
		flush := func() error {
			for rows >= insertChunk {
				if err := exec(s.ins[insertChunk], insertChunk); err != nil {
					return err
				}
			}
			for rows >= insertSmall {
				if err := exec(s.ins[insertSmall], insertSmall); err != nil {
					return err
				}
			}
			for rows > 0 {
				if err := exec(s.ins[1], 1); err != nil {
					return err
				}
			}
			return nil
		}
		for bi, b := range batches {
			var id, next int64
			if err := tx.Raw("SELECT id, next_offset FROM broker_topics WHERE name = ?", b.Topic).Row().Scan(&id, &next); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("%w: %s", broker.ErrTopicNotFound, b.Topic)
				}
				return err
			}
			d := deltas[id]
			if d == nil {
				d = &delta{next: next}
				deltas[id] = d
				order = append(order, id)
			}
			firsts[bi] = d.next
			if d.next+int64(len(b.Records)) >= 1<<seqBits {
				return fmt.Errorf("brokerdb: topic %s is out of offsets", b.Topic)
			}
			for i := range b.Records {
				r := &b.Records[i]
				size := int64(r.Size())
				value := r.Value
				if value == nil {
					value = []byte{} // an empty payload is not a missing one
				}
				args = append(args, seqOf(id, d.next), id, r.Time.UnixNano(), nullString(r.ID), r.Key, value,
					nullString(encodeHeaders(r.Headers)), r.SchemaID, r.KeySchemaID, size)
				rows++
				if rows == insertChunk {
					if err := flush(); err != nil {
						return err
					}
				}
				if b.Queue {
					if _, err := stmt(s.insQueue).ExecContext(ctx, seqOf(id, d.next), r.Time.UnixNano()); err != nil {
						return err
					}
				}
				if b.DedupKeys != nil && b.DedupKeys[i] != "" {
					if _, err := stmt(s.insDedup).ExecContext(ctx, id, b.DedupKeys[i], d.next, r.Time.UnixNano()); err != nil {
						return err
					}
				}
				d.next++
				d.count++
				d.bytes += size
			}
		}
		if err := flush(); err != nil {
			return err
		}
		for _, id := range order {
			d := deltas[id]
			if err := tx.Exec("UPDATE broker_topics SET next_offset = ?, event_count = event_count + ?, byte_count = byte_count + ? WHERE id = ?", d.next, d.count, d.bytes, id).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// The prepared INSERTs bypass gorm's error translation.
		return nil, sqlitefault.Translate(err)
	}
	return firsts, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func encodeHeaders(h map[string]string) string {
	if len(h) == 0 {
		return ""
	}
	b, _ := json.Marshal(h)
	return string(b)
}

// eventCols are the columns scanRecord reads, in order.
const eventCols = "seq, time, event_id, key, value, headers, schema_id, key_schema_id"

func scanRecord(rows *sql.Rows) (broker.Record, error) {
	var (
		r        broker.Record
		seq, t   int64
		id, hdrs sql.NullString
	)
	if err := rows.Scan(&seq, &t, &id, &r.Key, &r.Value, &hdrs, &r.SchemaID, &r.KeySchemaID); err != nil {
		return r, err
	}
	r.Offset, r.Time, r.ID = offsetOf(seq), time.Unix(0, t).UTC(), id.String
	if hdrs.Valid && hdrs.String != "" {
		if err := json.Unmarshal([]byte(hdrs.String), &r.Headers); err != nil {
			return r, fmt.Errorf("brokerdb: headers of offset %d: %w", r.Offset, err)
		}
	}
	return r, nil
}

// Read implements broker.Log.
func (s *Store) Read(ctx context.Context, topic string, from int64, limit int) ([]broker.Record, error) {
	id, err := s.id(topic)
	if err != nil {
		return nil, err
	}
	if from < 0 {
		from = 0
	}
	if from >= 1<<seqBits {
		return []broker.Record{}, nil
	}
	_, hi := topicRange(id)
	rows, err := s.r.WithContext(ctx).Raw("SELECT "+eventCols+" FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?", seqOf(id, from), hi, limit).Rows()
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	out := make([]broker.Record, 0, min(limit, 1024))
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OffsetAt implements broker.Log.
func (s *Store) OffsetAt(ctx context.Context, topic string, t time.Time) (int64, error) {
	id, err := s.id(topic)
	if err != nil {
		return 0, err
	}
	var seq sql.NullInt64
	err = s.r.WithContext(ctx).Raw("SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, t.UnixNano()).Row().Scan(&seq)
	if err != nil {
		return 0, err
	}
	if seq.Valid {
		return offsetOf(seq.Int64), nil
	}
	var next int64
	if err := s.r.WithContext(ctx).Raw("SELECT next_offset FROM broker_topics WHERE id = ?", id).Row().Scan(&next); err != nil {
		return 0, err
	}
	return next, nil
}

// Lease implements broker.Log.
func (s *Store) Lease(ctx context.Context, req broker.LeaseRequest) (broker.LeaseResult, error) {
	var res broker.LeaseResult
	id, err := s.id(req.Topic)
	if err != nil {
		return res, err
	}
	var dlID int64
	if req.MaxDeliveries > 0 {
		if dlID, err = s.id(req.DeadLetterTopic); err != nil {
			return res, fmt.Errorf("dead-letter topic: %w", err)
		}
	}
	lo, hi := topicRange(id)
	now := req.Now.UnixNano()
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res = broker.LeaseResult{}
		var leased []int64
		var dead []int64
		after := lo
		for len(leased) < req.Max {
			type cand struct{ seq, deliveries int64 }
			var cands []cand
			rows, err := tx.Raw("SELECT seq, deliveries FROM broker_queue WHERE seq >= ? AND seq < ? AND visible_at <= ? ORDER BY seq LIMIT ?", after, hi, now, req.Max-len(leased)).Rows()
			if err != nil {
				return err
			}
			for rows.Next() {
				var c cand
				if err := rows.Scan(&c.seq, &c.deliveries); err != nil {
					closeRows(rows)
					return err
				}
				cands = append(cands, c)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if len(cands) == 0 {
				break
			}
			for _, c := range cands {
				if req.MaxDeliveries > 0 && c.deliveries >= int64(req.MaxDeliveries) {
					dead = append(dead, c.seq)
				} else {
					leased = append(leased, c.seq)
				}
			}
			after = cands[len(cands)-1].seq + 1
		}
		if len(dead) > 0 {
			if err := s.moveDead(ctx, tx, id, dlID, dead, req); err != nil {
				return err
			}
			res.DeadLettered = len(dead)
		}
		if len(leased) == 0 {
			return nil
		}
		visible := req.Now.Add(req.Visibility).UnixNano()
		in, args := inList(leased)
		if err := tx.Exec("UPDATE broker_queue SET deliveries = deliveries + 1, visible_at = ? WHERE seq IN ("+in+")", append([]any{visible}, args...)...).Error; err != nil {
			return err
		}
		rows, err := tx.Raw("SELECT "+eventCols+", q.deliveries FROM broker_events JOIN broker_queue q USING (seq) WHERE seq IN ("+in+") ORDER BY seq", args...).Rows()
		if err != nil {
			return err
		}
		defer closeRows(rows)
		for rows.Next() {
			var (
				r        broker.Record
				seq, t   int64
				idv, hdr sql.NullString
			)
			if err := rows.Scan(&seq, &t, &idv, &r.Key, &r.Value, &hdr, &r.SchemaID, &r.KeySchemaID, &r.Deliveries); err != nil {
				return err
			}
			r.Offset, r.Time, r.ID = offsetOf(seq), time.Unix(0, t).UTC(), idv.String
			if hdr.Valid && hdr.String != "" {
				if err := json.Unmarshal([]byte(hdr.String), &r.Headers); err != nil {
					return err
				}
			}
			r.AckID = broker.AckID{Offset: r.Offset, Delivery: r.Deliveries}
			res.Records = append(res.Records, r)
		}
		return rows.Err()
	})
	if err != nil {
		return broker.LeaseResult{}, err
	}
	return res, nil
}

// moveDead moves queue messages to the dead-letter topic inside tx.
func (s *Store) moveDead(ctx context.Context, tx *gorm.DB, id, dlID int64, seqs []int64, req broker.LeaseRequest) error {
	in, args := inList(seqs)
	rows, err := tx.Raw("SELECT "+eventCols+" FROM broker_events WHERE seq IN ("+in+") ORDER BY seq", args...).Rows()
	if err != nil {
		return err
	}
	var recs []broker.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			closeRows(rows)
			return err
		}
		h := make(map[string]string, len(r.Headers)+3)
		for k, v := range r.Headers {
			h[k] = v
		}
		h[broker.HeaderDeadLetterReason] = req.DeadLetterReason
		h[broker.HeaderSourceTopic] = req.Topic
		h[broker.HeaderSourceOffset] = fmt.Sprint(r.Offset)
		r.Headers, r.Time = h, req.Now
		if r.Value == nil {
			r.Value = []byte{}
		}
		recs = append(recs, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := s.removeQueued(tx, id, in, args); err != nil {
		return err
	}
	var dlName string
	var dlKind string
	if err := tx.Raw("SELECT name, kind FROM broker_topics WHERE id = ?", dlID).Row().Scan(&dlName, &dlKind); err != nil {
		return fmt.Errorf("dead-letter topic: %w", err)
	}
	// Append inside this transaction: reuse the same code path by hand.
	var next int64
	if err := tx.Raw("SELECT next_offset FROM broker_topics WHERE id = ?", dlID).Row().Scan(&next); err != nil {
		return err
	}
	var bytes int64
	for _, r := range recs {
		size := int64(r.Size())
		bytes += size
		if err := tx.Exec(insertCols+"(?,?,?,?,?,?,?,?,?,?)", seqOf(dlID, next), dlID, r.Time.UnixNano(), nullString(r.ID), r.Key, r.Value,
			nullString(encodeHeaders(r.Headers)), r.SchemaID, r.KeySchemaID, size).Error; err != nil {
			return err
		}
		if dlKind == broker.Queue.String() {
			if err := tx.Exec("INSERT INTO broker_queue (seq, visible_at, deliveries) VALUES (?, ?, 0)", seqOf(dlID, next), r.Time.UnixNano()).Error; err != nil {
				return err
			}
		}
		next++
	}
	return tx.Exec("UPDATE broker_topics SET next_offset = ?, event_count = event_count + ?, byte_count = byte_count + ? WHERE id = ?", next, len(recs), bytes, dlID).Error
}

// removeQueued deletes queue messages (queue rows and events) listed by seq and
// updates the topic's counters.
func (s *Store) removeQueued(tx *gorm.DB, id int64, in string, args []any) error {
	if err := tx.Exec("DELETE FROM broker_queue WHERE seq IN ("+in+")", args...).Error; err != nil {
		return err
	}
	var n, bytes sql.NullInt64
	if err := tx.Raw("SELECT count(*), sum(size) FROM broker_events WHERE seq IN ("+in+")", args...).Row().Scan(&n, &bytes); err != nil {
		return err
	}
	if err := tx.Exec("DELETE FROM broker_events WHERE seq IN ("+in+")", args...).Error; err != nil {
		return err
	}
	return tx.Exec("UPDATE broker_topics SET event_count = event_count - ?, byte_count = byte_count - ? WHERE id = ?", n.Int64, bytes.Int64, id).Error
}

func inList(seqs []int64) (string, []any) {
	args := make([]any, len(seqs))
	for i, s := range seqs {
		args[i] = s
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(seqs)), ","), args
}

// ackChunk bounds the ack ids one ack or nack transaction handles: a long list
// is applied in several short transactions, so publishes to every topic (which
// need the one writer connection) wait at most one chunk, never the whole list.
const ackChunk = 500

// ackChunkHook, when set (by tests only), runs after each ack or nack chunk has
// committed and released the writer.
var ackChunkHook func()

// ackChunks splits ack ids into chunks of at most ackChunk distinct, in-range
// offsets, dropping ids that repeat an offset (only one delivery is current).
func ackChunks(ids []broker.AckID) [][]broker.AckID {
	seen := make(map[int64]bool, len(ids))
	var chunks [][]broker.AckID
	var cur []broker.AckID
	for _, a := range ids {
		if a.Offset < 0 || a.Offset >= 1<<seqBits || seen[a.Offset] {
			continue
		}
		seen[a.Offset] = true
		if cur == nil {
			cur = make([]broker.AckID, 0, min(ackChunk, len(ids)))
		}
		cur = append(cur, a)
		if len(cur) == ackChunk {
			chunks = append(chunks, cur)
			cur = nil
		}
	}
	if cur != nil {
		chunks = append(chunks, cur)
	}
	return chunks
}

// current selects, of one chunk of ack ids, the seqs whose delivery number is
// current, with one query.
func current(tx *gorm.DB, id int64, ids []broker.AckID) ([]int64, error) {
	want := make(map[int64]int, len(ids))
	seqs := make([]int64, len(ids))
	for i, a := range ids {
		seqs[i] = seqOf(id, a.Offset)
		want[seqs[i]] = a.Delivery
	}
	in, args := inList(seqs)
	rows, err := tx.Raw("SELECT seq, deliveries FROM broker_queue WHERE seq IN ("+in+") ORDER BY seq", args...).Rows()
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	var out []int64
	for rows.Next() {
		var seq int64
		var deliveries int
		if err := rows.Scan(&seq, &deliveries); err != nil {
			return nil, err
		}
		if want[seq] == deliveries {
			out = append(out, seq)
		}
	}
	return out, rows.Err()
}

// eachAckChunk runs apply on the current seqs of each chunk of ids, one
// transaction per chunk, and returns how many seqs were applied. It stops at
// the first error or when ctx ends; chunks already committed stay applied (an
// ack or nack is idempotent, so the client retries the whole list).
func (s *Store) eachAckChunk(ctx context.Context, topic string, ids []broker.AckID, apply func(tx *gorm.DB, id int64, seqs []int64) error) (int, error) {
	id, err := s.id(topic)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, chunk := range ackChunks(ids) {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			seqs, err := current(tx, id, chunk)
			if err != nil || len(seqs) == 0 {
				return err
			}
			n = len(seqs)
			return apply(tx, id, seqs)
		})
		if err != nil {
			return total, err
		}
		total += n
		if ackChunkHook != nil {
			ackChunkHook()
		}
	}
	return total, nil
}

// Ack implements broker.Log. Long lists are applied in chunks of ackChunk ids,
// each in its own transaction.
func (s *Store) Ack(ctx context.Context, topic string, ids []broker.AckID) (int, error) {
	return s.eachAckChunk(ctx, topic, ids, func(tx *gorm.DB, id int64, seqs []int64) error {
		in, args := inList(seqs)
		return s.removeQueued(tx, id, in, args)
	})
}

// Nack implements broker.Log. Long lists are applied in chunks of ackChunk ids,
// each in its own transaction.
func (s *Store) Nack(ctx context.Context, topic string, ids []broker.AckID, visibleAt time.Time) (int, error) {
	return s.eachAckChunk(ctx, topic, ids, func(tx *gorm.DB, _ int64, seqs []int64) error {
		in, args := inList(seqs)
		return tx.Exec("UPDATE broker_queue SET visible_at = ? WHERE seq IN ("+in+")", append([]any{visibleAt.UnixNano()}, args...)...).Error
	})
}

// trimChunk bounds the events one retention transaction deletes, so publishes
// wait at most one chunk for the writer.
const trimChunk = 5000

// Trim implements broker.Log.
func (s *Store) Trim(ctx context.Context, topic string, r broker.TrimRequest) (int64, error) {
	id, err := s.id(topic)
	if err != nil {
		return 0, err
	}
	lo, hi := topicRange(id)
	var row topicRow
	if err := s.r.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&row).Error; err != nil {
		return 0, err
	}
	cut := lo // delete seqs in [lo, cut)
	db := s.r.WithContext(ctx)
	if !r.Before.IsZero() {
		var seq sql.NullInt64
		if err := db.Raw("SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, r.Before.UnixNano()).Row().Scan(&seq); err != nil {
			return 0, err
		}
		if !seq.Valid {
			cut = hi
		} else {
			cut = max(cut, seq.Int64)
		}
	}
	if r.MaxEvents > 0 && row.EventCount > r.MaxEvents {
		var seq int64
		if err := db.Raw("SELECT seq FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT 1 OFFSET ?", lo, hi, row.EventCount-r.MaxEvents).Row().Scan(&seq); err == nil {
			cut = max(cut, seq)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if r.MaxBytes > 0 && row.ByteCount > r.MaxBytes {
		excess := row.ByteCount - r.MaxBytes
		rows, err := db.Raw("SELECT seq, size FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq", lo, hi).Rows()
		if err != nil {
			return 0, err
		}
		var freed int64
		for rows.Next() {
			var seq, size int64
			if err := rows.Scan(&seq, &size); err != nil {
				closeRows(rows)
				return 0, err
			}
			freed += size
			if freed >= excess {
				cut = max(cut, seq+1)
				break
			}
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
	}
	var total int64
	for cut > lo {
		var n int64
		err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var upto sql.NullInt64
			var bytes sql.NullInt64
			if err := tx.Raw("SELECT max(seq), count(*), sum(size) FROM (SELECT seq, size FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?)", lo, cut, trimChunk).Row().Scan(&upto, &n, &bytes); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			for _, q := range []string{"DELETE FROM broker_events WHERE seq >= ? AND seq <= ?", "DELETE FROM broker_queue WHERE seq >= ? AND seq <= ?"} {
				if err := tx.Exec(q, lo, upto.Int64).Error; err != nil {
					return err
				}
			}
			return tx.Exec("UPDATE broker_topics SET event_count = event_count - ?, byte_count = byte_count - ? WHERE id = ?", n, bytes.Int64, id).Error
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < trimChunk {
			break
		}
	}
	return total, nil
}

// CommitOffset implements broker.Log.
func (s *Store) CommitOffset(ctx context.Context, group, topic string, offset int64) error {
	id, err := s.id(topic)
	if err != nil {
		return err
	}
	return s.w.WithContext(ctx).Exec(`INSERT INTO broker_group_offsets (group_name, topic_id, next_offset, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (group_name, topic_id) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`, group, id, offset, time.Now().UnixNano()).Error
}

// Offsets implements broker.Log.
func (s *Store) Offsets(ctx context.Context, group string) (map[string]int64, error) {
	rows, err := s.r.WithContext(ctx).Raw("SELECT t.name, g.next_offset FROM broker_group_offsets g JOIN broker_topics t ON t.id = g.topic_id WHERE g.group_name = ?", group).Rows()
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var off int64
		if err := rows.Scan(&name, &off); err != nil {
			return nil, err
		}
		out[name] = off
	}
	return out, rows.Err()
}

// RecentIDs implements broker.Log.
func (s *Store) RecentIDs(ctx context.Context, since time.Time) ([]broker.DedupEntry, error) {
	rows, err := s.r.WithContext(ctx).Raw("SELECT t.name, d.dedup_key, d.off, d.time FROM broker_dedup d JOIN broker_topics t ON t.id = d.topic_id WHERE d.time >= ? ORDER BY d.time", since.UnixNano()).Rows()
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	var out []broker.DedupEntry
	for rows.Next() {
		var e broker.DedupEntry
		var t int64
		if err := rows.Scan(&e.Topic, &e.Key, &e.Offset, &t); err != nil {
			return nil, err
		}
		e.Time = time.Unix(0, t).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// PruneIDs implements broker.Log.
func (s *Store) PruneIDs(ctx context.Context, before time.Time) error {
	return s.w.WithContext(ctx).Exec("DELETE FROM broker_dedup WHERE time < ?", before.UnixNano()).Error
}

// SaveObservations implements broker.Log.
func (s *Store) SaveObservations(ctx context.Context, obs []broker.Observation) error {
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, o := range obs {
			err := tx.Exec(`INSERT INTO broker_lineage (topic, role, client, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (topic, role, client) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
	last_seen = max(last_seen, excluded.last_seen), count = count + excluded.count`,
				o.Topic, o.Role.String(), o.Client, o.FirstSeen.UnixNano(), o.LastSeen.UnixNano(), o.Count).Error
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Observations implements broker.Log.
func (s *Store) Observations(ctx context.Context) ([]broker.Observation, error) {
	rows, err := s.r.WithContext(ctx).Raw("SELECT topic, role, client, first_seen, last_seen, count FROM broker_lineage ORDER BY topic, role, client").Rows()
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	out := []broker.Observation{}
	for rows.Next() {
		var o broker.Observation
		var role string
		var first, last int64
		if err := rows.Scan(&o.Topic, &role, &o.Client, &first, &last, &o.Count); err != nil {
			return nil, err
		}
		if err := o.Role.UnmarshalText([]byte(role)); err != nil {
			return nil, err
		}
		o.FirstSeen, o.LastSeen = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// PruneObservations implements broker.Log.
func (s *Store) PruneObservations(ctx context.Context, p broker.ObservationPrune) (int64, error) {
	var n int64
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if !p.Before.IsZero() {
			res := tx.Exec("DELETE FROM broker_lineage WHERE last_seen < ?", p.Before.UnixNano())
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		if p.Keep <= 0 {
			return nil
		}
		for _, topic := range p.Topics {
			res := tx.Exec(`DELETE FROM broker_lineage WHERE rowid IN (
	SELECT rowid FROM (
		SELECT rowid, row_number() OVER (PARTITION BY role ORDER BY last_seen DESC, client) AS rn
		FROM broker_lineage WHERE topic = ?)
	WHERE rn > ?)`, topic, p.Keep)
			if res.Error != nil {
				return res.Error
			}
			n += res.RowsAffected
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
