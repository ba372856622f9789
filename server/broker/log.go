package broker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Log is the storage the broker runs on: the embedded SQLite log
// (server/broker/brokerdb) or, for scale-out, NATS JetStream. Implementations
// are safe for concurrent use. Every method that names a topic returns
// ErrTopicNotFound for a topic it does not have.
type Log interface {
	// Topics returns every topic's configuration and stats, ordered by name.
	Topics(ctx context.Context) ([]TopicInfo, error)
	// PutTopic creates a topic or replaces its configuration (keeping its events).
	PutTopic(ctx context.Context, t Topic) error
	// DeleteTopic deletes a topic with its events, queue state, group offsets and
	// deduplication ids.
	DeleteTopic(ctx context.Context, name string) error
	// Stats returns what a topic holds.
	Stats(ctx context.Context, topic string) (Stats, error)

	// Append stores every batch in one durable transaction: all or nothing. Each
	// batch gets consecutive offsets from its topic's next offset; Append returns
	// the first offset of each batch, in order. Records of a batch with Queue set
	// become visible queue messages.
	Append(ctx context.Context, batches []Batch) ([]int64, error)
	// Read returns up to limit records of a topic with offsets at or after from,
	// ascending. With maxBytes > 0 it stops after the record that brings their
	// Record.Size total to maxBytes (the first record comes whatever its size),
	// and reads no further.
	Read(ctx context.Context, topic string, from int64, limit, maxBytes int) ([]Record, error)
	// OffsetAt returns the first offset stored at or after t, or the next offset
	// when there is none.
	OffsetAt(ctx context.Context, topic string, t time.Time) (int64, error)

	// Lease leases up to Max visible messages of a queue in offset order, in one
	// transaction so no message is leased twice; see LeaseRequest.
	Lease(ctx context.Context, req LeaseRequest) (LeaseResult, error)
	// Ack deletes the leased messages whose ack ids are current and returns how
	// many it deleted; stale or unknown ids are skipped.
	Ack(ctx context.Context, topic string, ids []AckID) (int, error)
	// Nack makes the leased messages whose ack ids are current visible again at
	// visibleAt and returns how many it changed.
	Nack(ctx context.Context, topic string, ids []AckID, visibleAt time.Time) (int, error)

	// Trim deletes events that retention no longer keeps and returns how many.
	Trim(ctx context.Context, topic string, r TrimRequest) (int64, error)

	// CommitOffsets stores a consumer group's next offsets, in one transaction:
	// all of them or, on an error, none. A topic listed twice keeps the last.
	CommitOffsets(ctx context.Context, group string, offsets []GroupOffset) error
	// Offsets returns a group's committed offsets by topic (empty for a group
	// that never committed).
	Offsets(ctx context.Context, group string) (map[string]int64, error)
	// GroupsOf returns every consumer group that committed an offset in a
	// topic, with its next offset, ordered by group name.
	GroupsOf(ctx context.Context, topic string) ([]GroupCommit, error)
	// QueueCounts returns how many messages of a queue are visible at now and
	// how many are not (leased, or delayed by a nack).
	QueueCounts(ctx context.Context, topic string, now time.Time) (visible, hidden int64, err error)

	// RecentIDs returns the deduplication ids stored at or after since.
	RecentIDs(ctx context.Context, since time.Time) ([]DedupEntry, error)
	// PruneIDs forgets deduplication ids stored before before.
	PruneIDs(ctx context.Context, before time.Time) error

	// SaveObservations merges observations into the stored ones: counts add up,
	// first seen keeps the earliest, last seen the latest.
	SaveObservations(ctx context.Context, obs []Observation) error
	// Observations returns every stored observation.
	Observations(ctx context.Context) ([]Observation, error)
	// PruneObservations drops stored observations as ObservationPrune says and
	// returns how many it dropped.
	PruneObservations(ctx context.Context, p ObservationPrune) (int64, error)
}

// GroupOffset is a consumer group's next offset in one topic: the offset of the
// first event the group has not processed yet.
type GroupOffset struct {
	Topic  string
	Offset int64
}

// ObservationPrune says which stored observations Log.PruneObservations drops.
type ObservationPrune struct {
	// Before, when set, drops every observation last seen before it.
	Before time.Time
	// Topics are the topics whose observations are capped to Keep per role.
	Topics []string
	// Keep is how many observations per topic and role Topics keep: the most
	// recently seen. Zero or negative: Topics are not capped.
	Keep int
}

// Record is one stored event or queue message.
type Record struct {
	// Offset is the event's position in its topic, from 0, never reused.
	Offset int64
	// Time is when the broker committed it.
	Time time.Time
	// ID is the event id given by the producer ("" when none).
	ID string
	// Key and Value are the bytes as published: JSON text for json and
	// cloudevents topics, the Confluent wire format for binary topics.
	Key, Value []byte
	// Headers are the event's headers (CloudEvents attributes as ce-*).
	Headers map[string]string
	// SchemaID and KeySchemaID are the registry ids that validated the value and
	// the key (0 when not validated).
	SchemaID, KeySchemaID int
	// Deliveries (queues) counts how many times the message was leased,
	// including this time.
	Deliveries int
	// AckID (queues) names this lease of the message for Ack and Nack.
	AckID AckID
}

// Size is what the record counts against the event size limit and MaxBytes.
func (r *Record) Size() int {
	n := len(r.Key) + len(r.Value) + len(r.ID)
	for k, v := range r.Headers {
		n += len(k) + len(v)
	}
	return n
}

// Batch is the records one publish appends to one topic.
type Batch struct {
	// Topic is the topic name.
	Topic string
	// Records are stored in order; Time, ID, Key, Value, Headers and schema ids
	// are kept.
	Records []Record
	// DedupKeys, when not nil, has one key per record ("" for none) to remember
	// for deduplication, with the record's offset and time.
	DedupKeys []string
	// Queue makes the records visible queue messages.
	Queue bool
}

// DedupEntry is a remembered deduplication key.
type DedupEntry struct {
	Topic  string
	Key    string
	Offset int64
	Time   time.Time
}

// LeaseRequest asks Log.Lease for queue messages.
type LeaseRequest struct {
	// Topic is the queue.
	Topic string
	// Max is the most messages to lease.
	Max int
	// MaxBytes, when positive, ends the lease after the message that brings
	// the stored sizes of those leased to it (the first is leased whatever
	// its size).
	MaxBytes int
	// Now is the time visibility is compared with; leased messages become visible
	// again at Now+Visibility.
	Now        time.Time
	Visibility time.Duration
	// MaxDeliveries, when positive, moves a visible message that was already
	// delivered that many times to DeadLetterTopic (with DeadLetterReason and its
	// origin in headers) instead of leasing it, in the same transaction.
	MaxDeliveries    int
	DeadLetterTopic  string
	DeadLetterReason string
}

// LeaseResult is what Log.Lease did.
type LeaseResult struct {
	// Records are the leased messages with Deliveries and AckID set.
	Records []Record
	// DeadLettered counts the messages moved to the dead-letter topic.
	DeadLettered int
}

// TrimRequest says what retention keeps. Zero fields do not trim.
type TrimRequest struct {
	// Before drops events stored before this time.
	Before time.Time
	// MaxEvents and MaxBytes drop the oldest events beyond these totals.
	MaxEvents, MaxBytes int64
}

// AckID names one lease of one queue message: its offset and delivery number.
// An ack or nack with an old delivery number (the lease expired and the message
// went to another consumer) is stale and ignored.
type AckID struct {
	Offset   int64
	Delivery int
}

// String renders the ack id as "<offset>-<delivery>".
func (a AckID) String() string {
	return strconv.FormatInt(a.Offset, 10) + "-" + strconv.Itoa(a.Delivery)
}

// MarshalText implements encoding.TextMarshaler.
func (a AckID) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseAckID's rules.
func (a *AckID) UnmarshalText(b []byte) error {
	v, err := ParseAckID(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAckID parses "<offset>-<delivery>". Errors wrap ErrInvalidRequest.
func ParseAckID(s string) (AckID, error) {
	o, d, ok := strings.Cut(s, "-")
	off, err1 := strconv.ParseInt(o, 10, 64)
	del, err2 := strconv.Atoi(d)
	if !ok || err1 != nil || err2 != nil || off < 0 || del < 1 {
		return AckID{}, fmt.Errorf("%w: ack id %q: want <offset>-<delivery>", ErrInvalidRequest, s)
	}
	return AckID{Offset: off, Delivery: del}, nil
}

// Header names the broker sets on dead-lettered events.
const (
	// HeaderDeadLetterReason says why the event was dead-lettered.
	HeaderDeadLetterReason = "herald-dead-letter-reason"
	// HeaderSourceTopic names the topic the event was meant for.
	HeaderSourceTopic = "herald-source-topic"
	// HeaderSourceOffset is the event's offset in the source queue (max deliveries).
	HeaderSourceOffset = "herald-source-offset"
)
