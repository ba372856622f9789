package registry

import (
	"context"
	"errors"

	"github.com/heraldhq/herald/compat"
)

// scopesOf lists the scopes whose config applies to sn, most general first:
// global, then the context, then the subject.
func scopesOf(sn subjectName) []Scope {
	if sn.ctx == GlobalContext {
		return []Scope{Global}
	}
	out := []Scope{Global, {Context: sn.ctx}}
	if sn.name != "" {
		out = append(out, Scope{Context: sn.ctx, Subject: sn.name})
	}
	return out
}

// mergeConfig sets every field set in src on dst.
func mergeConfig(dst *Config, src Config) {
	if src.Compatibility != nil {
		dst.Compatibility = src.Compatibility
	}
	if src.Normalize != nil {
		dst.Normalize = src.Normalize
	}
	if src.Policy != nil {
		dst.Policy = src.Policy
	}
	if src.RuleSet != nil {
		dst.RuleSet = src.RuleSet
	}
	if src.Alias != nil {
		dst.Alias = src.Alias
	}
	if src.ValidateFields != nil {
		dst.ValidateFields = src.ValidateFields
	}
	if src.CompatibilityGroup != nil {
		dst.CompatibilityGroup = src.CompatibilityGroup
	}
	if src.DefaultMetadata != nil {
		dst.DefaultMetadata = src.DefaultMetadata
	}
	if src.OverrideMetadata != nil {
		dst.OverrideMetadata = src.OverrideMetadata
	}
	if src.DefaultRuleSet != nil {
		dst.DefaultRuleSet = src.DefaultRuleSet
	}
	if src.OverrideRuleSet != nil {
		dst.OverrideRuleSet = src.OverrideRuleSet
	}
	if src.AliasForDeks != nil {
		dst.AliasForDeks = src.AliasForDeks
	}
	if src.ValidateRules != nil {
		dst.ValidateRules = src.ValidateRules
	}
	if src.ValidateNewSchemas != nil {
		dst.ValidateNewSchemas = src.ValidateNewSchemas
	}
}

// defaultConfig is what applies when nothing is set anywhere.
func (s *Service) defaultConfig() Config {
	l := s.cfg.DefaultCompatibility
	return Config{Compatibility: &l}
}

// storedConfig returns the config at one scope and whether one is set.
func storedConfig(ctx context.Context, r Reader, sc Scope) (Config, bool, error) {
	c, err := r.Config(ctx, sc)
	if errors.Is(err, ErrSubjectConfigNotFound) {
		return Config{}, false, nil
	}
	if err != nil {
		return Config{}, false, storeErr("read config", err)
	}
	return c, true, nil
}

// effectiveConfig merges the server default, global, context and subject configs.
func (s *Service) effectiveConfig(ctx context.Context, r Reader, sn subjectName) (Config, error) {
	out := s.defaultConfig()
	for _, sc := range scopesOf(sn) {
		c, ok, err := storedConfig(ctx, r, sc)
		if err != nil {
			return Config{}, err
		}
		if ok {
			mergeConfig(&out, c)
		}
	}
	return out, nil
}

// Config returns the config set at subject (or context ":.ctx:", or global when
// subject is "" or ":.__GLOBAL:"). With defaultToGlobal it returns the effective
// config instead: the subject's fields merged over its context's, the global ones
// and the server default. The global level always answers (with the server default
// when nothing is set). Errors: ErrSubjectConfigNotFound, ErrInvalidSubject.
func (s *Service) Config(ctx context.Context, subject string, defaultToGlobal bool) (Config, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return Config{}, err
	}
	if defaultToGlobal || sn.ctx == GlobalContext {
		return s.effectiveConfig(ctx, s.store, sn)
	}
	c, ok, err := storedConfig(ctx, s.store, sn.scope())
	if err != nil {
		return Config{}, err
	}
	if !ok {
		return Config{}, newError(ErrSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", subject)
	}
	return c, nil
}

// validateConfig compacts the JSON fields of c and checks its enums.
func validateConfig(c *Config) error {
	if c.Compatibility != nil && (*c.Compatibility < compat.Backward || *c.Compatibility > compat.None) {
		return newError(ErrInvalidLevel, "Invalid compatibility level. Valid values are none, backward, backward_transitive, forward, forward_transitive, full, and full_transitive")
	}
	if c.RuleSet != nil {
		switch *c.RuleSet {
		case "", "CONFLUENT", "WIRE_JSON", "WIRE":
		default:
			return newError(ErrInvalidLevel, "Invalid Protobuf rule set %q. Valid values are CONFLUENT, WIRE_JSON and WIRE", *c.RuleSet)
		}
	}
	for _, f := range []struct {
		p    *[]byte
		name string
		kind error
	}{
		{(*[]byte)(&c.DefaultMetadata), "defaultMetadata", ErrInvalidSchema},
		{(*[]byte)(&c.OverrideMetadata), "overrideMetadata", ErrInvalidSchema},
		{(*[]byte)(&c.DefaultRuleSet), "defaultRuleSet", ErrInvalidRuleSet},
		{(*[]byte)(&c.OverrideRuleSet), "overrideRuleSet", ErrInvalidRuleSet},
	} {
		v, err := compactJSON(*f.p, f.name)
		if err != nil {
			return &Error{Kind: f.kind, Msg: "Invalid config: " + err.Error()}
		}
		*f.p = v
	}
	return nil
}

// checkWritable refuses writes at a scope whose effective mode is read-only.
func (s *Service) checkWritable(ctx context.Context, r Reader, sn subjectName) error {
	m, err := s.effectiveMode(ctx, r, sn)
	if err != nil {
		return err
	}
	if m == ReadOnly || m == ReadOnlyOverride {
		return newError(ErrOperationNotPermitted, "Subject '%s' is in read-only mode", displayScope(sn))
	}
	return nil
}

func displayScope(sn subjectName) string {
	if sn.raw == "" && sn.ctx == GlobalContext {
		return qualify(GlobalContext, "")
	}
	return sn.raw
}

// SetConfig sets config fields at a level (fields left nil keep their value there)
// and returns the resulting config at that level. The subject need not exist.
// Errors: ErrInvalidSubject, ErrInvalidLevel, ErrInvalidRuleSet,
// ErrOperationNotPermitted (read-only).
func (s *Service) SetConfig(ctx context.Context, subject string, cfg Config) (Config, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return Config{}, err
	}
	if err := validateConfig(&cfg); err != nil {
		return Config{}, err
	}
	return s.updateConfig(ctx, sn, func(tx Tx, cur Config, _ bool) (Config, error) {
		mergeConfig(&cur, cfg)
		if err := tx.PutConfig(ctx, sn.scope(), cur); err != nil {
			return Config{}, storeErr("write config", err)
		}
		return cur, nil
	})
}

// DeleteConfig removes the config set at a level and returns it. At the global
// level it answers the server default when nothing was set.
// Errors: ErrSubjectNotFound (nothing set at a subject or context), ErrInvalidSubject,
// ErrOperationNotPermitted (read-only).
func (s *Service) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return Config{}, err
	}
	return s.updateConfig(ctx, sn, func(tx Tx, cur Config, ok bool) (Config, error) {
		if !ok {
			if sn.ctx != GlobalContext {
				return Config{}, subjectNotFound(subject)
			}
			return s.defaultConfig(), nil
		}
		if err := tx.DeleteConfig(ctx, sn.scope()); err != nil {
			return Config{}, storeErr("delete config", err)
		}
		return cur, nil
	})
}

// updateConfig is what SetConfig and DeleteConfig share: under writeMu, in one
// transaction, it refuses a read-only level and hands fn the config stored at
// sn's level (ok: one is set there); it returns what fn returns.
func (s *Service) updateConfig(ctx context.Context, sn subjectName, fn func(tx Tx, cur Config, ok bool) (Config, error)) (Config, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var out Config
	err := s.update(ctx, func(tx Tx) error {
		if err := s.checkWritable(ctx, tx, sn); err != nil {
			return err
		}
		cur, ok, err := storedConfig(ctx, tx, sn.scope())
		if err != nil {
			return err
		}
		out, err = fn(tx, cur, ok)
		return err
	})
	return out, err
}

func storeErrIf(op string, err error) error {
	if err == nil {
		return nil
	}
	return storeErr(op, err)
}

// storedMode returns the mode at one scope and whether one is set.
func storedMode(ctx context.Context, r Reader, sc Scope) (Mode, bool, error) {
	m, err := r.Mode(ctx, sc)
	if errors.Is(err, ErrSubjectModeNotFound) {
		return ReadWrite, false, nil
	}
	if err != nil {
		return 0, false, storeErr("read mode", err)
	}
	return m, true, nil
}

// effectiveMode resolves the mode of sn: READONLY_OVERRIDE set globally beats
// everything; otherwise the subject's, its context's, the global one, READWRITE.
func (s *Service) effectiveMode(ctx context.Context, r Reader, sn subjectName) (Mode, error) {
	scopes := scopesOf(sn)
	g, _, err := storedMode(ctx, r, Global)
	if err != nil {
		return 0, err
	}
	if g == ReadOnlyOverride {
		return g, nil
	}
	for i := len(scopes) - 1; i > 0; i-- {
		m, ok, err := storedMode(ctx, r, scopes[i])
		if err != nil {
			return 0, err
		}
		if ok {
			return m, nil
		}
	}
	return g, nil
}

// Mode returns the mode set at a level (subject "" or ":.__GLOBAL:" = global, which
// always answers, READWRITE when unset). With defaultToGlobal it returns the
// effective mode. Errors: ErrSubjectModeNotFound, ErrInvalidSubject.
func (s *Service) Mode(ctx context.Context, subject string, defaultToGlobal bool) (Mode, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return 0, err
	}
	if defaultToGlobal || sn.ctx == GlobalContext {
		return s.effectiveMode(ctx, s.store, sn)
	}
	m, ok, err := storedMode(ctx, s.store, sn.scope())
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, newError(ErrSubjectModeNotFound, "Subject '%s' does not have subject-level mode configured", subject)
	}
	return m, nil
}

// scopeVersions lists every version inside a scope: one subject, one context, or
// everything for the global scope.
func scopeVersions(ctx context.Context, r Reader, sn subjectName) ([]VersionRecord, error) {
	switch {
	case sn.ctx == GlobalContext:
		return r.ListVersions(ctx, "", "")
	case sn.name == "":
		return r.ListVersions(ctx, sn.ctx, "")
	default:
		return r.SubjectVersions(ctx, sn.ctx, sn.name)
	}
}

// SetMode sets the mode at a level. Switching to IMPORT needs a scope without live
// versions unless force; leftover soft-deleted versions there are then
// hard-deleted (those still referenced are kept).
// Errors: ErrInvalidMode, ErrOperationNotPermitted, ErrInvalidSubject.
func (s *Service) SetMode(ctx context.Context, subject string, mode Mode, force bool) (Mode, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return 0, err
	}
	if mode < ReadWrite || mode > Import {
		return 0, newError(ErrInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
	}
	if mode == ReadOnlyOverride && sn.ctx != GlobalContext {
		return 0, newError(ErrOperationNotPermitted, "Mode READONLY_OVERRIDE can only be set at the global level")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var evict []idKey
	err = s.update(ctx, func(tx Tx) error {
		if mode == Import && !force {
			cur, err := s.effectiveMode(ctx, tx, sn)
			if err != nil {
				return err
			}
			if cur != Import {
				vs, err := scopeVersions(ctx, tx, sn)
				if err != nil {
					return storeErr("read versions", err)
				}
				for _, v := range vs {
					if !v.Deleted {
						return newError(ErrOperationNotPermitted, "Cannot import since found existing subjects")
					}
				}
				for _, v := range vs {
					ks, err := s.hardDelete(ctx, tx, v, true)
					if err != nil {
						return err
					}
					evict = append(evict, ks...)
				}
			}
		}
		return storeErrIf("write mode", tx.PutMode(ctx, sn.scope(), mode))
	})
	if err != nil {
		return 0, err
	}
	for _, k := range evict {
		s.cache.evict(k)
	}
	return mode, nil
}

// DeleteMode removes the mode set at a level and returns it. recursive also removes
// the modes of every subject inside the context (or every context, at the global
// level), and does not fail when the level itself has none.
// Errors: ErrSubjectNotFound (nothing set and not recursive), ErrInvalidSubject.
func (s *Service) DeleteMode(ctx context.Context, subject string, recursive bool) (Mode, error) {
	sn, err := parseScope(subject)
	if err != nil {
		return 0, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var out Mode
	err = s.update(ctx, func(tx Tx) error {
		m, ok, err := storedMode(ctx, tx, sn.scope())
		if err != nil {
			return err
		}
		if !ok && !recursive && sn.ctx != GlobalContext {
			return subjectNotFound(subject)
		}
		out = m
		if err := tx.DeleteMode(ctx, sn.scope()); err != nil {
			return storeErr("delete mode", err)
		}
		if recursive && sn.name == "" {
			vs, err := scopeVersions(ctx, tx, sn)
			if err != nil {
				return storeErr("read versions", err)
			}
			done := map[Scope]bool{}
			for _, v := range vs {
				sc := Scope{Context: v.Context, Subject: v.Subject}
				if !done[sc] {
					done[sc] = true
					if err := tx.DeleteMode(ctx, sc); err != nil {
						return storeErr("delete mode", err)
					}
				}
				if sn.ctx == GlobalContext && !done[Scope{Context: v.Context}] {
					done[Scope{Context: v.Context}] = true
					if err := tx.DeleteMode(ctx, Scope{Context: v.Context}); err != nil {
						return storeErr("delete mode", err)
					}
				}
			}
		}
		return nil
	})
	return out, err
}

// DeleteContext deletes an empty context (no versions, soft-deleted or not) with
// its configs and modes. The default context cannot be deleted; an unknown one is
// not an error. Errors: ErrContextNotEmpty, ErrInvalidSubject.
func (s *Service) DeleteContext(ctx context.Context, name string) error {
	c, err := parseContext(name)
	if err != nil {
		return err
	}
	if c == DefaultContext {
		return newError(ErrOperationNotPermitted, "The default context cannot be deleted.")
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err = s.update(ctx, func(tx Tx) error {
		vs, err := tx.ListVersions(ctx, c, "")
		if err != nil {
			return storeErr("read versions", err)
		}
		if len(vs) > 0 {
			return newError(ErrContextNotEmpty, "The specified context '%s' is not empty.", name)
		}
		return storeErrIf("delete context", tx.DeleteContext(ctx, c))
	})
	if err != nil {
		return err
	}
	s.cache.evictContext(c)
	return nil
}

// levelOf returns the level a config resolves to.
func levelOf(c Config) compat.Level {
	if c.Compatibility == nil {
		return compat.Backward
	}
	return *c.Compatibility
}

// optionsOf returns the compat options a config asks for.
func optionsOf(c Config) compat.Options {
	var o compat.Options
	if c.Policy != nil {
		o.Policy = *c.Policy
	}
	if c.RuleSet != nil {
		o.RuleSet = *c.RuleSet
	}
	return o
}
