package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heraldhq/herald/compat"
)

// candidate is a schema ready to be stored, looked up or checked.
type candidate struct {
	rec    SchemaRecord
	parsed compat.Schema
	// cost is parsed's estimated bytes (parsedCost), for the parsed cache.
	cost int64
}

// prepare parses a schema in context c: size, type, references (live targets only
// when live), metadata, parse, then the stored text (normalized when normalize).
func (s *Service) prepare(ctx context.Context, r Reader, c string, typ compat.SchemaType, text string, refs []Reference, md, rs json.RawMessage, normalize, live bool, pre *preParsed) (candidate, error) {
	if len(text) > s.cfg.MaxSchemaBytes {
		return candidate{}, newError(ErrSchemaTooLarge, "Schema too large: %d bytes, the limit is %d bytes", len(text), s.cfg.MaxSchemaBytes)
	}
	f, err := s.format(typ)
	if err != nil {
		return candidate{}, err
	}
	md, err = compactJSON(md, "metadata")
	if err != nil {
		return candidate{}, newError(ErrInvalidSchema, "Invalid metadata: %v", err)
	}
	rs, err = compactJSON(rs, "ruleSet")
	if err != nil {
		return candidate{}, newError(ErrInvalidRuleSet, "Invalid ruleSet: %v", err)
	}
	res, err := s.resolveNew(ctx, r, c, refs, live)
	if err != nil {
		return candidate{}, err
	}
	p, err := pre.parse(f, typ, text, res.parse)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return candidate{}, err
		}
		return candidate{}, &Error{Kind: ErrInvalidSchema, Msg: "Invalid schema: " + err.Error()}
	}
	stored := p.Canonical()
	if normalize {
		stored = p.Normalized()
	}
	rec := SchemaRecord{Context: c, Type: typ, Text: stored, References: res.concrete, Targets: res.targets, Metadata: md, RuleSet: rs}
	rec.Hash = contentHash(rec)
	rec.GUID = contentGUID(rec)
	return candidate{rec: rec, parsed: p, cost: parsedCost(typ, text, res.parse)}, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// preParsed is a schema parsed before its registration takes the write lock.
// Parsing is most of a registration's CPU, and it needs no lock: its result
// depends only on the format, the text and the texts of the references. So
// Register parses first, in parallel with other registrations, and the locked
// part reuses that parse when the references resolved to the same texts
// inside the transaction (they almost always do: content is immutable by id,
// only a reference to a version deleted or added in between differs).
type preParsed struct {
	typ  compat.SchemaType
	text string
	refs []compat.Reference
	p    compat.Schema
}

// preParse parses a registration's schema outside the write lock, resolving
// its references with committed reads. It returns nil when there is nothing
// to gain or it cannot tell: an empty text (the latest version's is reused),
// an unknown format, references that do not resolve, or a schema that does
// not parse (the locked part parses again and reports the error).
func (s *Service) preParse(ctx context.Context, c string, req RegisterRequest) *preParsed {
	if strings.TrimSpace(req.Text) == "" {
		return nil
	}
	f, err := s.format(req.Type)
	if err != nil {
		return nil
	}
	res, err := s.resolveNew(ctx, s.store, c, req.References, true)
	if err != nil {
		return nil
	}
	p, err := f.Parse(req.Text, res.parse)
	if err != nil {
		return nil
	}
	return &preParsed{typ: req.Type, text: req.Text, refs: res.parse, p: p}
}

// parse returns pre's schema when it was parsed from the same format, text
// and reference texts, else parses text with f. pre may be nil.
func (pre *preParsed) parse(f compat.Format, typ compat.SchemaType, text string, refs []compat.Reference) (compat.Schema, error) {
	if pre != nil && pre.typ == typ && pre.text == text && slices.Equal(pre.refs, refs) {
		return pre.p, nil
	}
	return f.Parse(text, refs)
}

// sameSchema reports whether stored content rec holds the candidate: equal hash,
// or, with normalize, equal type, references and data contract and equal
// normalized text. ignoreContract skips metadata and rule set (lookups without
// them).
func (s *Service) sameSchema(ctx context.Context, r Reader, rec SchemaRecord, c candidate, normalize, ignoreContract bool) (bool, error) {
	if rec.Hash == c.rec.Hash {
		return true, nil
	}
	if rec.Type != c.rec.Type || !slices.Equal(rec.References, c.rec.References) {
		return false, nil
	}
	if !ignoreContract && (string(rec.Metadata) != string(c.rec.Metadata) || string(rec.RuleSet) != string(c.rec.RuleSet)) {
		return false, nil
	}
	if rec.Text == c.rec.Text {
		return true, nil
	}
	if !normalize {
		if !legacyAvroText(rec, c) {
			return false, nil
		}
		p, err := s.parsed(ctx, r, rec.Context, rec.ID)
		if err != nil {
			return false, err
		}
		return p.Canonical() == c.rec.Text, nil
	}
	p, err := s.parsed(ctx, r, rec.Context, rec.ID)
	if err != nil {
		return false, err
	}
	return p.Normalized() == c.rec.Text, nil
}

// legacyAvroText reports whether stored Avro text may be an older canonical
// form of the candidate's: stored before Avro's canonical form dropped
// namespaces that repeat the enclosing one, it is longer and has a namespace.
// Only then is the stored schema parsed again to compare canonical forms, so a
// schema registered before keeps its version and id when registered again.
func legacyAvroText(rec SchemaRecord, c candidate) bool {
	return rec.Type == compat.Avro && len(rec.Text) > len(c.rec.Text) && strings.Contains(rec.Text, `"namespace"`)
}

// Register registers a schema under a subject and returns the stored subject
// version. Registering a schema already live in the subject returns that version
// (even in READONLY mode, and without a compatibility check). The same content in
// another subject of the context reuses its id. An empty schema copies the latest
// version's schema (a metadata-only update).
// Errors: ErrInvalidSchema, ErrInvalidSubject, ErrSchemaTooLarge, ErrIncompatible,
// ErrOperationNotPermitted, ErrIDConflict, ErrInvalidRuleSet, and
// ErrSubjectNotFound and ErrVersionNotFound (for references).
func (s *Service) Register(ctx context.Context, req RegisterRequest) (Schema, error) {
	sn, err := s.subject(ctx, s.store, req.Subject)
	if err != nil {
		return Schema{}, err
	}
	if len(req.Text) > s.cfg.MaxSchemaBytes {
		return Schema{}, newError(ErrSchemaTooLarge, "Schema too large: %d bytes, the limit is %d bytes", len(req.Text), s.cfg.MaxSchemaBytes)
	}
	if err := checkImportRange(req); err != nil {
		return Schema{}, err
	}
	pre := s.preParse(ctx, sn.ctx, req)
	for attempt := 0; ; attempt++ {
		res, err := s.registerGrouped(ctx, sn, req, pre)
		if errors.Is(err, ErrConflict) && attempt < 2 {
			continue
		}
		if err != nil {
			return Schema{}, storeErr("register "+req.Subject, err)
		}
		return res.schema, nil
	}
}

// checkImportRange refuses an id or version above MaxID or MaxVersion: stored,
// it could never be read back by a client, and the next one allocated after it
// would not fit either.
func checkImportRange(req RegisterRequest) error {
	if req.ID > MaxID {
		return newError(ErrInvalidSchema, "Invalid schema id %d: schema ids are between 1 and %d (4 signed bytes in the wire format)", req.ID, MaxID)
	}
	if req.Version > MaxVersion {
		return invalidVersion(itoa(req.Version))
	}
	return nil
}

// nextVersion is the version after highest, the highest version a subject has
// (soft-deleted ones included). Errors: ErrOperationNotPermitted when highest
// is already MaxVersion (or, stored before versions were bounded, above it).
func nextVersion(sn subjectName, highest int) (int, error) {
	if highest >= MaxVersion {
		return 0, newError(ErrOperationNotPermitted, "Subject '%s' has version %d and versions end at %d: no version can follow it. Delete the subject to start it again.", sn.raw, highest, MaxVersion)
	}
	return highest + 1, nil
}

// allocateID hands out the next schema id of context c. Errors:
// ErrOperationNotPermitted when MaxID (or, stored before ids were bounded, an
// id above it) has been handed out: ids are never reused or wrapped, since
// data written with an old id must keep decoding with its schema.
func allocateID(ctx context.Context, tx Tx, c string) (int, error) {
	top, err := tx.MaxID(ctx, c)
	if err != nil {
		return 0, storeErr("read max id", err)
	}
	if top >= MaxID {
		return 0, newError(ErrOperationNotPermitted, "There is no schema id left in context '%s': id %d has been handed out and ids end at %d. Register in another context.", c, top, MaxID)
	}
	id, err := tx.NextID(ctx, c)
	if err != nil {
		return 0, storeErr("allocate id", err)
	}
	return id, nil
}

// registered is what one registration attempt did.
type registered struct {
	schema Schema
	// created is new content, cached once committed, with its parsed form.
	created *SchemaRecord
	parsed  compat.Schema
	cost    int64 // parsed's estimated bytes
	evict   []idKey
}

func (s *Service) register(ctx context.Context, tx Tx, sn subjectName, req RegisterRequest, pre *preParsed) (registered, error) {
	var out registered
	cfg, err := s.effectiveConfig(ctx, tx, sn)
	if err != nil {
		return out, err
	}
	vs, err := tx.SubjectVersions(ctx, sn.ctx, sn.name)
	if err != nil {
		return out, storeErr("read versions", err)
	}
	var live []VersionRecord
	maxVersion := 0
	for _, v := range vs {
		if !v.Deleted {
			live = append(live, v)
		}
		maxVersion = max(maxVersion, v.Version)
	}
	var prev *SchemaRecord
	if len(live) > 0 {
		rec, err := s.record(ctx, tx, sn.ctx, live[len(live)-1].ID)
		if err != nil {
			return out, storeErr("read schema", err)
		}
		prev = &rec
	}
	typ, text, refs := req.Type, req.Text, req.References
	if strings.TrimSpace(text) == "" {
		if prev == nil {
			return out, newError(ErrInvalidSchema, "Empty schema")
		}
		typ, text, refs = prev.Type, prev.Text, prev.References
	}
	md, rs, err := populateContract(cfg, prev, req.Metadata, req.RuleSet)
	if err != nil {
		return out, err
	}
	normalize := req.Normalize || isTrue(cfg.Normalize)
	cand, err := s.prepare(ctx, tx, sn.ctx, typ, text, refs, md, rs, normalize, true, pre)
	if err != nil {
		return out, err
	}

	// Idempotent re-registration: before the mode check, without a compat check.
	for i := len(live) - 1; i >= 0; i-- {
		v := live[i]
		if req.ID > 0 && req.ID != v.ID {
			continue
		}
		rec, err := s.record(ctx, tx, sn.ctx, v.ID)
		if err != nil {
			return out, storeErr("read schema", err)
		}
		same, err := s.sameSchema(ctx, tx, rec, cand, normalize, false)
		if err != nil {
			return out, storeErr("compare schemas", err)
		}
		if same {
			out.schema = toSchema(v, rec)
			return out, nil
		}
	}

	mode, err := s.effectiveMode(ctx, tx, sn)
	if err != nil {
		return out, err
	}
	switch mode {
	case ReadOnly, ReadOnlyOverride:
		return out, newError(ErrOperationNotPermitted, "Subject '%s' is in read-only mode", sn.raw)
	case Import:
		if req.ID <= 0 {
			return out, newError(ErrOperationNotPermitted, "Subject '%s' is in import mode: a schema id is required", sn.raw)
		}
	default:
		if req.ID > 0 {
			return out, newError(ErrOperationNotPermitted, "Subject '%s' is not in import mode: a schema id can only be given in IMPORT mode", sn.raw)
		}
	}

	// An import that names its version needs no next one.
	version, err := nextVersion(sn, maxVersion)
	if err != nil && (mode != Import || req.Version <= 0) {
		return out, err
	}
	var replaced *VersionRecord
	if req.Version > 0 {
		if mode == Import {
			for i, v := range vs {
				if v.Version != req.Version {
					continue
				}
				if s.cfg.StrictImport {
					return out, newError(ErrOperationNotPermitted, "Version %d of subject '%s' already exists with schema id %d (the registry runs with strict import)", req.Version, sn.raw, v.ID)
				}
				replaced = &vs[i]
			}
			version = req.Version
		} else if req.Version != version {
			return out, newError(ErrOperationNotPermitted, "Version %d is not the next version of subject '%s' (that is %d); versions can only be chosen in IMPORT mode", req.Version, sn.raw, version)
		}
	}

	if mode != Import && !req.Force {
		if vs := checkReserved(cfg, cand, prev); len(vs) > 0 {
			return out, reservedError(sn, cfg, cand.rec.Type, vs)
		}
		rep, prevs, err := s.check(ctx, tx, cfg, levelOf(cfg), cand, live)
		if err != nil {
			return out, err
		}
		if !rep.Compatible {
			msgs := renderMessages(rep, prevs, cfg, cand.rec.Type)
			return out, &Error{
				Kind:       ErrIncompatible,
				Msg:        `Schema being registered is incompatible with an earlier schema for subject "` + sn.raw + `", details: [` + strings.Join(msgs, ", ") + `]`,
				Violations: rep.Violations,
				Messages:   msgs,
			}
		}
	}

	rec := cand.rec
	if mode == Import {
		rec.ID = req.ID
		existing, err := tx.Schema(ctx, sn.ctx, req.ID)
		switch {
		case err == nil:
			if existing.Hash != rec.Hash {
				// Confluent answers 42205 here (it never sends 42207); the
				// server maps ErrIDConflict accordingly.
				return out, newError(ErrIDConflict, "Overwrite new schema with id %d is not permitted: the id is taken by a different schema in context '%s'", req.ID, sn.ctx)
			}
			rec = existing
		case errors.Is(err, ErrSchemaNotFound):
			if err := tx.ReserveID(ctx, sn.ctx, req.ID); err != nil {
				return out, storeErr("reserve id", err)
			}
			if err := tx.InsertSchema(ctx, rec); err != nil {
				return out, storeErr("insert schema", err)
			}
			out.created, out.parsed, out.cost = &rec, cand.parsed, cand.cost
		default:
			return out, storeErr("read schema", err)
		}
	} else {
		existing, err := tx.SchemaByHash(ctx, sn.ctx, rec.Hash)
		switch {
		case err == nil:
			rec = existing
		case errors.Is(err, ErrSchemaNotFound):
			id, err := allocateID(ctx, tx, sn.ctx)
			if err != nil {
				return out, err
			}
			rec.ID = id
			if err := tx.InsertSchema(ctx, rec); err != nil {
				return out, storeErr("insert schema", err)
			}
			out.created, out.parsed, out.cost = &rec, cand.parsed, cand.cost
		default:
			return out, storeErr("read schema", err)
		}
	}

	if replaced != nil {
		ks, err := s.replaceVersion(ctx, tx, *replaced, rec.ID)
		if err != nil {
			return out, err
		}
		out.evict = append(out.evict, ks...)
	}
	v := VersionRecord{Context: sn.ctx, Subject: sn.name, Version: version, ID: rec.ID, CreatedAt: time.Now().UTC().Truncate(time.Millisecond), CreatedBy: principalOf(ctx)}
	if err := tx.InsertVersion(ctx, v); err != nil {
		return out, storeErr("insert version", err)
	}
	// Re-registering a soft-deleted schema: the new version takes over its id and
	// the old soft-deleted version is tombstoned, unless something references it.
	for _, old := range vs {
		if replaced != nil && old.Version == replaced.Version {
			continue
		}
		if old.Deleted && old.ID == rec.ID {
			ks, err := s.hardDelete(ctx, tx, old, true)
			if err != nil {
				return out, err
			}
			out.evict = append(out.evict, ks...)
		}
	}
	out.schema = toSchema(v, rec)
	return out, nil
}

// replaceVersion removes the version row an import is about to overwrite, and
// its content when no other version uses that id any more. Unlike hardDelete
// it keeps the subject's config and mode: the subject lives on. Content with
// id keep (the id the new version takes) stays.
func (s *Service) replaceVersion(ctx context.Context, tx Tx, old VersionRecord, keep int) ([]idKey, error) {
	if err := tx.DeleteVersion(ctx, old.Key()); err != nil {
		return nil, storeErr("delete version", err)
	}
	if old.ID == keep {
		return nil, nil
	}
	users, err := tx.VersionsByID(ctx, old.Context, old.ID)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	if len(users) > 0 {
		return nil, nil
	}
	if err := tx.DeleteSchema(ctx, old.Context, old.ID); err != nil {
		return nil, storeErr("delete schema", err)
	}
	return []idKey{{old.Context, old.ID}}, nil
}

// check runs the compatibility check registration runs: cand against the live
// versions (oldest first, restricted to its compatibility group) under level.
func (s *Service) check(ctx context.Context, r Reader, cfg Config, level compat.Level, cand candidate, live []VersionRecord) (compat.Report, []oldSchema, error) {
	f, err := s.format(cand.rec.Type)
	if err != nil {
		return compat.Report{}, nil, err
	}
	group := ""
	if cfg.CompatibilityGroup != nil {
		group = *cfg.CompatibilityGroup
	}
	var used []oldSchema
	var vs []VersionRecord
	want := property(cand.rec.Metadata, group)
	for _, v := range live {
		rec, err := s.record(ctx, r, v.Context, v.ID)
		if err != nil {
			return compat.Report{}, nil, storeErr("read schema", err)
		}
		if group != "" && property(rec.Metadata, group) != want {
			continue
		}
		used = append(used, oldSchema{version: v.Version, text: rec.Text})
		vs = append(vs, v)
	}
	// Parse only what the level reads (compat.Check reads nothing under NONE and
	// the latest version under a non-transitive level): parsed schemas are a
	// bounded cache, and a subject with many versions would otherwise parse
	// them all again on every registration once they fell out of it.
	switch {
	case level == compat.None:
		used, vs = nil, nil
	case !level.Transitive() && len(used) > 1:
		used, vs = used[len(used)-1:], vs[len(vs)-1:]
	}
	prevs := make([]compat.Previous, len(vs))
	for i, v := range vs {
		p, err := s.parsed(ctx, r, v.Context, v.ID)
		if err != nil {
			return compat.Report{}, nil, storeErr("parse schema", err)
		}
		prevs[i] = compat.Previous{Version: v.Version, Schema: p}
	}
	opts := optionsOf(cfg)
	opts.Limits = s.cfg.CompatLimits
	rep, err := compat.Check(ctx, f, level, cand.parsed, prevs, opts)
	if err != nil {
		return compat.Report{}, nil, fmt.Errorf("check %s: %w", level, err)
	}
	return rep, used, nil
}

// property returns metadata.properties[key], or "" when absent.
func property(md json.RawMessage, key string) string {
	if key == "" || len(md) == 0 {
		return ""
	}
	var m struct {
		Properties map[string]string `json:"properties"`
	}
	if json.Unmarshal(md, &m) != nil {
		return ""
	}
	return m.Properties[key]
}

// Lookup finds the version of subject holding the same schema as req: the same
// type, stored text (or normalized text, with normalize) and references, and the
// same metadata and rule set when req gives them. deleted includes soft-deleted
// versions. The latest matching version wins.
// Errors: ErrSubjectNotFound, ErrSchemaNotFound, ErrInvalidSchema, ErrInvalidSubject.
func (s *Service) Lookup(ctx context.Context, req RegisterRequest, deleted bool) (Schema, error) {
	sn, err := s.subject(ctx, s.store, req.Subject)
	if err != nil {
		return Schema{}, err
	}
	vs, err := s.subjectVersions(ctx, s.store, sn, deleted)
	if err != nil {
		return Schema{}, err
	}
	cfg, err := s.effectiveConfig(ctx, s.store, sn)
	if err != nil {
		return Schema{}, err
	}
	if strings.TrimSpace(req.Text) == "" {
		// Confluent answers 40403: no version holds an empty schema.
		return Schema{}, newError(ErrSchemaNotFound, "Schema not found")
	}
	normalize := req.Normalize || isTrue(cfg.Normalize)
	cand, err := s.prepare(ctx, s.store, sn.ctx, req.Type, req.Text, req.References, req.Metadata, req.RuleSet, normalize, false, nil)
	if err != nil {
		return Schema{}, err
	}
	ignoreContract := len(cand.rec.Metadata) == 0 && len(cand.rec.RuleSet) == 0
	return s.latestWhere(ctx, sn, vs, deleted, func(rec SchemaRecord) (bool, error) {
		same, err := s.sameSchema(ctx, s.store, rec, cand, normalize, ignoreContract)
		if err != nil {
			return false, storeErr("compare schemas", err)
		}
		return same, nil
	})
}

// latestOnly turns a transitive level into its one-version form.
func latestOnly(l compat.Level) compat.Level {
	switch l {
	case compat.BackwardTransitive:
		return compat.Backward
	case compat.ForwardTransitive:
		return compat.Forward
	case compat.FullTransitive:
		return compat.Full
	}
	return l
}

// CheckCompatibility checks req against one version of its subject (version > 0 or
// Latest), with the subject's level made non-transitive, or against what
// registration would check (version == 0). Latest on a subject without live
// versions is compatible. Messages are the Confluent verbose strings, empty when
// compatible. Errors: ErrVersionNotFound (a missing numeric version, even when the
// subject is missing), ErrInvalidSchema, ErrInvalidVersion, ErrInvalidSubject,
// ErrSchemaTooLarge.
func (s *Service) CheckCompatibility(ctx context.Context, req RegisterRequest, version int) (CompatResult, error) {
	sn, err := s.subject(ctx, s.store, req.Subject)
	if err != nil {
		return CompatResult{}, err
	}
	if version < Latest {
		return CompatResult{}, invalidVersion(itoa(version))
	}
	cfg, err := s.effectiveConfig(ctx, s.store, sn)
	if err != nil {
		return CompatResult{}, err
	}
	level := levelOf(cfg)
	vs, err := s.store.SubjectVersions(ctx, sn.ctx, sn.name)
	if err != nil {
		return CompatResult{}, storeErr("read versions", err)
	}
	var against []VersionRecord
	switch version {
	case 0:
		for _, v := range vs {
			if !v.Deleted {
				against = append(against, v)
			}
		}
	default:
		v, ok := pickVersion(vs, version, false)
		if !ok && version != Latest {
			return CompatResult{}, versionNotFound(version)
		}
		if ok {
			against = []VersionRecord{v}
		}
		level = latestOnly(level)
	}
	if strings.TrimSpace(req.Text) == "" {
		return CompatResult{}, newError(ErrInvalidSchema, "Empty schema")
	}
	normalize := req.Normalize || isTrue(cfg.Normalize)
	cand, err := s.prepare(ctx, s.store, sn.ctx, req.Type, req.Text, req.References, req.Metadata, req.RuleSet, normalize, true, nil)
	if err != nil {
		return CompatResult{}, err
	}
	rep, used, err := s.check(ctx, s.store, cfg, level, cand, against)
	if err != nil {
		return CompatResult{}, err
	}
	res := CompatResult{Compatible: rep.Compatible, Level: level, Violations: rep.Violations, Messages: []string{}, Truncated: rep.Truncated}
	if !rep.Compatible {
		res.Messages = renderMessages(rep, used, cfg, cand.rec.Type)
	}
	return res, nil
}
