package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/server"
	"github.com/heraldhq/herald/server/broker"
	"github.com/heraldhq/herald/server/broker/jetstream"
)

// jetStreamFlags are the serve flags that put the broker's stream events on
// NATS JetStream (HERALD_* env twins). The zero value keeps them in the SQL log.
type jetStreamFlags struct {
	// URLs is --broker: comma-separated nats:// (or tls://) servers. Empty:
	// the events stay in the SQL log.
	URLs string
	// Creds is a NATS credentials file. Empty: none (the URL may carry a user
	// and password or a token).
	Creds string
	// CACert is a PEM file of the CAs that sign the NATS servers' certificates.
	CACert string
	// Cert and Key are PEM files of a client certificate and its key, for
	// NATS servers that verify clients (tls verify). Empty: none; both or
	// neither.
	Cert, Key string
	// Replicas is each stream's replica count. Zero: 1.
	Replicas int
	// Prefix starts every stream name and subject. Empty: HERALD.
	Prefix string
	// Engines is not a flag: serve sets it so that the broker's engines
	// report to /metrics. Nil: they report nowhere.
	Engines *server.EngineMetrics
}

// addJetStreamFlags registers the JetStream flags on fs.
func addJetStreamFlags(fs *pflag.FlagSet) *jetStreamFlags {
	f := &jetStreamFlags{}
	fs.StringVar(&f.URLs, "broker", "", "keep stream topics' events on NATS JetStream: comma-separated servers (nats://host:4222,nats://host2:4222); empty keeps them in the broker's SQL log")
	fs.StringVar(&f.Creds, "broker-creds", "", "NATS credentials file (JWT and NKey seed) for --broker")
	fs.StringVar(&f.CACert, "broker-ca-cert", "", "PEM file of the CAs that sign the NATS servers' certificates (TLS) for --broker")
	fs.StringVar(&f.Cert, "broker-cert", "", "PEM file of the client certificate Herald shows NATS servers that verify clients; needs --broker-key")
	fs.StringVar(&f.Key, "broker-key", "", "PEM file of the private key of --broker-cert")
	fs.IntVar(&f.Replicas, "broker-replicas", 1, "replicas of each JetStream stream (1 to 5; the JetStream cluster needs as many servers)")
	fs.StringVar(&f.Prefix, "broker-prefix", "HERALD", "start of every JetStream stream name and subject Herald makes, so several deployments can share a NATS account")
	return f
}

// openJetStream wraps meta in a JetStream log when f names servers; it returns
// meta itself (and a nil log) otherwise. maxEvent is lowered, with a log line,
// to what the NATS server accepts in one message. metaLoc is where meta is
// (a postgres:// URL or a SQLite file), for the engine its metrics name.
func openJetStream(ctx context.Context, f *jetStreamFlags, meta broker.Log, metaLoc string, maxEvent *int, log *slog.Logger) (broker.Log, *jetstream.Log, error) {
	if f == nil {
		return meta, nil, nil
	}
	var observer broker.EngineObserver
	if f.Engines != nil {
		engine := server.EngineSQLite
		if pgstore.IsURL(metaLoc) {
			engine = server.EnginePostgres
		}
		meta = broker.Observed(meta, f.Engines.Observer(engine))
	}
	if strings.TrimSpace(f.URLs) == "" {
		return meta, nil, nil
	}
	if f.Engines != nil {
		// Only now: /metrics shows the engines in use, and without servers
		// JetStream is not one.
		observer = f.Engines.Observer(server.EngineJetStream)
	}
	if (f.Cert == "") != (f.Key == "") {
		return nil, nil, usageErrorf("--broker-cert and --broker-key go together: give both or neither")
	}
	var urls []string
	for _, u := range strings.Split(f.URLs, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	js, err := jetstream.Open(ctx, jetstream.Config{URLs: urls, CredsFile: f.Creds, CAFile: f.CACert, CertFile: f.Cert, KeyFile: f.Key, Replicas: f.Replicas, Prefix: f.Prefix, Logger: log, Observer: observer}, meta)
	if err != nil {
		return nil, nil, fmt.Errorf("--broker: %w", err)
	}
	if f.Engines != nil {
		f.Engines.SetJetStreamCounters(func() server.JetStreamCounters {
			c := js.Counters()
			return server.JetStreamCounters{Overtaken: c.Overtaken, RolledBack: c.RolledBack}
		})
	}
	// Herald's headers ride with each event: keep 4 KiB of the message for them.
	if *maxEvent == 0 {
		*maxEvent = 1 << 20 // the broker's default
	}
	if limit := int(js.MaxPayload()) - 4096; *maxEvent > limit {
		log.Info("broker: events are limited by the NATS server's max_payload", "max_event_bytes", limit)
		*maxEvent = limit
	}
	return js, js, nil
}

// readyChecks are the engines /readyz pings besides the registry's store: the
// broker's NATS when it runs on JetStream.
func readyChecks(closers ...io.Closer) map[string]server.Pinger {
	out := map[string]server.Pinger{}
	for _, c := range closers {
		if bc, ok := c.(brokerCloser); ok && bc.js != nil {
			out["nats"] = bc.js
		}
	}
	return out
}

// closeJetStream closes a JetStream log, if there is one.
func closeJetStream(js *jetstream.Log) error {
	if js == nil {
		return nil
	}
	return js.Close()
}
