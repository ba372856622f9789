package registrydb

// Migrations are the store's migrations, for the upgrade tests of package
// registrydb_test.
var Migrations = migrations

// PostgresMigrations are the PostgreSQL schema's migrations.
var PostgresMigrations = postgresMigrations
