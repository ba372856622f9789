package brokerdb

// SetAckChunkHook makes f run after each committed ack or nack chunk, for the
// tests of package brokerdb_test, and returns a function that removes it.
func SetAckChunkHook(f func()) (reset func()) {
	ackChunkHook = f
	return func() { ackChunkHook = nil }
}
