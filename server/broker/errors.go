package broker

import (
	"errors"
	"fmt"
	"strings"
)

// Errors. Callers match them with errors.Is; the server maps each to a status
// and an error_code (listed next to each).
var (
	// ErrTopicNotFound: no topic has that name. (404, 40420)
	ErrTopicNotFound = errors.New("topic not found")
	// ErrSubjectNotFound: a topic binds to a subject the registry does not have,
	// or that has no live version. Validators wrap it too. (422, 42220)
	ErrSubjectNotFound = errors.New("subject not found")
	// ErrSchemaNotFound: a validator has no schema with that id.
	ErrSchemaNotFound = errors.New("schema not found")
	// ErrInvalidTopic: a topic configuration is not acceptable. (422, 42221)
	ErrInvalidTopic = errors.New("invalid topic")
	// ErrInvalidEvent: at least one event breaks the topic's contract; the error is
	// an *EventsError with one EventProblem per bad event. (422, 42222)
	ErrInvalidEvent = errors.New("invalid event")
	// ErrEventTooLarge: an event is over the size limit; the error is an
	// *EventsError. (413, 41301)
	ErrEventTooLarge = errors.New("event too large")
	// ErrTooManyEvents: a publish holds more than Config.MaxPublishEvents
	// events. (413, 41302)
	ErrTooManyEvents = errors.New("too many events")
	// ErrTopicInUse: the topic is another topic's dead-letter topic. (409, 40920)
	ErrTopicInUse = errors.New("topic in use")
	// ErrWrongKind: the operation needs the other kind of topic (receive on a
	// stream, a group read on a queue). (409, 40921)
	ErrWrongKind = errors.New("wrong topic kind")
	// ErrInvalidRequest: a read, receive or commit parameter is not acceptable
	// (an unknown position, a negative offset, a malformed ack id). (400, 40020)
	ErrInvalidRequest = errors.New("invalid request")
	// ErrClosed: the broker is shutting down. (503, 50320)
	ErrClosed = errors.New("broker closed")
	// ErrLogUnavailable: the engine the Log stores events in (NATS JetStream)
	// cannot be reached; the call may succeed once it is back. (503, 50321)
	ErrLogUnavailable = errors.New("event log unavailable")
)

// EventProblem is one reason one event of a publish was refused.
type EventProblem struct {
	// Index is the event's 0-based position in the request.
	Index int `json:"index"`
	// Field is "value" or "key".
	Field string `json:"field"`
	// Path is a JSON Pointer inside the field ("" is the whole field).
	Path string `json:"path"`
	// Message says what was expected.
	Message string `json:"message"`
}

// MaxListedProblems bounds the problems one publish lists, in an *EventsError
// and in the dead-letter results of its events together: a batch of bad
// events gets a bounded reply (the events are counted, and each dead-lettered
// event keeps at least its first problem).
const MaxListedProblems = 100

// EventsError is the error for a refused publish: it wraps ErrInvalidEvent or
// ErrEventTooLarge and lists the problems of the bad events, the first
// MaxListedProblems of them.
type EventsError struct {
	// Kind is ErrInvalidEvent or ErrEventTooLarge.
	Kind error
	// Topic is the topic published to.
	Topic string
	// Problems lists the problems, ordered by event index.
	Problems []EventProblem
	// Events counts the bad events, listed or not. Zero: those Problems name.
	Events int
	// Unlisted counts the problems found past those listed.
	Unlisted int
}

// Error summarises the problems; ErrorDetails lists them.
func (e *EventsError) Error() string {
	n := e.Events
	if n == 0 {
		bad := map[int]bool{}
		for _, p := range e.Problems {
			bad[p.Index] = true
		}
		n = len(bad)
	}
	what := "break the contract of"
	if errors.Is(e.Kind, ErrEventTooLarge) {
		what = "are too large for"
	}
	noun := "events"
	if n == 1 {
		noun = "event"
		what = strings.Replace(strings.Replace(what, "break ", "breaks ", 1), "are ", "is ", 1)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s topic %s, nothing was stored", n, noun, what, e.Topic)
	if e.Unlisted > 0 {
		fmt.Fprintf(&b, " (the details list the first %d problems of %d)", len(e.Problems), len(e.Problems)+e.Unlisted)
	}
	if len(e.Problems) > 0 {
		p := e.Problems[0]
		fmt.Fprintf(&b, "; first: event %d %s", p.Index, p.Field)
		if p.Path != "" {
			fmt.Fprintf(&b, " at %s", p.Path)
		}
		fmt.Fprintf(&b, ": %s", p.Message)
	}
	return b.String()
}

// Unwrap returns Kind.
func (e *EventsError) Unwrap() error { return e.Kind }

// ErrorDetails returns the problems, for the details of an error response.
func (e *EventsError) ErrorDetails() any { return e.Problems }
