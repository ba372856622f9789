package registrydb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver gorm's sqlite dialector uses, for the raw baseline

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
	"github.com/heraldhq/herald/registry/registrytest"
)

// record50 is a 50-field Avro record; version picks the last field's default so
// every version is distinct and compatible with every other.
func record50(version int) string {
	var b strings.Builder
	b.WriteString(`{"type":"record","name":"Event","namespace":"com.acme","fields":[`)
	for i := range 49 {
		typ := []string{`"string"`, `"int"`, `"long"`, `"double"`, `"boolean"`, `["null","string"]`}[i%6]
		def := []string{`""`, `0`, `0`, `0.0`, `false`, `null`}[i%6]
		fmt.Fprintf(&b, `{"name":"f%d","type":%s,"default":%s},`, i, typ, def)
	}
	fmt.Fprintf(&b, `{"name":"rev","type":"int","default":%d}]}`, version)
	return b.String()
}

// reportPercentiles reports p50 and p99 of the timed operations in milliseconds.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(ds[len(ds)/2]), "p50-ms")
	b.ReportMetric(ms(ds[len(ds)*99/100]), "p99-ms")
}

// BenchmarkRegisterBackwardTransitive registers a new version of a 50-field Avro
// record under BACKWARD_TRANSITIVE with 100 live versions before it (budget: p50 <
// 5 ms), on SQLite and, when one is reachable, on PostgreSQL. After each timed
// registration the new version is soft-deleted, untimed, so every iteration
// checks against the same 100 versions.
func BenchmarkRegisterBackwardTransitive(b *testing.B) {
	onEachEngine(b, benchRegister)
}

// onEachEngine runs bench on a fresh store of each engine: SQLite always,
// PostgreSQL when one is reachable. bench closes the store.
func onEachEngine(b *testing.B, bench func(b *testing.B, st *registrydb.Store)) {
	ctx := context.Background()
	b.Run("SQLite", func(b *testing.B) {
		st, err := registrydb.Open(ctx, filepath.Join(b.TempDir(), "r.db"))
		if err != nil {
			b.Fatal(err)
		}
		bench(b, st)
	})
	b.Run("PostgreSQL", func(b *testing.B) {
		st, err := registrydb.OpenPostgres(ctx, registrytest.PostgresURL(b))
		if err != nil {
			b.Fatal(err)
		}
		bench(b, st)
	})
}

func benchRegister(b *testing.B, st *registrydb.Store) {
	ctx := context.Background()
	closeAtEnd(b, st)
	s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}, DefaultCompatibility: compat.BackwardTransitive})
	if err != nil {
		b.Fatal(err)
	}
	for v := range 100 {
		if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "events-value", Text: record50(v)}); err != nil {
			b.Fatal(err)
		}
	}
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := registry.RegisterRequest{Subject: "events-value", Text: record50(1000 + i)}
		start := time.Now()
		sc, err := s.Register(ctx, req)
		ds = append(ds, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if _, err := s.DeleteVersion(ctx, "events-value", sc.Version, false); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	reportPercentiles(b, ds)
}

// BenchmarkRawSQLiteInsert is the baseline for BenchmarkRegisterBackwardTransitive:
// one transaction inserting one row with the same schema text, on a database with
// the same pragmas, through database/sql and no ORM.
func BenchmarkRawSQLiteInsert(b *testing.B) {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=10000&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			b.Error(err)
		}
	}()
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	text := record50(0)
	ds := make([]time.Duration, 0, b.N)
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t(id, text) VALUES (?, ?)`, i+1, text); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	reportPercentiles(b, ds)
}

// BenchmarkRegisterNewSubject registers a small new schema under a new subject
// (no previous version, no check): the per-registration cost of the store
// itself, on SQLite and, when one is reachable, on PostgreSQL.
func BenchmarkRegisterNewSubject(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, st *registrydb.Store) {
		closeAtEnd(b, st)
		s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}})
		if err != nil {
			b.Fatal(err)
		}
		ds := make([]time.Duration, 0, b.N)
		for i := 0; b.Loop(); i++ {
			text := `{"type":"record","name":"R` + strconv.Itoa(i) + `","fields":[{"name":"a","type":"string"}]}`
			start := time.Now()
			if _, err := s.Register(ctx, registry.RegisterRequest{Subject: "s" + strconv.Itoa(i), Text: text}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		reportPercentiles(b, ds)
	}
	onEachEngine(b, run)
}
