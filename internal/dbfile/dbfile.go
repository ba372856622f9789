// Package dbfile looks after Herald's SQLite files as files: the lock that keeps
// one process per database, and the faults of the file system beneath them (a
// full disk, a read-only directory), which it turns into errors that say what
// is wrong.
//
// The *db adapters and cmd/herald use it; package server maps ErrDiskFull to an
// HTTP status. Storage faults are not a domain's business (the registry, the
// catalog and the broker fail the same way when the disk fills), so the
// sentinels live here once rather than in each domain package.
package dbfile
