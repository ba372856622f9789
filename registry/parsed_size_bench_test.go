package registry

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/compattest"
	"github.com/heraldhq/herald/compat/formats"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/compat/protobuf"
)

// parsedSizeCopies is how many distinct schemas of a shape are kept alive
// together per measurement, so the per-schema figure is an average that one
// stray allocation does not blur.
const parsedSizeCopies = 200

// measureShape parses parsedSizeCopies distinct schemas of gen, kept alive
// together, and returns the heap they keep per schema and their average text
// length (references included), as the parsed cache sees them once the
// registration path (Canonical, Normalized) and one payload validation have
// run on each.
func measureShape(tb testing.TB, f compat.Format, gen func(int) (string, []compat.Reference)) (perSchema, textLen float64) {
	tb.Helper()
	texts := make([]string, parsedSizeCopies)
	refs := make([][]compat.Reference, parsedSizeCopies)
	var total int
	for i := range texts {
		texts[i], refs[i] = gen(i)
		total += len(texts[i])
		for _, r := range refs[i] {
			total += len(r.Text)
		}
	}
	keep := make([]compat.Schema, parsedSizeCopies)
	before := heapInUse()
	for i := range keep {
		s, err := f.Parse(texts[i], refs[i])
		if err != nil {
			tb.Fatalf("parse seed %d: %v", i, err)
		}
		_ = s.Canonical()
		_ = s.Normalized()
		keep[i] = s
	}
	after := heapInUse()
	runtime.KeepAlive(keep)
	runtime.KeepAlive(texts)
	if after < before {
		return 0, float64(total) / parsedSizeCopies
	}
	return float64(after-before) / parsedSizeCopies, float64(total) / parsedSizeCopies
}

// BenchmarkParsedSize reports the heap a parsed schema keeps, per format and
// realistic shape (compattest.RealisticShapes): B/schema beside text-B, and
// their ratio x-text, which DESIGN.md budgets at 10 (Protobuf 5). Each op
// parses parsedSizeCopies schemas.
//
// A Protobuf schema's descriptors and a JSON schema's compiled validators live
// in process-wide caches bounded by bytes (protobuf.SetDescriptorCacheBytes,
// 32 MiB, and jsonschema.SetFormsCacheBytes, 48 MiB, by default), not in the
// schema: the figure here is what each schema keeps beyond those bounded
// working sets, measured with the caches set to keep only the newest entry.
// BenchmarkParsedSizeCompiled gives the cost of a schema whose compiled forms
// are in the cache.
func BenchmarkParsedSize(b *testing.B) {
	defer protobuf.SetDescriptorCacheBytes(protobuf.SetDescriptorCacheBytes(0))
	defer jsonschema.SetFormsCacheBytes(jsonschema.SetFormsCacheBytes(0))
	benchParsedSize(b)
}

// BenchmarkParsedSizeCompiled is BenchmarkParsedSize with every schema's
// compiled forms kept: what a schema in the caches' working set costs.
func BenchmarkParsedSizeCompiled(b *testing.B) {
	defer protobuf.SetDescriptorCacheBytes(protobuf.SetDescriptorCacheBytes(1 << 40))
	defer jsonschema.SetFormsCacheBytes(jsonschema.SetFormsCacheBytes(1 << 40))
	benchParsedSize(b)
}

func benchParsedSize(b *testing.B) {
	for _, sh := range compattest.RealisticShapes {
		for _, f := range formats.All() {
			b.Run(fmt.Sprintf("%s/%s", f.Type(), sh.Name), func(b *testing.B) {
				var per, text float64
				for range b.N {
					p, t := measureShape(b, f, sh.For(f.Type()))
					per += p
					text = t
				}
				per /= float64(b.N)
				b.ReportMetric(per, "B/schema")
				b.ReportMetric(text, "text-B")
				b.ReportMetric(per/text, "x-text")
			})
		}
	}
}
