package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// byteUnits are the suffixes a memory size may carry, GOMEMLIMIT's binary ones
// and their decimal cousins, longest first so "MiB" is not read as "B".
var byteUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// parseByteSize reads a size such as 512MiB, 2GiB, 1.5GB or 1048576 (bytes).
func parseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	factor := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, factor = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.factor
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("%q is not a size: want a number of bytes, optionally with a unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB), such as 512MiB", s)
	}
	b := v * float64(factor)
	if b >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return int64(b), nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit from --memory-limit:
// near the limit the collector runs more often and returns freed memory to the
// system sooner, so a container's memory limit is not crossed by garbage that
// was merely not yet collected. An empty flag leaves the limit alone: the
// runtime has then already applied GOMEMLIMIT, if set. "off" or 0 removes any
// limit. It returns the limit in force (math.MaxInt64: none) and where it came
// from, for the start-up log.
func applyMemoryLimit(flag string) (limit int64, from string, err error) {
	switch strings.TrimSpace(flag) {
	case "":
		if env := os.Getenv("GOMEMLIMIT"); env != "" {
			return debug.SetMemoryLimit(-1), "GOMEMLIMIT", nil
		}
		return debug.SetMemoryLimit(-1), "default", nil
	case "off", "0":
		debug.SetMemoryLimit(math.MaxInt64)
		return math.MaxInt64, "--memory-limit", nil
	}
	n, err := parseByteSize(flag)
	if err != nil {
		return 0, "", usageErrorf("--memory-limit: %v", err)
	}
	debug.SetMemoryLimit(n)
	return n, "--memory-limit", nil
}

// After a burst of work (a bulk import, thousands of registrations) the heap
// holds garbage the collector has not yet been asked to collect: an idle
// process allocates nothing, so it runs no collection for up to two minutes,
// and the runtime then returns freed pages to the system only gradually. A
// server that has gone quiet should give that memory back promptly, so a
// container's footprint follows its work.

// idleReturnEvery is how often returnMemoryWhenIdle looks: memory comes back
// between one and two periods after the work stops.
const idleReturnEvery = 20 * time.Second

// idleDetector decides, from the number of completed GC cycles seen at each
// tick, when the process has just gone idle after work: a tick that saw
// collections followed by one that saw none.
type idleDetector struct {
	cycles uint64
	busy   bool
}

// observe records the GC cycle count at a tick and reports whether to return
// memory now.
func (d *idleDetector) observe(cycles uint64) bool {
	active := cycles != d.cycles
	d.cycles = cycles
	release := d.busy && !active
	d.busy = active
	return release
}

// returnMemoryWhenIdle forces a collection and returns freed memory to the
// system each time the process goes idle after work, until ctx ends.
func returnMemoryWhenIdle(ctx context.Context, every time.Duration, log *slog.Logger) {
	sample := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	d := idleDetector{cycles: read()}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if d.observe(read()) {
			debug.FreeOSMemory()
			d.cycles = read() // the forced collection is not work
			log.Debug("idle: returned freed memory to the system")
		}
	}
}
