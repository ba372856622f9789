package jetstream_test

import (
	"context"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/natstest"
	"github.com/heraldhq/herald/internal/pgtest"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/brokerdb"
	"github.com/heraldhq/herald/server/broker/brokertest"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// The broker.Log contract, run on JetStream with each meta engine. Every test
// gets its own stream prefix, so tests never meet in the shared server.

// openOn opens a JetStream Log on the shared server with prefix and meta,
// closed when the test ends.
func openOn(t *testing.T, url, prefix string, meta broker.Log) broker.Log {
	t.Helper()
	l, err := jetstream.Open(context.Background(), jetstream.Config{URLs: []string{url}, Prefix: prefix, Timeout: 10 * time.Second}, meta)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// fresh opens a Log on a fresh prefix whose streams go when the test ends.
func fresh(t *testing.T, meta broker.Log) broker.Log {
	t.Helper()
	url, prefix := natstest.URL(t), natstest.Prefix()
	dropStreamsAfter(t, url, prefix)
	return openOn(t, url, prefix, meta)
}

func openPostgresMeta(t *testing.T, url string) broker.Log {
	t.Helper()
	st, err := brokerdb.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestLogContractSQLiteMeta(t *testing.T) {
	t.Parallel()
	natstest.URL(t) // skips the whole suite at once when absent
	brokertest.Run(t, func(t *testing.T) broker.Log { return fresh(t, openMeta(t)) })
}

func TestLogContractPostgresMeta(t *testing.T) {
	t.Parallel()
	natstest.URL(t)
	pgtest.URL(t)
	brokertest.Run(t, func(t *testing.T) broker.Log { return fresh(t, openPostgresMeta(t, pgtest.URL(t))) })
}

// TestSharedSQLiteMeta runs the shared tests on two JetStream Logs over one
// stream prefix and one SQLite meta store (one per file, as serve allows):
// the JetStream side is really two writers.
func TestSharedSQLiteMeta(t *testing.T) {
	t.Parallel()
	natstest.URL(t)
	brokertest.RunShared(t, func(t *testing.T) func() broker.Log {
		url, prefix := natstest.URL(t), natstest.Prefix()
		dropStreamsAfter(t, url, prefix)
		meta := openMeta(t)
		return func() broker.Log { return openOn(t, url, prefix, meta) }
	}, brokertest.GapsWhenWritersMeet)
}

// TestSharedPostgresMeta runs the shared tests on two instances: each its
// own JetStream connection and PostgreSQL store, on one prefix and database.
func TestSharedPostgresMeta(t *testing.T) {
	t.Parallel()
	natstest.URL(t)
	pgtest.URL(t)
	brokertest.RunShared(t, func(t *testing.T) func() broker.Log {
		url, prefix, db := natstest.URL(t), natstest.Prefix(), pgtest.URL(t)
		dropStreamsAfter(t, url, prefix)
		return func() broker.Log { return openOn(t, url, prefix, openPostgresMeta(t, db)) }
	}, brokertest.GapsWhenWritersMeet)
}
