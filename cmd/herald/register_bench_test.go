package main

import (
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var (
	baselineHerald = flag.String("baseline-herald", "", "BenchmarkRegisterBesideBaseline: a herald binary built from an earlier commit (make bench-register builds one)")
	registerCount  = flag.Int("register-schemas", 20000, "BenchmarkRegisterBesideBaseline: schemas registered per round")
	registerRounds = flag.Int("register-rounds", 3, "BenchmarkRegisterBesideBaseline: rounds, each registering on the baseline and on this build")
)

// BenchmarkRegisterBesideBaseline measures registration throughput over HTTP
// on this build beside a baseline binary (-baseline-herald), the same workload
// as BenchmarkRSS100kSchemas (realistic mixed schemas, -schema-clients
// concurrent clients, level NONE, a fresh database each time), alternating
// the two binaries round by round so that a busy machine slows both alike. It
// reports both rates and their ratio (this build / baseline) per round and
// their median. Without -baseline-herald it skips.
func BenchmarkRegisterBesideBaseline(b *testing.B) {
	skipWithoutProc(b)
	if *baselineHerald == "" {
		b.Skip("no -baseline-herald: build a herald from an earlier commit and pass its path (make bench-register BASE=<rev>)")
	}
	if *registerCount < 1 || *registerRounds < 1 || *schemaClients < 1 {
		b.Fatalf("-register-schemas=%d -register-rounds=%d -schema-clients=%d: want positive numbers", *registerCount, *registerRounds, *schemaClients)
	}
	bin := buildHerald(b)
	rate := func(bin, name string) float64 {
		p := startMeasured(b, bin, filepath.Join(b.TempDir(), name+".db"))
		defer p.stop(b)
		p.send(b, http.MethodPut, "/config", `{"compatibility":"NONE"}`)
		p.registerCommon(b)
		start := time.Now()
		ids, _ := p.registerMany(b, *registerCount, *schemaClients)
		return float64(len(ids)) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	var ratios, heres, bases []float64
	for i := range b.N * *registerRounds {
		// Alternate which goes first, so neither always meets a warmer
		// machine (page cache, CPU frequency).
		var here, base float64
		if i%2 == 0 {
			base = rate(*baselineHerald, fmt.Sprintf("base%d", i))
			here = rate(bin, fmt.Sprintf("here%d", i))
		} else {
			here = rate(bin, fmt.Sprintf("here%d", i))
			base = rate(*baselineHerald, fmt.Sprintf("base%d", i))
		}
		b.Logf("round %d: %d schemas, this build %.0f/s, baseline %.0f/s, ratio %.3f", i+1, *registerCount, here, base, here/base)
		heres, bases, ratios = append(heres, here), append(bases, base), append(ratios, here/base)
	}
	b.StopTimer()
	b.ReportMetric(median(heres), "schemas/s")
	b.ReportMetric(median(bases), "baseline-schemas/s")
	b.ReportMetric(median(ratios), "ratio")
}

// median is the middle of xs (the mean of the two middle ones for an even
// count); xs is sorted in place.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
