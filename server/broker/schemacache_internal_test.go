package broker

import (
	"fmt"
	"strings"
	"testing"

	"github.com/heraldhq/herald/compat/jsonschema"
)

// TestSchemaCacheBoundedByBytes: the broker's validation cache keeps at most
// Config.SchemaCacheBytes of estimated schema size (it used to keep every
// schema it ever validated with, for ever), and a schema larger than the whole
// bound is used but not kept.
func TestSchemaCacheBoundedByBytes(t *testing.T) {
	const limit = 200 << 10
	b := &Broker{cfg: Config{SchemaCacheBytes: limit}, schemas: map[schemaKey]cachedSchema{}}
	f := jsonschema.New()
	for i := range 100 {
		s, err := f.Parse(fmt.Sprintf(`{"type":"object","title":"s%d","description":%q}`, i, strings.Repeat("x", 500)), nil)
		if err != nil {
			t.Fatal(err)
		}
		b.cacheSchema(schemaKey{".", i + 1}, s)
		if b.schemaBytes > limit {
			t.Fatalf("after %d schemas the cache holds %d estimated bytes, over its %d bound", i+1, b.schemaBytes, limit)
		}
	}
	var sum int64
	for _, e := range b.schemas {
		sum += e.cost
	}
	if sum != b.schemaBytes || len(b.schemas) == 0 || len(b.schemas) >= 100 {
		t.Fatalf("cache holds %d schemas of %d bytes (counted %d): want some, not all, and a true count", len(b.schemas), sum, b.schemaBytes)
	}
	big, err := f.Parse(fmt.Sprintf(`{"type":"object","description":%q}`, strings.Repeat("y", limit/schemaCostPerByte)), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(b.schemas)
	b.cacheSchema(schemaKey{".", 1000}, big)
	if _, kept := b.schemas[schemaKey{".", 1000}]; kept || len(b.schemas) != n {
		t.Fatalf("a schema over the whole bound was cached (kept=%v, %d entries, had %d)", kept, len(b.schemas), n)
	}
}
