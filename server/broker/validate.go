package broker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldhq/herald/compat"
)

// Validator resolves what a topic is bound to: a subject's live versions and the
// parsed schema of an id. The server passes the registry; tests pass an in-memory
// fake. The broker caches both answers (schemas by id forever: they are
// immutable; version lists for Config.SchemaRefresh).
type Validator interface {
	// Versions lists the live versions of a subject, ascending, with their schema
	// ids. Errors: ErrSubjectNotFound (also for a subject with no live version).
	Versions(ctx context.Context, subject string) ([]SchemaVersion, error)
	// Schema returns the parsed schema with an id, in the context of subject.
	// Errors: ErrSchemaNotFound.
	Schema(ctx context.Context, subject string, id int) (compat.Schema, error)
}

// SchemaVersion is one live version of a subject and the id of its schema.
type SchemaVersion struct {
	Version int
	ID      int
}

// subjectCache is a subject's version list and when it was fetched.
type subjectCache struct {
	versions []SchemaVersion
	fetched  time.Time
}

// schemaKey names a schema: ids are unique within a registry context.
type schemaKey struct {
	context string
	id      int
}

// contextOf returns the context part of a qualified subject (":.ctx:name").
func contextOf(subject string) string {
	if strings.HasPrefix(subject, ":.") {
		if i := strings.Index(subject[2:], ":"); i >= 0 {
			return subject[1 : 2+i]
		}
	}
	return "."
}

// versions returns a subject's live versions, from the cache unless it is older
// than SchemaRefresh or fresh is set.
func (b *Broker) versions(ctx context.Context, subject string, fresh bool) ([]SchemaVersion, error) {
	now := b.now()
	b.schemaMu.Lock()
	c := b.subjects[subject]
	b.schemaMu.Unlock()
	if c != nil && !fresh && now.Sub(c.fetched) < b.cfg.SchemaRefresh {
		return c.versions, nil
	}
	vs, err := b.val.Versions(ctx, subject)
	if err != nil {
		if errors.Is(err, ErrSubjectNotFound) {
			return nil, fmt.Errorf("%w: the registry has no live version of subject %q: register a schema under it first", ErrSubjectNotFound, subject)
		}
		return nil, err
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: the registry has no live version of subject %q: register a schema under it first", ErrSubjectNotFound, subject)
	}
	b.schemaMu.Lock()
	b.subjects[subject] = &subjectCache{versions: vs, fetched: now}
	b.schemaMu.Unlock()
	return vs, nil
}

// DefaultSchemaCacheBytes is the default of Config.SchemaCacheBytes.
const DefaultSchemaCacheBytes = 128 << 20

// schemaCostPerByte estimates the memory of a parsed schema from its canonical
// text. It is deliberately above every format's measured cost (the registry's
// parsedCosts: about 7 to 35 bytes per byte of text), so the bound errs towards
// evicting sooner.
const schemaCostPerByte = 50

// cachedSchema is a parsed schema and its estimated size.
type cachedSchema struct {
	schema compat.Schema
	cost   int64
}

// schema returns the parsed schema of id, compiled once and cached within
// Config.SchemaCacheBytes: ids are immutable, so a cached schema is never stale,
// and an evicted one is fetched again (from the registry's own cache).
func (b *Broker) schema(ctx context.Context, subject string, id int) (compat.Schema, error) {
	k := schemaKey{contextOf(subject), id}
	b.schemaMu.Lock()
	c, ok := b.schemas[k]
	b.schemaMu.Unlock()
	if ok {
		return c.schema, nil
	}
	s, err := b.val.Schema(ctx, subject, id)
	if err != nil {
		return nil, err
	}
	b.cacheSchema(k, s)
	return s, nil
}

// cacheSchema keeps s unless it alone is over the bound, evicting other entries
// (in map order, which is as good as any for immutable entries) until the
// estimated total fits.
func (b *Broker) cacheSchema(k schemaKey, s compat.Schema) {
	limit := b.cfg.SchemaCacheBytes
	cost := int64(1024 + schemaCostPerByte*len(s.Canonical()))
	if limit > 0 && cost > limit {
		return
	}
	b.schemaMu.Lock()
	defer b.schemaMu.Unlock()
	if _, ok := b.schemas[k]; ok {
		return
	}
	for ek, e := range b.schemas {
		if limit <= 0 || b.schemaBytes+cost <= limit {
			break
		}
		delete(b.schemas, ek)
		b.schemaBytes -= e.cost
	}
	b.schemas[k] = cachedSchema{schema: s, cost: cost}
	b.schemaBytes += cost
}

// ErrBadWireFormat is wrapped by ParseWire's errors.
var ErrBadWireFormat = errors.New("bad wire format")

// ParseWire splits a Confluent wire-format payload into its schema id and the
// rest (for Protobuf, the message indexes followed by the message). Only magic
// byte 0 is supported. Errors wrap ErrBadWireFormat and the compat.ParseWire
// sentinel that says why.
func ParseWire(b []byte) (id int, rest []byte, err error) {
	id, rest, err = compat.ParseWire(b)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrBadWireFormat, err)
	}
	return id, rest, nil
}

// AppendWire appends the Confluent wire-format prefix for id, then payload.
func AppendWire(dst []byte, id int, payload []byte) []byte {
	return compat.AppendWire(dst, id, payload)
}

// part is what is validated: an event's value or key.
type part struct {
	field   string // "value" or "key"
	subject string
	binary  bool
	ranged  bool // apply the topic's allowed version range
}

// validate checks one field of one event and returns the schema id that
// validated it, or the problems.
func (b *Broker) validate(ctx context.Context, t *Topic, p part, payload []byte) (int, []EventProblem, error) {
	prob := func(path, format string, args ...any) []EventProblem {
		return []EventProblem{{Field: p.field, Path: path, Message: fmt.Sprintf(format, args...)}}
	}
	allowed := func(v int) bool { return !p.ranged || t.allows(v) }
	if p.binary {
		id, rest, err := ParseWire(payload)
		if err != nil {
			return 0, prob("", "%v", err), nil
		}
		vs, err := b.versions(ctx, p.subject, false)
		if err != nil {
			return 0, nil, err
		}
		sv, ok := findID(vs, id)
		if !ok {
			// A schema registered since the list was cached: ask again once.
			if vs, err = b.versions(ctx, p.subject, true); err != nil {
				return 0, nil, err
			}
			if sv, ok = findID(vs, id); !ok {
				return 0, prob("", "schema id %d is not a live version of subject %s", id, p.subject), nil
			}
		}
		if !allowed(sv.Version) {
			return 0, prob("", "schema id %d is version %d of subject %s, outside the topic's allowed %s", id, sv.Version, p.subject, t.versionRange()), nil
		}
		s, err := b.schema(ctx, p.subject, id)
		if err != nil {
			return 0, nil, err
		}
		if err := s.Validate(rest, compat.EncodingBinary); err != nil {
			return 0, payloadProblems(p.field, err, fmt.Sprintf(" (schema id %d, version %d of %s)", id, sv.Version, p.subject)), nil
		}
		return id, nil, nil
	}
	vs, err := b.versions(ctx, p.subject, false)
	if err != nil {
		return 0, nil, err
	}
	// Newest allowed version first: most events are written with the latest.
	var first error
	var firstV SchemaVersion
	tried := 0
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if !allowed(v.Version) {
			continue
		}
		s, err := b.schema(ctx, p.subject, v.ID)
		if err != nil {
			return 0, nil, err
		}
		err = s.Validate(payload, compat.EncodingJSON)
		if err == nil {
			return v.ID, nil, nil
		}
		if tried == 0 {
			first, firstV = err, v
		}
		tried++
	}
	if tried == 0 {
		return 0, prob("", "subject %s has no live version in the topic's allowed %s", p.subject, t.versionRange()), nil
	}
	// Explain a refusal fully: does a version outside the range accept it?
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if allowed(v.Version) {
			continue
		}
		s, err := b.schema(ctx, p.subject, v.ID)
		if err != nil {
			return 0, nil, err
		}
		if s.Validate(payload, compat.EncodingJSON) == nil {
			return 0, prob("", "the event matches version %d of subject %s, outside the topic's allowed %s", v.Version, p.subject, t.versionRange()), nil
		}
	}
	suffix := fmt.Sprintf(" (version %d of %s)", firstV.Version, p.subject)
	if tried > 1 {
		suffix = fmt.Sprintf(" (version %d of %s; the event matches none of the %d allowed versions)", firstV.Version, p.subject, tried)
	}
	return 0, payloadProblems(p.field, first, suffix), nil
}

// payloadProblems turns a Validate error into problems.
func payloadProblems(field string, err error, suffix string) []EventProblem {
	var ip *compat.InvalidPayloadError
	if errors.As(err, &ip) && len(ip.Problems) > 0 {
		out := make([]EventProblem, len(ip.Problems))
		for i, p := range ip.Problems {
			out[i] = EventProblem{Field: field, Path: p.Path, Message: p.Message + suffix}
		}
		return out
	}
	return []EventProblem{{Field: field, Message: err.Error() + suffix}}
}

func findID(vs []SchemaVersion, id int) (SchemaVersion, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].ID == id {
			return vs[i], true
		}
	}
	return SchemaVersion{}, false
}
