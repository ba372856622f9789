// Package brokerdb is the broker's log on SQL: a broker.Log on SQLite (the
// embedded default, in its own database file so publishes never wait on
// registry writes) or on PostgreSQL, which several Herald instances share. Its
// code is SQL over a custom layout (below), not rows an ORM could model, so it
// talks to database/sql directly. The SQL is written once, with ? placeholders;
// what is an engine's own (its DDL, its placeholders, row locks, error codes)
// is behind the small dialect interface, in dialect.go for SQLite and
// postgres.go for PostgreSQL.
//
// Layout: every event is one row of broker_events whose integer primary key is
// seq = topic id << 40 | offset, so a topic's events are one contiguous range of
// the primary key in offset order: appends go to the end of the range and
// reads are range scans, with no second index. Offsets therefore stay below
// 2^40 per topic and topic ids below 2^23. Queue state (visibility, deliveries)
// lives in broker_queue under the same seq. Each topic row keeps its next
// offset, event count and byte count, updated in the transaction that changes
// them, so stats never scan events.
//
// Concurrency. SQLite: all writes go through one connection (w), so SQLite
// never sees two writers and a lease can never hand one message to two
// consumers; reads use a pool of connections (r) that WAL lets run beside the
// writer. PostgreSQL: one pool serves both, and writers of several instances
// meet in the database. An append allocates its offsets by incrementing its
// topics' next_offset (UPDATE … RETURNING), topics in name order, so the row
// lock orders appenders to one topic and two appends never deadlock; a lease
// picks its messages with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
// receivers pass over each other's; acks lock the queue rows they delete, and
// counters are changed by what a DELETE … RETURNING really removed. A
// transaction that still meets another in a deadlock is run again (see update).
package brokerdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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

// Options tune the SQLite store. The zero value is the durable default.
type Options struct {
	// Synchronous is SQLite's synchronous pragma for the log. "" or "FULL": every
	// commit is fsynced, so an acknowledged event survives a power cut, not only a
	// crash (group commit amortises the fsync). "NORMAL": survives a process
	// crash, may lose the last commits on power loss; faster.
	Synchronous string
	// ReadConns bounds the read pool. Zero: 8.
	ReadConns int
}

// Store is the log on SQLite or PostgreSQL. It is safe for concurrent use.
type Store struct {
	w *sql.DB // SQLite: one connection, every write; PostgreSQL: the pool
	r *sql.DB // SQLite: the read pool; PostgreSQL: w
	d dialect

	// ins (by row count), insQueue and insDedup are the append statements,
	// prepared once (SQLite: on the writer connection).
	ins                map[int]*sql.Stmt
	insQueue, insDedup *sql.Stmt

	// mu protects ids, the topic name → id cache, used when the dialect says
	// the store is the only writer of broker_topics (then it is complete).
	mu  sync.RWMutex
	ids map[string]int64
}

// Open opens (creating if needed) the SQLite log at path and migrates it. The
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
	return newStore(ctx, w, r, sqliteDialect{})
}

// newStore prepares the append statements and, when the dialect caches topic
// ids, loads them. It closes the pools when it fails.
func newStore(ctx context.Context, w, r *sql.DB, d dialect) (*Store, error) {
	s := &Store{w: w, r: r, d: d, ids: map[string]int64{}, ins: map[int]*sql.Stmt{}}
	if err := s.prepare(ctx); err != nil {
		_ = s.Close() // error path: the prepare error is the one to report
		return nil, fmt.Errorf("brokerdb: prepare: %w", err)
	}
	if d.cachesIDs() {
		if err := s.loadIDs(ctx); err != nil {
			_ = s.Close() // error path: the load error is the one to report
			return nil, fmt.Errorf("brokerdb: load topics: %w", err)
		}
	}
	return s, nil
}

// loadIDs fills the topic id cache.
func (s *Store) loadIDs(ctx context.Context) error {
	return s.wq().each(ctx, "SELECT id, name FROM broker_topics", nil, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		s.ids[name] = id
		return nil
	})
}

// prepare prepares the append statements on the writer.
func (s *Store) prepare(ctx context.Context) error {
	for q, dst := range map[string]**sql.Stmt{insertQueueSQL: &s.insQueue, upsertDedupSQL: &s.insDedup} {
		st, err := s.w.PrepareContext(ctx, s.d.rebind(q))
		if err != nil {
			return err
		}
		*dst = st
	}
	for _, n := range []int{insertChunk, insertSmall, 1} {
		st, err := s.w.PrepareContext(ctx, s.d.rebind(insertSQL(n)))
		if err != nil {
			return err
		}
		s.ins[n] = st
	}
	return nil
}

// Close closes the connection pools (and with the writer, its prepared
// statements).
func (s *Store) Close() error {
	if s.r == s.w {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// ProbeWrite checks that the database would accept a small write, keeping
// nothing. Readiness uses it: on SQLite, to notice that a full disk has room
// again; on PostgreSQL, that it is reachable and not a read-only standby.
func (s *Store) ProbeWrite(ctx context.Context) error { return s.d.probeWrite(ctx, s.w) }

// querier is what a conn runs on: a pool or a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn runs the package's SQL (? placeholders) on q in the dialect's
// spelling, and translates driver errors (a full disk, an unreachable server)
// into the errors the server maps.
type conn struct {
	q querier
	d dialect
}

func (s *Store) rq() conn { return conn{s.r, s.d} }
func (s *Store) wq() conn { return conn{s.w, s.d} }

// exec runs a statement for its error only.
func (c conn) exec(ctx context.Context, query string, args ...any) error {
	_, err := c.q.ExecContext(ctx, c.d.rebind(query), args...)
	return c.d.translate(err)
}

// execCount runs a statement and adds the rows it changed to *n.
func (c conn) execCount(ctx context.Context, n *int64, query string, args ...any) error {
	res, err := c.q.ExecContext(ctx, c.d.rebind(query), args...)
	if err != nil {
		return c.d.translate(err)
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := c.q.QueryContext(ctx, c.d.rebind(query), args...)
	return rows, c.d.translate(err)
}

// each runs a query and calls scan on each row, in order. The rows are closed
// before it returns, so a transaction can go on to its next statement; the
// error is the query's, the first of scan, or the iteration's.
func (c conn) each(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := c.query(ctx, query, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		if err := scan(rows); err != nil {
			closeRows(rows)
			return err
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// scan runs a one-row query and scans it into dest; no row is sql.ErrNoRows.
func (c conn) scan(ctx context.Context, dest []any, query string, args ...any) error {
	return c.d.translate(c.q.QueryRowContext(ctx, c.d.rebind(query), args...).Scan(dest...))
}

// txn is a write transaction: a conn on it, and the transaction for the
// prepared statements.
type txn struct {
	conn
	tx *sql.Tx
}

// stmt runs a prepared statement inside the transaction.
func (t txn) stmt(ctx context.Context, st *sql.Stmt, args ...any) error {
	_, err := t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	return t.d.translate(err)
}

// maxAttempts bounds how often update runs a transaction that met another in
// a deadlock or a serialization failure (PostgreSQL).
const maxAttempts = 5

// update runs fn in one write transaction, committing when fn succeeds
// (SQLite: BEGIN IMMEDIATE on the writer connection, see sqlstore.DSN). fn
// may run again, from its start, when the dialect says the transaction failed
// only because it met another: fn must reset what it computes. Errors are
// translated by the dialect, so a full disk is dbfile.ErrDiskFull and an
// unreachable PostgreSQL pgstore.ErrUnavailable.
func (s *Store) update(ctx context.Context, fn func(tx txn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.d.translate(s.updateOnce(ctx, fn))
		if err == nil || attempt == maxAttempts || !s.d.retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

func (s *Store) updateOnce(ctx context.Context, fn func(tx txn) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		// A panic in fn must not leave the one writer connection inside a
		// transaction, which would stall every later write.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(txn{conn{tx, s.d}, tx}); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			err = errors.Join(err, rerr)
		}
		return err
	}
	return tx.Commit()
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

// upsertTopicSQL creates a topic or replaces its configuration, keeping its
// id and counters, in one statement: two instances creating one topic at once
// both succeed, with one row.
var upsertTopicSQL = "INSERT INTO broker_topics (" + topicConfigCols + ") VALUES (" +
	strings.TrimSuffix(strings.Repeat("?, ", strings.Count(topicConfigCols, ",")+1), ", ") +
	") ON CONFLICT (name) DO UPDATE SET (" + topicConfigCols + ") = (excluded." +
	strings.ReplaceAll(topicConfigCols, ", ", ", excluded.") + ") RETURNING id"

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

// topicByName reads one topic row; a missing one is broker.ErrTopicNotFound.
func topicByName(ctx context.Context, c conn, name string) (row topicRow, err error) {
	err = c.scan(ctx, row.fields(), "SELECT "+topicCols+" FROM broker_topics WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return row, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
	}
	return row, err
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

// id returns a topic's id: from the cache when the dialect keeps one (the
// store is then the only writer of topics), else from the database, so that a
// topic another instance created, deleted or created again is seen at once.
func (s *Store) id(ctx context.Context, name string) (int64, error) {
	if s.d.cachesIDs() {
		s.mu.RLock()
		id, ok := s.ids[name]
		s.mu.RUnlock()
		if !ok {
			return 0, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
		}
		return id, nil
	}
	var id int64
	err := s.rq().scan(ctx, []any{&id}, "SELECT id FROM broker_topics WHERE name = ?", name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
	}
	return id, err
}

// remember updates the topic id cache, when the dialect keeps one, after a
// committed PutTopic (id > 0) or DeleteTopic (id 0).
func (s *Store) remember(name string, id int64) {
	if !s.d.cachesIDs() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == 0 {
		delete(s.ids, name)
	} else {
		s.ids[name] = id
	}
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
		st, err := s.stats(ctx, &rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, broker.TopicInfo{Topic: t, Stats: st})
	}
	return out, nil
}

// topicRows reads every topic row, by name.
func (s *Store) topicRows(ctx context.Context) ([]topicRow, error) {
	var out []topicRow
	err := s.rq().each(ctx, "SELECT "+topicCols+" FROM broker_topics ORDER BY name", nil, func(rows *sql.Rows) error {
		var r topicRow
		if err := rows.Scan(r.fields()...); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// PutTopic implements broker.Log.
func (s *Store) PutTopic(ctx context.Context, t broker.Topic) error {
	row := rowOf(t)
	err := s.update(ctx, func(tx txn) error {
		if err := tx.scan(ctx, []any{&row.ID}, upsertTopicSQL, row.config()...); err != nil {
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
	s.remember(t.Name, row.ID)
	return nil
}

// DeleteTopic implements broker.Log. The topic row goes first: it waits for
// appends in flight to the topic (which hold it) and makes later ones fail,
// so the events deleted after it are all there will be.
func (s *Store) DeleteTopic(ctx context.Context, name string) error {
	err := s.update(ctx, func(tx txn) error {
		var id int64
		err := tx.scan(ctx, []any{&id}, "DELETE FROM broker_topics WHERE name = ? RETURNING id", name)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
		}
		if err != nil {
			return err
		}
		lo, hi := topicRange(id)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM broker_queue WHERE seq >= ? AND seq < ?", []any{lo, hi}},
			{"DELETE FROM broker_events WHERE seq >= ? AND seq < ?", []any{lo, hi}},
			{"DELETE FROM broker_dedup WHERE topic_id = ?", []any{id}},
			{"DELETE FROM broker_group_offsets WHERE topic_id = ?", []any{id}},
		} {
			if err := tx.exec(ctx, q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.remember(name, 0)
	return nil
}

// Stats implements broker.Log.
func (s *Store) Stats(ctx context.Context, topic string) (broker.Stats, error) {
	row, err := topicByName(ctx, s.rq(), topic)
	if err != nil {
		return broker.Stats{}, err
	}
	return s.stats(ctx, &row)
}

func (s *Store) stats(ctx context.Context, row *topicRow) (broker.Stats, error) {
	st := broker.Stats{Events: row.EventCount, Bytes: row.ByteCount, NextOffset: row.NextOffset, FirstOffset: -1, LastOffset: -1}
	if row.EventCount == 0 {
		return st, nil
	}
	lo, hi := topicRange(row.ID)
	var first, last sql.NullInt64
	err := s.rq().scan(ctx, []any{&first, &last}, "SELECT (SELECT min(seq) FROM broker_events WHERE seq >= ? AND seq < ?), (SELECT max(seq) FROM broker_events WHERE seq >= ? AND seq < ?)", lo, hi, lo, hi)
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
// parameters each, well under SQLite's 32766 and PostgreSQL's 65535 limits).
const (
	insertChunk = 64
	insertSmall = 8
)

// insertSQL is the INSERT of n event rows.
func insertSQL(n int) string {
	return insertCols + strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?),", n), ",")
}

// insertQueueSQL makes an event a visible queue message.
const insertQueueSQL = "INSERT INTO broker_queue (seq, visible_at, deliveries) VALUES (?, ?, 0)"

// upsertDedupSQL remembers a dedup key; a key seen again (after its window)
// points at the newer offset.
const upsertDedupSQL = `INSERT INTO broker_dedup (topic_id, dedup_key, off, time) VALUES (?, ?, ?, ?)
ON CONFLICT (topic_id, dedup_key) DO UPDATE SET off = excluded.off, time = excluded.time`

// allocateSQL takes n offsets of a topic (and counts its new events and
// bytes) and returns the topic's id and its next offset after them. Run inside
// the append's transaction, its row lock makes a concurrent append to the
// topic wait until this one commits or rolls back, so offsets are handed out
// once, consecutively, on every engine.
const allocateSQL = "UPDATE broker_topics SET next_offset = next_offset + ?, event_count = event_count + ?, byte_count = byte_count + ? WHERE name = ? RETURNING id, next_offset"

// Append implements broker.Log.
func (s *Store) Append(ctx context.Context, batches []broker.Batch) ([]int64, error) {
	var firsts []int64
	err := s.update(ctx, func(tx txn) error {
		var err error
		firsts, err = s.appendTx(ctx, tx, batches)
		return err
	})
	if err != nil {
		return nil, err
	}
	return firsts, nil
}

// appendTx appends batches inside tx and returns each batch's first offset.
func (s *Store) appendTx(ctx context.Context, tx txn, batches []broker.Batch) ([]int64, error) {
	// Offsets first: one allocation per topic, topics in name order, so two
	// appends that touch the same topics lock their rows in the same order.
	type alloc struct{ id, next, n, bytes int64 }
	allocs := map[string]*alloc{}
	for _, b := range batches {
		a := allocs[b.Topic]
		if a == nil {
			a = &alloc{}
			allocs[b.Topic] = a
		}
		for i := range b.Records {
			a.n++
			a.bytes += int64(b.Records[i].Size())
		}
	}
	names := make([]string, 0, len(allocs))
	for name := range allocs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		a := allocs[name]
		var end int64
		err := tx.scan(ctx, []any{&a.id, &end}, allocateSQL, a.n, a.n, a.bytes, name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%w: %s", broker.ErrTopicNotFound, name)
		}
		if err != nil {
			return nil, err
		}
		if end >= 1<<seqBits {
			return nil, fmt.Errorf("brokerdb: topic %s is out of offsets", name)
		}
		a.next = end - a.n
	}

	// The hot path runs statements prepared once at Open (on SQLite, on the
	// single writer connection) inside the transaction: preparing a
	// 640-parameter INSERT costs more than running it. Rows of every batch are
	// inserted together: chunks of insertChunk rows, the rest in chunks of
	// insertSmall and then one by one.
	args := make([]any, 0, insertChunk*10)
	rows := 0
	run := func(n int) error {
		err := tx.stmt(ctx, s.ins[n], args[:n*10]...)
		args = append(args[:0], args[n*10:]...)
		rows -= n
		return err
	}
	flush := func() error {
		for _, n := range []int{insertChunk, insertSmall, 1} {
			for rows >= n {
				if err := run(n); err != nil {
					return err
				}
			}
		}
		return nil
	}
	firsts := make([]int64, len(batches))
	for bi, b := range batches {
		a := allocs[b.Topic]
		firsts[bi] = a.next
		for i := range b.Records {
			r := &b.Records[i]
			value := r.Value
			if value == nil {
				value = []byte{} // an empty payload is not a missing one
			}
			seq := seqOf(a.id, a.next)
			args = append(args, seq, a.id, r.Time.UnixNano(), nullString(r.ID), r.Key, value,
				nullString(encodeHeaders(r.Headers)), r.SchemaID, r.KeySchemaID, int64(r.Size()))
			rows++
			if rows == insertChunk {
				if err := flush(); err != nil {
					return nil, err
				}
			}
			if b.Queue {
				if err := tx.stmt(ctx, s.insQueue, seq, r.Time.UnixNano()); err != nil {
					return nil, err
				}
			}
			if b.DedupKeys != nil && b.DedupKeys[i] != "" {
				if err := tx.stmt(ctx, s.insDedup, a.id, b.DedupKeys[i], a.next, r.Time.UnixNano()); err != nil {
					return nil, err
				}
			}
			a.next++
		}
	}
	if err := flush(); err != nil {
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

// scanRecord scans eventCols and then extra.
func scanRecord(rows *sql.Rows, extra ...any) (broker.Record, error) {
	var (
		r        broker.Record
		seq, t   int64
		id, hdrs sql.NullString
	)
	if err := rows.Scan(append([]any{&seq, &t, &id, &r.Key, &r.Value, &hdrs, &r.SchemaID, &r.KeySchemaID}, extra...)...); err != nil {
		return r, err
	}
	r.Offset, r.Time, r.ID = offsetOf(seq), time.Unix(0, t).UTC(), id.String
	if r.Value == nil {
		r.Value = []byte{}
	}
	if hdrs.Valid && hdrs.String != "" {
		if err := json.Unmarshal([]byte(hdrs.String), &r.Headers); err != nil {
			return r, fmt.Errorf("brokerdb: headers of offset %d: %w", r.Offset, err)
		}
	}
	return r, nil
}

// Read implements broker.Log.
func (s *Store) Read(ctx context.Context, topic string, from int64, limit, maxBytes int) ([]broker.Record, error) {
	id, err := s.id(ctx, topic)
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
	rows, err := s.rq().query(ctx, "SELECT "+eventCols+" FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?", seqOf(id, from), hi, limit)
	if err != nil {
		return nil, err
	}
	defer closeRows(rows)
	out := make([]broker.Record, 0, min(limit, 1024))
	size := 0
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		if size += r.Size(); maxBytes > 0 && size >= maxBytes {
			break // closeRows drops the rest unread
		}
	}
	return out, s.d.translate(rows.Err())
}

// OffsetAt implements broker.Log.
func (s *Store) OffsetAt(ctx context.Context, topic string, t time.Time) (int64, error) {
	id, err := s.id(ctx, topic)
	if err != nil {
		return 0, err
	}
	var seq sql.NullInt64
	if err := s.rq().scan(ctx, []any{&seq}, "SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, t.UnixNano()); err != nil {
		return 0, err
	}
	if seq.Valid {
		return offsetOf(seq.Int64), nil
	}
	var next int64
	if err := s.rq().scan(ctx, []any{&next}, "SELECT next_offset FROM broker_topics WHERE id = ?", id); err != nil {
		return 0, err
	}
	return next, nil
}

// Lease implements broker.Log.
func (s *Store) Lease(ctx context.Context, req broker.LeaseRequest) (broker.LeaseResult, error) {
	var res broker.LeaseResult
	id, err := s.id(ctx, req.Topic)
	if err != nil {
		return res, err
	}
	if req.MaxDeliveries > 0 {
		if _, err = s.id(ctx, req.DeadLetterTopic); err != nil {
			return res, fmt.Errorf("dead-letter topic: %w", err)
		}
	}
	lo, hi := topicRange(id)
	now := req.Now.UnixNano()
	// Candidates are locked for the transaction, passing over rows another
	// lease holds (PostgreSQL): concurrent receivers never wait for each other
	// and never get the same message.
	pick := "SELECT seq, deliveries, (SELECT size FROM broker_events e WHERE e.seq = broker_queue.seq) FROM broker_queue" +
		" WHERE seq >= ? AND seq < ? AND visible_at <= ? ORDER BY seq LIMIT ?" + s.d.lockRows(true)
	err = s.update(ctx, func(tx txn) error {
		res = broker.LeaseResult{}
		var leased []int64
		var dead []int64
		after := lo
		size := int64(0)
		full := func() bool { return len(leased) >= req.Max || req.MaxBytes > 0 && size >= int64(req.MaxBytes) }
		for !full() {
			type cand struct{ seq, deliveries, size int64 }
			var cands []cand
			err := tx.each(ctx, pick, []any{after, hi, now, req.Max - len(leased)}, func(rows *sql.Rows) error {
				var c cand
				if err := rows.Scan(&c.seq, &c.deliveries, &c.size); err != nil {
					return err
				}
				cands = append(cands, c)
				return nil
			})
			if err != nil {
				return err
			}
			if len(cands) == 0 {
				break
			}
			for _, c := range cands {
				after = c.seq + 1
				if req.MaxDeliveries > 0 && c.deliveries >= int64(req.MaxDeliveries) {
					dead = append(dead, c.seq)
					continue
				}
				leased = append(leased, c.seq)
				if size += c.size; full() {
					break // the candidates after it stay visible
				}
			}
		}
		if len(dead) > 0 {
			n, err := s.moveDead(ctx, tx, id, dead, req)
			if err != nil {
				return err
			}
			res.DeadLettered = n
		}
		if len(leased) == 0 {
			return nil
		}
		visible := req.Now.Add(req.Visibility).UnixNano()
		in, args := inList(leased)
		if err := tx.exec(ctx, "UPDATE broker_queue SET deliveries = deliveries + 1, visible_at = ? WHERE seq IN ("+in+")", append([]any{visible}, args...)...); err != nil {
			return err
		}
		return tx.each(ctx, "SELECT "+eventCols+", q.deliveries FROM broker_events JOIN broker_queue q USING (seq) WHERE seq IN ("+in+") ORDER BY seq", args, func(rows *sql.Rows) error {
			var deliveries int
			r, err := scanRecord(rows, &deliveries)
			if err != nil {
				return err
			}
			r.Deliveries = deliveries
			r.AckID = broker.AckID{Offset: r.Offset, Delivery: deliveries}
			res.Records = append(res.Records, r)
			return nil
		})
	})
	if err != nil {
		return broker.LeaseResult{}, err
	}
	return res, nil
}

// moveDead moves queue messages to the dead-letter topic inside tx and returns
// how many it moved.
func (s *Store) moveDead(ctx context.Context, tx txn, id int64, seqs []int64, req broker.LeaseRequest) (int, error) {
	// Both topics' rows are locked in name order, the order appends lock them
	// in, before this transaction changes either.
	if lock := s.d.lockRows(false); lock != "" {
		if err := tx.exec(ctx, "SELECT id FROM broker_topics WHERE id = ? OR name = ? ORDER BY name"+lock, id, req.DeadLetterTopic); err != nil {
			return 0, err
		}
	}
	in, args := inList(seqs)
	var recs []broker.Record
	err := tx.each(ctx, "SELECT "+eventCols+" FROM broker_events WHERE seq IN ("+in+") ORDER BY seq", args, func(rows *sql.Rows) error {
		r, err := scanRecord(rows)
		if err != nil {
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
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if _, err := s.removeQueued(ctx, tx, id, seqs); err != nil {
		return 0, err
	}
	var dlKind string
	if err := tx.scan(ctx, []any{&dlKind}, "SELECT kind FROM broker_topics WHERE name = ?", req.DeadLetterTopic); err != nil {
		return 0, fmt.Errorf("dead-letter topic %s: %w", req.DeadLetterTopic, err)
	}
	_, err = s.appendTx(ctx, tx, []broker.Batch{{Topic: req.DeadLetterTopic, Records: recs, Queue: dlKind == broker.Queue.String()}})
	return len(recs), err
}

// removeQueued deletes queue messages (queue rows and events) listed by seq,
// updates the topic's counters by what it really deleted, and returns how many
// events that was.
func (s *Store) removeQueued(ctx context.Context, tx txn, id int64, seqs []int64) (int64, error) {
	in, args := inList(seqs)
	if err := tx.exec(ctx, "DELETE FROM broker_queue WHERE seq IN ("+in+")", args...); err != nil {
		return 0, err
	}
	return deleteEvents(ctx, tx, id, "seq IN ("+in+")", args...)
}

// deleteEvents deletes the topic's events that where selects and takes them
// off the topic's counters. The counts come from the DELETE itself, so two
// transactions deleting the same rows (PostgreSQL: the second waits for the
// first, then finds them gone) never count them twice.
func deleteEvents(ctx context.Context, tx txn, id int64, where string, args ...any) (int64, error) {
	var n, bytes int64
	err := tx.each(ctx, "DELETE FROM broker_events WHERE "+where+" RETURNING size", args, func(rows *sql.Rows) error {
		var size int64
		if err := rows.Scan(&size); err != nil {
			return err
		}
		n++
		bytes += size
		return nil
	})
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	return n, tx.exec(ctx, "UPDATE broker_topics SET event_count = event_count - ?, byte_count = byte_count - ? WHERE id = ?", n, bytes, id)
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
// current, with one query, locking them (PostgreSQL) so that a concurrent ack
// of the same ids waits and then finds them gone or changed.
func (s *Store) current(ctx context.Context, tx txn, id int64, ids []broker.AckID) ([]int64, error) {
	want := make(map[int64]int, len(ids))
	seqs := make([]int64, len(ids))
	for i, a := range ids {
		seqs[i] = seqOf(id, a.Offset)
		want[seqs[i]] = a.Delivery
	}
	in, args := inList(seqs)
	var out []int64
	err := tx.each(ctx, "SELECT seq, deliveries FROM broker_queue WHERE seq IN ("+in+") ORDER BY seq"+s.d.lockRows(false), args, func(rows *sql.Rows) error {
		var seq int64
		var deliveries int
		if err := rows.Scan(&seq, &deliveries); err != nil {
			return err
		}
		if want[seq] == deliveries {
			out = append(out, seq)
		}
		return nil
	})
	return out, err
}

// eachAckChunk runs apply on the current seqs of each chunk of ids, one
// transaction per chunk, and returns how many seqs were applied. It stops at
// the first error or when ctx ends; chunks already committed stay applied (an
// ack or nack is idempotent, so the client retries the whole list).
func (s *Store) eachAckChunk(ctx context.Context, topic string, ids []broker.AckID, apply func(tx txn, id int64, seqs []int64) (int, error)) (int, error) {
	id, err := s.id(ctx, topic)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, chunk := range ackChunks(ids) {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		err := s.update(ctx, func(tx txn) error {
			n = 0
			seqs, err := s.current(ctx, tx, id, chunk)
			if err != nil || len(seqs) == 0 {
				return err
			}
			n, err = apply(tx, id, seqs)
			return err
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
	return s.eachAckChunk(ctx, topic, ids, func(tx txn, id int64, seqs []int64) (int, error) {
		n, err := s.removeQueued(ctx, tx, id, seqs)
		return int(n), err
	})
}

// Nack implements broker.Log. Long lists are applied in chunks of ackChunk ids,
// each in its own transaction.
func (s *Store) Nack(ctx context.Context, topic string, ids []broker.AckID, visibleAt time.Time) (int, error) {
	return s.eachAckChunk(ctx, topic, ids, func(tx txn, _ int64, seqs []int64) (int, error) {
		in, args := inList(seqs)
		var n int64
		err := tx.execCount(ctx, &n, "UPDATE broker_queue SET visible_at = ? WHERE seq IN ("+in+")", append([]any{visibleAt.UnixNano()}, args...)...)
		return int(n), err
	})
}

// trimChunk bounds the events one retention transaction deletes, so publishes
// wait at most one chunk for the writer.
const trimChunk = 5000

// Trim implements broker.Log.
func (s *Store) Trim(ctx context.Context, topic string, r broker.TrimRequest) (int64, error) {
	row, err := topicByName(ctx, s.rq(), topic)
	if err != nil {
		return 0, err
	}
	id := row.ID
	lo, hi := topicRange(id)
	cut := lo // delete seqs in [lo, cut)
	db := s.rq()
	if !r.Before.IsZero() {
		var seq sql.NullInt64
		if err := db.scan(ctx, []any{&seq}, "SELECT min(seq) FROM broker_events WHERE topic_id = ? AND time >= ?", id, r.Before.UnixNano()); err != nil {
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
		if err := db.scan(ctx, []any{&seq}, "SELECT seq FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT 1 OFFSET ?", lo, hi, row.EventCount-r.MaxEvents); err == nil {
			cut = max(cut, seq)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
	}
	if r.MaxBytes > 0 && row.ByteCount > r.MaxBytes {
		excess := row.ByteCount - r.MaxBytes
		rows, err := db.query(ctx, "SELECT seq, size FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq", lo, hi)
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
		err := s.update(ctx, func(tx txn) error {
			n = 0
			var upto sql.NullInt64
			if err := tx.scan(ctx, []any{&upto}, "SELECT max(seq) FROM (SELECT seq FROM broker_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?) AS chunk", lo, cut, trimChunk); err != nil {
				return err
			}
			if !upto.Valid {
				return nil
			}
			// Queue rows before events, the order acks delete them in.
			if err := tx.exec(ctx, "DELETE FROM broker_queue WHERE seq >= ? AND seq <= ?", lo, upto.Int64); err != nil {
				return err
			}
			var err error
			n, err = deleteEvents(ctx, tx, id, "seq >= ? AND seq <= ?", lo, upto.Int64)
			return err
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

// upsertGroupOffsetSQL stores a group's next offset for a topic.
const upsertGroupOffsetSQL = `INSERT INTO broker_group_offsets (group_name, topic_id, next_offset, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (group_name, topic_id) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`

// CommitOffsets implements broker.Log: one transaction, so a failure part-way
// (an unknown topic, a full disk) leaves every offset as it was.
func (s *Store) CommitOffsets(ctx context.Context, group string, offsets []broker.GroupOffset) error {
	ids := make([]int64, len(offsets))
	for i, o := range offsets {
		id, err := s.id(ctx, o.Topic)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	now := time.Now().UnixNano()
	return s.update(ctx, func(tx txn) error {
		for i, o := range offsets {
			if err := tx.exec(ctx, upsertGroupOffsetSQL, group, ids[i], o.Offset, now); err != nil {
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
	out := map[string]int64{}
	err := s.rq().each(ctx, "SELECT t.name, g.next_offset FROM broker_group_offsets g JOIN broker_topics t ON t.id = g.topic_id WHERE g.group_name = ?", []any{group}, func(rows *sql.Rows) error {
		var name string
		var off int64
		if err := rows.Scan(&name, &off); err != nil {
			return err
		}
		out[name] = off
		return nil
	})
	return out, err
}

// RecentIDs implements broker.Log.
func (s *Store) RecentIDs(ctx context.Context, since time.Time) ([]broker.DedupEntry, error) {
	var out []broker.DedupEntry
	err := s.rq().each(ctx, "SELECT t.name, d.dedup_key, d.off, d.time FROM broker_dedup d JOIN broker_topics t ON t.id = d.topic_id WHERE d.time >= ? ORDER BY d.time", []any{since.UnixNano()}, func(rows *sql.Rows) error {
		var e broker.DedupEntry
		var t int64
		if err := rows.Scan(&e.Topic, &e.Key, &e.Offset, &t); err != nil {
			return err
		}
		e.Time = time.Unix(0, t).UTC()
		out = append(out, e)
		return nil
	})
	return out, err
}

// PruneIDs implements broker.Log.
func (s *Store) PruneIDs(ctx context.Context, before time.Time) error {
	return s.wq().exec(ctx, "DELETE FROM broker_dedup WHERE time < ?", before.UnixNano())
}

// upsertObservationSQL merges one observation: counts add up, first seen
// keeps the earliest, last seen the latest (CASE, since SQLite's two-argument
// min and max are LEAST and GREATEST on PostgreSQL).
const upsertObservationSQL = `INSERT INTO broker_lineage (topic, role, client, first_seen, last_seen, count, refused) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (topic, role, client) DO UPDATE SET
	first_seen = CASE WHEN excluded.first_seen < broker_lineage.first_seen THEN excluded.first_seen ELSE broker_lineage.first_seen END,
	last_seen = CASE WHEN excluded.last_seen > broker_lineage.last_seen THEN excluded.last_seen ELSE broker_lineage.last_seen END,
	count = broker_lineage.count + excluded.count,
	refused = broker_lineage.refused + excluded.refused`

// pruneObservationsSQL keeps a topic's most recently seen observations per
// role (the second parameter is how many), naming rows by their key.
const pruneObservationsSQL = `DELETE FROM broker_lineage WHERE (topic, role, client) IN (
	SELECT topic, role, client FROM (
		SELECT topic, role, client, row_number() OVER (PARTITION BY role ORDER BY last_seen DESC, client) AS rn
		FROM broker_lineage WHERE topic = ?) AS ranked
	WHERE rn > ?)`

// SaveObservations implements broker.Log. Observations are merged in key
// order, so two instances saving overlapping sets lock rows in one order.
func (s *Store) SaveObservations(ctx context.Context, obs []broker.Observation) error {
	obs = slices.Clone(obs)
	slices.SortFunc(obs, func(a, b broker.Observation) int {
		return strings.Compare(a.Topic+"\x00"+a.Role.String()+"\x00"+a.Client, b.Topic+"\x00"+b.Role.String()+"\x00"+b.Client)
	})
	return s.update(ctx, func(tx txn) error {
		for _, o := range obs {
			err := tx.exec(ctx, upsertObservationSQL, o.Topic, o.Role.String(), o.Client, o.FirstSeen.UnixNano(), o.LastSeen.UnixNano(), o.Count, o.Refused)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Observations implements broker.Log.
func (s *Store) Observations(ctx context.Context) ([]broker.Observation, error) {
	out := []broker.Observation{}
	err := s.rq().each(ctx, "SELECT topic, role, client, first_seen, last_seen, count, refused FROM broker_lineage ORDER BY topic, role, client", nil, func(rows *sql.Rows) error {
		var o broker.Observation
		var role string
		var first, last int64
		if err := rows.Scan(&o.Topic, &role, &o.Client, &first, &last, &o.Count, &o.Refused); err != nil {
			return err
		}
		if err := o.Role.UnmarshalText([]byte(role)); err != nil {
			return err
		}
		o.FirstSeen, o.LastSeen = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		out = append(out, o)
		return nil
	})
	return out, err
}

// PruneObservations implements broker.Log.
func (s *Store) PruneObservations(ctx context.Context, p broker.ObservationPrune) (int64, error) {
	var n int64
	err := s.update(ctx, func(tx txn) error {
		n = 0
		if !p.Before.IsZero() {
			if err := tx.execCount(ctx, &n, "DELETE FROM broker_lineage WHERE last_seen < ?", p.Before.UnixNano()); err != nil {
				return err
			}
		}
		if p.Keep <= 0 {
			return nil
		}
		for _, topic := range p.Topics {
			if err := tx.execCount(ctx, &n, pruneObservationsSQL, topic, p.Keep); err != nil {
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
	id, err := s.id(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []broker.GroupCommit
	err = s.rq().each(ctx, "SELECT group_name, next_offset FROM broker_group_offsets WHERE topic_id = ? ORDER BY group_name", []any{id}, func(rows *sql.Rows) error {
		var g broker.GroupCommit
		if err := rows.Scan(&g.Group, &g.Offset); err != nil {
			return err
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

// QueueCounts implements broker.Log.
func (s *Store) QueueCounts(ctx context.Context, topic string, now time.Time) (visible, hidden int64, err error) {
	id, err := s.id(ctx, topic)
	if err != nil {
		return 0, 0, err
	}
	lo, hi := topicRange(id)
	err = s.rq().scan(ctx, []any{&visible, &hidden}, "SELECT count(*) FILTER (WHERE visible_at <= ?), count(*) FILTER (WHERE visible_at > ?) FROM broker_queue WHERE seq >= ? AND seq < ?",
		now.UnixNano(), now.UnixNano(), lo, hi)
	return visible, hidden, err
}
