package auth

import (
	"sync"
	"time"
)

// cache keeps verified credentials by the SHA-256 of the credential, each
// until its expiry, and at most max of them: when full, an expired entry (or,
// failing that, an arbitrary one) makes room. Entries are of fixed size, so
// the bound on entries is a bound on bytes (about 100 bytes each).
type cache struct {
	max int
	// mu protects entries.
	mu      sync.Mutex
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	p       *Principal
	expires time.Time
}

func newCache(max int) *cache {
	return &cache{max: max, entries: make(map[[32]byte]cacheEntry)}
}

// get returns the principal cached under key if it has not expired at now.
func (c *cache) get(key [32]byte, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.p, true
}

// put caches p under key until expires; now is the time of the put.
func (c *cache) put(key [32]byte, p *Principal, now, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[key] = cacheEntry{p: p, expires: expires}
}

// evict drops one entry: the first expired one met in a short scan, else the
// first met (map order is unspecified, which spreads evictions around).
func (c *cache) evict(now time.Time) {
	const scan = 8
	var victim [32]byte
	n := 0
	for k, e := range c.entries {
		if n == 0 {
			victim = k
		}
		if !now.Before(e.expires) {
			victim = k
			break
		}
		if n++; n >= scan {
			break
		}
	}
	delete(c.entries, victim)
}

// len is the number of entries, for tests.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
