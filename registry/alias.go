package registry

import "context"

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
