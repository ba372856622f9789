package registry_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/avro"
	"github.com/heraldhq/herald/registry"
	"github.com/heraldhq/herald/registry/registrydb"
)

// TestConcurrentRegistrationOfOneSchema registers the same schema from many
// goroutines on a few subjects: one id in all, one version per subject.
func TestConcurrentRegistrationOfOneSchema(t *testing.T) {
	ctx, s := parallelService(t)
	const goroutines = 32
	subjects := []string{"a", "b", "c", ":.ctx:a"}
	text := avroRecord("R", fieldA)
	var wg sync.WaitGroup
	results := make([]registry.Schema, goroutines)
	errs := make([]error, goroutines)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.Register(ctx, avroReq(subjects[i%len(subjects)], text))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	for i, r := range results {
		if r.ID != 1 || r.Version != 1 {
			t.Fatalf("goroutine %d got id %d version %d, want 1 1", i, r.ID, r.Version)
		}
	}
	for _, sub := range subjects {
		vs, err := s.Versions(ctx, sub, registry.ListOptions{Deleted: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 {
			t.Fatalf("%s has versions %v, want one", sub, vs)
		}
	}
}

// TestConcurrentRegistrationAcrossServices runs two Services (two "processes")
// on one database file: the store's unique indexes and IMMEDIATE transactions keep
// ids and versions unique even without the shared mutex.
func TestConcurrentRegistrationAcrossServices(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	var services []*registry.Service
	for range 2 {
		st, err := registrydb.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := st.Close(); err != nil {
				t.Error(err)
			}
		})
		s, err := registry.New(st, registry.ServiceConfig{Formats: []compat.Format{avro.New()}, DefaultCompatibility: compat.None})
		if err != nil {
			t.Fatal(err)
		}
		services = append(services, s)
	}
	const goroutines = 16
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	ids := make([]int, goroutines)
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// half register one shared schema, half a distinct one, all on subject "s"
			text := avroRecord("R", fieldA)
			if i%2 == 1 {
				text = avroRecord(fmt.Sprintf("R%d", i), fieldA)
			}
			sc, err := services[i%2].Register(ctx, avroReq("s", text))
			errs[i], ids[i] = err, sc.ID
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("goroutine %d: %v", i, err)
		}
	}
	shared := ids[0]
	for i := 0; i < goroutines; i += 2 {
		if ids[i] != shared {
			t.Fatalf("shared schema got ids %d and %d", shared, ids[i])
		}
	}
	// Different schemas never share an id: each distinct one has its own,
	// none of them the shared schema's.
	seen := map[int]int{shared: 0}
	for i := 1; i < goroutines; i += 2 {
		if j, dup := seen[ids[i]]; dup {
			t.Fatalf("goroutines %d and %d registered different schemas and both got id %d", j, i, ids[i])
		}
		seen[ids[i]] = i
	}
	vs, err := services[0].Versions(ctx, "s", registry.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != goroutines/2+1 {
		t.Fatalf("versions = %v, want %d distinct schemas", vs, goroutines/2+1)
	}
	for i, v := range vs {
		if v != i+1 {
			t.Fatalf("versions = %v, want 1..n without gaps or duplicates", vs)
		}
	}
}
