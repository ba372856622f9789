package brokerdb

// SetAckChunkHook makes f run after each committed ack or nack chunk, for the
// tests of package brokerdb_test, and returns a function that removes it.
func SetAckChunkHook(f func()) (reset func()) {
	ackChunkHook = f
	return func() { ackChunkHook = nil }
}

// SetCommitOffsetHook makes f run inside CommitOffsets' transaction after each
// offset is written, and returns a function that removes it.
func SetCommitOffsetHook(f func(i int) error) (reset func()) {
	commitOffsetHook = f
	return func() { commitOffsetHook = nil }
}

// Migrations are the log's migrations, for the upgrade tests.
var Migrations = migrations
