package registry

import (
	"context"
	"errors"
)

// subject parses a subject named by a request on its schemas and follows its
// alias, as Confluent's AliasFilter does: when the subject's own config (not
// an inherited one) sets "alias", every read and write under the subject acts
// on the alias target instead. An unqualified alias lives in the subject's
// context. One hop only: the target's own alias is not followed, so two
// subjects aliasing each other cannot loop. Errors: ErrInvalidSubject (the
// subject, or the alias it names, is not a valid subject).
func (s *Service) subject(ctx context.Context, r Reader, raw string) (subjectName, error) {
	sn, err := parseSubject(raw)
	if err != nil {
		return sn, err
	}
	c, ok, err := storedConfig(ctx, r, sn.scope())
	if err != nil || !ok || c.Alias == nil || *c.Alias == "" {
		return sn, err
	}
	target, err := referenceTarget(sn.ctx, *c.Alias)
	if err != nil {
		return subjectName{}, newError(ErrInvalidSubject, "The alias '%s' of subject '%s' is not a valid subject.", *c.Alias, raw)
	}
	target.raw = qualify(target.ctx, target.name)
	return target, nil
}

// readSubject parses a subject a read names and returns its versions (see
// subjectVersions), following the subject's alias only when the subject has
// none of its own: an alias subject normally holds nothing, and reads are the
// hot path (use.latest.version serializers), so the common case costs no
// extra config read. A subject that holds versions and also names an alias
// is read as itself, where Confluent would read the target.
// Errors: ErrSubjectNotFound, ErrInvalidSubject.
func (s *Service) readSubject(ctx context.Context, r Reader, raw string, withDeleted bool) (subjectName, []VersionRecord, error) {
	sn, err := parseSubject(raw)
	if err != nil {
		return sn, nil, err
	}
	vs, err := s.subjectVersions(ctx, r, sn, withDeleted)
	if !errors.Is(err, ErrSubjectNotFound) {
		return sn, vs, err
	}
	target, aerr := s.subject(ctx, r, raw)
	if aerr != nil || target == sn {
		return sn, nil, err
	}
	tvs, terr := s.subjectVersions(ctx, r, target, withDeleted)
	if terr != nil {
		return sn, nil, err
	}
	return target, tvs, nil
}
