package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/spf13/pflag"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/server/broker"
)

// catalogFlags are the serve flags of the catalog (HERALD_* env twins).
type catalogFlags struct {
	// Demo loads the demo catalog into an empty database.
	Demo bool
}

// addCatalogFlags registers the catalog's serve flags on fs.
func addCatalogFlags(fs *pflag.FlagSet) *catalogFlags {
	f := &catalogFlags{}
	return f
}

// openCatalog opens the catalog store and builds the catalog service over the
// registry and (optionally nil) broker. A nil service means the catalog is disabled.
func openCatalog(ctx context.Context, f *catalogFlags, registryDB string, reg *registry.Service, brk *broker.Broker, log *slog.Logger) (*catalog.Service, io.Closer, error) {
	return nil, nil, nil
}
