package catalog

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/heraldhq/herald/compat"
)

// Latest stands for the latest live version of a subject in Registry calls.
const Latest = -1

// SchemaVersion is one registered version of a subject, as the catalog sees it.
type SchemaVersion struct {
	Subject   string
	Version   int
	ID        int
	Type      compat.SchemaType
	Text      string
	CreatedAt time.Time
	// CreatedBy is who registered the version ("" when unknown).
	CreatedBy string
}

// Registry is what the catalog needs from the schema registry. The server adapts
// registry.Service to it; tests use catalogtest.Registry.
type Registry interface {
	// Subjects lists the live subjects.
	Subjects(ctx context.Context) ([]string, error)
	// Versions lists the live versions of subject, oldest first; Text may be empty.
	// Errors: ErrSchemaNotFound.
	Versions(ctx context.Context, subject string) ([]SchemaVersion, error)
	// Schema returns one version (Latest for the newest) with its text and its
	// parsed form. Errors: ErrSchemaNotFound.
	Schema(ctx context.Context, subject string, version int) (SchemaVersion, compat.Schema, error)
	// Compatibility returns the effective compatibility level and options of subject.
	Compatibility(ctx context.Context, subject string) (compat.Level, compat.Options, error)
	// CanRead reports what stops reader from reading data written with writer
	// (both of the same format), as the format's compatibility primitive does.
	// The work is bounded by opts.Limits and ctx.
	CanRead(ctx context.Context, reader, writer compat.Schema, opts compat.Options) ([]compat.Violation, error)
	// Register registers a schema under subject, idempotently (demo and AsyncAPI
	// import). Errors are the registry's (invalid or incompatible schema).
	Register(ctx context.Context, subject string, t compat.SchemaType, text string) (SchemaVersion, error)
	// Recent lists up to n subject versions, most recently registered first.
	Recent(ctx context.Context, n int) ([]SchemaVersion, error)
}

// MostRecent sorts vs as Registry.Recent lists them, most recently registered
// first (the higher id first among versions of the same instant), and keeps
// the first n. It sorts vs in place.
func MostRecent(vs []SchemaVersion, n int) []SchemaVersion {
	slices.SortStableFunc(vs, func(a, b SchemaVersion) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return vs[:min(n, len(vs))]
}

// Observation is what the broker saw one client do on one topic.
type Observation struct {
	// Client is the producing or consuming client: the Herald-Client header of a
	// publish, or the consumer group of a read. By convention it is a service id.
	Client string
	// Topic is the broker topic.
	Topic string
	// Action is Sends for a producer and Receives for a consumer.
	Action    Action
	FirstSeen time.Time
	LastSeen  time.Time
	Count     int64
}

// Lineage is what the catalog needs from the broker: the producers and consumers it
// observed. The server adapts the broker to it; nil means no broker.
type Lineage interface {
	// Observations lists every observed (client, topic, action).
	Observations(ctx context.Context) ([]Observation, error)
}

// LineageFunc adapts a function to Lineage.
type LineageFunc func(ctx context.Context) ([]Observation, error)

// Observations calls f.
func (f LineageFunc) Observations(ctx context.Context) ([]Observation, error) { return f(ctx) }

// Revision identifies a stored state of the catalog.
type Revision struct {
	// Number increases by one with every change; 0 is the empty catalog.
	Number    int64
	UpdatedAt time.Time
}

// Store persists the catalog. catalog/catalogdb implements it.
type Store interface {
	// Load returns the stored catalog and its revision; an empty store gives an
	// empty Document and revision 0.
	Load(ctx context.Context) (*Document, Revision, error)
	// Save replaces the whole stored catalog in one transaction and returns the
	// new revision.
	Save(ctx context.Context, doc *Document) (Revision, error)
}
