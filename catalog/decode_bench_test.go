package catalog

import (
	"fmt"
	"strings"
	"testing"
)

// benchCatalog writes a catalog of n services, n events and n/4 flows, every
// field kind used at least once, as one file.
func benchCatalog(n int) []File {
	var b strings.Builder
	b.WriteString("teams:\n  - id: team\n    members: [a@example.com]\ndomains:\n  - id: dom\n    domains:\n      - id: sub\n")
	b.WriteString("services:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: svc-%d\n    domain: dom\n    owners: [team]\n    tags: [a, b]\n    external: false\n    sends: [ev-%d]\n    receives:\n      - event: ev-%d\n        fields: [a, b.c]\n", i, i, (i+1)%n)
	}
	b.WriteString("events:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: ev-%d\n    kind: event\n    subject: ev-%d-value\n    owners: [team]\n    examples:\n      - name: one\n        value: {a: 1, b: {c: x}}\n    deprecated: {date: 2026-01-01, replacement: ev-0}\n", i, i)
	}
	b.WriteString("flows:\n")
	for i := range n / 4 {
		fmt.Fprintf(&b, "  - id: flow-%d\n    steps:\n      - service: svc-%d\n        sends: ev-%d\n        next: [b, {step: b, when: ok}]\n      - id: b\n        service: svc-%d\n        receives: ev-%d\n", i, i, i, i, i)
	}
	return []File{{Name: "bench.yaml", Data: b.String()}}
}

func BenchmarkParseFiles(b *testing.B) {
	files := benchCatalog(200)
	b.ReportAllocs()
	b.SetBytes(int64(len(files[0].Data)))
	for b.Loop() {
		if _, _, err := ParseFiles(files); err != nil {
			b.Fatal(err)
		}
	}
}
