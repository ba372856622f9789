package registrydb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/heraldhq/herald/registry"
)

// This file holds the PostgreSQL change notifications (registry.Changes):
// every write transaction announces what it changed with pg_notify, and each
// instance's listener, on a connection of its own, hands what arrives to its
// Service, which drops the cache entries concerned.

// NotifyChannel is the PostgreSQL channel registry changes are announced on.
// Channels are per database, so instances on other databases never hear them.
const NotifyChannel = "herald_registry"

// ListenerApplicationName is the application_name of the listener's
// connection, so an operator (or a test) can find it in pg_stat_activity.
const ListenerApplicationName = "herald registry listener"

// maxAnnounced bounds the notifications one transaction sends: past it (an
// import mode switch that hard-deletes a whole context, say) one ChangeAll
// says as much, more cheaply than thousands of payloads.
const maxAnnounced = 64

// Listener timing. A wait for notifications is cut every listenPing so a
// connection that died without a word (a silent network partition) is found by
// a ping; reconnects back off from reconnectMin to reconnectMax.
const (
	listenPing   = 15 * time.Second
	pingTimeout  = 5 * time.Second
	reconnectMin = 50 * time.Millisecond
	reconnectMax = 5 * time.Second
)

// announce sends one notification per distinct change, in the transaction, so
// PostgreSQL delivers them when (and only if) it commits, after those of
// transactions committed before. Their order inside one transaction does not
// matter: a listener applies them all.
func (postgresDialect) announce(tx *gorm.DB, changes []registry.Change) error {
	if len(changes) == 0 {
		return nil
	}
	seen := make(map[registry.Change]bool, len(changes))
	payloads := make([]string, 0, len(changes))
	for _, c := range changes {
		if seen[c] {
			continue
		}
		seen[c] = true
		if len(payloads) == maxAnnounced {
			payloads = []string{encodeChange(registry.Change{Kind: registry.ChangeAll})}
			break
		}
		payloads = append(payloads, encodeChange(c))
	}
	// One statement, one round trip: SELECT pg_notify(?, ?), pg_notify(?, ?)…
	var q strings.Builder
	args := make([]any, 0, 2*len(payloads))
	q.WriteString("SELECT ")
	for i, p := range payloads {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("pg_notify(?, ?)")
		args = append(args, NotifyChannel, p)
	}
	return tx.Exec(q.String(), args...).Error
}

// encodeChange is a change's notification payload: compact JSON, under
// PostgreSQL's 8000-byte payload limit since context and subject names are at
// most registry.MaxSubjectBytes each.
func encodeChange(c registry.Change) string {
	b, err := json.Marshal(c)
	if err != nil { // a Change has no field that can fail to encode
		return `{"k":"all"}`
	}
	return string(b)
}

// decodeChange reads a payload; one that does not read (a newer binary's,
// say) becomes ChangeAll, which is never wrong, only costly.
func decodeChange(payload string) registry.Change {
	var c registry.Change
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return registry.Change{Kind: registry.ChangeAll}
	}
	return c
}

// OnListenError sets a function told, from Listen's goroutine, every error
// that makes the listener reconnect (for logs: the error never holds the
// password). Call it before Listen.
func (s *Store) OnListenError(fn func(error)) { s.onListenError = fn }

// Listen implements registry.Changes. On SQLite it returns nil at once: one
// process writes the file, and no one else has changes to report. On
// PostgreSQL it holds a connection of its own (configured as the pool's, named
// ListenerApplicationName) LISTENing on NotifyChannel, and calls fn with every
// change any instance commits, until ctx ends. When the connection fails it
// reconnects, backing off from 50 ms to 5 s, and calls fn with a ChangeAll each
// time it is listening again (changes committed meanwhile were missed; the
// first time too, since entries cached before listening may already be stale).
func (s *Store) Listen(ctx context.Context, fn func(registry.Change)) error {
	if _, ok := s.dialect.(postgresDialect); !ok {
		return nil
	}
	l := listener{ping: s.listenPing}
	if l.ping <= 0 {
		l.ping = listenPing
	}
	wait := reconnectMin
	for ctx.Err() == nil {
		err := l.session(ctx, s.sqlDB, fn)
		if ctx.Err() != nil {
			break
		}
		if s.onListenError != nil {
			s.onListenError(err)
		}
		if errors.Is(err, errListened) {
			wait = reconnectMin
		}
		// Jitter keeps instances cut off together from reconnecting in step.
		d := wait + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		wait = min(2*wait, reconnectMax)
	}
	return nil
}

// listener is one Listen's state.
type listener struct {
	// cfg is what the listener connects with, once known.
	cfg *pgx.ConnConfig
	// ping is how long a wait lasts before the connection is pinged.
	ping time.Duration
}

// config returns the listener's connection config: the pool's (whatever
// opened it), with the listener's application_name. It asks the pool for a
// connection the first time, so a database down then is retried like any
// failed connect.
func (l *listener) config(ctx context.Context, db *sql.DB) (*pgx.ConnConfig, error) {
	if l.cfg != nil {
		return l.cfg, nil
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = conn.Close() }() // back to the pool
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the pool's connections are %T, not pgx's", dc)
		}
		l.cfg = c.Conn().Config() // a copy
		return nil
	})
	if err != nil {
		return nil, err
	}
	// pgx set the pool connection's notification handler in its config (to
	// buffer into that connection): ours must get its own.
	l.cfg.OnNotification = nil
	if l.cfg.RuntimeParams == nil {
		l.cfg.RuntimeParams = map[string]string{}
	}
	l.cfg.RuntimeParams["application_name"] = ListenerApplicationName
	return l.cfg, nil
}

// errListened wraps the error of a session that was listening before it
// failed, so the next reconnect starts from the shortest wait again.
var errListened = errors.New("registry change listener: connection lost")

// session connects, listens and hands changes to fn until the connection
// fails or ctx ends.
func (l *listener) session(ctx context.Context, db *sql.DB, fn func(registry.Change)) error {
	cfg, err := l.config(ctx, db)
	if err != nil {
		return fmt.Errorf("registry change listener: read the connection settings: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("registry change listener: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
		defer cancel()
		_ = conn.Close(cctx) // the connection is being dropped anyway
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return fmt.Errorf("registry change listener: listen: %w", err)
	}
	fn(registry.Change{Kind: registry.ChangeAll})
	for {
		wctx, cancel := context.WithTimeout(ctx, l.ping)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil && n != nil:
			fn(decodeChange(n.Payload))
			continue
		case err == nil: // not possible with pgx's own handler; stay safe
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// Quiet for a while: make sure the connection still answers.
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err = conn.Ping(pctx)
			cancel()
			if err == nil {
				continue
			}
		}
		return fmt.Errorf("%w: %w", errListened, err)
	}
}
