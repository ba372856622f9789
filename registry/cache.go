package registry

import (
	"context"
	"fmt"
	"sync"

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
type cache struct {
	// mu protects records and parsed. It is taken after Service.writeMu, never
	// before, and never held across a store call.
	mu      sync.RWMutex
	records map[idKey]SchemaRecord
	parsed  map[idKey]compat.Schema
}

func newCache() *cache {
	return &cache{records: map[idKey]SchemaRecord{}, parsed: map[idKey]compat.Schema{}}
}

func (c *cache) record(k idKey) (SchemaRecord, bool) {
	c.mu.RLock()
	r, ok := c.records[k]
	c.mu.RUnlock()
	return r, ok
}

func (c *cache) putRecord(r SchemaRecord) {
	c.mu.Lock()
	c.records[idKey{r.Context, r.ID}] = r
	c.mu.Unlock()
}

func (c *cache) parsedSchema(k idKey) (compat.Schema, bool) {
	c.mu.RLock()
	p, ok := c.parsed[k]
	c.mu.RUnlock()
	return p, ok
}

func (c *cache) putParsed(k idKey, p compat.Schema) {
	c.mu.Lock()
	c.parsed[k] = p
	c.mu.Unlock()
}

func (c *cache) evict(k idKey) {
	c.mu.Lock()
	delete(c.records, k)
	delete(c.parsed, k)
	c.mu.Unlock()
}

func (c *cache) evictContext(ctx string) {
	c.mu.Lock()
	for k := range c.records {
		if k.ctx == ctx {
			delete(c.records, k)
		}
	}
	for k := range c.parsed {
		if k.ctx == ctx {
			delete(c.parsed, k)
		}
	}
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
	s.cache.putParsed(k, p)
	return p, nil
}
