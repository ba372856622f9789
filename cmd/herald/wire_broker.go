package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/broker"
)

// brokerFlags are the serve flags of the built-in broker (HERALD_* env twins).
type brokerFlags struct {
	// DB is the broker log's SQLite file. Empty: next to the registry database,
	// named <registry name>-broker.db.
	DB string
}

// addBrokerFlags registers the broker's serve flags on fs.
func addBrokerFlags(fs *pflag.FlagSet) *brokerFlags {
	f := &brokerFlags{}
	return f
}

// openBroker opens the broker log and builds the broker, validating through reg.
// The returned closer stops background work and closes the log. A nil broker means
// the broker is disabled.
func openBroker(ctx context.Context, f *brokerFlags, registryDB string, reg *registry.Service, log *slog.Logger) (*broker.Broker, io.Closer, error) {
	return nil, nil, nil
}
