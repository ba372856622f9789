package registry

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldhq/herald/compat"
)

// Latest stands for the latest live version wherever a version number is taken.
const Latest = -1

// DefaultMaxSchemaBytes is the default bound on schema text: 1 MiB.
const DefaultMaxSchemaBytes = 1 << 20

// DefaultParsedCacheSize is how many parsed schemas a Service keeps in memory by
// default. A small compiled JSON Schema takes about 5 KB of heap, so 10,000 is
// some 50 MB: room for every version of hundreds of busy subjects.
const DefaultParsedCacheSize = 10000

// DefaultParsedCacheBytes is how many estimated bytes of parsed schemas a
// Service keeps in memory by default (see ServiceConfig.ParsedCacheBytes):
// 10,000 realistic 20-field schemas at the measured 5 to 16 times their text,
// which keeps a 100k-schema registry inside its memory budget.
const DefaultParsedCacheBytes = 128 << 20

// DefaultRecordCacheBytes is how many estimated bytes of schema content (what
// GET /schemas/ids/{id} answers from) a Service keeps in memory by default (see
// ServiceConfig.RecordCacheBytes): about 40,000 realistic 20-field schemas;
// the ids beyond are read from the store, as a by-id read of a cold schema is
// rare, while a busy deployment reads the same few ids all day.
const DefaultRecordCacheBytes = 64 << 20

// ServiceConfig configures a Service.
type ServiceConfig struct {
	// MaxSchemaBytes bounds the schema text; larger gives ErrSchemaTooLarge (42209).
	// Zero: 1 MiB.
	MaxSchemaBytes int
	// DefaultCompatibility is the server-wide default level. Zero: BACKWARD.
	DefaultCompatibility compat.Level
	// Formats are the schema formats the registry accepts, at most one per type.
	// Zero: none, and every registration fails with "Invalid schema type".
	Formats []compat.Format
	// ParsedCacheSize bounds how many parsed schemas (what compatibility checks
	// and payload validation use) stay in memory; the least recently used are
	// dropped and parsed again from their text when next needed. It should
	// exceed the versions a transitive check reads at once. The text of every
	// schema read by id is cached regardless. Zero: DefaultParsedCacheSize.
	ParsedCacheSize int
	// ParsedCacheBytes bounds the same cache by estimated bytes: a parsed schema
	// weighs tens of times its text (a 1 MiB Protobuf file ~32 MiB), so a count
	// alone lets a few hundred large schemas exhaust memory. A schema estimated
	// above the whole bound is parsed on every use, never kept. Zero:
	// DefaultParsedCacheBytes.
	ParsedCacheBytes int64
	// RecordCacheBytes bounds the estimated bytes of schema content kept for
	// reads by id; a record not kept is read from the store again. Zero:
	// DefaultRecordCacheBytes.
	RecordCacheBytes int64
	// CompatLimits bound the work of every compatibility check (node pairs
	// compared, violations reported); past them a check fails with a
	// *compat.LimitError (422, 42240). Zero: compat's defaults.
	CompatLimits compat.Limits
	// StrictImport refuses, in IMPORT mode, a version number the subject
	// already has (42205). Zero (false): the imported version replaces the
	// existing one, as Confluent does, so an import can be run again over a
	// registry that diverged.
	StrictImport bool
	// StrictReferences keeps a soft-deleted version's references in force: the
	// versions it references cannot be permanently deleted until it is
	// permanently deleted itself (42206), so its id stays readable with its
	// references. Zero (false): as Confluent, only live referrers count, and a
	// soft-deleted referrer may be left pointing at a version that is gone.
	StrictReferences bool
	// MaxStaleness bounds how long a cached answer that another process's
	// write can change (a subject's latest version; which version of a
	// subject holds an id) is served without being read again. This
	// process's own writes are seen at once (read-your-writes), and on a
	// store that reports changes (Changes, see FollowChanges) other
	// processes' writes are seen as soon as their notification arrives; the
	// bound is the fallback for a notification lost on a dropped connection,
	// or for a store without them. Zero does not turn the caching off: it
	// means DefaultMaxStaleness (1 s). Negative: such answers are never
	// cached, and every read of them reads the store.
	MaxStaleness time.Duration
	// SubjectCacheSize and SubjectCacheBytes bound each per-subject cache
	// (latest versions; which version holds an id) by entries and by
	// estimated bytes. Zero: DefaultSubjectCacheSize, DefaultSubjectCacheBytes.
	SubjectCacheSize  int
	SubjectCacheBytes int64
}

// Service implements the registry's rules over a Store. It is safe for concurrent
// use. Lock order: writeMu, then cache.mu.
type Service struct {
	cfg     ServiceConfig
	store   Store
	formats map[compat.SchemaType]compat.Format
	// writeMu serializes every operation that writes (register, deletes, config,
	// mode, contexts): each reads the state, decides, then writes in one
	// transaction, and two of them interleaving could hand one schema two ids or
	// a subject two equal versions. SQLite has one writer anyway; the store's
	// unique indexes back this up across processes.
	writeMu sync.Mutex
	// regs groups concurrent registrations into one transaction.
	regs  registrations
	cache *cache
	// mut caches what writes change (latest versions, id holders); see mutable.
	mut *mutable
}

// New returns a Service over store. It fails when cfg is invalid: a negative
// MaxSchemaBytes, ParsedCacheSize or ParsedCacheBytes, an unknown
// DefaultCompatibility, a nil or duplicate Format.
func New(store Store, cfg ServiceConfig) (*Service, error) {
	if store == nil {
		return nil, errors.New("registry: nil store")
	}
	// The first negative bound is the error; every zero one takes its default.
	if err := cmp.Or(
		defaultBound("MaxSchemaBytes", &cfg.MaxSchemaBytes, DefaultMaxSchemaBytes),
		defaultBound("ParsedCacheSize", &cfg.ParsedCacheSize, DefaultParsedCacheSize),
		defaultBound("ParsedCacheBytes", &cfg.ParsedCacheBytes, DefaultParsedCacheBytes),
		defaultBound("RecordCacheBytes", &cfg.RecordCacheBytes, DefaultRecordCacheBytes),
	); err != nil {
		return nil, err
	}
	if cfg.DefaultCompatibility < compat.Backward || cfg.DefaultCompatibility > compat.None {
		return nil, fmt.Errorf("registry: unknown default compatibility %v", cfg.DefaultCompatibility)
	}
	if cfg.MaxStaleness == 0 {
		cfg.MaxStaleness = DefaultMaxStaleness
	}
	if cfg.SubjectCacheSize < 0 || cfg.SubjectCacheBytes < 0 {
		return nil, fmt.Errorf("registry: SubjectCacheSize %d or SubjectCacheBytes %d is negative", cfg.SubjectCacheSize, cfg.SubjectCacheBytes)
	}
	if cfg.SubjectCacheSize == 0 {
		cfg.SubjectCacheSize = DefaultSubjectCacheSize
	}
	if cfg.SubjectCacheBytes == 0 {
		cfg.SubjectCacheBytes = DefaultSubjectCacheBytes
	}
	s := &Service{cfg: cfg, store: store, formats: map[compat.SchemaType]compat.Format{}, cache: newCache(cfg.ParsedCacheSize, cfg.ParsedCacheBytes, cfg.RecordCacheBytes),
		mut: newMutable(cfg.MaxStaleness, cfg.SubjectCacheSize, cfg.SubjectCacheBytes, time.Now)}
	for _, f := range cfg.Formats {
		if f == nil {
			return nil, errors.New("registry: nil format")
		}
		if _, dup := s.formats[f.Type()]; dup {
			return nil, fmt.Errorf("registry: two formats for %s", f.Type())
		}
		s.formats[f.Type()] = f
	}
	return s, nil
}

// defaultBound checks the ServiceConfig bound called name: negative is an
// error, zero becomes def.
func defaultBound[T int | int64](name string, v *T, def T) error {
	if *v < 0 {
		return fmt.Errorf("registry: %s %d is negative", name, *v)
	}
	if *v == 0 {
		*v = def
	}
	return nil
}

func (s *Service) format(t compat.SchemaType) (compat.Format, error) {
	f, ok := s.formats[t]
	if !ok {
		return nil, newError(ErrInvalidSchema, "Invalid schema type %s", t)
	}
	return f, nil
}

// Ping checks that the store answers, for readiness probes: it reads nothing
// and bypasses the caches. Errors: the store's, untranslated.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// CompatLimits returns the bounds of the registry's compatibility checks, for
// callers (the catalog's diff) that run the formats' checks themselves.
func (s *Service) CompatLimits() compat.Limits { return s.cfg.CompatLimits }

// Types lists the schema types the registry accepts, in compat.SchemaTypes order.
func (s *Service) Types() []compat.SchemaType {
	var out []compat.SchemaType
	for _, t := range compat.SchemaTypes {
		if _, ok := s.formats[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }

// ParseVersion parses a version path segment: a positive integer, "latest" or "-1"
// (both Latest). Anything else wraps ErrInvalidVersion (42202).
func ParseVersion(s string) (int, error) {
	if s == "latest" || s == "-1" {
		return Latest, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 1 {
		return 0, invalidVersion(s)
	}
	return int(n), nil
}

func invalidVersion(s string) *Error {
	return newError(ErrInvalidVersion, "The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", s)
}

func subjectNotFound(raw string) *Error {
	return newError(ErrSubjectNotFound, "Subject '%s' not found.", raw)
}

func versionNotFound(v int) *Error {
	return newError(ErrVersionNotFound, "Version %s not found.", versionString(v))
}

func schemaNotFound(id int) *Error {
	return newError(ErrSchemaNotFound, "Schema %d not found", id)
}

// storeErr wraps a store failure with what was being done.
func storeErr(op string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("registry: %s: %w", op, err)
}

// page applies Offset and Limit.
func page[T any](xs []T, opts ListOptions) []T {
	if opts.Offset > 0 {
		if opts.Offset >= len(xs) {
			return xs[:0]
		}
		xs = xs[opts.Offset:]
	}
	if opts.Limit > 0 && opts.Limit < len(xs) {
		xs = xs[:opts.Limit]
	}
	return xs
}

// keep reports whether a version passes the Deleted/DeletedOnly filter.
func keep(deleted bool, opts ListOptions) bool {
	if opts.DeletedOnly {
		return deleted
	}
	return !deleted || opts.Deleted
}

func toSchema(v VersionRecord, rec SchemaRecord) Schema {
	out := schemaOf(rec)
	out.Subject = qualify(v.Context, v.Subject)
	out.Version = v.Version
	out.Deleted = v.Deleted
	out.CreatedAt, out.CreatedBy = v.CreatedAt, v.CreatedBy
	return out
}

// schemaOf returns a schema by id (no subject version) from its content. Slices
// are copied so callers cannot change the cache.
func schemaOf(rec SchemaRecord) Schema {
	out := Schema{ID: rec.ID, GUID: rec.GUID, Type: rec.Type, Text: rec.Text, Metadata: rec.Metadata, RuleSet: rec.RuleSet}
	if len(rec.References) > 0 {
		out.References = append([]Reference(nil), rec.References...)
	}
	return out
}

// Subjects lists subjects (qualified outside the default context) in order: by
// context, then name. A subject is listed when it has a live version (with
// Deleted, any version; with DeletedOnly, only soft-deleted ones).
func (s *Service) Subjects(ctx context.Context, opts ListOptions) ([]string, error) {
	pf := parsePrefix(opts.Prefix)
	vs, err := s.store.ListVersions(ctx, pf.ctx, pf.name)
	if err != nil {
		return nil, storeErr("list subjects", err)
	}
	out := []string{}
	for i := 0; i < len(vs); {
		j := i
		live, dead := false, false
		for ; j < len(vs) && vs[j].Context == vs[i].Context && vs[j].Subject == vs[i].Subject; j++ {
			if vs[j].Deleted {
				dead = true
			} else {
				live = true
			}
		}
		var ok bool
		switch {
		case opts.DeletedOnly:
			ok = dead && !live
		case opts.Deleted:
			ok = true
		default:
			ok = live
		}
		if ok {
			out = append(out, qualify(vs[i].Context, vs[i].Subject))
		}
		i = j
	}
	sortSubjects(out)
	return page(out, opts), nil
}

// sortSubjects orders default-context subjects first, then by context and name,
// matching the order listings come from the store.
func sortSubjects(xs []string) {
	sort.SliceStable(xs, func(i, j int) bool { return lessSubject(xs[i], xs[j]) })
}

// subjectVersions returns every version of a subject; none gives
// ErrSubjectNotFound. Deleted ones count only when withDeleted.
func (s *Service) subjectVersions(ctx context.Context, r Reader, sn subjectName, withDeleted bool) ([]VersionRecord, error) {
	vs, err := r.SubjectVersions(ctx, sn.ctx, sn.name)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	for _, v := range vs {
		if withDeleted || !v.Deleted {
			return vs, nil
		}
	}
	return nil, subjectNotFound(sn.raw)
}

// Versions lists a subject's version numbers, ascending. With DeletedAsNegative,
// soft-deleted versions (listed only with Deleted) come out negated.
// Errors: ErrSubjectNotFound, ErrInvalidSubject.
func (s *Service) Versions(ctx context.Context, subject string, opts ListOptions) ([]int, error) {
	_, vs, err := s.readSubject(ctx, s.store, subject, opts.Deleted || opts.DeletedOnly)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, v := range vs {
		if !keep(v.Deleted, opts) {
			continue
		}
		n := v.Version
		if v.Deleted && opts.DeletedAsNegative {
			n = -n
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, subjectNotFound(subject)
	}
	return page(out, opts), nil
}

// pickVersion finds version (or Latest) among vs. Soft-deleted versions are seen
// only with deleted; Latest with deleted is the highest version of all.
func pickVersion(vs []VersionRecord, version int, deleted bool) (VersionRecord, bool) {
	if version == Latest {
		for i := len(vs) - 1; i >= 0; i-- {
			if deleted || !vs[i].Deleted {
				return vs[i], true
			}
		}
		return VersionRecord{}, false
	}
	for _, v := range vs {
		if v.Version == version && (deleted || !v.Deleted) {
			return v, true
		}
	}
	return VersionRecord{}, false
}

// Version returns one subject version (Latest for the latest live one); deleted
// also finds soft-deleted versions. Errors: ErrSubjectNotFound,
// ErrVersionNotFound, ErrInvalidVersion, ErrInvalidSubject.
func (s *Service) Version(ctx context.Context, subject string, version int, deleted bool) (Schema, error) {
	if version == Latest && !deleted {
		sn, v, err := s.latestVersion(ctx, subject)
		return s.versionSchema(ctx, sn, v, err)
	}
	return s.storedVersion(ctx, subject, version, deleted)
}

// storedVersion is Version read from the store, never from the latest cache:
// for writes that build on the version they read (TagVersion).
func (s *Service) storedVersion(ctx context.Context, subject string, version int, deleted bool) (Schema, error) {
	sn, v, err := s.findVersion(ctx, s.store, subject, version, deleted)
	return s.versionSchema(ctx, sn, v, err)
}

// versionSchema completes a version found (unless err) with its content.
func (s *Service) versionSchema(ctx context.Context, sn subjectName, v VersionRecord, err error) (Schema, error) {
	if err != nil {
		return Schema{}, err
	}
	rec, err := s.record(ctx, s.store, sn.ctx, v.ID)
	if err != nil {
		return Schema{}, storeErr("read schema", err)
	}
	return toSchema(v, rec), nil
}

func (s *Service) findVersion(ctx context.Context, r Reader, subject string, version int, deleted bool) (subjectName, VersionRecord, error) {
	if version < 1 && version != Latest {
		sn, err := parseSubject(subject)
		if err != nil {
			return sn, VersionRecord{}, err
		}
		return sn, VersionRecord{}, invalidVersion(itoa(version))
	}
	sn, vs, err := s.readSubject(ctx, r, subject, deleted)
	if err != nil {
		return sn, VersionRecord{}, err
	}
	v, ok := pickVersion(vs, version, deleted)
	if !ok {
		return sn, VersionRecord{}, versionNotFound(version)
	}
	return sn, v, nil
}

// ParsedVersion returns a subject version and its parsed schema (cached by id), for
// the broker and the catalog. Errors: as Version.
func (s *Service) ParsedVersion(ctx context.Context, subject string, version int) (Schema, compat.Schema, error) {
	sc, err := s.Version(ctx, subject, version, false)
	if err != nil {
		return Schema{}, nil, err
	}
	// sc.Subject, not subject: an alias may point into another context.
	ctxName, _, _ := splitSubject(sc.Subject)
	p, err := s.parsed(ctx, s.store, ctxName, sc.ID)
	if err != nil {
		return Schema{}, nil, storeErr("parse schema", err)
	}
	return sc, p, nil
}

// ReferencedBy lists the ids of schemas that reference a subject version, ascending.
// Only live referring versions count unless opts.Deleted.
// Errors: ErrSubjectNotFound, ErrVersionNotFound, ErrInvalidSubject.
func (s *Service) ReferencedBy(ctx context.Context, subject string, version int, opts ListOptions) ([]int, error) {
	sn, v, err := s.findVersion(ctx, s.store, subject, version, opts.Deleted || opts.DeletedOnly)
	if err != nil {
		return nil, err
	}
	refs, err := s.store.Referrers(ctx, VersionKey{Context: sn.ctx, Subject: sn.name, Version: v.Version})
	if err != nil {
		return nil, storeErr("read referrers", err)
	}
	seen := map[int]bool{}
	out := []int{}
	for _, r := range refs {
		if keep(r.Deleted, opts) && !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r.ID)
		}
	}
	sort.Ints(out)
	return page(out, opts), nil
}

// idContext returns the context a by-id request looks in: the subject's, or the
// default one.
func idContext(subject string) (string, error) {
	if subject == "" {
		return DefaultContext, nil
	}
	ctx, _, ok := splitSubject(subject)
	if !ok || ctx == GlobalContext {
		return "", invalidSubject(subject)
	}
	return ctx, nil
}

// SchemaByID returns a schema by id, served from memory after the first read.
// subject, when not empty, selects the context (and fills Subject and Version with
// the latest version of that subject holding the id, when there is one). Ids of
// soft-deleted versions still resolve. Errors: ErrSchemaNotFound.
func (s *Service) SchemaByID(ctx context.Context, id int, subject string) (Schema, error) {
	c, err := idContext(subject)
	if err != nil {
		return Schema{}, err
	}
	rec, err := s.record(ctx, s.store, c, id)
	if errors.Is(err, ErrSchemaNotFound) {
		return Schema{}, schemaNotFound(id)
	}
	if err != nil {
		return Schema{}, storeErr("read schema", err)
	}
	out := schemaOf(rec)
	if _, name, _ := splitSubject(subject); name != "" {
		hk := holderKey{ctx: c, subject: name, id: id}
		v, ok, gen := s.mut.holder(hk)
		if !ok {
			vs, err := s.store.SubjectVersions(ctx, c, name)
			if err != nil {
				return Schema{}, storeErr("read versions", err)
			}
			for i := len(vs) - 1; i >= 0; i-- {
				if vs[i].ID == id {
					v, ok = vs[i], true
					s.mut.putHolder(hk, v, gen)
					break
				}
			}
		}
		if ok {
			out.Subject, out.Version, out.Deleted, out.CreatedAt, out.CreatedBy = qualify(c, name), v.Version, v.Deleted, v.CreatedAt, v.CreatedBy
		}
	}
	return out, nil
}

// ContextID names a schema id inside a context.
type ContextID struct {
	Context string `json:"context"`
	ID      int    `json:"id"`
}

// SchemaByGUID returns a schema by its GUID (from the default context when the
// content lives in several). Errors: ErrSchemaNotFound.
func (s *Service) SchemaByGUID(ctx context.Context, guid string) (Schema, error) {
	recs, err := s.store.SchemasByGUID(ctx, guid)
	if err != nil {
		return Schema{}, storeErr("read schema", err)
	}
	if len(recs) == 0 {
		return Schema{}, newError(ErrSchemaNotFound, "Schema %s not found", guid)
	}
	best := recs[0]
	for _, r := range recs {
		if r.Context == DefaultContext {
			best = r
		}
	}
	return schemaOf(best), nil
}

// IDsByGUID lists the (context, id) pairs holding the content with a GUID.
// Errors: ErrSchemaNotFound.
func (s *Service) IDsByGUID(ctx context.Context, guid string) ([]ContextID, error) {
	recs, err := s.store.SchemasByGUID(ctx, guid)
	if err != nil {
		return nil, storeErr("read schema", err)
	}
	if len(recs) == 0 {
		return nil, newError(ErrSchemaNotFound, "Schema %s not found", guid)
	}
	out := make([]ContextID, len(recs))
	for i, r := range recs {
		out[i] = ContextID{Context: r.Context, ID: r.ID}
	}
	return out, nil
}

// SubjectVersionsByID lists the subject versions that hold schema id (in the
// context of subject, or the default one), live ones unless opts.Deleted.
// Errors: ErrSchemaNotFound.
func (s *Service) SubjectVersionsByID(ctx context.Context, id int, subject string, opts ListOptions) ([]SubjectVersion, error) {
	c, err := idContext(subject)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.VersionsByID(ctx, c, id)
	if err != nil {
		return nil, storeErr("read versions", err)
	}
	if len(vs) == 0 {
		return nil, schemaNotFound(id)
	}
	out := []SubjectVersion{}
	for _, v := range vs {
		if keep(v.Deleted, opts) {
			out = append(out, SubjectVersion{Subject: qualify(v.Context, v.Subject), Version: v.Version})
		}
	}
	return page(out, opts), nil
}

// SubjectsByID lists the subjects that hold schema id, each once, in order.
// Errors: ErrSchemaNotFound.
func (s *Service) SubjectsByID(ctx context.Context, id int, subject string, opts ListOptions) ([]string, error) {
	all := opts
	all.Offset, all.Limit = 0, 0
	svs, err := s.SubjectVersionsByID(ctx, id, subject, all)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for i, sv := range svs {
		if i == 0 || svs[i-1].Subject != sv.Subject {
			out = append(out, sv.Subject)
		}
	}
	return page(out, opts), nil
}

// Schemas lists subject versions matching opts (Prefix, Deleted, LatestOnly,
// Offset, Limit), ordered by subject then version.
func (s *Service) Schemas(ctx context.Context, opts ListOptions) ([]Schema, error) {
	pf := parsePrefix(opts.Prefix)
	vs, err := s.store.ListVersions(ctx, pf.ctx, pf.name)
	if err != nil {
		return nil, storeErr("list schemas", err)
	}
	var picked []VersionRecord
	for i, v := range vs {
		if !keep(v.Deleted, opts) {
			continue
		}
		if opts.LatestOnly {
			// the latest kept version of each subject: skip when a later kept one follows
			later := false
			for j := i + 1; j < len(vs) && vs[j].Context == v.Context && vs[j].Subject == v.Subject; j++ {
				if keep(vs[j].Deleted, opts) {
					later = true
					break
				}
			}
			if later {
				continue
			}
		}
		picked = append(picked, v)
	}
	sort.SliceStable(picked, func(i, j int) bool {
		qi, qj := qualify(picked[i].Context, picked[i].Subject), qualify(picked[j].Context, picked[j].Subject)
		if qi != qj {
			return lessSubject(qi, qj)
		}
		return picked[i].Version < picked[j].Version
	})
	picked = page(picked, opts)
	out := make([]Schema, 0, len(picked))
	for _, v := range picked {
		rec, err := s.record(ctx, s.store, v.Context, v.ID)
		if err != nil {
			return nil, storeErr("read schema", err)
		}
		out = append(out, toSchema(v, rec))
	}
	return out, nil
}

// lessSubject orders default-context subjects before qualified ones, then by name.
func lessSubject(a, b string) bool {
	qa, qb := strings.HasPrefix(a, ":"), strings.HasPrefix(b, ":")
	if qa != qb {
		return !qa
	}
	return a < b
}

// Parsed returns the parsed schema for an id (cached), for payload validation by the
// broker and the catalog; subject selects the context as in SchemaByID.
// Errors: ErrSchemaNotFound.
func (s *Service) Parsed(ctx context.Context, id int, subject string) (compat.Schema, error) {
	c, err := idContext(subject)
	if err != nil {
		return nil, err
	}
	p, err := s.parsed(ctx, s.store, c, id)
	if errors.Is(err, ErrSchemaNotFound) {
		return nil, schemaNotFound(id)
	}
	if err != nil {
		return nil, storeErr("parse schema", err)
	}
	return p, nil
}

// Contexts lists context names, sorted; "." is always present.
func (s *Service) Contexts(ctx context.Context, opts ListOptions) ([]string, error) {
	cs, err := s.store.Contexts(ctx)
	if err != nil {
		return nil, storeErr("list contexts", err)
	}
	out := []string{DefaultContext}
	for _, c := range cs {
		if c != DefaultContext && strings.HasPrefix(c, strings.TrimSuffix(strings.TrimPrefix(opts.Prefix, ":"), ":")) {
			out = append(out, c)
		}
	}
	sort.Strings(out[1:])
	return page(out, opts), nil
}
