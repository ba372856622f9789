package registry

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/heraldhq/herald/compat"
)

// ErrConflict is returned by a Tx when a write breaks a uniqueness rule of the store
// (a second row for the same (context, id) or (context, subject, version)). The
// Service retries the whole operation once on it: it only happens when another
// process wrote between our reads and our writes.
var ErrConflict = errors.New("registry: conflicting write")

// SchemaRecord is the stored content of one schema id inside one context. Records
// are immutable: only a hard delete of the last version using the id removes one.
type SchemaRecord struct {
	// Context is the context the id belongs to ("." for the default one).
	Context string
	// ID is the schema id, unique inside Context.
	ID int
	// GUID is derived from the content (see contentGUID); equal content in two
	// contexts shares a GUID.
	GUID string
	// Hash identifies the content: type, text, references, metadata and rule set.
	// Equal content in one context shares one id.
	Hash string
	// Type is the schema format.
	Type compat.SchemaType
	// Text is the stored (canonical or normalized) schema text.
	Text string
	// References are the schema's dependencies as registered, with concrete
	// versions; Targets holds the same references resolved to a context.
	References []Reference
	// Targets are References resolved: Targets[i] is where References[i] points.
	Targets []VersionKey
	// Metadata and RuleSet are compact JSON, or nil.
	Metadata json.RawMessage
	RuleSet  json.RawMessage
}

// VersionRecord is one subject version: a row tying (context, subject, version) to
// a schema id.
type VersionRecord struct {
	Context string
	// Subject is the unqualified subject name inside Context.
	Subject string
	Version int
	ID      int
	// Deleted marks a soft-deleted version.
	Deleted   bool
	CreatedAt time.Time
	// CreatedBy names who registered the version: the principal
	// WithPrincipal put in the registering request's context ("" when none,
	// as without authentication, and for versions registered before it was
	// recorded).
	CreatedBy string
}

// Key returns the version's address.
func (v VersionRecord) Key() VersionKey {
	return VersionKey{Context: v.Context, Subject: v.Subject, Version: v.Version}
}

// VersionKey addresses one subject version.
type VersionKey struct {
	Context string
	Subject string
	Version int
}

// Scope names the level a config or mode is set at: the global level
// (Context == GlobalContext, Subject == ""), one context (Subject == "") or one
// subject.
type Scope struct {
	Context string
	Subject string
}

// Global is the scope of the registry-wide config and mode.
var Global = Scope{Context: GlobalContext}

// Reader is the read side of a Store. Results are never shared with the store:
// callers may keep and modify them.
type Reader interface {
	// Schema returns the content of an id. Errors: ErrSchemaNotFound.
	Schema(ctx context.Context, context string, id int) (SchemaRecord, error)
	// SchemaByHash returns the content with the given hash in a context.
	// Errors: ErrSchemaNotFound.
	SchemaByHash(ctx context.Context, context, hash string) (SchemaRecord, error)
	// SchemasByGUID returns every content with the given GUID, across contexts,
	// ordered by context then id; empty when none.
	SchemasByGUID(ctx context.Context, guid string) ([]SchemaRecord, error)
	// SubjectVersions returns every version of a subject, soft-deleted ones
	// included, ascending; empty when the subject has none.
	SubjectVersions(ctx context.Context, context, subject string) ([]VersionRecord, error)
	// VersionsByID returns every subject version using an id, ordered by subject
	// then version.
	VersionsByID(ctx context.Context, context string, id int) ([]VersionRecord, error)
	// ListVersions returns every subject version whose context is context ("" for
	// all contexts) and whose subject starts with subjectPrefix, ordered by
	// context, subject and version.
	ListVersions(ctx context.Context, context, subjectPrefix string) ([]VersionRecord, error)
	// Referrers returns the versions (live and soft-deleted) of every schema with a
	// reference to target, ordered by context, subject and version.
	Referrers(ctx context.Context, target VersionKey) ([]VersionRecord, error)
	// Config returns the config set at a scope. Errors: ErrSubjectConfigNotFound.
	Config(ctx context.Context, scope Scope) (Config, error)
	// Mode returns the mode set at a scope. Errors: ErrSubjectModeNotFound.
	Mode(ctx context.Context, scope Scope) (Mode, error)
	// Contexts lists the contexts that exist (created by a registration), sorted.
	Contexts(ctx context.Context) ([]string, error)
	// MaxID returns the highest id ever handed out in a context; 0 when none.
	MaxID(ctx context.Context, context string) (int, error)
}

// Tx is a store transaction: reads see its own writes, and nothing is visible to
// others until Update returns nil.
type Tx interface {
	Reader
	// NextID allocates the next id of a context (creating the context): ids start
	// at 1 and are never handed out twice, even after hard deletes.
	NextID(ctx context.Context, context string) (int, error)
	// ReserveID records that id is taken in a context (creating the context), so
	// NextID never returns it: used for imported ids.
	ReserveID(ctx context.Context, context string, id int) error
	// InsertSchema stores new content. Errors: ErrConflict when the id is taken.
	InsertSchema(ctx context.Context, rec SchemaRecord) error
	// DeleteSchema removes content and its references; no version may use it.
	DeleteSchema(ctx context.Context, context string, id int) error
	// InsertVersion stores a subject version. Errors: ErrConflict when the
	// version exists.
	InsertVersion(ctx context.Context, v VersionRecord) error
	// SetDeleted marks a version soft-deleted (or live again).
	// Errors: ErrVersionNotFound.
	SetDeleted(ctx context.Context, key VersionKey, deleted bool) error
	// DeleteVersion removes a version row. Errors: ErrVersionNotFound.
	DeleteVersion(ctx context.Context, key VersionKey) error
	// PutConfig replaces the config stored at a scope.
	PutConfig(ctx context.Context, scope Scope, cfg Config) error
	// DeleteConfig removes the config at a scope; a missing one is not an error.
	DeleteConfig(ctx context.Context, scope Scope) error
	// PutMode replaces the mode stored at a scope.
	PutMode(ctx context.Context, scope Scope, mode Mode) error
	// DeleteMode removes the mode at a scope; a missing one is not an error.
	DeleteMode(ctx context.Context, scope Scope) error
	// DeleteContext removes a context, its id counter and every config and mode
	// set inside it. It has no versions or schemas left.
	DeleteContext(ctx context.Context, name string) error
	// Savepoint runs fn inside the transaction so that, when fn fails, what it
	// wrote is undone and the rest of the transaction stands (SQL's SAVEPOINT,
	// ROLLBACK TO and RELEASE). fn's error is returned unchanged; an error
	// undoing it is returned instead, and then the transaction must not
	// commit.
	Savepoint(ctx context.Context, fn func() error) error
}

// Store is what Service needs from persistence. registry/registrydb implements it
// on gorm; every write the Service makes for one request goes through one Update.
type Store interface {
	Reader
	// Update runs fn in one transaction, committed when fn returns nil and rolled
	// back otherwise; fn's error is returned unchanged.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the store answers (the database is reachable and open).
	// Errors: the driver's, untranslated.
	Ping(ctx context.Context) error
}
