package broker

import "time"

// Waiting reports how many long polls (Read, Receive) are blocked waiting for
// events. It exists for the tests of package broker_test only.
func (b *Broker) Waiting() int64 { return b.waiting.Load() }

// SyncTopics reloads the topics from the Log now, as the background refresh
// of a shared broker does every TopicRefresh. Tests call it instead of
// waiting for the ticker.
func (b *Broker) SyncTopics() error { return b.syncTopics(b.life, time.Now()) }
