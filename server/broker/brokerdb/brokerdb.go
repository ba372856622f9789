// Package brokerdb is the broker's embedded log: a broker.Log on SQLite through
// database/sql, in its own database file so publishes never wait on registry
// writes. Its code is SQL over a custom layout (below), not rows an ORM could
// model, so it talks to the driver directly; what is SQLite's own (the DDL and
// the statements no other engine takes as written) is in dialect.go.
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
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/internal/sqlitefault"
	"github.com/heraldhq/herald/internal/sqlstore"
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
	w *sql.DB // one connection: every write
	r *sql.DB // read pool

	// ins (by row count), insQueue and insDedup are the append statements,
	// prepared once on the writer connection.
	ins                map[int]*sql.Stmt
	insQueue, insDedup *sql.Stmt

	// mu protects ids, the topic name → id cache (complete: the store is the
	// only writer of broker_topics).
	mu  sync.RWMutex
	ids map[string]int64
}

// Open opens (creating if needed) the log at path and migrates it. The
// pragmas are the ones every store shares (internal/sqlstore), with the
// synchronous mode opts chooses.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.ReadConns <= 0 {
		opts.ReadConns = 8
	}
	// One writer connection: SQLite never sees two writers in this process, and
	// the prepared statements below live on it.
	w, err := sqlstore.Open(ctx, path, sqlstore.Options{Synchronous: opts.Synchronous, MaxConns: 1, Migrations: migrations})
	if err != nil {
		return nil, fmt.Errorf("brokerdb: %w", err)
	}
	r, err := sqlstore.Open(ctx, path, sqlstore.Options{ReadOnly: true, MaxConns: opts.ReadConns})
	if err != nil {
		_ = w.Close() // error path: the read pool's error is the one to report
		return nil, fmt.Errorf("brokerdb: open for reading: %w", err)
	}
	s := &Store{w: w, r: r, ids: map[string]int64{}, ins: map[int]*sql.Stmt{}}
	if err := s.prepare(ctx); err != nil {
		_ = s.Close() // error path: the prepare error is the one to report
		return nil, fmt.Errorf("brokerdb: prepare: %w", err)
	}
	if err := s.loadIDs(ctx); err != nil {
		_ = s.Close() // error path: the load error is the one to report
		return nil, fmt.Errorf("brokerdb: load topics: %w", err)
	}
	return s, nil
}

// loadIDs fills the topic id cache.
func (s *Store) loadIDs(ctx context.Context) error {
	rows, err := s.w.QueryContext(ctx, "SELECT id, name FROM broker_topics")
	if err != nil {
		return err
	}
	defer closeRows(rows)
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		s.ids[name] = id
	}
	return rows.Err()
}

// prepare prepares the append statements on the writer connection.
func (s *Store) prepare(ctx context.Context) error {
	for q, dst := range map[string]**sql.Stmt{insertQueueSQL: &s.insQueue, insertDedupSQL: &s.insDedup} {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		*dst = st
	}
	for _, n := range []int{insertChunk, insertSmall, 1} {
		st, err := s.w.PrepareContext(ctx, insertSQL(n))
		if err != nil {
			return err
		}
		s.ins[n] = st
	}
	return nil
}

// Close closes both connection pools (and with the writer, its prepared
// statements).
func (s *Store) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

// querier is what reads need: the read pool, the writer or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// exec runs a statement for its error only.
func exec(ctx context.Context, q querier, query string, args ...any) error {
	_, err := q.ExecContext(ctx, query, args...)
	return err
}

// execCount runs a statement and adds the rows it changed to *n.
func execCount(ctx context.Context, q querier, n *int64, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}

// update runs fn in one write transaction on the writer connection (BEGIN
// IMMEDIATE, see sqlstore.DSN), committing when fn succeeds. Its errors pass
// through sqlitefault.Translate, so a full disk is dbfile.ErrDiskFull.
func (s *Store) update(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return sqlitefault.Translate(err)
	}
	defer func() {
		// A panic in fn must not leave the one writer connection inside a
		// transaction, which would stall every later write.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = errors.Join(err, rerr)
		}
		return sqlitefault.Translate(err)
	}
	return sqlitefault.Translate(tx.Commit())
}

// closeRows closes rows on a read path where Close has nothing to report: once
// Next returns false the rows are already closed and iteration errors come from
// rows.Err, which callers check; on an early return the caller is already
// returning an error.
func closeRows(rows *sql.Rows) { _ = rows.Close() }

// topicRow is a broker_topics row, in the order of topicCols.
type topicRow struct {
	ID              int64
	Name            string
	Kind            string
	ValueSubject    string
	KeySubject      string
	Encoding        string
	FirstVersion    int
	LastVersion     int
	MaxAgeNs        int64
	MaxBytes        int64
	MaxEvents       int64
	OnInvalid       string
	DeadLetterTopic string
	MaxDeliveries   int
	VisibilityNs    int64
	CreatedAt       int64
	UpdatedAt       int64
	NextOffset      int64
	EventCount      int64
	ByteCount       int64
}

// topicConfigCols are the columns PutTopic writes: a topic's configuration,
// in topicRow's order. The counters after them change with the events only.
const topicConfigCols = "name, kind, value_subject, key_subject, encoding, first_version, last_version, max_age_ns, max_bytes, max_events, " +
	"on_invalid, dead_letter_topic, max_deliveries, visibility_ns, created_at, updated_at"

// topicCols are broker_topics' columns in topicRow's order.
const topicCols = "id, " + topicConfigCols + ", next_offset, event_count, byte_count"

// config is r's values for topicConfigCols.
func (r *topicRow) config() []any {
	return []any{r.Name, r.Kind, r.ValueSubject, r.KeySubject, r.Encoding, r.FirstVersion, r.LastVersion,
		r.MaxAgeNs, r.MaxBytes, r.MaxEvents, r.OnInvalid, r.DeadLetterTopic, r.MaxDeliveries, r.VisibilityNs,
		r.CreatedAt, r.UpdatedAt}
}

// fields are pointers to r's fields in topicCols' order, for Scan.
func (r *topicRow) fields() []any {
	return []any{&r.ID, &r.Name, &r.Kind, &r.ValueSubject, &r.KeySubject, &r.Encoding, &r.FirstVersion, &r.LastVersion,
		&r.MaxAgeNs, &r.MaxBytes, &r.MaxEvents, &r.OnInvalid, &r.DeadLetterTopic, &r.MaxDeliveries, &r.VisibilityNs,
		&r.CreatedAt, &r.UpdatedAt, &r.NextOffset, &r.EventCount, &r.ByteCount}
}

// topicByID reads one topic row; found is false when there is none.
func topicByID(ctx context.Context, q querier, id int64) (row topicRow, found bool, err error) {
	err = q.QueryRowContext(ctx, "SELECT "+topicCols+" FROM broker_topics WHERE id = ?", id).Scan(row.fields()...)
	if errors.Is(err, sql.ErrNoRows) {
		return row, false, nil
	}
	return row, err == nil, err
}

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
	rows, err := s.topicRows(ctx)
	if err != nil {
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

// topicRows reads every topic row, by name.
func (s *Store) topicRows(ctx context.Context) ([]topicRow, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+topicCols+" FROM broker_topics ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	var out []topicRow
	for rows.Next() {
		var r topicRow
		if err := rows.Scan(r.fields()...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutTopic implements broker.Log.
func (s *Store) PutTopic(ctx context.Context, t broker.Topic) error {
	row := rowOf(t)
	err := s.update(ctx, func(tx *sql.Tx) error {
		params := strings.TrimSuffix(strings.Repeat("?, ", strings.Count(topicConfigCols, ",")+1), ", ")
		err := tx.QueryRowContext(ctx, "SELECT id FROM broker_topics WHERE name = ?", t.Name).Scan(&row.ID)
		if err == nil {
			// Replace the configuration; the counters stay.
			return exec(ctx, tx, "UPDATE broker_topics SET ("+topicConfigCols+") = ("+params+") WHERE id = ?", append(row.config(), row.ID)...)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO broker_topics ("+topicConfigCols+") VALUES ("+params+")", row.config()...)
		if err != nil {
			return err
		}
		if row.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		if row.ID > maxTopicID {
			return fmt.Errorf("brokerdb: topic id %d exceeds %d", row.ID, maxTopicID)
		}
		return nil
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
	err = s.update(ctx, func(tx *sql.Tx) error {
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
			if err := exec(ctx, tx, q.sql, q.args...); err != nil {
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
	row, found, err := topicByID(ctx, s.r, id)
	if err != nil {
		return broker.Stats{}, err
	}
	if !found {
		return broker.Stats{}, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, topic)
	}
	return s.stats(ctx, s.r, &row)
}

func (s *Store) stats(ctx context.Context, db querier, row *topicRow) (broker.Stats, error) {
	st := broker.Stats{Events: row.EventCount, Bytes: row.ByteCount, NextOffset: row.NextOffset, FirstOffset: -1, LastOffset: -1}
	if row.EventCount == 0 {
		return st, nil
	}
	lo, hi := topicRange(row.ID)
	var first, last sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT (SELECT min(seq) FROM broker_events WHERE seq >= ? AND seq < ?), (SELECT max(seq) FROM broker_events WHERE seq >= ? AND seq < ?)", lo, hi, lo, hi).Scan(&first, &last)
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
	err := s.update(ctx, func(tx *sql.Tx) error {
		// The hot path runs statements prepared once at Open (on the single
		// writer connection) inside the transaction: preparing a 640-parameter
		// INSERT costs more than running it.
		stmt := func(st *sql.Stmt) *sql.Stmt { return tx.StmtContext(ctx, st) }
		// Rows of every batch are inserted together: chunks of insertChunk rows,
		// the rest in chunks of insertSmall and then one by one.
		args := make([]any, 0, insertChunk*10)
		rows := 0
		run := func(st *sql.Stmt, n int) error {
			_, err := stmt(st).ExecContext(ctx, args[:n*10]...)
			args = append(args[:0], args[n*10:]...)
			rows -= n
			return err
		}
		flush := func() error {
			for rows >= insertChunk {
				if err := run(s.ins[insertChunk], insertChunk); err != nil {
					return err
				}
			}
			for rows >= insertSmall {
				if err := run(s.ins[insertSmall], insertSmall); err != nil {
					return err
				}
			}
			for rows > 0 {
				if err := run(s.ins[1], 1); err != nil {
					return err
				}
			}
			return nil
		}
		for bi, b := range batches {
			var id, next int64
			if err := tx.QueryRowContext(ctx, "SELECT id, next_offset FROM broker_topics WHERE name = ?", b.Topic).Scan(&id, &next); err != nil {
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
			if err := exec(ctx, tx, "UPDATE broker_topics SET next_offset = ?, event_count = event_count + ?, byte_count = byte_count + ? WHERE id = ?", d.next, d.count, d.bytes, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
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
	rows, err := s.r.QueryContext(ctx, "SELECT "+eventCols+" FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?", seqOf(id, from), hi, limit)
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
	err = s.r.QueryRowContext(ctx, "SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, t.UnixNano()).Scan(&seq)
	if err != nil {
		return 0, err
	}
	if seq.Valid {
		return offsetOf(seq.Int64), nil
	}
	var next int64
	if err := s.r.QueryRowContext(ctx, "SELECT next_offset FROM broker_topics WHERE id = ?", id).Scan(&next); err != nil {
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
	err = s.update(ctx, func(tx *sql.Tx) error {
		res = broker.LeaseResult{}
		var leased []int64
		var dead []int64
		after := lo
		for len(leased) < req.Max {
			type cand struct{ seq, deliveries int64 }
			var cands []cand
			rows, err := tx.QueryContext(ctx, "SELECT seq, deliveries FROM broker_queue WHERE seq >= ? AND seq < ? AND visible_at <= ? ORDER BY seq LIMIT ?", after, hi, now, req.Max-len(leased))
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
		if err := exec(ctx, tx, "UPDATE broker_queue SET deliveries = deliveries + 1, visible_at = ? WHERE seq IN ("+in+")", append([]any{visible}, args...)...); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+eventCols+", q.deliveries FROM broker_events JOIN broker_queue q USING (seq) WHERE seq IN ("+in+") ORDER BY seq", args...)
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
func (s *Store) moveDead(ctx context.Context, tx *sql.Tx, id, dlID int64, seqs []int64, req broker.LeaseRequest) error {
	in, args := inList(seqs)
	rows, err := tx.QueryContext(ctx, "SELECT "+eventCols+" FROM broker_events WHERE seq IN ("+in+") ORDER BY seq", args...)
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
	if err := s.removeQueued(ctx, tx, id, in, args); err != nil {
		return err
	}
	var dlName string
	var dlKind string
	if err := tx.QueryRowContext(ctx, "SELECT name, kind FROM broker_topics WHERE id = ?", dlID).Scan(&dlName, &dlKind); err != nil {
		return fmt.Errorf("dead-letter topic: %w", err)
	}
	// Append inside this transaction: reuse the same code path by hand.
	var next int64
	if err := tx.QueryRowContext(ctx, "SELECT next_offset FROM broker_topics WHERE id = ?", dlID).Scan(&next); err != nil {
		return err
	}
	var bytes int64
	for _, r := range recs {
		size := int64(r.Size())
		bytes += size
		if err := exec(ctx, tx, insertSQL(1), seqOf(dlID, next), dlID, r.Time.UnixNano(), nullString(r.ID), r.Key, r.Value,
			nullString(encodeHeaders(r.Headers)), r.SchemaID, r.KeySchemaID, size); err != nil {
			return err
		}
		if dlKind == broker.Queue.String() {
			if err := exec(ctx, tx, insertQueueSQL, seqOf(dlID, next), r.Time.UnixNano()); err != nil {
				return err
			}
		}
		next++
	}
	return exec(ctx, tx, "UPDATE broker_topics SET next_offset = ?, event_count = event_count + ?, byte_count = byte_count + ? WHERE id = ?", next, len(recs), bytes, dlID)
}

// removeQueued deletes queue messages (queue rows and events) listed by seq and
// updates the topic's counters.
func (s *Store) removeQueued(ctx context.Context, tx *sql.Tx, id int64, in string, args []any) error {
	if err := exec(ctx, tx, "DELETE FROM broker_queue WHERE seq IN ("+in+")", args...); err != nil {
		return err
	}
	var n, bytes sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT count(*), sum(size) FROM broker_events WHERE seq IN ("+in+")", args...).Scan(&n, &bytes); err != nil {
		return err
	}
	if err := exec(ctx, tx, "DELETE FROM broker_events WHERE seq IN ("+in+")", args...); err != nil {
		return err
	}
	return exec(ctx, tx, "UPDATE broker_topics SET event_count = event_count - ?, byte_count = byte_count - ? WHERE id = ?", n.Int64, bytes.Int64, id)
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
func current(ctx context.Context, tx *sql.Tx, id int64, ids []broker.AckID) ([]int64, error) {
	want := make(map[int64]int, len(ids))
	seqs := make([]int64, len(ids))
	for i, a := range ids {
		seqs[i] = seqOf(id, a.Offset)
		want[seqs[i]] = a.Delivery
	}
	in, args := inList(seqs)
	rows, err := tx.QueryContext(ctx, "SELECT seq, deliveries FROM broker_queue WHERE seq IN ("+in+") ORDER BY seq", args...)
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
func (s *Store) eachAckChunk(ctx context.Context, topic string, ids []broker.AckID, apply func(tx *sql.Tx, id int64, seqs []int64) error) (int, error) {
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
		err := s.update(ctx, func(tx *sql.Tx) error {
			seqs, err := current(ctx, tx, id, chunk)
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
	return s.eachAckChunk(ctx, topic, ids, func(tx *sql.Tx, id int64, seqs []int64) error {
		in, args := inList(seqs)
		return s.removeQueued(ctx, tx, id, in, args)
	})
}

// Nack implements broker.Log. Long lists are applied in chunks of ackChunk ids,
// each in its own transaction.
func (s *Store) Nack(ctx context.Context, topic string, ids []broker.AckID, visibleAt time.Time) (int, error) {
	return s.eachAckChunk(ctx, topic, ids, func(tx *sql.Tx, _ int64, seqs []int64) error {
		in, args := inList(seqs)
		return exec(ctx, tx, "UPDATE broker_queue SET visible_at = ? WHERE seq IN ("+in+")", append([]any{visibleAt.UnixNano()}, args...)...)
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
	// A topic deleted meanwhile reads as empty: nothing to trim.
	row, _, err := topicByID(ctx, s.r, id)
	if err != nil {
		return 0, err
	}
	cut := lo // delete seqs in [lo, cut)
	db := s.r
	if !r.Before.IsZero() {
		var seq sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, r.Before.UnixNano()).Scan(&seq); err != nil {
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
		if err := db.QueryRowContext(ctx, "SELECT seq FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT 1 OFFSET ?", lo, hi, row.EventCount-r.MaxEvents).Scan(&seq); err == nil {
			cut = max(cut, seq)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if r.MaxBytes > 0 && row.ByteCount > r.MaxBytes {
		excess := row.ByteCount - r.MaxBytes
		rows, err := db.QueryContext(ctx, "SELECT seq, size FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq", lo, hi)
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
		err := s.update(ctx, func(tx *sql.Tx) error {
			var upto sql.NullInt64
			var bytes sql.NullInt64
			if err := tx.QueryRowContext(ctx, "SELECT max(seq), count(*), sum(size) FROM (SELECT seq, size FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?)", lo, cut, trimChunk).Scan(&upto, &n, &bytes); err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			for _, q := range []string{"DELETE FROM broker_events WHERE seq >= ? AND seq <= ?", "DELETE FROM broker_queue WHERE seq >= ? AND seq <= ?"} {
				if err := exec(ctx, tx, q, lo, upto.Int64); err != nil {
					return err
				}
			}
			return exec(ctx, tx, "UPDATE broker_topics SET event_count = event_count - ?, byte_count = byte_count - ? WHERE id = ?", n, bytes.Int64, id)
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

// CommitOffsets implements broker.Log: one transaction, so a failure part-way
// (an unknown topic, a full disk) leaves every offset as it was.
func (s *Store) CommitOffsets(ctx context.Context, group string, offsets []broker.GroupOffset) error {
	ids := make([]int64, len(offsets))
	for i, o := range offsets {
		id, err := s.id(o.Topic)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	now := time.Now().UnixNano()
	return s.update(ctx, func(tx *sql.Tx) error {
		for i, o := range offsets {
			if err := exec(ctx, tx, upsertGroupOffsetSQL, group, ids[i], o.Offset, now); err != nil {
				return err
			}
			if commitOffsetHook != nil {
				if err := commitOffsetHook(i); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// commitOffsetHook, when set (by tests only), runs inside CommitOffsets'
// transaction after the i-th offset is written; an error it returns fails the
// commit there, as a driver error would.
var commitOffsetHook func(i int) error

// Offsets implements broker.Log.
func (s *Store) Offsets(ctx context.Context, group string) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT t.name, g.next_offset FROM broker_group_offsets g JOIN broker_topics t ON t.id = g.topic_id WHERE g.group_name = ?", group)
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
	rows, err := s.r.QueryContext(ctx, "SELECT t.name, d.dedup_key, d.off, d.time FROM broker_dedup d JOIN broker_topics t ON t.id = d.topic_id WHERE d.time >= ? ORDER BY d.time", since.UnixNano())
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
	return exec(ctx, s.w, "DELETE FROM broker_dedup WHERE time < ?", before.UnixNano())
}

// SaveObservations implements broker.Log.
func (s *Store) SaveObservations(ctx context.Context, obs []broker.Observation) error {
	return s.update(ctx, func(tx *sql.Tx) error {
		for _, o := range obs {
			err := exec(ctx, tx, upsertObservationSQL, o.Topic, o.Role.String(), o.Client, o.FirstSeen.UnixNano(), o.LastSeen.UnixNano(), o.Count)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Observations implements broker.Log.
func (s *Store) Observations(ctx context.Context) ([]broker.Observation, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT topic, role, client, first_seen, last_seen, count FROM broker_lineage ORDER BY topic, role, client")
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
	err := s.update(ctx, func(tx *sql.Tx) error {
		if !p.Before.IsZero() {
			if err := execCount(ctx, tx, &n, "DELETE FROM broker_lineage WHERE last_seen < ?", p.Before.UnixNano()); err != nil {
				return err
			}
		}
		if p.Keep <= 0 {
			return nil
		}
		for _, topic := range p.Topics {
			if err := execCount(ctx, tx, &n, pruneObservationsSQL, topic, p.Keep); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// GroupsOf implements broker.Log.
func (s *Store) GroupsOf(ctx context.Context, topic string) ([]broker.GroupCommit, error) {
	id, err := s.id(topic)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT group_name, next_offset FROM broker_group_offsets WHERE topic_id = ? ORDER BY group_name", id)
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	var out []broker.GroupCommit
	for rows.Next() {
		var g broker.GroupCommit
		if err := rows.Scan(&g.Group, &g.Offset); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// QueueCounts implements broker.Log.
func (s *Store) QueueCounts(ctx context.Context, topic string, now time.Time) (visible, hidden int64, err error) {
	id, err := s.id(topic)
	if err != nil {
		return 0, 0, err
	}
	lo, hi := topicRange(id)
	var vis, hid sql.NullInt64
	err = s.r.QueryRowContext(ctx, "SELECT sum(visible_at <= ?), sum(visible_at > ?) FROM broker_queue WHERE seq >= ? AND seq < ?",
		now.UnixNano(), now.UnixNano(), lo, hi).Scan(&vis, &hid)
	return vis.Int64, hid.Int64, err
}
