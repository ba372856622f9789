package registry

import (
	"context"
	"errors"

	"github.com/heraldhq/herald/compat"
)

// resolvedRefs is the outcome of resolving a new schema's references.
type resolvedRefs struct {
	// concrete are the references as they will be stored: Latest replaced by the
	// version it meant.
	concrete []Reference
	// targets[i] is where concrete[i] points.
	targets []VersionKey
	// parse is what Format.Parse takes: every reference, transitively, once per
	// name, dependencies first.
	parse []compat.Reference
}

// MaxReferences bounds the schemas a new schema brings in, through its
// references and theirs: each is read and parsed with it. (JSON Schema's own
// bound, jsonschema.MaxReferences, is the same.)
const MaxReferences = 1000

// maxReferencedFactor bounds the text a new schema brings in through its
// references, as a multiple of ServiceConfig.MaxSchemaBytes (16 MiB by
// default): each reference is within the bound, but a thousand of them need
// not be.
const maxReferencedFactor = 16

// refResolver walks references depth-first, deduplicating by name.
type refResolver struct {
	s    *Service
	r    Reader
	seen map[string]bool
	out  []compat.Reference
	// bounded applies MaxReferences and maxReferencedFactor (new schemas);
	// bytes is the text of out.
	bounded bool
	bytes   int
}

// visit adds the schema held by version v under name, after its own references.
func (rr *refResolver) visit(ctx context.Context, name string, v VersionRecord) error {
	if rr.seen[name] {
		return nil
	}
	rr.seen[name] = true
	if rr.bounded && len(rr.seen) > MaxReferences {
		return newError(ErrInvalidSchema, "Invalid schema: it brings in more than %d schemas through its references and theirs.", MaxReferences)
	}
	rec, err := rr.s.record(ctx, rr.r, v.Context, v.ID)
	if err != nil {
		return err
	}
	if rr.bytes += len(rec.Text); rr.bounded && rr.bytes > maxReferencedFactor*rr.s.cfg.MaxSchemaBytes {
		return newError(ErrInvalidSchema, "Invalid schema: the schemas it brings in through its references and theirs are over %d bytes.", maxReferencedFactor*rr.s.cfg.MaxSchemaBytes)
	}
	for i, nr := range rec.References {
		var t VersionKey
		if i < len(rec.Targets) {
			t = rec.Targets[i]
		}
		nv, err := findRefVersion(ctx, rr.r, nr, t, false)
		if err != nil {
			return err
		}
		if err := rr.visit(ctx, nr.Name, nv); err != nil {
			return err
		}
	}
	rr.out = append(rr.out, compat.Reference{Name: name, Text: rec.Text})
	return nil
}

// findRefVersion finds the version a reference points at (t.Version may be Latest).
// live refuses soft-deleted targets: a new schema may not depend on them, while
// reading an old one may.
func findRefVersion(ctx context.Context, r Reader, ref Reference, t VersionKey, live bool) (VersionRecord, error) {
	vs, err := r.SubjectVersions(ctx, t.Context, t.Subject)
	if err != nil {
		return VersionRecord{}, err
	}
	hasLive := false
	for _, v := range vs {
		if !v.Deleted {
			hasLive = true
		}
	}
	if len(vs) == 0 || (live && !hasLive) {
		return VersionRecord{}, newError(ErrSubjectNotFound, "Subject '%s' not found (named by reference '%s').", ref.Subject, ref.Name)
	}
	if t.Version == Latest {
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].Deleted {
				return vs[i], nil
			}
		}
	} else {
		for _, v := range vs {
			if v.Version == t.Version && (!live || !v.Deleted) {
				return v, nil
			}
		}
	}
	return VersionRecord{}, newError(ErrVersionNotFound, "Version %s of subject '%s' not found (named by reference '%s').", versionString(t.Version), ref.Subject, ref.Name)
}

func versionString(v int) string {
	if v == Latest {
		return "latest"
	}
	return itoa(v)
}

// resolveNew resolves the references of a schema being registered, looked up or
// checked in context c. live refuses soft-deleted targets (registration).
func (s *Service) resolveNew(ctx context.Context, r Reader, c string, refs []Reference, live bool) (resolvedRefs, error) {
	var out resolvedRefs
	if len(refs) == 0 {
		return out, nil
	}
	if len(refs) > MaxReferences {
		return out, newError(ErrInvalidSchema, "Invalid schema: %d references; at most %d are allowed.", len(refs), MaxReferences)
	}
	rr := &refResolver{s: s, r: r, seen: map[string]bool{}, bounded: true}
	names := map[string]bool{}
	for _, ref := range refs {
		if ref.Name == "" {
			return out, newError(ErrInvalidSchema, "Invalid reference: every reference needs a name (subject '%s').", ref.Subject)
		}
		if names[ref.Name] {
			return out, newError(ErrInvalidSchema, "Invalid reference: the name '%s' is used twice.", ref.Name)
		}
		names[ref.Name] = true
		if ref.Version == 0 || ref.Version < Latest || ref.Version > MaxVersion {
			return out, newError(ErrInvalidSchema, "Invalid reference '%s': version %d is not a valid version.", ref.Name, ref.Version)
		}
		tn, err := referenceTarget(c, ref.Subject)
		if err != nil {
			return out, newError(ErrInvalidSchema, "Invalid reference '%s': the subject '%s' is not valid.", ref.Name, ref.Subject)
		}
		t := VersionKey{Context: tn.ctx, Subject: tn.name, Version: ref.Version}
		v, err := findRefVersion(ctx, r, ref, t, live)
		if err != nil {
			return out, invalidReference(err)
		}
		t.Version = v.Version
		out.concrete = append(out.concrete, Reference{Name: ref.Name, Subject: ref.Subject, Version: v.Version})
		out.targets = append(out.targets, t)
		if err := rr.visit(ctx, ref.Name, v); err != nil {
			return out, invalidReference(err)
		}
	}
	out.parse = rr.out
	return out, nil
}

// invalidReference turns a missing reference target into ErrInvalidSchema
// (42201): Confluent resolves references while parsing the new schema, so a
// reference to a subject or version that does not exist makes the schema
// invalid rather than the request's own subject missing (404).
func invalidReference(err error) error {
	var e *Error
	if errors.As(err, &e) && (e.Kind == ErrSubjectNotFound || e.Kind == ErrVersionNotFound) {
		return &Error{Kind: ErrInvalidSchema, Msg: "Invalid schema: " + e.Msg}
	}
	return err
}

// storedRefs resolves the references of stored content, for parsing it again.
func (s *Service) storedRefs(ctx context.Context, r Reader, rec SchemaRecord) ([]compat.Reference, error) {
	if len(rec.References) == 0 {
		return nil, nil
	}
	rr := &refResolver{s: s, r: r, seen: map[string]bool{}}
	for i, ref := range rec.References {
		if i >= len(rec.Targets) {
			return nil, errors.New("registry: stored references lack their targets")
		}
		v, err := findRefVersion(ctx, r, ref, rec.Targets[i], false)
		if err != nil {
			return nil, err
		}
		if err := rr.visit(ctx, ref.Name, v); err != nil {
			return nil, err
		}
	}
	return rr.out, nil
}
