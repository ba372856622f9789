package fakeclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/fakeclock"
)

func TestClockMovesOnlyWhenAdvanced(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := fakeclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now() = %v, want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Second) })
	}
	wg.Wait()
	c.Advance(-2 * time.Second)
	if got, want := c.Now(), start.Add(8*time.Second); !got.Equal(want) {
		t.Fatalf("after 10 × 1s and −2s, Now() = %v, want %v", got, want)
	}
}
