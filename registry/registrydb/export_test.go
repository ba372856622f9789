package registrydb

import "time"

// Migrations are the store's migrations, for the upgrade tests of package
// registrydb_test.
var Migrations = migrations

// PostgresMigrations are the PostgreSQL schema's migrations.
var PostgresMigrations = postgresMigrations

// SetListenPing sets how long the listener waits for a notification before
// it pings its connection. Call it before Listen.
func (s *Store) SetListenPing(d time.Duration) { s.listenPing = d }
