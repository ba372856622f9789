package broker

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/heraldhq/herald/internal/enum"
)

// Kind is how a topic delivers: a retained, replayable stream or a queue whose
// messages are leased to competing consumers and deleted once acknowledged.
type Kind int

// Topic kinds. The zero value is Stream.
const (
	Stream Kind = iota
	Queue
)

// kindText spells the kinds; "" is a stream.
var kindText = enum.Text[Kind]{
	Type:    "Kind",
	Names:   []string{Stream: "stream", Queue: "queue"},
	Empty:   enum.Zero[Kind](),
	Unknown: func(s string) error { return fmt.Errorf("%w: kind %q: want stream or queue", ErrInvalidTopic, s) },
}

// String returns "stream" or "queue".
func (k Kind) String() string { return kindText.String(k) }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return kindText.Marshal(k) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseKind's rules.
func (k *Kind) UnmarshalText(b []byte) error { return kindText.Unmarshal(k, b) }

// ParseKind parses "stream" (or "") and "queue". Anything else wraps ErrInvalidTopic.
func ParseKind(s string) (Kind, error) { return kindText.Parse(s) }

// Encoding is how a topic's event values are encoded on publish and stored.
type Encoding int

// Encodings. The zero value is EncodingJSON.
const (
	// EncodingJSON values are JSON documents, validated with the subject's JSON
	// mapping (JSON Schema natively, Avro's and Protobuf's JSON encodings).
	EncodingJSON Encoding = iota
	// EncodingBinary values are in the Confluent wire format: magic byte 0, a
	// 4-byte big-endian schema id, [Protobuf message indexes,] the payload.
	EncodingBinary
	// EncodingCloudEvents values are CloudEvents whose data is JSON; the context
	// attributes are kept as ce-* headers.
	EncodingCloudEvents
)

// encodingText spells the encodings; "" is json.
var encodingText = enum.Text[Encoding]{
	Type:  "Encoding",
	Names: []string{EncodingJSON: "json", EncodingBinary: "binary", EncodingCloudEvents: "cloudevents"},
	Empty: enum.Zero[Encoding](),
	Unknown: func(s string) error {
		return fmt.Errorf("%w: encoding %q: want json, binary or cloudevents", ErrInvalidTopic, s)
	},
}

// String returns "json", "binary" or "cloudevents".
func (e Encoding) String() string { return encodingText.String(e) }

// MarshalText implements encoding.TextMarshaler.
func (e Encoding) MarshalText() ([]byte, error) { return encodingText.Marshal(e) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseEncoding's rules.
func (e *Encoding) UnmarshalText(b []byte) error { return encodingText.Unmarshal(e, b) }

// ParseEncoding parses "json" (or ""), "binary" and "cloudevents". Anything else
// wraps ErrInvalidTopic.
func ParseEncoding(s string) (Encoding, error) { return encodingText.Parse(s) }

// InvalidPolicy is what a publish does with events that break the contract.
type InvalidPolicy int

// Invalid-event policies. The zero value is Reject.
const (
	// Reject refuses the whole batch; nothing is stored.
	Reject InvalidPolicy = iota
	// DeadLetter stores the valid events in the topic and the invalid ones, with
	// the reason, in the topic's DeadLetterTopic, in one transaction.
	DeadLetter
)

// invalidPolicyText spells the policies as the topic field onInvalid takes them;
// "" is reject.
var invalidPolicyText = enum.Text[InvalidPolicy]{
	Type:  "InvalidPolicy",
	Names: []string{Reject: "reject", DeadLetter: "deadletter"},
	Empty: enum.Zero[InvalidPolicy](),
	Unknown: func(s string) error {
		return fmt.Errorf("%w: onInvalid %q: want reject or deadletter", ErrInvalidTopic, s)
	},
}

// String returns "reject" or "deadletter".
func (p InvalidPolicy) String() string { return invalidPolicyText.String(p) }

// MarshalText implements encoding.TextMarshaler.
func (p InvalidPolicy) MarshalText() ([]byte, error) { return invalidPolicyText.Marshal(p) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseInvalidPolicy's rules.
func (p *InvalidPolicy) UnmarshalText(b []byte) error { return invalidPolicyText.Unmarshal(p, b) }

// ParseInvalidPolicy parses "reject" (or "") and "deadletter". Anything else wraps
// ErrInvalidTopic.
func ParseInvalidPolicy(s string) (InvalidPolicy, error) { return invalidPolicyText.Parse(s) }

// Retention bounds what a topic keeps. Zero fields are unbounded. Retention is
// enforced in the background, so a topic may briefly exceed its limits.
type Retention struct {
	// MaxAge drops events older than this. Zero: keep forever.
	MaxAge time.Duration
	// MaxBytes drops the oldest events while the stored bytes exceed it. Zero: no limit.
	MaxBytes int64
	// MaxEvents drops the oldest events while there are more than this. Zero: no limit.
	MaxEvents int64
}

// Topic is a topic's configuration.
type Topic struct {
	// Name is the topic name: letters, digits, '.', '_' and '-', at most 249
	// characters (Kafka's rule).
	Name string
	// Kind is stream or queue. Zero: Stream.
	Kind Kind
	// ValueSubject is the registry subject every event value is validated against.
	// Required; it must exist when the topic is created or updated.
	ValueSubject string
	// KeySubject, when set, validates event keys (any live version).
	KeySubject string
	// Encoding is how values are published and stored. Zero: EncodingJSON.
	Encoding Encoding
	// FirstVersion and LastVersion bound the allowed versions of ValueSubject,
	// both inclusive; zero leaves that end open.
	FirstVersion, LastVersion int
	// Retention bounds what the topic keeps.
	Retention Retention
	// OnInvalid is what happens to events that break the contract. Zero: Reject.
	OnInvalid InvalidPolicy
	// DeadLetterTopic receives invalid events (OnInvalid DeadLetter) and queue
	// messages that reached MaxDeliveries. It must exist and differ from Name.
	DeadLetterTopic string
	// MaxDeliveries (queues) is how many times a message is delivered before it
	// goes to DeadLetterTopic. Zero: unlimited. Setting it needs DeadLetterTopic.
	MaxDeliveries int
	// Visibility (queues) is the default lease of a received message. Zero: 30s.
	Visibility time.Duration
	// CreatedAt and UpdatedAt are set by the broker.
	CreatedAt, UpdatedAt time.Time
}

// DefaultVisibility is the lease of a received queue message when neither the
// topic nor the receive call says otherwise.
const DefaultVisibility = 30 * time.Second

// MaxVisibility bounds every lease: a topic's Visibility, a receive's and a
// nack's delay. A message leased for longer is as good as lost to every other
// consumer, and a lease end past year 2262 no longer fits the nanoseconds a
// log stores times in.
const MaxVisibility = 12 * time.Hour

// maxVersion is the highest subject version (the registry's MaxVersion,
// 2^31-1: Confluent's API reads versions as Java ints). The broker does not
// import the registry, so it repeats the number.
const maxVersion = 1<<31 - 1

// maxDeliveries bounds Topic.MaxDeliveries at 2^31-1: a message delivered more
// often than that is never dead-lettered in practice, and the bound keeps the
// count within what every log and client stores it in.
const maxDeliveries = 1<<31 - 1

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)

// ValidTopicName reports whether name is an acceptable topic name.
func ValidTopicName(name string) bool {
	return topicNameRE.MatchString(name) && name != "." && name != ".."
}

// check validates the fields that need no other topic or the registry.
func (t *Topic) check() error {
	var probs []string
	if !ValidTopicName(t.Name) {
		probs = append(probs, fmt.Sprintf("name %q: use 1 to 249 letters, digits, '.', '_' or '-'", t.Name))
	}
	if t.Kind != Stream && t.Kind != Queue {
		probs = append(probs, "kind: want stream or queue")
	}
	if t.Encoding < EncodingJSON || t.Encoding > EncodingCloudEvents {
		probs = append(probs, "encoding: want json, binary or cloudevents")
	}
	if t.OnInvalid != Reject && t.OnInvalid != DeadLetter {
		probs = append(probs, "onInvalid: want reject or deadletter")
	}
	if t.ValueSubject == "" {
		probs = append(probs, "valueSubject is required")
	}
	if t.FirstVersion < 0 || t.LastVersion < 0 {
		probs = append(probs, "firstVersion and lastVersion must be positive (0 leaves the end open)")
	}
	if t.FirstVersion > maxVersion || t.LastVersion > maxVersion {
		probs = append(probs, fmt.Sprintf("firstVersion and lastVersion must be at most %d", maxVersion))
	}
	if t.FirstVersion > 0 && t.LastVersion > 0 && t.FirstVersion > t.LastVersion {
		probs = append(probs, fmt.Sprintf("firstVersion %d is after lastVersion %d", t.FirstVersion, t.LastVersion))
	}
	if t.Retention.MaxAge < 0 || t.Retention.MaxBytes < 0 || t.Retention.MaxEvents < 0 {
		probs = append(probs, "retention limits must not be negative")
	}
	if t.OnInvalid == DeadLetter && t.DeadLetterTopic == "" {
		probs = append(probs, "onInvalid deadletter needs deadLetterTopic")
	}
	if t.MaxDeliveries < 0 || t.MaxDeliveries > maxDeliveries {
		probs = append(probs, fmt.Sprintf("maxDeliveries must be between 0 and %d", maxDeliveries))
	}
	if t.MaxDeliveries > 0 && t.DeadLetterTopic == "" {
		probs = append(probs, "maxDeliveries needs deadLetterTopic")
	}
	if t.MaxDeliveries > 0 && t.Kind != Queue {
		probs = append(probs, "maxDeliveries applies to queues only")
	}
	if t.Visibility < 0 {
		probs = append(probs, "visibility must not be negative")
	}
	if t.Visibility > MaxVisibility {
		probs = append(probs, fmt.Sprintf("visibility %s: at most %s, the longest lease a receive may take", t.Visibility, MaxVisibility))
	}
	if t.DeadLetterTopic != "" && t.DeadLetterTopic == t.Name {
		probs = append(probs, "deadLetterTopic must be another topic")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidTopic, strings.Join(probs, "; "))
	}
	return nil
}

// versionRange renders the allowed versions for messages ("any", "2..", "2..5").
func (t *Topic) versionRange() string {
	switch {
	case t.FirstVersion == 0 && t.LastVersion == 0:
		return "any version"
	case t.LastVersion == 0:
		return fmt.Sprintf("versions %d and later", t.FirstVersion)
	case t.FirstVersion == 0:
		return fmt.Sprintf("versions up to %d", t.LastVersion)
	case t.FirstVersion == t.LastVersion:
		return fmt.Sprintf("version %d", t.FirstVersion)
	}
	return fmt.Sprintf("versions %d..%d", t.FirstVersion, t.LastVersion)
}

// allows reports whether version v of the value subject is in the allowed range.
func (t *Topic) allows(v int) bool {
	return (t.FirstVersion == 0 || v >= t.FirstVersion) && (t.LastVersion == 0 || v <= t.LastVersion)
}

// TopicInfo is a topic with what its log holds and who was seen using it.
type TopicInfo struct {
	Topic
	Stats
	// Producers and Consumers are the observed lineage of this topic.
	Producers, Consumers []Observation
}

// Stats is what a topic's log holds.
type Stats struct {
	// Events and Bytes count the stored events (for queues: not yet acknowledged).
	Events, Bytes int64
	// FirstOffset is the oldest stored offset and LastOffset the newest; both are
	// -1 when the topic is empty.
	FirstOffset, LastOffset int64
	// NextOffset is the offset the next published event will get.
	NextOffset int64
}
