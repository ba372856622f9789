package broker

import (
	"sync"
	"testing"
	"time"
)

// TestRecordPublishAllocs checks that counting a publish allocates nothing
// once the topic has its ring: it runs on every publish.
func TestRecordPublishAllocs(t *testing.T) {
	b := &Broker{now: time.Now}
	b.recordPublish("orders", 1, 0, 0)
	if n := testing.AllocsPerRun(1000, func() { b.recordPublish("orders", 100, 1, 2) }); n != 0 {
		t.Errorf("recordPublish allocates %v times per call, want 0", n)
	}
}

// TestRateRingConcurrentRollover checks that writers racing to claim a slot
// for a new minute lose no counts: the claimer zeroes the old minute's counts
// before anyone adds to the new one.
func TestRateRingConcurrentRollover(t *testing.T) {
	t.Parallel()
	r := &rateRing{}
	for i := range r.slots {
		r.slots[i].minute.Store(-1)
	}
	const writers, adds = 8, 500
	for _, m := range []int64{1000, 1000 + RateMinutes, 1000 + 2*RateMinutes} {
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range adds {
					r.add(m, 1, 2, 3)
				}
			}()
		}
		wg.Wait()
		if a, ref, d := r.read(m); a != writers*adds || ref != 2*writers*adds || d != 3*writers*adds {
			t.Fatalf("minute %d: %d %d %d, want %d %d %d", m, a, ref, d, writers*adds, 2*writers*adds, 3*writers*adds)
		}
		if a, _, _ := r.read(m - RateMinutes); a != 0 {
			t.Fatalf("the slot's previous minute reads %d, want 0", a)
		}
	}
	// A late count for a minute an hour older than its slot's is dropped.
	r.add(1000, 1, 0, 0)
	if a, _, _ := r.read(1000 + 2*RateMinutes); a != writers*adds {
		t.Errorf("a late count changed the current minute: %d", a)
	}
}

func BenchmarkRecordPublish(b *testing.B) {
	br := &Broker{now: time.Now}
	br.recordPublish("orders", 1, 0, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			br.recordPublish("orders", 100, 0, 0)
		}
	})
}
