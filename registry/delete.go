package registry

import (
	"context"
)

func referenceExists(v VersionRecord) *Error {
	return newError(ErrReferenceExists, "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", qualify(v.Context, v.Subject), v.Version)
}

// referenced reports whether another schema references v. Soft-deleted referrers
// count only with withDeleted (hard deletes under StrictReferences, and
// tombstoning: their ids still resolve and need the target to parse). sameSubject false ignores referrers in v's own subject.
func referenced(ctx context.Context, r Reader, v VersionRecord, withDeleted, sameSubject bool) (bool, error) {
	refs, err := r.Referrers(ctx, v.Key())
	if err != nil {
		return false, storeErr("read referrers", err)
	}
	for _, x := range refs {
		if x.Deleted && !withDeleted {
			continue
		}
		if !sameSubject && x.Context == v.Context && x.Subject == v.Subject {
			continue
		}
		return true, nil
	}
	return false, nil
}

// hardDelete removes one version row, then its content when no version uses the id
// any more, then the subject's config and mode when it was the subject's last
// version. It returns the cache keys to evict after commit. With skipReferenced, a
// referenced version is left alone instead.
func (s *Service) hardDelete(ctx context.Context, tx Tx, v VersionRecord, skipReferenced bool) ([]idKey, error) {
	if skipReferenced {
		ref, err := referenced(ctx, tx, v, true, true)
		if err != nil || ref {
			return nil, err
		}
	}
	if err := tx.DeleteVersion(ctx, v.Key()); err != nil {
		return nil, storeErr("delete version", err)
	}
	var evict []idKey
	users, err := tx.VersionsByID(ctx, v.Context, v.ID)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	if len(users) == 0 {
		if err := tx.DeleteSchema(ctx, v.Context, v.ID); err != nil {
			return nil, storeErr("delete schema", err)
		}
		evict = append(evict, idKey{v.Context, v.ID})
	}
	left, err := tx.SubjectVersions(ctx, v.Context, v.Subject)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	if len(left) == 0 {
		sc := Scope{Context: v.Context, Subject: v.Subject}
		if err := tx.DeleteConfig(ctx, sc); err != nil {
			return nil, storeErr("delete config", err)
		}
		if err := tx.DeleteMode(ctx, sc); err != nil {
			return nil, storeErr("delete mode", err)
		}
	}
	return evict, nil
}

// deleteFrame is what DeleteSubject and DeleteVersion share: under writeMu, in
// one transaction, it refuses a read-only subject, reads every version of it
// (none at all is ErrSubjectNotFound, naming subject as the caller gave it) and
// hands them to fn; once the transaction commits it evicts the cache entries fn
// returned. Cached version lists are invalidated whatever the outcome.
func (s *Service) deleteFrame(ctx context.Context, sn subjectName, subject string, fn func(tx Tx, vs []VersionRecord) ([]idKey, error)) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var evict []idKey
	err := s.update(ctx, func(tx Tx) error {
		if err := s.checkWritable(ctx, tx, sn); err != nil {
			return err
		}
		vs, err := tx.SubjectVersions(ctx, sn.ctx, sn.name)
		if err != nil {
			return storeErr("read versions", err)
		}
		if len(vs) == 0 {
			return subjectNotFound(subject)
		}
		evict, err = fn(tx, vs)
		return err
	})
	if err != nil {
		return err
	}
	for _, k := range evict {
		s.cache.evict(k)
	}
	return nil
}

// DeleteSubject soft- or hard-deletes a subject and returns the versions deleted,
// ascending. A soft delete marks every live version deleted; their ids still
// resolve. A hard delete needs a soft delete first and removes every version with
// the subject's config and mode. References from the subject's own versions are
// ignored. Errors: ErrSubjectNotFound, ErrSubjectSoftDeleted,
// ErrSubjectNotSoftDeleted, ErrReferenceExists, ErrOperationNotPermitted,
// ErrInvalidSubject.
func (s *Service) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	sn, err := s.subject(ctx, s.store, subject)
	if err != nil {
		return nil, err
	}
	out := []int{}
	err = s.deleteFrame(ctx, sn, subject, func(tx Tx, vs []VersionRecord) ([]idKey, error) {
		var live []VersionRecord
		for _, v := range vs {
			if !v.Deleted {
				live = append(live, v)
			}
		}
		if !permanent {
			if len(live) == 0 {
				return nil, newError(ErrSubjectSoftDeleted, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
			}
			for _, v := range live {
				ref, err := referenced(ctx, tx, v, false, false)
				if err != nil {
					return nil, err
				}
				if ref {
					return nil, referenceExists(v)
				}
			}
			for _, v := range live {
				if err := tx.SetDeleted(ctx, v.Key(), true); err != nil {
					return nil, storeErr("delete version", err)
				}
				out = append(out, v.Version)
			}
			return nil, nil
		}
		if len(live) > 0 {
			return nil, newError(ErrSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", subject)
		}
		for _, v := range vs {
			ref, err := referenced(ctx, tx, v, s.cfg.StrictReferences, false)
			if err != nil {
				return nil, err
			}
			if ref {
				return nil, referenceExists(v)
			}
		}
		var evict []idKey
		for _, v := range vs {
			ks, err := s.hardDelete(ctx, tx, v, false)
			if err != nil {
				return nil, err
			}
			evict = append(evict, ks...)
			out = append(out, v.Version)
		}
		return evict, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteVersion soft- or hard-deletes one version (Latest: the latest live one) and
// returns its number. A hard delete needs a soft delete first; when the subject's
// last version goes, its config and mode go too.
// Errors: ErrSubjectNotFound, ErrVersionNotFound, ErrVersionSoftDeleted,
// ErrVersionNotSoftDeleted, ErrReferenceExists, ErrInvalidVersion,
// ErrOperationNotPermitted, ErrInvalidSubject.
func (s *Service) DeleteVersion(ctx context.Context, subject string, version int, permanent bool) (int, error) {
	sn, err := s.subject(ctx, s.store, subject)
	if err != nil {
		return 0, err
	}
	if version < 1 && version != Latest {
		return 0, invalidVersion(itoa(version))
	}
	var out int
	err = s.deleteFrame(ctx, sn, subject, func(tx Tx, vs []VersionRecord) ([]idKey, error) {
		v, ok := pickVersion(vs, version, version != Latest)
		if !ok {
			return nil, versionNotFound(version)
		}
		out = v.Version
		if !permanent {
			if v.Deleted {
				return nil, newError(ErrVersionSoftDeleted, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, v.Version)
			}
			ref, err := referenced(ctx, tx, v, false, true)
			if err != nil {
				return nil, err
			}
			if ref {
				return nil, referenceExists(v)
			}
			return nil, storeErrIf("delete version", tx.SetDeleted(ctx, v.Key(), true))
		}
		if !v.Deleted {
			return nil, newError(ErrVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", subject, v.Version)
		}
		ref, err := referenced(ctx, tx, v, s.cfg.StrictReferences, true)
		if err != nil {
			return nil, err
		}
		if ref {
			return nil, referenceExists(v)
		}
		return s.hardDelete(ctx, tx, v, false)
	})
	if err != nil {
		return 0, err
	}
	return out, nil
}
