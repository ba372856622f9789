package jetstream

import "testing"

// TestFetchSize: without a byte bound a fetch asks for what is left, up to
// fetchBatch; with one, firstFetch first, then what the bytes left hold at
// the average size read so far, never less than one.
func TestFetchSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                       string
		left, maxBytes, size, read int
		want                       int
	}{
		{"UnboundedAsksForWhatIsLeft", 50, 0, 0, 0, 50},
		{"UnboundedUpToABatch", 5000, 0, 0, 0, fetchBatch},
		{"BoundedStartsSmall", 5000, 16 << 20, 0, 0, firstFetch},
		{"BoundedFewLeftAsksForThem", 3, 16 << 20, 0, 0, 3},
		{"SmallEventsFetchAFullBatch", 5000, 16 << 20, 16 << 10, 16, fetchBatch},
		{"LargeEventsFetchWhatTheBytesHold", 5000, 16 << 20, 4 << 20, 4, 12},
		{"AtLeastOne", 5000, 16 << 20, 15 << 20, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fetchSize(tc.left, tc.maxBytes, tc.size, tc.read); got != tc.want {
				t.Errorf("fetchSize(%d, %d, %d, %d) = %d, want %d", tc.left, tc.maxBytes, tc.size, tc.read, got, tc.want)
			}
		})
	}
}
