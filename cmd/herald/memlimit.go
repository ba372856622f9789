package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
