package registry_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/heraldhq/herald/compat"
	"github.com/heraldhq/herald/compat/jsonschema"
	"github.com/heraldhq/herald/registry"
)

// scaleSubjects is how many subjects BenchmarkRegisterAtScale spreads its
// schemas over, as cmd/herald's BenchmarkRSS100kSchemas does.
const scaleSubjects = 1000

// scaleSchema is the i-th distinct small JSON schema, in subject i % scaleSubjects.
func scaleSchema(i int) registry.RegisterRequest {
	return registry.RegisterRequest{
		Subject: fmt.Sprintf("scale-%04d-value", i%scaleSubjects),
		Type:    compat.JSON,
		Text:    fmt.Sprintf(`{"type":"object","properties":{"f%d":{"type":"string"},"n":{"type":"integer"}},"additionalProperties":false}`, i),
	}
}

// BenchmarkRegisterAtScale registers one new schema (level NONE) into a registry
// already holding n schemas over 1,000 subjects. The cost per registration must
// not grow with n: compare ns/op across the sub-benchmarks. Filling the registry
// is untimed.
func BenchmarkRegisterAtScale(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		b.Run(fmt.Sprintf("schemas=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := newService(b, registry.ServiceConfig{Formats: []compat.Format{jsonschema.New()}, DefaultCompatibility: compat.None})
			for i := range n {
				if _, err := s.Register(ctx, scaleSchema(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := n; b.Loop(); i++ {
				if _, err := s.Register(ctx, scaleSchema(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
