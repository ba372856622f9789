package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// brokerFlags are the serve flags of the built-in broker (HERALD_* env twins).
// The zero value is the defaults.
type brokerFlags struct {
	// Off disables the broker (--no-broker); /v1/topics then answers 404.
	Off bool
	// DB is the broker log's SQLite file or PostgreSQL URL. Empty: the
	// registry's PostgreSQL database, or a file next to the registry's SQLite
	// one, named <registry name>-broker.db.
	DB string
	// Sync is the log's SQLite synchronous mode: FULL (default) or NORMAL.
	Sync string
	// MaxEventBytes bounds one event. Zero: 1 MiB.
	MaxEventBytes int
	// MaxPublishEvents bounds the events of one publish. Zero: 10,000.
	MaxPublishEvents int
	// MaxReadBytes bounds one page of a read or a receive. Zero: 16 MiB.
	MaxReadBytes int
	// DedupWindow is how long event ids are remembered. Zero: 2 minutes.
	DedupWindow time.Duration
	// RetentionInterval is how often retention runs. Zero: 1 minute.
	RetentionInterval time.Duration
	// MaxObservations caps the observed clients kept per topic and role.
	// Zero: the broker's default.
	MaxObservations int
	// ObservationTTL expires observed clients not seen for this long. Zero:
	// the broker's default.
	ObservationTTL time.Duration
	// SchemaCacheBytes bounds the broker's parsed-schema cache. Zero: the
	// broker's default.
	SchemaCacheBytes int64
	// JetStream puts stream topics' events on NATS JetStream (--broker).
	JetStream *jetStreamFlags
}

// addBrokerFlags registers the broker's serve flags on fs.
func addBrokerFlags(fs *pflag.FlagSet) *brokerFlags {
	f := &brokerFlags{}
	fs.BoolVar(&f.Off, "no-broker", false, "disable the built-in broker (/v1/topics answers 404)")
	fs.StringVar(&f.DB, "broker-db", "", "broker log: a SQLite file or a PostgreSQL URL (default: the --db PostgreSQL database, or a file next to --db named <name>-broker.db)")
	fs.StringVar(&f.Sync, "broker-sync", "FULL", "broker log durability: FULL (fsync every commit: survives power loss) or NORMAL (survives a crash of herald only; faster)")
	fs.IntVar(&f.MaxEventBytes, "max-event-bytes", 1<<20, "largest event accepted by the broker, in bytes (key, value, id and headers)")
	fs.IntVar(&f.MaxPublishEvents, "max-publish-events", 10_000, "most events one publish request may hold (a batch is one transaction and one reply)")
	fs.IntVar(&f.MaxReadBytes, "max-read-bytes", 16<<20, "bytes of events after which a read, receive or dead-letter page ends (the first event comes whatever its size)")
	fs.DurationVar(&f.DedupWindow, "dedup-window", 2*time.Minute, "how long the broker remembers event ids to drop duplicates")
	fs.DurationVar(&f.RetentionInterval, "retention-interval", time.Minute, "how often topic retention (maxAge, maxBytes, maxEvents) is enforced")
	fs.IntVar(&f.MaxObservations, "max-observed-clients", broker.DefaultMaxObservations, "observed producers and consumers kept per topic and role (the least recently seen are dropped)")
	fs.DurationVar(&f.ObservationTTL, "observed-client-ttl", broker.DefaultObservationTTL, "forget observed producers and consumers not seen for this long")
	fs.Int64Var(&f.SchemaCacheBytes, "broker-schema-cache-bytes", broker.DefaultSchemaCacheBytes, "estimated memory of the parsed schemas the broker keeps for validation")
	f.JetStream = addJetStreamFlags(fs)
	return f
}

// brokerDBPath is where the broker log lives: --broker-db, or next to the
// registry database ("data/herald.db" → "data/herald-broker.db").
func brokerDBPath(f *brokerFlags, registryDB string) string {
	return siblingDBPath(f.DB, registryDB, "broker")
}

// siblingDBPath is where a store lives: flag when set; else the registry's
// PostgreSQL database when --db is one (every store then shares it, each in
// its own schema); else a SQLite file next to the registry database named for
// the store ("data/herald.db" and "broker" → "data/herald-broker.db").
func siblingDBPath(flag, registryDB, store string) string {
	if flag != "" {
		return flag
	}
	if pgstore.IsURL(registryDB) {
		return registryDB
	}
	dir, base := filepath.Split(registryDB)
	name := strings.TrimSuffix(base, filepath.Ext(base))
	if name == "" {
		name = "herald"
	}
	return filepath.Join(dir, name+"-"+store+".db")
}

// openBroker opens the broker log and builds the broker, validating through reg.
// The returned closer stops background work and closes the log. A nil broker means
// the broker is disabled.
func openBroker(ctx context.Context, f *brokerFlags, registryDB string, reg *registry.Service, log *slog.Logger) (*broker.Broker, io.Closer, error) {
	if f == nil {
		f = &brokerFlags{}
	}
	if f.Off {
		return nil, nil, nil
	}
	if f.MaxEventBytes < 0 || f.MaxPublishEvents < 0 || f.MaxReadBytes < 0 || f.DedupWindow < 0 || f.RetentionInterval < 0 || f.MaxObservations < 0 || f.ObservationTTL < 0 || f.SchemaCacheBytes < 0 {
		return nil, nil, usageErrorf("--max-event-bytes, --max-publish-events, --max-read-bytes, --dedup-window, --retention-interval, --max-observed-clients, --observed-client-ttl and --broker-schema-cache-bytes must not be negative")
	}
	path := brokerDBPath(f, registryDB)
	store, err := openBrokerStore(ctx, path, f.Sync)
	if err != nil {
		return nil, nil, err
	}
	maxEvent := f.MaxEventBytes
	events, js, err := openJetStream(ctx, f.JetStream, store, path, &maxEvent, log)
	if err != nil {
		_ = store.Close() // error path: the NATS error is the one to report
		return nil, nil, err
	}
	brk, err := broker.New(ctx, broker.Config{
		Log:               events,
		Validator:         server.NewValidator(reg),
		Logger:            log,
		MaxEventBytes:     maxEvent,
		MaxPublishEvents:  f.MaxPublishEvents,
		MaxPageBytes:      f.MaxReadBytes,
		DedupWindow:       f.DedupWindow,
		RetentionInterval: f.RetentionInterval,
		MaxObservations:   f.MaxObservations,
		ObservationTTL:    f.ObservationTTL,
		SchemaCacheBytes:  f.SchemaCacheBytes,
		// A PostgreSQL log (with or without JetStream for the events) is
		// shared by every instance pointed at it. A SQLite one has one
		// process (its lock file says so), even when the events are on
		// JetStream: the topics and their offsets live in that file.
		Shared: pgstore.IsURL(path),
	})
	if err != nil {
		_ = closeJetStream(js) // error path: the broker error is the one to report
		_ = store.Close()      // error path: the broker error is the one to report
		return nil, nil, fmt.Errorf("broker log %s: %w", storeName(path), err)
	}
	if js != nil {
		log.Info("broker ready", "db", storeName(path), "events", "nats jetstream", "prefix", f.JetStream.Prefix)
	} else {
		log.Info("broker ready", "db", storeName(path))
	}
	return brk, brokerCloser{brk: brk, store: store, js: js}, nil
}

// brokerCloser closes the broker, then its log; it offers the log's write probe
// for readiness.
type brokerCloser struct {
	brk   *broker.Broker
	store *brokerdb.Store
	// js is the JetStream log of --broker (nil without).
	js *jetstream.Log
}

// Close implements io.Closer.
func (c brokerCloser) Close() error {
	return errors.Join(c.brk.Close(), closeJetStream(c.js), c.store.Close())
}

// ProbeWrite checks that the log has room for a write.
func (c brokerCloser) ProbeWrite(ctx context.Context) error { return c.store.ProbeWrite(ctx) }
