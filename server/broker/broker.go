// Package broker is Herald's built-in broker: topics, validated publish, the log
// interface, cursors, queues and retention. It imports neither gin nor registry.
package broker

// Broker is the broker; its implementation comes with the broker issue.
type Broker struct{}
