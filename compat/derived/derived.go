// Package derived keeps what a parsed schema derives from its text (compiled
// validators, descriptors, compatibility models) in one process-wide cache
// bounded by estimated bytes, so that a registry of 100k schemas keeps the
// texts and only a working set of the derived forms.
//
// A Slot belongs to one schema and holds its derived value while the Cache
// keeps it; when the Cache needs room it drops the value and the schema
// rebuilds it on its next use. Eviction is CLOCK: each use sets a flag without
// taking a lock, and a sweep gives every value used since the last sweep a
// second chance, so hot schemas (the ones events are validated against) stay.
package derived

import (
	"sync"
	"sync/atomic"
)

// Cache bounds the derived values of many slots by their estimated bytes. The
// zero value keeps nothing but the newest value; use NewCache.
type Cache struct {
	mu sync.Mutex // protects the fields below
	// ring holds the cached entries in insertion order; hand is where the
	// next sweep starts.
	ring     []dropper
	hand     int
	bytes    int64
	maxBytes int64
}

// dropper is a cached entry as the cache sees it.
type dropper interface {
	// secondChance reports whether the entry was used since the last sweep,
	// clearing the flag.
	secondChance() bool
	// drop removes the value from its slot and returns its cost.
	drop() int64
}

// NewCache returns a cache of at most maxBytes of estimated cost.
func NewCache(maxBytes int64) *Cache { return &Cache{maxBytes: max(maxBytes, 0)} }

// SetMaxBytes changes the bound (evicting at the next insertion) and returns
// the previous one. Zero or less keeps only the newest value.
func (c *Cache) SetMaxBytes(n int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev := c.maxBytes
	c.maxBytes = max(n, 0)
	return prev
}

// Stats returns how many values the cache holds and their estimated bytes.
func (c *Cache) Stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ring), c.bytes
}

// add caches e of the given cost, evicting others while over the bound; the
// newest entry is never evicted by its own insertion.
func (c *Cache) add(e dropper, cost int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ring = append(c.ring, e)
	c.bytes += cost
	for c.bytes > c.maxBytes && len(c.ring) > 1 {
		if c.hand >= len(c.ring)-1 {
			c.hand = 0
		}
		victim := c.ring[c.hand]
		if victim.secondChance() {
			c.hand++
			continue
		}
		c.ring = append(c.ring[:c.hand], c.ring[c.hand+1:]...)
		c.bytes -= victim.drop()
	}
}

// Slot holds one schema's derived value of type T. The zero value is empty
// and ready to use; a Slot must not be copied after first use.
type Slot[T any] struct {
	cur atomic.Pointer[entry[T]]
	mu  sync.Mutex // serializes rebuilds
}

// entry is one built value; a rebuilt value is a new entry, so a drop that
// races with a rebuild never removes the newer one.
type entry[T any] struct {
	slot *Slot[T]
	v    *T
	cost int64
	used atomic.Bool
}

func (e *entry[T]) secondChance() bool { return e.used.Swap(false) }

func (e *entry[T]) drop() int64 {
	e.slot.cur.CompareAndSwap(e, nil)
	return e.cost
}

// Get returns the slot's value, building it with build (which returns the
// value and its estimated cost in bytes) when the slot is empty, and caching
// it in c. Concurrent callers of an empty slot build once.
func (s *Slot[T]) Get(c *Cache, build func() (*T, int64)) *T {
	if e := s.cur.Load(); e != nil {
		if !e.used.Load() {
			e.used.Store(true)
		}
		return e.v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.cur.Load(); e != nil {
		return e.v
	}
	v, cost := build()
	s.put(c, v, cost)
	return v
}

// Set fills the slot with a value already built (the parse that created the
// schema built it), caching it in c.
func (s *Slot[T]) Set(c *Cache, v *T, cost int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(c, v, cost)
}

func (s *Slot[T]) put(c *Cache, v *T, cost int64) {
	e := &entry[T]{slot: s, v: v, cost: cost}
	e.used.Store(true)
	s.cur.Store(e)
	c.add(e, cost)
}

// Loaded returns the slot's value when it is cached, nil when not.
func (s *Slot[T]) Loaded() *T {
	if e := s.cur.Load(); e != nil {
		return e.v
	}
	return nil
}

// Drop empties the slot (its cache entry stays until swept, costing
// nothing more). Tests use it to force a rebuild.
func (s *Slot[T]) Drop() { s.cur.Store(nil) }
