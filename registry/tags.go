package registry

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
)

// LatestWithMetadata returns the latest version of subject whose
// metadata.properties hold every key/value pair of props (GET
// /subjects/{s}/metadata). deleted also considers soft-deleted versions.
// Errors: ErrSubjectNotFound, ErrSchemaNotFound, ErrInvalidSubject.
func (s *Service) LatestWithMetadata(ctx context.Context, subject string, props map[string]string, deleted bool) (Schema, error) {
	sn, vs, err := s.readSubject(ctx, s.store, subject, deleted)
	if err != nil {
		return Schema{}, err
	}
	return s.latestWhere(ctx, sn, vs, deleted, func(rec SchemaRecord) (bool, error) {
		return hasProperties(rec.Metadata, props), nil
	})
}

// latestWhere returns the newest of vs whose schema match accepts, skipping
// soft-deleted versions unless deleted: the search Lookup and
// LatestWithMetadata share. None matching is ErrSchemaNotFound; an error from
// match is returned as it is.
func (s *Service) latestWhere(ctx context.Context, sn subjectName, vs []VersionRecord, deleted bool, match func(SchemaRecord) (bool, error)) (Schema, error) {
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if v.Deleted && !deleted {
			continue
		}
		rec, err := s.record(ctx, s.store, sn.ctx, v.ID)
		if err != nil {
			return Schema{}, storeErr("read schema", err)
		}
		ok, err := match(rec)
		if err != nil {
			return Schema{}, err
		}
		if ok {
			return toSchema(v, rec), nil
		}
	}
	return Schema{}, newError(ErrSchemaNotFound, "Schema not found")
}

func hasProperties(md json.RawMessage, props map[string]string) bool {
	if len(props) == 0 {
		return true
	}
	var m struct {
		Properties map[string]string `json:"properties"`
	}
	if len(md) == 0 || json.Unmarshal(md, &m) != nil {
		return false
	}
	for k, v := range props {
		if got, ok := m.Properties[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// TagRequest changes the data contract of a subject version by registering a new
// version with the same schema (POST /subjects/{s}/versions/{v}/tags).
type TagRequest struct {
	// NewVersion, when > 0, must be the version the change creates.
	NewVersion int
	// Metadata and RuleSet, when set, replace the version's.
	Metadata json.RawMessage
	RuleSet  json.RawMessage
	// RulesToMerge is a RuleSet whose rules replace (by name) or join the rules.
	RulesToMerge json.RawMessage
	// RulesToRemove names rules to drop from every rule list.
	RulesToRemove []string
	// SchemaTagsToAdd and SchemaTagsToRemove edit tags inside the schema text.
	// Herald does not support them yet: a request with either fails.
	SchemaTagsToAdd    json.RawMessage
	SchemaTagsToRemove json.RawMessage
}

// TagVersion registers a new version of subject holding the schema of version (or
// Latest) with its metadata and rule set changed as req says. The new version goes
// through the same checks as Register. Errors: as Version and Register.
func (s *Service) TagVersion(ctx context.Context, subject string, version int, req TagRequest) (Schema, error) {
	if !isEmptyJSON(req.SchemaTagsToAdd) || !isEmptyJSON(req.SchemaTagsToRemove) {
		return Schema{}, newError(ErrInvalidSchema, "Schema tags (schemaTagsToAdd, schemaTagsToRemove) are not supported; change metadata or rules instead")
	}
	// From the store: the new version copies this one, so it must be the
	// latest now, not as cached.
	old, err := s.storedVersion(ctx, subject, version, false)
	if err != nil {
		return Schema{}, err
	}
	md := old.Metadata
	if !isEmptyJSON(req.Metadata) {
		md = req.Metadata
	}
	rs := old.RuleSet
	if !isEmptyJSON(req.RuleSet) {
		rs = req.RuleSet
	}
	if !isEmptyJSON(req.RulesToMerge) {
		rs, err = mergeContract(mergeRuleSet, rs, req.RulesToMerge)
		if err != nil {
			return Schema{}, newError(ErrInvalidRuleSet, "Invalid rulesToMerge: %v", err)
		}
	}
	if len(req.RulesToRemove) > 0 && !isEmptyJSON(rs) {
		rs, err = removeRules(rs, req.RulesToRemove)
		if err != nil {
			return Schema{}, newError(ErrInvalidRuleSet, "Invalid ruleSet: %v", err)
		}
	}
	return s.Register(ctx, RegisterRequest{
		Subject: subject, Type: old.Type, Text: old.Text, References: old.References,
		Metadata: md, RuleSet: emptyAsNull(rs), Version: req.NewVersion,
	})
}

// emptyAsNull keeps "no rules left" from being read as "inherit the previous ones".
func emptyAsNull(rs json.RawMessage) json.RawMessage {
	if isEmptyJSON(rs) {
		return json.RawMessage(`{}`)
	}
	return rs
}

func removeRules(rs json.RawMessage, names []string) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(rs, &m); err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		kept := list[:0]
		for _, r := range list {
			if !drop[ruleName(r)] {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			delete(m, k)
		} else {
			m[k] = kept
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	return json.Marshal(m)
}

// MaxID returns the highest id handed out in the context of subject (the default
// context when subject is ""), for ?fetchMaxId=true; 0 when none.
func (s *Service) MaxID(ctx context.Context, subject string) (int, error) {
	c, err := idContext(subject)
	if err != nil {
		return 0, err
	}
	n, err := s.store.MaxID(ctx, c)
	if err != nil && !errors.Is(err, ErrSchemaNotFound) {
		return 0, storeErr("read max id", err)
	}
	return n, nil
}
