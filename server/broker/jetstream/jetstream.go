// Package jetstream is a broker.Log that keeps the events of stream topics in
// NATS JetStream, so that several Herald instances share one event log and the
// log scales and replicates with a JetStream cluster.
//
// # What lives where
//
// Each stream topic is one JetStream stream (named from Config.Prefix and the
// topic name, see names.go) with one subject, LimitsPolicy retention mapped from
// the topic's (MaxAge, MaxBytes, MaxMsgs, discard old) and Config.Replicas
// replicas. JetStream enforces that retention itself, so Trim does nothing for
// these topics. Everything else stays in the meta Log (the SQL log: SQLite or
// PostgreSQL): topic definitions, consumer-group offsets (a Herald group is a
// committed number, not a JetStream consumer, so groups work the same on every
// engine), queue topics (leases need transactions across messages) and the
// observed lineage.
//
// Offsets are stream sequences minus one, so that offsets start at 0 on every
// engine. Record.Time is the broker's, kept in a header (JetStream's own
// timestamp only stands in for records stored without one); OffsetAt searches
// by it with a binary search over sequences, so reads by time agree with the
// SQL engines. Stats.Bytes is the sum of Record.Size(), as on every engine:
// each message carries the running sum through it (Herald-Total), so the sum
// over what retention kept is the last message's total minus the first's plus
// the first's size, two message gets whatever the stream's length. A counter
// in the meta Log could not follow JetStream discarding old messages by
// itself; the header can. Retention (MaxBytes) is JetStream's and counts its
// own bytes, headers included.
//
// # All or nothing
//
// NATS 2.9 has no atomic batch publish (that is 2.12). A batch is made
// all-or-nothing this way: every message of a batch is published with
// Nats-Expected-Last-Sequence set to the sequence its predecessor must have, so
// a message lands only directly after the previous one and no other writer (on
// this or another instance) can slip a message into the middle of a batch; the
// messages are pipelined, and Append waits for the PubAck of the last one,
// which stands for all of them (see send; a retry waits for each message's,
// to learn why one was refused). Each message also
// has a fresh Nats-Msg-Id and expects its predecessor's as the stream's last
// (Nats-Expected-Last-Msg-Id), so once another writer took one message's
// place the rest of the batch is refused too, instead of landing after the
// intruder; a batch's stored messages are thus always a contiguous prefix of
// it, and a writer that finds an unfinished batch last in the stream can
// count bytes from before it (Herald-Rest). An ack means JetStream stored a
// message durably, on its replicas, and the last message's ack means every
// message before it in the batch is stored. If any message is refused, the
// messages of the batch already stored are deleted (DeleteMsg) and the batch is
// tried again from the new last sequence, or the error is returned. Each
// message carries the attempt's random token (Herald-Append), so a rollback that
// did not get an ack deletes only a message it can prove is its own.
//
// The crash window: if Herald dies, or loses NATS, between storing the first
// message of a batch and its rollback, the messages stored so far stay in the
// stream although the publish was answered with an error (or not at all). A
// rollback that cannot reach NATS is kept and tried again before the next
// Append, so a lost connection leaves such a prefix only until NATS is back; a
// killed process leaves it for good. Nothing acknowledged is ever lost: an
// acknowledgement is sent only after the PubAcks that stand for the batch.
//
// A group commit that touches queue topics appends their batches to the meta
// Log after the stream batches are stored, and rolls the stream batches back if
// the meta append fails.
//
// # Deduplication
//
// The broker deduplicates by event id in memory and reloads recent ids with
// RecentIDs on start. Each deduplicated record carries its key in a header
// (Herald-Dedup), so the key is durable exactly when the record is, and
// RecentIDs finds them with a headers-only consumer started at the window's
// start (by record time). JetStream's Nats-Msg-Id window is not used for
// event ids: a duplicate inside a batch would be acked without being stored,
// leaving a hole in the batch's consecutive offsets. (The ids Append sets are
// unique per message and attempt; they only chain a batch.) PruneIDs cannot
// delete a header without its event, so it sets a cut RecentIDs applies.
//
// # Unavailability
//
// The connection reconnects by itself, forever. While it is down, calls fail at
// once with broker.ErrLogUnavailable (the server answers 503) instead of
// queueing publishes in the client.
//
// Lock order: Log.appendMu, then Log.mu.
package jetstream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	js "github.com/nats-io/nats.go/jetstream"

	"github.com/heraldhq/herald/server/broker"
)

// Config configures Open. Zero values are documented per field.
type Config struct {
	// URLs are the NATS servers (nats://host:4222, tls://…). Required.
	URLs []string
	// CredsFile is a NATS credentials file (JWT and NKey seed). Empty: none.
	CredsFile string
	// User and Password authenticate with a user name. Empty: none.
	User, Password string
	// Token authenticates with a token. Empty: none.
	Token string
	// CAFile is a PEM file of the CAs that sign the servers' certificates.
	// Empty: the system roots (when the URL asks for TLS).
	CAFile string
	// CertFile and KeyFile are a client certificate for servers that ask for
	// one. Empty: none.
	CertFile, KeyFile string
	// TLS, when set, is the TLS configuration used as given (CAFile and
	// CertFile still apply on top). Nil: TLS only when a URL or the server
	// asks for it.
	TLS *tls.Config
	// Replicas is each stream's replica count (1 to 5). Zero: 1.
	Replicas int
	// Prefix starts every stream name and subject, so that several Herald
	// deployments (or tests) share one NATS account without meeting. Letters,
	// digits, '-' and '_'. Empty: "HERALD".
	Prefix string
	// Timeout bounds each call to JetStream whose context has no earlier
	// deadline (the broker appends under a context without one). Zero: 10s.
	Timeout time.Duration
	// Name is the client name NATS shows for the connection. Empty: "herald".
	Name string
	// Logger receives connection events. Nil: slog.Default().
	Logger *slog.Logger
	// Observer is told the time and outcome of every call that reaches
	// JetStream (the server's per-engine metrics); calls that only the meta
	// Log serves are not JetStream's. Nil: none.
	Observer broker.EngineObserver
}

// Log is the JetStream event log. It is safe for concurrent use.
type Log struct {
	meta   broker.Log
	cfg    Config
	nc     *nats.Conn
	js     js.JetStream
	logger *slog.Logger

	// overtaken counts batch attempts another writer overtook (then rolled
	// back and tried again); rolledBack counts messages deleted by rollbacks.
	overtaken, rolledBack atomic.Int64

	// appendMu serializes Append: the broker has one committer, and two
	// appends of one Log to one stream would only fail each other's expected
	// sequences.
	appendMu sync.Mutex

	// mu protects topics (the kind of every topic the meta Log holds, by name,
	// refreshed from it on a miss), tails (where each stream this Log stored in
	// ends, a hint for the next expected sequence and byte total; dropped when
	// the stream turns out longer), orphans (rollbacks that could not reach
	// NATS yet), streams (stream handles by name) and prunedBefore (PruneIDs'
	// cut for stream topics).
	mu           sync.Mutex
	topics       map[string]broker.Topic
	tails        map[string]tail
	prunedBefore time.Time
	orphans      []rollback
	streams      map[string]js.Stream
}

var _ broker.Log = (*Log)(nil)

// Open connects to NATS and returns a Log that keeps stream topics' events in
// JetStream and everything else in meta. It fails when no server answers or
// the account has no JetStream. Close closes the connection, not meta.
func Open(ctx context.Context, cfg Config, meta broker.Log) (*Log, error) {
	if meta == nil {
		return nil, errors.New("jetstream: a meta log is required")
	}
	if len(cfg.URLs) == 0 {
		return nil, errors.New("jetstream: no NATS server URL")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "HERALD"
	}
	if !validPrefix(cfg.Prefix) {
		return nil, fmt.Errorf("jetstream: prefix %q: use 1 to 32 letters, digits, '-' or '_'", cfg.Prefix)
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Replicas < 1 || cfg.Replicas > 5 {
		return nil, fmt.Errorf("jetstream: replicas %d: want 1 to 5", cfg.Replicas)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Name == "" {
		cfg.Name = "herald"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	l := &Log{meta: meta, cfg: cfg, logger: cfg.Logger, topics: map[string]broker.Topic{}, tails: map[string]tail{}, streams: map[string]js.Stream{}}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.Timeout(cfg.Timeout),
		// Reconnect forever: the deployment's NATS comes back, Herald follows.
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		// No client-side buffer while disconnected: a publish must fail at
		// once (503) rather than be acknowledged by nobody later.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(c *nats.Conn, err error) {
			if !c.IsClosed() { // Close disconnects too; that is no news
				l.logger.Warn("jetstream: disconnected from NATS", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			l.logger.Info("jetstream: reconnected to NATS", "server", c.ConnectedUrlRedacted())
		}),
	}
	if cfg.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.User != "" {
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.Token != "" {
		opts = append(opts, nats.Token(cfg.Token))
	}
	if cfg.TLS != nil {
		opts = append(opts, nats.Secure(cfg.TLS))
	}
	if cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	if cfg.CertFile != "" || cfg.KeyFile != "" {
		opts = append(opts, nats.ClientCert(cfg.CertFile, cfg.KeyFile))
	}
	nc, err := nats.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		return nil, fmt.Errorf("jetstream: connect to %s: %w", redactURLs(cfg.URLs), err)
	}
	l.nc = nc
	// Room for two ack windows in flight: Append never stalls on the client's
	// own pending limit (4000 by default).
	l.js, err = js.New(nc, js.WithDefaultTimeout(cfg.Timeout), js.WithPublishAsyncMaxPending(2*ackWindow))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	cctx, cancel := l.bound(ctx)
	defer cancel()
	if _, err := l.js.AccountInfo(cctx); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %s: JetStream is not available to this account: %w", redactURLs(cfg.URLs), err)
	}
	if err := l.refresh(cctx); err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}

// Close closes the NATS connection (not the meta Log).
func (l *Log) Close() error {
	l.nc.Close()
	return nil
}

// Ping checks that NATS answers and JetStream is enabled: the readiness check.
func (l *Log) Ping(ctx context.Context) error {
	if err := l.upFor(broker.EngineRead); err != nil {
		return err
	}
	ctx, cancel := l.bound(ctx)
	defer cancel()
	start := time.Now()
	_, err := l.js.AccountInfo(ctx)
	if err != nil {
		err = l.fail("ping", err)
	}
	l.observe(broker.EngineRead, start, err)
	return err
}

// Counters are what Append had to do beyond storing batches.
type Counters struct {
	// Overtaken counts batch attempts another writer overtook: they were
	// rolled back and tried again.
	Overtaken int64
	// RolledBack counts the messages rollbacks deleted.
	RolledBack int64
}

// Counters returns the counters since Open.
func (l *Log) Counters() Counters {
	return Counters{Overtaken: l.overtaken.Load(), RolledBack: l.rolledBack.Load()}
}

// MaxPayload is the largest message the connected server accepts, in bytes:
// an event, its headers and Herald's must fit in it.
func (l *Log) MaxPayload() int64 { return l.nc.MaxPayload() }

// observe reports a call to JetStream that started at start.
func (l *Log) observe(op broker.EngineOp, start time.Time, err error) {
	if l.cfg.Observer != nil {
		l.cfg.Observer.ObserveEngine(op, time.Since(start), err)
	}
}

// bound gives ctx the Log's timeout unless it has an earlier deadline.
func (l *Log) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= l.cfg.Timeout {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, l.cfg.Timeout)
}

// up fails fast while the connection is down.
func (l *Log) up() error {
	if l.nc.IsConnected() {
		return nil
	}
	return fmt.Errorf("%w: not connected to NATS (%s); retrying in the background", broker.ErrLogUnavailable, l.nc.Status())
}

// upFor is up for a call of class op that fails before reaching JetStream:
// the failure is the engine's, so it is observed.
func (l *Log) upFor(op broker.EngineOp) error {
	err := l.up()
	if err != nil {
		l.observe(op, time.Now(), err)
	}
	return err
}

// fail wraps an error of a JetStream call: a lost connection or an unanswered
// request becomes broker.ErrLogUnavailable; JetStream's own refusals stay as
// they are.
func (l *Log) fail(what string, err error) error {
	var api *js.APIError
	switch {
	case errors.As(err, &api) && api.Code != 503:
		return fmt.Errorf("jetstream: %s: %w", what, err)
	case errors.Is(err, context.Canceled):
		return err
	case !l.nc.IsConnected(),
		errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrNoResponders), errors.Is(err, js.ErrNoStreamResponse),
		errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrDisconnected), errors.Is(err, js.ErrJetStreamNotEnabled),
		errors.As(err, &api):
		return fmt.Errorf("%w: jetstream: %s: %v", broker.ErrLogUnavailable, what, err)
	}
	return fmt.Errorf("jetstream: %s: %w", what, err)
}

// redactURLs renders server URLs without their passwords or tokens.
func redactURLs(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			scheme := ""
			if k := strings.Index(u, "://"); k >= 0 && k < at {
				scheme = u[:k+3]
			}
			u = scheme + "[redacted]@" + u[at+1:]
		}
		out[i] = u
	}
	return strings.Join(out, ",")
}
