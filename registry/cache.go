package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/heraldhq/herald/compat"
)

// idKey addresses a schema id: ids are only unique inside a context.
type idKey struct {
	ctx string
	id  int
}

// cache holds what never changes for a given (context, id): the stored content and
// its parsed form. Only a hard delete that removes the content (and DeleteContext)
// evicts; soft deletes keep it, because soft-deleted ids must still resolve.
//
// The content of ids read is kept (a few hundred bytes to a few kilobytes each:
// GET /schemas/ids/{id} is the hottest path), bounded by estimated bytes
// (ServiceConfig.RecordCacheBytes) and evicted by CLOCK: a read sets a flag
// without taking the lock for writing, and an insertion over the bound sweeps,
// giving each record read since the last sweep a second chance. Parsed schemas weigh kilobytes each
// (a compiled JSON Schema far more than its text), so only the most recently
// used ones are kept, bounded by count and by estimated bytes (parsedCost): a
// compatibility check touches its subject's versions on every registration and
// the broker its topics' schemas on every publish, so those stay while the long
// tail is parsed again on demand.
type cache struct {
	// mu protects records, ring, hand, recordBytes and parsed. It is taken
	// after Service.writeMu, never before, and never held across a store
	// call.
	mu      sync.RWMutex
	records map[idKey]*cachedRecord
	// ring holds the records' keys for the CLOCK sweep, each record's at
	// its slot; hand is where the next sweep starts.
	ring           []idKey
	hand           int
	recordBytes    int64
	maxRecordBytes int64
	// parsed is bounded; a hit reorders it, so reads take mu for writing.
	parsed *lru[idKey, compat.Schema]
}

// cachedRecord is a SchemaRecord as the by-id cache keeps it, one per schema
// ever read: the context and id are in its key, and the fields most schemas
// leave empty sit behind one pointer, which halves the entry.
type cachedRecord struct {
	guid, hash, text string
	typ              compat.SchemaType
	// extra is nil when the record has no references, metadata or rule set.
	extra *recordExtra
	// used is set by reads and cleared by the sweep.
	used atomic.Bool
	// slot is the record's index in cache.ring.
	slot int
}

// recordExtra holds the rarely set fields of a cachedRecord.
type recordExtra struct {
	references []Reference
	targets    []VersionKey
	metadata   json.RawMessage
	ruleSet    json.RawMessage
}

func toCached(r SchemaRecord) *cachedRecord {
	c := &cachedRecord{guid: r.GUID, hash: r.Hash, text: r.Text, typ: r.Type}
	if r.References != nil || r.Targets != nil || r.Metadata != nil || r.RuleSet != nil {
		c.extra = &recordExtra{references: r.References, targets: r.Targets, metadata: r.Metadata, ruleSet: r.RuleSet}
	}
	return c
}

// cost estimates the heap a cached record keeps: its strings, the raw JSON
// of its metadata and rule set, and the map entry, struct and ring slot
// around them.
func (c *cachedRecord) cost() int64 {
	n := len(c.guid) + len(c.hash) + len(c.text) + 160
	if x := c.extra; x != nil {
		n += 96 + len(x.metadata) + len(x.ruleSet)
		for _, r := range x.references {
			n += 64 + len(r.Name) + len(r.Subject)
		}
		n += 48 * len(x.targets)
	}
	return int64(n)
}

func (c *cachedRecord) record(k idKey) SchemaRecord {
	r := SchemaRecord{Context: k.ctx, ID: k.id, GUID: c.guid, Hash: c.hash, Type: c.typ, Text: c.text}
	if c.extra != nil {
		r.References, r.Targets, r.Metadata, r.RuleSet = c.extra.references, c.extra.targets, c.extra.metadata, c.extra.ruleSet
	}
	return r
}

// holderKey is an id asked for through a subject: GET
// /schemas/ids/{id}?subject=s reports the latest version of s holding the id,
// which writes change (see mutable). Only found versions are kept.
type holderKey struct {
	ctx, subject string
	id           int
}

// newCache returns a cache keeping at most parsedLimit parsed schemas, of at
// most parsedBytes estimated bytes in all, and records of at most recordBytes.
func newCache(parsedLimit int, parsedBytes, recordBytes int64) *cache {
	return &cache{records: map[idKey]*cachedRecord{}, maxRecordBytes: recordBytes, parsed: newLRU[idKey, compat.Schema](parsedLimit, parsedBytes)}
}

// Parsed-schema cost model: a parsed schema holds about perByte times its text
// (references included) plus base, per format. The factors were measured
// (TestParsedCostEstimate re-measures them, on large texts and on realistic
// 20-field records, and fails when the estimate is off by more than a factor of
// two): an Avro schema keeps its node graph, ~5-8 bytes per byte of text; a
// JSON Schema its canonical text and sources, ~1; a Protobuf schema its text
// and serialized file descriptors, ~1.5-2. The compiled forms of JSON and
// Protobuf schemas (15-30 bytes per byte) are not counted here: they live in
// their formats' own process-wide caches, bounded by bytes
// (jsonschema.SetFormsCacheBytes, protobuf.SetDescriptorCacheBytes), and are
// rebuilt from the text when those dropped them.
type costModel struct {
	base, perByte int64
}

// parsedCosts is the cost model by format.
var parsedCosts = map[compat.SchemaType]costModel{
	compat.Avro:     {base: 64, perByte: 7},
	compat.JSON:     {base: 100, perByte: 1},
	compat.Protobuf: {base: 300, perByte: 2},
}

// parsedCost estimates the heap bytes a parsed schema of type typ keeps, from
// the length of its text and of its references' texts.
func parsedCost(typ compat.SchemaType, text string, refs []compat.Reference) int64 {
	n := int64(len(text))
	for _, r := range refs {
		n += int64(len(r.Text))
	}
	m, ok := parsedCosts[typ]
	if !ok {
		m = costModel{base: 1 << 10, perByte: 35} // the largest measured: overestimating only evicts sooner
	}
	return m.base + m.perByte*n
}

func (c *cache) record(k idKey) (SchemaRecord, bool) {
	c.mu.RLock()
	r, ok := c.records[k]
	c.mu.RUnlock()
	if !ok {
		return SchemaRecord{}, false
	}
	if !r.used.Load() {
		r.used.Store(true)
	}
	return r.record(k), true
}

func (c *cache) putRecord(r SchemaRecord) {
	k := idKey{r.Context, r.ID}
	e := toCached(r) // not marked used: a record read once, never again, goes first
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.records[k]; ok {
		c.recordBytes -= old.cost()
		e.slot = old.slot
	} else {
		e.slot = len(c.ring)
		c.ring = append(c.ring, k)
	}
	c.records[k] = e
	c.recordBytes += e.cost()
	c.sweepRecords(k)
}

// sweepRecords evicts records while over the bound, never keep (the one just
// stored). The caller holds mu for writing.
func (c *cache) sweepRecords(keep idKey) {
	for c.recordBytes > c.maxRecordBytes && len(c.ring) > 1 {
		if c.hand >= len(c.ring) {
			c.hand = 0
		}
		k := c.ring[c.hand]
		if k == keep || c.records[k].used.Swap(false) {
			c.hand++
			continue
		}
		// The sweep goes on from the same slot, where removeRecord moves
		// the last key.
		c.removeRecord(k)
	}
}

// removeRecord drops k's record and its ring slot, which the last key takes.
// The caller holds mu for writing.
func (c *cache) removeRecord(k idKey) {
	e, ok := c.records[k]
	if !ok {
		return
	}
	delete(c.records, k)
	c.recordBytes -= e.cost()
	last := len(c.ring) - 1
	moved := c.ring[last]
	if moved != k {
		c.ring[e.slot] = moved
		c.records[moved].slot = e.slot
	}
	c.ring = c.ring[:last]
}

func (c *cache) parsedSchema(k idKey) (compat.Schema, bool) {
	c.mu.Lock()
	p, ok := c.parsed.get(k)
	c.mu.Unlock()
	return p, ok
}

// putParsed keeps p with its estimated cost in bytes (parsedCost).
func (c *cache) putParsed(k idKey, p compat.Schema, cost int64) {
	c.mu.Lock()
	c.parsed.put(k, p, cost)
	c.mu.Unlock()
}

func (c *cache) evict(k idKey) {
	c.mu.Lock()
	c.removeRecord(k)
	c.parsed.remove(k)
	c.mu.Unlock()
}

// evictAll drops every entry, one by one through evict, so whatever evict
// keeps in step with records (its accounting) stays right.
func (c *cache) evictAll() {
	c.mu.RLock()
	keys := make([]idKey, 0, len(c.records))
	for k := range c.records {
		keys = append(keys, k)
	}
	c.mu.RUnlock()
	for _, k := range keys {
		c.evict(k)
	}
	c.mu.Lock()
	c.parsed.removeIf(func(idKey) bool { return true })
	c.mu.Unlock()
}

func (c *cache) evictContext(ctx string) {
	c.mu.Lock()
	for k := range c.records {
		if k.ctx == ctx {
			c.removeRecord(k)
		}
	}
	c.parsed.removeIf(func(k idKey) bool { return k.ctx == ctx })
	c.mu.Unlock()
}

// record returns the content of (c, id), from the cache or else from r. Reads made
// inside a transaction only ever ask for ids committed before it (new content is
// cached after commit), so caching them is safe.
func (s *Service) record(ctx context.Context, r Reader, c string, id int) (SchemaRecord, error) {
	k := idKey{c, id}
	if rec, ok := s.cache.record(k); ok {
		return rec, nil
	}
	rec, err := r.Schema(ctx, c, id)
	if err != nil {
		return SchemaRecord{}, err
	}
	s.cache.putRecord(rec)
	return rec, nil
}

// parsed returns the parsed schema of (c, id), cached: compatibility checks parse
// every previous version, and the broker validates against it on every publish.
func (s *Service) parsed(ctx context.Context, r Reader, c string, id int) (compat.Schema, error) {
	k := idKey{c, id}
	if p, ok := s.cache.parsedSchema(k); ok {
		return p, nil
	}
	rec, err := s.record(ctx, r, c, id)
	if err != nil {
		return nil, err
	}
	f, err := s.format(rec.Type)
	if err != nil {
		return nil, err
	}
	refs, err := s.storedRefs(ctx, r, rec)
	if err != nil {
		return nil, err
	}
	p, err := f.Parse(rec.Text, refs)
	if err != nil {
		return nil, fmt.Errorf("registry: stored schema %d in context %s no longer parses: %w", id, c, err)
	}
	s.cache.putParsed(k, p, parsedCost(rec.Type, rec.Text, refs))
	return p, nil
}
