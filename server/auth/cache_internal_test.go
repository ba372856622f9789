package auth

import (
	"testing"
	"time"
)

// TestCacheIsBounded checks that the cache never holds more than its bound,
// and that expired entries are not returned.
func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newCache(100)
	now := time.Unix(1000, 0)
	p := &Principal{Name: "p"}
	for i := range 1000 {
		c.put(digest("basic", string(rune(i)), "x"), p, now, now.Add(time.Minute))
		if n := c.len(); n > 100 {
			t.Fatalf("%d entries after %d puts, bound 100", n, i+1)
		}
	}
	k := digest("basic", "last", "x")
	c.put(k, p, now, now.Add(time.Minute))
	if _, ok := c.get(k, now.Add(59*time.Second)); !ok {
		t.Error("a fresh entry is missing")
	}
	if _, ok := c.get(k, now.Add(time.Minute)); ok {
		t.Error("an expired entry was returned")
	}
}

// TestCacheEvictsExpiredFirst fills the cache with expired entries and one
// fresh one: making room must not drop the fresh one while expired ones remain.
func TestCacheEvictsExpiredFirst(t *testing.T) {
	t.Parallel()
	c := newCache(4)
	now := time.Unix(1000, 0)
	p := &Principal{}
	fresh := digest("k", "fresh", "")
	for i := range 3 {
		c.put(digest("k", string(rune('a'+i)), ""), p, now, now.Add(time.Second))
	}
	c.put(fresh, p, now, now.Add(time.Hour))
	later := now.Add(time.Minute)
	for i := range 3 {
		c.put(digest("k", string(rune('x'+i)), ""), p, later, later.Add(time.Hour))
		if _, ok := c.get(fresh, later); !ok {
			t.Fatalf("the fresh entry was evicted while expired ones remained (put %d)", i)
		}
	}
}
