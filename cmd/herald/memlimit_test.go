package main

import (
	"errors"
	"math"
	"runtime/debug"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int64
	}{
		{"PlainBytes", "1048576", 1 << 20},
		{"MiB", "512MiB", 512 << 20},
		{"GiBWithSpace", "2 GiB", 2 << 30},
		{"DecimalMB", "1.5GB", 1500000000},
		{"Bytes", "100B", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseByteSize(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("parseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "lots", "-1MiB", "12XB", "1e30TiB", "NaN"} {
		t.Run("Rejects"+bad, func(t *testing.T) {
			if n, err := parseByteSize(bad); err == nil {
				t.Errorf("parseByteSize(%q) = %d, want an error", bad, n)
			}
		})
	}
}

// TestApplyMemoryLimit sets the runtime's limit, so it is not parallel and
// restores the limit it found.
func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	t.Run("FlagSetsRuntimeLimit", func(t *testing.T) {
		limit, from, err := applyMemoryLimit("256MiB")
		if err != nil || limit != 256<<20 || from != "--memory-limit" {
			t.Fatalf("applyMemoryLimit = %d, %q, %v", limit, from, err)
		}
		if got := debug.SetMemoryLimit(-1); got != 256<<20 {
			t.Errorf("runtime limit = %d, want %d", got, 256<<20)
		}
	})
	t.Run("EmptyFlagHonoursGOMEMLIMIT", func(t *testing.T) {
		t.Setenv("GOMEMLIMIT", "256MiB") // the runtime read it at start; the limit set above stands in for it
		limit, from, err := applyMemoryLimit("")
		if err != nil || limit != 256<<20 || from != "GOMEMLIMIT" {
			t.Fatalf("applyMemoryLimit = %d, %q, %v; want the limit in force, from GOMEMLIMIT", limit, from, err)
		}
	})
	t.Run("OffRemovesLimit", func(t *testing.T) {
		if limit, _, err := applyMemoryLimit("off"); err != nil || limit != math.MaxInt64 {
			t.Fatalf("applyMemoryLimit(off) = %d, %v", limit, err)
		}
		if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
			t.Errorf("runtime limit = %d, want none", got)
		}
	})
	t.Run("BadSizeIsUsageErrorAndChangesNothing", func(t *testing.T) {
		debug.SetMemoryLimit(1 << 30)
		_, _, err := applyMemoryLimit("a lot")
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage {
			t.Fatalf("applyMemoryLimit(a lot) = %v, want a usage error", err)
		}
		if got := debug.SetMemoryLimit(-1); got != 1<<30 {
			t.Errorf("runtime limit = %d after a bad flag, want it unchanged", got)
		}
	})
}

// TestIdleDetector checks when memory is returned: once, at the first quiet
// tick after ticks with collections; never while work goes on, never twice
// for one burst, never at start-up.
func TestIdleDetector(t *testing.T) {
	t.Parallel()
	d := idleDetector{cycles: 5}
	ticks := []struct {
		cycles uint64
		want   bool
	}{
		{5, false},  // quiet from the start
		{9, false},  // work
		{14, false}, // still working
		{14, true},  // quiet after work: return memory
		{14, false}, // still quiet: once is enough
		{15, false}, // a little work
		{15, true},  // quiet again
		{20, false},
		{27, false},
	}
	for i, tk := range ticks {
		if got := d.observe(tk.cycles); got != tk.want {
			t.Errorf("tick %d (cycles %d): release = %v, want %v", i, tk.cycles, got, tk.want)
		}
	}
}
