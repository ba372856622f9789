package catalog_test

import (
	"fmt"
	"testing"

	"github.com/heraldhq/herald/catalog"
)

// BenchmarkLayout200 lays out a 200-node graph: 40 services, each sending 2 of
// 160 events that 3 other services receive.
func BenchmarkLayout200(b *testing.B) {
	g := &catalog.Graph{Scope: "bench"}
	for i := range 40 {
		g.Nodes = append(g.Nodes, catalog.Node{ID: fmt.Sprintf("service:s%d", i), Kind: catalog.NodeService, Label: fmt.Sprintf("Service %d", i), Rank: -1})
	}
	for i := range 160 {
		id := fmt.Sprintf("event:e%d", i)
		g.Nodes = append(g.Nodes, catalog.Node{ID: id, Kind: catalog.NodeEvent, Label: fmt.Sprintf("Event %d", i), Rank: -1})
		g.Edges = append(g.Edges, catalog.GraphEdge{From: fmt.Sprintf("service:s%d", i%40), To: id})
		for k := 1; k <= 3; k++ {
			g.Edges = append(g.Edges, catalog.GraphEdge{From: id, To: fmt.Sprintf("service:s%d", (i*7+k*13)%40)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		l := catalog.LayoutGraph(g)
		if len(l.Nodes) != 200 {
			b.Fatal("lost nodes")
		}
	}
}
