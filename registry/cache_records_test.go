package registry

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkRing fails unless every cached record sits in the ring at its slot,
// once, and the byte count is the sum of the records' costs.
func checkRing(t *testing.T, c *cache) {
	t.Helper()
	if len(c.ring) != len(c.records) {
		t.Fatalf("ring holds %d keys for %d records", len(c.ring), len(c.records))
	}
	var bytes int64
	for i, k := range c.ring {
		e, ok := c.records[k]
		if !ok {
			t.Fatalf("ring slot %d holds %v, which has no record", i, k)
		}
		if e.slot != i {
			t.Fatalf("record %v says slot %d, sits at %d", k, e.slot, i)
		}
		bytes += e.cost()
	}
	if bytes != c.recordBytes {
		t.Fatalf("records cost %d bytes, the cache counts %d", bytes, c.recordBytes)
	}
}

func record(id int, size int) SchemaRecord {
	return SchemaRecord{ID: id, GUID: fmt.Sprintf("g%03d", id), Hash: "h", Text: strings.Repeat("x", size)}
}

// TestRecordCacheBound checks the by-id content cache stays within its byte
// bound, keeps a record read between insertions (its second chance), drops
// the ones never read again, and reads a kept record back intact.
func TestRecordCacheBound(t *testing.T) {
	t.Parallel()
	one := toCached(record(1, 1000)).cost()
	c := newCache(10, 1<<20, 4*one) // room for four records of 1,000 bytes
	for id := 1; id <= 50; id++ {
		c.putRecord(record(id, 1000))
		if _, ok := c.record(idKey{"", 1}); !ok && id > 1 {
			t.Fatalf("record 1, read between every insertion, was evicted at insertion %d", id)
		}
		if c.recordBytes > c.maxRecordBytes {
			t.Fatalf("after %d records the cache holds %d bytes, bound %d", id, c.recordBytes, c.maxRecordBytes)
		}
		checkRing(t, c)
	}
	if n := len(c.records); n != 4 {
		t.Errorf("the cache holds %d records, want 4", n)
	}
	if _, ok := c.record(idKey{"", 2}); ok {
		t.Error("record 2, never read again, is still cached")
	}
	r, ok := c.record(idKey{"", 50})
	if !ok || r.ID != 50 || r.GUID != "g050" || len(r.Text) != 1000 {
		t.Errorf("newest record read back as %+v, %v", r, ok)
	}
}

// TestRecordCacheOps runs random puts, reads, evictions and context evictions
// and checks the ring and byte count after each.
func TestRecordCacheOps(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	c := newCache(10, 1<<20, 20_000)
	for range 5000 {
		id := rng.IntN(60)
		ctx := []string{"", ".a"}[rng.IntN(2)]
		switch op := rng.IntN(10); {
		case op < 5:
			r := record(id, rng.IntN(3000))
			r.Context = ctx
			c.putRecord(r)
		case op < 8:
			c.record(idKey{ctx, id})
		case op < 9:
			c.evict(idKey{ctx, id})
		default:
			c.evictContext(ctx)
		}
		checkRing(t, c)
		if c.recordBytes > c.maxRecordBytes && len(c.records) > 1 {
			t.Fatalf("%d bytes in %d records, bound %d", c.recordBytes, len(c.records), c.maxRecordBytes)
		}
	}
}
