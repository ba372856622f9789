package main

import (
	"context"

	"github.com/heraldhq/herald/catalog/catalogdb"
	"github.com/heraldhq/herald/internal/pgstore"
	"github.com/heraldhq/herald/server/broker/brokerdb"
)

// openBrokerStore opens the broker log at loc: the PostgreSQL database when
// loc is a postgres:// URL (sync does not apply: PostgreSQL's own durability
// settings do), else the SQLite file with the synchronous mode sync.
func openBrokerStore(ctx context.Context, loc, sync string) (*brokerdb.Store, error) {
	if pgstore.IsURL(loc) {
		return brokerdb.OpenPostgres(ctx, loc)
	}
	return brokerdb.Open(ctx, loc, brokerdb.Options{Synchronous: sync})
}

// openCatalogStore opens the catalog store at loc: the PostgreSQL database
// when loc is a postgres:// URL, else the SQLite file.
func openCatalogStore(ctx context.Context, loc string) (*catalogdb.Store, error) {
	if pgstore.IsURL(loc) {
		return catalogdb.OpenPostgres(ctx, loc)
	}
	return catalogdb.Open(ctx, loc)
}

// storeName is a store's location for logs and errors: a URL's password is
// masked, a file path is as given.
func storeName(loc string) string {
	if pgstore.IsURL(loc) {
		return pgstore.Redact(loc)
	}
	return loc
}
