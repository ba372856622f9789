package derived

import (
	"sync"
	"sync/atomic"
	"testing"
)

type value struct{ n int }

// TestCacheBound checks that the cache stays within its bound, that a value
// used before every insertion survives (its second chance), that the value
// never used again goes first, and that a dropped slot rebuilds on its next use.
func TestCacheBound(t *testing.T) {
	t.Parallel()
	c := NewCache(350) // room for three values of 100
	slots := make([]Slot[value], 12)
	var builds atomic.Int64
	build := func(i int) func() (*value, int64) {
		return func() (*value, int64) {
			builds.Add(1)
			return &value{i}, 100
		}
	}
	for i := range slots {
		slots[i].Get(c, build(i))
		if i > 0 {
			slots[0].Get(c, build(0)) // used between every insertion
		}
		if n, b := c.Stats(); b > 350 && n > 1 {
			t.Fatalf("after %d values the cache holds %d bytes in %d entries, bound 350", i+1, b, n)
		}
	}
	if n, _ := c.Stats(); n != 3 {
		t.Errorf("the cache holds %d values, want 3", n)
	}
	if slots[0].Loaded() == nil {
		t.Error("the value used before every insertion was dropped")
	}
	if slots[1].Loaded() != nil {
		t.Error("the value never used again is still cached")
	}
	if slots[11].Loaded() == nil {
		t.Error("the newest value was dropped")
	}
	before := builds.Load()
	if v := slots[1].Get(c, build(1)); v.n != 1 {
		t.Errorf("rebuilt value %d, want 1", v.n)
	}
	if builds.Load() != before+1 {
		t.Errorf("a dropped slot was built %d times on its next use, want 1", builds.Load()-before)
	}
	slots[11].Get(c, build(11))
	if builds.Load() != before+1 {
		t.Error("a cached slot was rebuilt")
	}
}

// TestSetMaxBytes checks that shrinking the bound takes effect at the next
// insertion, and that zero keeps only the newest value.
func TestSetMaxBytes(t *testing.T) {
	t.Parallel()
	c := NewCache(1 << 20)
	slots := make([]Slot[value], 5)
	for i := range slots {
		slots[i].Set(c, &value{i}, 10)
	}
	if prev := c.SetMaxBytes(0); prev != 1<<20 {
		t.Errorf("SetMaxBytes returned %d, want the previous bound %d", prev, 1<<20)
	}
	var extra Slot[value]
	extra.Set(c, &value{5}, 10)
	// Every older value had been used (Set marks it) and gets its second
	// chance once; the sweep then drops them all.
	if n, b := c.Stats(); n != 1 || b != 10 {
		t.Errorf("with bound 0 the cache holds %d values of %d bytes, want only the newest", n, b)
	}
	for i := range slots {
		if slots[i].Loaded() != nil {
			t.Errorf("slot %d still holds its value", i)
		}
	}
}

// TestSlotConcurrent builds from many goroutines at once: an empty slot is
// built once, and readers racing with evictions always get a value (run with -race).
func TestSlotConcurrent(t *testing.T) {
	t.Parallel()
	c := NewCache(1)
	slots := make([]Slot[value], 4)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(slots)
				if v := slots[k].Get(c, func() (*value, int64) { return &value{k}, 10 }); v == nil || v.n != k {
					t.Errorf("slot %d gave %v", k, v)
					return
				}
			}
		})
	}
	wg.Wait()
	var once Slot[value]
	var builds atomic.Int64
	var wg2 sync.WaitGroup
	for range 8 {
		wg2.Go(func() {
			once.Get(NewCache(1<<20), func() (*value, int64) { builds.Add(1); return &value{1}, 1 })
		})
	}
	wg2.Wait()
	if builds.Load() != 1 {
		t.Errorf("an empty slot was built %d times by concurrent callers, want 1", builds.Load())
	}
}
