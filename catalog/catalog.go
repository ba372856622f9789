// Package catalog models domains, services, events, flows and teams, their declared
// and observed edges, graph extraction and layout, and the AsyncAPI mapping.
//
// The catalog is a Document (the same shape as the catalog-as-code YAML files), held
// in memory as an immutable snapshot and persisted through the Store interface
// (catalog/catalogdb implements it on gorm). Schemas are never copied: the catalog
// reads them live from the registry through the Registry interface, and observed
// producers and consumers come from the broker through the Lineage interface. The
// package imports neither the registry nor gorm nor gin.
package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/heraldhq/herald/internal/enum"
)

// Sentinel errors. The server maps them to HTTP responses.
var (
	// ErrNotFound is returned when an entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid is wrapped by *ApplyError: a catalog document that cannot be applied.
	ErrInvalid = errors.New("invalid catalog")
	// ErrSchemaNotFound is returned by Registry implementations for a missing subject
	// or version.
	ErrSchemaNotFound = errors.New("schema not found")
	// ErrBadRequest is returned for a malformed query (an unknown graph scope, a
	// version that is not a number).
	ErrBadRequest = errors.New("bad request")
)

// Kind is the kind of a message: an event (a fact), a command (a request to act)
// or a query (a request for data).
type Kind int

// Kinds. The zero value is KindEvent.
const (
	KindEvent Kind = iota
	KindCommand
	KindQuery
)

// kindText spells the kinds; "" is an event.
var kindText = enum.Text[Kind]{
	Type:  "Kind",
	Names: []string{KindEvent: "event", KindCommand: "command", KindQuery: "query"},
	Empty: enum.Zero[Kind](),
	Unknown: func(s string) error {
		return fmt.Errorf("unknown kind %q: want event, command or query", s)
	},
}

// String returns event, command or query.
func (k Kind) String() string { return kindText.String(k) }

// MarshalText implements encoding.TextMarshaler.
func (k Kind) MarshalText() ([]byte, error) { return kindText.Marshal(k) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseKind's rules.
func (k *Kind) UnmarshalText(b []byte) error { return kindText.Unmarshal(k, b) }

// ParseKind parses event, command or query; the empty string is event.
func ParseKind(s string) (Kind, error) { return kindText.Parse(s) }

// Action is what a service does with an event in a flow step or an edge.
type Action int

// Actions. The zero value is Sends.
const (
	Sends Action = iota
	Receives
)

// actionText spells the actions; an edge must say which, so "" is refused.
var actionText = enum.Text[Action]{
	Type:  "Action",
	Names: []string{Sends: "sends", Receives: "receives"},
	Unknown: func(s string) error {
		return fmt.Errorf("unknown action %q: want sends or receives", s)
	},
}

// String returns sends or receives.
func (a Action) String() string { return actionText.String(a) }

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) { return actionText.Marshal(a) }

// UnmarshalText implements encoding.TextUnmarshaler: sends or receives.
func (a *Action) UnmarshalText(b []byte) error { return actionText.Unmarshal(a, b) }

// Document is a whole catalog, as written in catalog-as-code files and returned by
// GET /v1/catalog. Entities are kept sorted by id.
type Document struct {
	Teams    []Team        `json:"teams,omitempty" yaml:"teams,omitempty,entities"`
	Domains  []Domain      `json:"domains,omitempty" yaml:"domains,omitempty,entities,nest=parent"`
	Services []Application `json:"services,omitempty" yaml:"services,omitempty,entities"`
	Events   []Event       `json:"events,omitempty" yaml:"events,omitempty,entities"`
	Flows    []Flow        `json:"flows,omitempty" yaml:"flows,omitempty,entities"`
}

// Team is a group of people that owns domains, services and events.
type Team struct {
	ID          string   `json:"id" yaml:"id"`
	Name        string   `json:"name,omitempty" yaml:"name,omitempty"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	Email       string   `json:"email,omitempty" yaml:"email,omitempty"`
	Chat        string   `json:"chat,omitempty" yaml:"chat,omitempty"`
	Members     []string `json:"members,omitempty" yaml:"members,omitempty"`
}

// Domain is a business area (a bounded context). Domains nest through Parent.
type Domain struct {
	ID          string   `json:"id" yaml:"id"`
	Name        string   `json:"name,omitempty" yaml:"name,omitempty"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	Parent      string   `json:"parent,omitempty" yaml:"parent,omitempty"`
	Owners      []string `json:"owners,omitempty" yaml:"owners,omitempty"`
	Tags        []string `json:"tags,omitempty" yaml:"tags,omitempty"`
}

// Application is a service in the catalog: a deployable application that sends
// and receives events. (The name Service is taken by the catalog itself.)
type Application struct {
	ID          string    `json:"id" yaml:"id"`
	Name        string    `json:"name,omitempty" yaml:"name,omitempty"`
	Description string    `json:"description,omitempty" yaml:"description,omitempty"`
	Domain      string    `json:"domain,omitempty" yaml:"domain,omitempty"`
	Owners      []string  `json:"owners,omitempty" yaml:"owners,omitempty"`
	Tags        []string  `json:"tags,omitempty" yaml:"tags,omitempty"`
	Repository  string    `json:"repository,omitempty" yaml:"repository,omitempty"`
	External    bool      `json:"external,omitempty" yaml:"external,omitempty"`
	Sends       []Message `json:"sends,omitempty" yaml:"sends,omitempty"`
	Receives    []Message `json:"receives,omitempty" yaml:"receives,omitempty"`
}

// Message is one declared edge of a service: the event it sends or receives.
type Message struct {
	Event string `json:"event" yaml:"event,required,short"`
	// Fields are the field paths a consumer reads (dotted, as in the field table).
	// Empty means the whole event: every breaking change affects the consumer.
	Fields []string `json:"fields,omitempty" yaml:"fields,omitempty,under=receives"`
}

// Event is a message contract: an event, command or query tied to a registry
// subject and optionally to a broker topic.
type Event struct {
	ID          string       `json:"id" yaml:"id"`
	Name        string       `json:"name,omitempty" yaml:"name,omitempty"`
	Kind        Kind         `json:"kind" yaml:"kind"`
	Domain      string       `json:"domain,omitempty" yaml:"domain,omitempty"`
	Subject     string       `json:"subject" yaml:"subject"`
	Topic       string       `json:"topic,omitempty" yaml:"topic,omitempty"`
	Description string       `json:"description,omitempty" yaml:"description,omitempty"`
	Owners      []string     `json:"owners,omitempty" yaml:"owners,omitempty"`
	Tags        []string     `json:"tags,omitempty" yaml:"tags,omitempty"`
	Examples    []Example    `json:"examples,omitempty" yaml:"examples,omitempty"`
	Deprecated  *Deprecation `json:"deprecated,omitempty" yaml:"deprecated,omitempty,bool"`
}

// Example is a sample payload of an event, in the JSON encoding of its schema.
type Example struct {
	Name        string          `json:"name" yaml:"name"`
	Description string          `json:"description,omitempty" yaml:"description,omitempty"`
	Value       json.RawMessage `json:"value" yaml:"value"`
}

// Deprecation marks an event as deprecated.
type Deprecation struct {
	// Date is when the event is (or was) retired, YYYY-MM-DD; may be empty.
	Date string `json:"date,omitempty" yaml:"date,omitempty"`
	// Message says what to do instead.
	Message string `json:"message,omitempty" yaml:"message,omitempty"`
	// Replacement is the id of the event that replaces this one.
	Replacement string `json:"replacement,omitempty" yaml:"replacement,omitempty"`
}

// Flow is a business process: ordered steps in which services send and receive
// events, with branches.
type Flow struct {
	ID          string   `json:"id" yaml:"id"`
	Name        string   `json:"name,omitempty" yaml:"name,omitempty"`
	Description string   `json:"description,omitempty" yaml:"description,omitempty"`
	Domain      string   `json:"domain,omitempty" yaml:"domain,omitempty"`
	Owners      []string `json:"owners,omitempty" yaml:"owners,omitempty"`
	Tags        []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	Steps       []Step   `json:"steps" yaml:"steps"`
}

// Step is one step of a flow: a service sends or receives an event.
type Step struct {
	ID      string `json:"id" yaml:"id"`
	Title   string `json:"title,omitempty" yaml:"title,omitempty"`
	Service string `json:"service" yaml:"service"`
	Action  Action `json:"action" yaml:"action"`
	Event   string `json:"event" yaml:"event"`
	// Next lists the steps that follow. Empty: the next step in order, if any.
	// Several entries are branches.
	Next []Branch `json:"next,omitempty" yaml:"next,omitempty"`
	// End marks a step after which the flow ends, even if more steps follow
	// (they are reached through branches).
	End bool `json:"end,omitempty" yaml:"end,omitempty"`
}

// stepJSON is the file form of a Step, in JSON and in YAML: the action is the
// key of the event.
type stepJSON struct {
	ID       string   `json:"id" yaml:"id"`
	Title    string   `json:"title,omitempty" yaml:"title,omitempty"`
	Service  string   `json:"service" yaml:"service"`
	Sends    string   `json:"sends,omitempty" yaml:"sends,omitempty"`
	Receives string   `json:"receives,omitempty" yaml:"receives,omitempty"`
	Next     []Branch `json:"next,omitempty" yaml:"next,omitempty"`
	End      bool     `json:"end,omitempty" yaml:"end,omitempty"`
}

// MarshalJSON writes the step as in catalog files: sends: EVENT or receives: EVENT.
func (s Step) MarshalJSON() ([]byte, error) {
	j := stepJSON{ID: s.ID, Title: s.Title, Service: s.Service, Next: s.Next, End: s.End}
	if s.Action == Receives {
		j.Receives = s.Event
	} else {
		j.Sends = s.Event
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes.
func (s *Step) UnmarshalJSON(b []byte) error {
	var j stepJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Step{ID: j.ID, Title: j.Title, Service: j.Service, Event: j.Sends, Next: j.Next, End: j.End}
	if j.Receives != "" {
		s.Action, s.Event = Receives, j.Receives
	}
	return nil
}

// Branch is a transition to another step, with an optional condition label.
type Branch struct {
	Step  string `json:"step" yaml:"step,short"`
	Label string `json:"label,omitempty" yaml:"label,omitempty,also=when"`
}

// Successors returns the steps that follow step i of f, resolving the implicit
// "next in order" rule.
func (f *Flow) Successors(i int) []Branch {
	if len(f.Steps[i].Next) > 0 {
		return f.Steps[i].Next
	}
	if f.Steps[i].End {
		return nil
	}
	if i+1 < len(f.Steps) {
		return []Branch{{Step: f.Steps[i+1].ID}}
	}
	return nil
}

// DisplayName returns name, or id when name is empty.
func DisplayName(name, id string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	return id
}

// idPattern is what an entity id looks like: lower-case letters, digits, '.', '_'
// and '-', starting with a letter or digit. Ids appear in URLs unescaped.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,127}$`)

// ValidID reports whether s is a valid entity id.
func ValidID(s string) bool { return idPattern.MatchString(s) }
