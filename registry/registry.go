// Package registry is Herald's schema registry: subjects, versions, global ids,
// references, configuration, modes, contexts and deletes, with the semantics of the
// Confluent Schema Registry (see ../shared/reference/confluent-api.md).
//
// Service holds the rules; it persists through the Store interface, which
// registry/registrydb implements on gorm. The package imports neither gorm nor gin.
//
// Every operation that writes reads the state it decides on and writes inside one
// Store.Update, under Service.writeMu; reads run without the mutex. Registrations
// parse their schema before they queue for the mutex, and those that queue
// together share one Update, each in its own savepoint (group commit, group.go).
// Immutable
// things are cached in memory: the content of an id (GET /schemas/ids/{id}) and its
// parsed schema (compatibility checks, payload validation), keyed by (context, id)
// and evicted when a hard delete removes the content. Parsed schemas are also
// bounded, by count and by estimated bytes (ServiceConfig.ParsedCacheSize and
// ParsedCacheBytes, least recently used out first).
//
// What writes change is cached per subject (a subject's latest live version;
// which version of a subject holds an id: see mutable in latest.go), and
// forgotten three ways: a write this Service makes forgets what it changed
// before it is answered (read-your-writes, Service.update); a store shared by
// several processes reports the changes they commit (Changes, followed by
// FollowChanges: PostgreSQL LISTEN/NOTIFY in registrydb); and every such entry
// expires after ServiceConfig.MaxStaleness, should a notification be lost.
// Configs and modes are not cached: every read asks the store.
//
// Lock order: Service.writeMu, then cache.mu. cache.mu is never held across a
// store call. registrations.mu is held alone: never with another lock, nor
// across a store call.
package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/internal/enum"
)

// DefaultContext is the name of the default context, whose subjects are unqualified.
const DefaultContext = "."

// GlobalContext is the pseudo-context that holds global config and mode.
const GlobalContext = ".__GLOBAL"

// MaxID and MaxVersion are the highest schema id and subject version, 2^31-1.
// Confluent's wire format carries the id in 4 signed bytes and its API reads
// ids and versions as Java ints, so nothing above can ever be addressed by a
// client; ids and versions are allocated and accepted up to these and no
// further (never wrapping).
const (
	MaxID      = math.MaxInt32
	MaxVersion = math.MaxInt32
)

// MaxSubjectBytes bounds a subject name, and separately a context name, in
// bytes. Confluent documents no limit; 255 is the longest Kafka topic name
// (249) plus "-value", the longest name the default TopicNameStrategy makes,
// and keeps every name a key a browser, a log line and an index take whole.
const MaxSubjectBytes = 255

// Reference is a dependency of a schema, as registered: the name the schema uses
// for it (a Protobuf import path, a JSON Schema $ref, an Avro full name) and the
// subject version that holds it.
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Schema is one registered subject version, or a schema by id (then Subject and
// Version are empty unless asked for).
type Schema struct {
	// ID is the global schema id inside the subject's context.
	ID int
	// GUID is a UUID derived from the schema content.
	GUID string
	// Subject is the qualified subject name (":.ctx:name" outside the default context).
	Subject string
	// Version is the version inside Subject, starting at 1.
	Version int
	// Type is the schema format.
	Type compat.SchemaType
	// Text is the stored (canonical or normalized) schema text.
	Text string
	// References are the schema's dependencies, with concrete versions.
	References []Reference
	// Metadata and RuleSet are stored as given (Confluent data contracts).
	Metadata json.RawMessage
	RuleSet  json.RawMessage
	// Deleted reports a soft-deleted version.
	Deleted bool
	// CreatedAt is when this subject version was registered.
	CreatedAt time.Time
	// CreatedBy is who registered it (VersionRecord.CreatedBy).
	CreatedBy string
}

// SubjectVersion names one version of one subject.
type SubjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Mode is a registry mode.
type Mode int

// Modes. The zero value is ReadWrite.
const (
	ReadWrite Mode = iota
	ReadOnly
	ReadOnlyOverride
	Import
)

// modeText spells the modes as Confluent does, matched exactly.
var modeText = enum.Text[Mode]{
	Type:  "Mode",
	Names: []string{ReadWrite: "READWRITE", ReadOnly: "READONLY", ReadOnlyOverride: "READONLY_OVERRIDE", Import: "IMPORT"},
	Unknown: func(string) error {
		return newError(ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
	},
}

// String returns the mode's Confluent spelling.
func (m Mode) String() string { return modeText.String(m) }

// MarshalText implements encoding.TextMarshaler.
func (m Mode) MarshalText() ([]byte, error) { return modeText.Marshal(m) }

// UnmarshalText implements encoding.TextUnmarshaler with ParseMode's rules.
func (m *Mode) UnmarshalText(b []byte) error { return modeText.Unmarshal(m, b) }

// ParseMode parses a mode name (exact, upper case). An unknown name wraps ErrInvalidMode.
func ParseMode(s string) (Mode, error) { return modeText.Parse(s) }

// Config is the configuration of a subject, a context or the whole registry. Nil
// pointer fields are unset at that level (they inherit from the level above).
type Config struct {
	// Compatibility is the compatibility level. Nil: inherit (server default BACKWARD).
	Compatibility *compat.Level
	// Normalize makes every registration and lookup normalize. Nil: inherit (false).
	Normalize *bool
	// Policy is the JSON Schema content-model policy. Nil: inherit (STRICT).
	Policy *compat.Policy
	// RuleSet is the Protobuf rule set: CONFLUENT, WIRE_JSON or WIRE. Nil: inherit.
	RuleSet *string
	// Alias, ValidateFields, CompatibilityGroup, DefaultMetadata, OverrideMetadata,
	// DefaultRuleSet, OverrideRuleSet are stored and echoed as Confluent does.
	Alias              *string
	ValidateFields     *bool
	CompatibilityGroup *string
	DefaultMetadata    json.RawMessage
	OverrideMetadata   json.RawMessage
	DefaultRuleSet     json.RawMessage
	OverrideRuleSet    json.RawMessage
	// AliasForDeks, ValidateRules and ValidateNewSchemas are Confluent's newer
	// fields (aliasForDeks, validateRules, validateNewSchemas), stored and echoed.
	AliasForDeks       *string
	ValidateRules      *bool
	ValidateNewSchemas *bool
}

// RegisterRequest is a schema to register, look up or check.
type RegisterRequest struct {
	// Subject is the (possibly context-qualified) subject.
	Subject    string
	Type       compat.SchemaType
	Text       string
	References []Reference
	Metadata   json.RawMessage
	RuleSet    json.RawMessage
	// ID and Version are honoured in IMPORT mode (Version also when it is the next one).
	ID      int
	Version int
	// Normalize stores and compares the normalized form.
	Normalize bool
	// Force skips the compatibility check.
	Force bool
}

// ListOptions filters listings of subjects, versions and ids.
type ListOptions struct {
	// Prefix filters subjects (qualified); "" or ":*:" means every context.
	Prefix string
	// Deleted includes soft-deleted entries; DeletedOnly returns only them.
	Deleted     bool
	DeletedOnly bool
	// LatestOnly (for Schemas) returns only the latest version per subject.
	LatestOnly bool
	// DeletedAsNegative (for Versions, with Deleted) returns soft-deleted versions
	// as negative numbers.
	DeletedAsNegative bool
	// Offset and Limit page the result; Limit <= 0 means no limit.
	Offset int
	Limit  int
}

// CompatResult is the outcome of a compatibility check request.
type CompatResult struct {
	Compatible bool
	Level      compat.Level
	// Violations are structured; Messages are the Confluent verbose strings.
	Violations []compat.Violation
	Messages   []string
	// Truncated is set when more violations were found than the registry's
	// CompatLimits.MaxViolations lets a report list.
	Truncated bool
}

// Errors. Each wraps a sentinel so callers use errors.Is; Error() returns the
// Confluent message text.
var (
	ErrSubjectNotFound       = errors.New("subject not found")                      // 40401
	ErrVersionNotFound       = errors.New("version not found")                      // 40402
	ErrSchemaNotFound        = errors.New("schema not found")                       // 40403
	ErrSubjectSoftDeleted    = errors.New("subject was soft deleted")               // 40404
	ErrSubjectNotSoftDeleted = errors.New("subject not soft deleted first")         // 40405
	ErrVersionSoftDeleted    = errors.New("version was soft deleted")               // 40406
	ErrVersionNotSoftDeleted = errors.New("version not soft deleted first")         // 40407
	ErrSubjectConfigNotFound = errors.New("subject has no subject-level config")    // 40408
	ErrSubjectModeNotFound   = errors.New("subject has no subject-level mode")      // 40409
	ErrIncompatible          = errors.New("incompatible schema")                    // 409
	ErrInvalidSchema         = errors.New("invalid schema")                         // 42201
	ErrInvalidVersion        = errors.New("invalid version")                        // 42202
	ErrInvalidLevel          = errors.New("invalid compatibility level")            // 42203
	ErrInvalidMode           = errors.New("invalid mode")                           // 42204
	ErrOperationNotPermitted = errors.New("operation not permitted")                // 42205
	ErrReferenceExists       = errors.New("schema is referenced")                   // 42206
	ErrIDConflict            = errors.New("imported id does not match existing id") // 42207
	ErrInvalidSubject        = errors.New("invalid subject")                        // 42208
	ErrSchemaTooLarge        = errors.New("schema too large")                       // 42209
	ErrInvalidRuleSet        = errors.New("invalid rule set")                       // 42210
	ErrContextNotEmpty       = errors.New("context not empty")                      // 42211
)

// Error is a registry error: Kind is one of the sentinels above, Msg the message a
// client sees (Confluent's wording where Confluent has one).
type Error struct {
	Kind error
	Msg  string
	// Violations is set for ErrIncompatible.
	Violations []compat.Violation
	// Messages are the Confluent-style details for ErrIncompatible.
	Messages []string
}

// Error returns Msg, the message a client sees.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns Kind, so errors.Is(err, ErrSubjectNotFound) works.
func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}
