package broker

// Waiting reports how many long polls (Read, Receive) are blocked waiting for
// events. It exists for the tests of package broker_test only.
func (b *Broker) Waiting() int64 { return b.waiting.Load() }
