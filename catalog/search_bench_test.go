package catalog_test

import (
	"context"
	"testing"

	"github.com/heraldhq/herald/catalog"
	"github.com/heraldhq/herald/catalog/catalogtest"
)

// newLarge returns catalogtest's large catalog, the shape of
// server.BenchmarkPageLarge, with descriptions a search for "order" matches.
func newLarge(tb testing.TB) *catalog.Service {
	return catalogtest.NewLarge(tb, catalogtest.Large{Description: "A generated event about an order."})
}

// BenchmarkSearchLarge measures one query on the large catalog with a warm
// index, for a plain word, a typo and a two-word query.
func BenchmarkSearchLarge(b *testing.B) {
	cat := newLarge(b)
	ctx := context.Background()
	for _, q := range []string{"order", "evnt", "service 42"} {
		b.Run(q, func(b *testing.B) {
			res, err := cat.Search(ctx, q, 0) // builds the index outside the loop
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := cat.Search(ctx, q, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Total), "matches")
			b.ReportMetric(float64(res.Stats.Candidates), "candidates")
		})
	}
}

// BenchmarkSearchIndexLarge measures building the index of the large catalog:
// the work a search does once after every catalog change.
func BenchmarkSearchIndexLarge(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		cat := newLarge(b)
		b.StartTimer()
		if _, err := cat.Search(ctx, "x", 0); err != nil {
			b.Fatal(err)
		}
	}
}
