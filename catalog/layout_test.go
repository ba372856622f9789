package catalog

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// graph200 is a 200-node graph: 40 services, each sending 4 of 160 events
// that 3 other services receive, so the services form cycles and the layout
// has to break them.
func graph200() *Graph {
	g := &Graph{Scope: "bench"}
	for i := range 40 {
		g.Nodes = append(g.Nodes, Node{ID: fmt.Sprintf("service:s%d", i), Kind: NodeService, Label: fmt.Sprintf("Service %d", i), Rank: -1})
	}
	for i := range 160 {
		id := fmt.Sprintf("event:e%d", i)
		g.Nodes = append(g.Nodes, Node{ID: id, Kind: NodeEvent, Label: fmt.Sprintf("Event %d", i), Rank: -1})
		g.Edges = append(g.Edges, GraphEdge{From: fmt.Sprintf("service:s%d", i%40), To: id})
		for k := 1; k <= 3; k++ {
			g.Edges = append(g.Edges, GraphEdge{From: id, To: fmt.Sprintf("service:s%d", (i*7+k*13)%40)})
		}
	}
	return g
}

// checkLayout fails t unless l draws every node of g in its own box, inside
// the drawing, and every edge as horizontal and vertical segments that run
// from its source's box to its target's top without entering any box.
func checkLayout(t *testing.T, g *Graph, l *Layout) {
	t.Helper()
	if len(l.Nodes) != len(g.Nodes) {
		t.Fatalf("%d nodes placed, want %d", len(l.Nodes), len(g.Nodes))
	}
	byID := map[string]PlacedNode{}
	for i, a := range l.Nodes {
		byID[a.ID] = a
		if a.X < 0 || a.Y < 0 || a.X+a.W > l.Width || a.Y+a.H > l.Height {
			t.Errorf("%s at %d,%d+%dx%d is outside the %dx%d drawing", a.ID, a.X, a.Y, a.W, a.H, l.Width, l.Height)
		}
		for _, b := range l.Nodes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Errorf("%s and %s overlap", a.ID, b.ID)
			}
		}
	}
	for _, e := range l.Edges {
		p := e.Points
		if len(p) < 2 {
			t.Fatalf("edge %s→%s has %d points", e.From, e.To, len(p))
		}
		from, to := byID[e.From], byID[e.To]
		if last := p[len(p)-1]; last.Y != to.Y || last.X <= to.X || last.X >= to.X+to.W {
			t.Errorf("edge %s→%s ends at %v, not on its target's top", e.From, e.To, last)
		}
		if first := p[0]; (first.Y != from.Y && first.Y != from.Y+from.H) || first.X <= from.X || first.X >= from.X+from.W {
			t.Errorf("edge %s→%s starts at %v, not on its source's box", e.From, e.To, first)
		}
		for k := 1; k < len(p); k++ {
			a, b := p[k-1], p[k]
			if a.X != b.X && a.Y != b.Y {
				t.Errorf("edge %s→%s has a diagonal segment %v–%v", e.From, e.To, a, b)
			}
			for _, n := range l.Nodes {
				// The open box: a segment may touch its ends' borders.
				if min(a.X, b.X) < n.X+n.W && max(a.X, b.X) > n.X && min(a.Y, b.Y) < n.Y+n.H && max(a.Y, b.Y) > n.Y {
					t.Errorf("edge %s→%s: segment %v–%v passes through %s", e.From, e.To, a, b, n.ID)
				}
			}
		}
	}
}

func TestLayout200(t *testing.T) {
	t.Parallel()
	g := graph200()
	l := LayoutGraph(g)
	checkLayout(t, g, l)
	if l.Width > MaxWidth {
		t.Errorf("width %d, want at most %d", l.Width, MaxWidth)
	}
	naive := layoutGraph(g, 0)
	checkLayout(t, g, naive)
	if l.Crossings >= naive.Crossings {
		t.Errorf("%d crossings after the sweeps, want fewer than the %d of the input order", l.Crossings, naive.Crossings)
	}
	if l.sweeps > maxSweeps {
		t.Errorf("%d sweeps, want at most %d", l.sweeps, maxSweeps)
	}
	t.Logf("200 nodes: %dx%d, %d crossings (input order: %d), %d sweeps", l.Width, l.Height, l.Crossings, naive.Crossings, l.sweeps)
	if diff := cmp.Diff(l, LayoutGraph(graph200()), cmp.AllowUnexported(Layout{})); diff != "" {
		t.Errorf("the same graph laid out twice differs (-first +second):\n%s", diff)
	}
}

func TestLayoutRanksAndWrap(t *testing.T) {
	t.Parallel()
	// An event with 2 producers and 12 consumers: three layers, the consumers
	// wrapped onto rows of MaxColumns.
	g := &Graph{Nodes: []Node{{ID: "event:e", Kind: NodeEvent, Rank: 1}}}
	for i := range 2 {
		id := fmt.Sprintf("service:p%d", i)
		g.Nodes = append(g.Nodes, Node{ID: id, Kind: NodeService, Rank: 0})
		g.Edges = append(g.Edges, GraphEdge{From: id, To: "event:e", Label: "sends"})
	}
	for i := range 12 {
		id := fmt.Sprintf("service:c%02d", i)
		g.Nodes = append(g.Nodes, Node{ID: id, Kind: NodeService, Rank: 2})
		g.Edges = append(g.Edges, GraphEdge{From: "event:e", To: id, Label: "receives"})
	}
	l := LayoutGraph(g)
	checkLayout(t, g, l)
	rows := map[int]int{}
	for _, n := range l.Nodes {
		rows[n.Row]++
		if n.Layer != n.Rank {
			t.Errorf("%s is in layer %d, want its rank %d", n.ID, n.Layer, n.Rank)
		}
	}
	if diff := cmp.Diff(map[int]int{0: 2, 1: 1, 2: 5, 3: 5, 4: 2}, rows); diff != "" {
		t.Errorf("nodes per row (-want +got):\n%s", diff)
	}
	if l.Width != MaxWidth {
		t.Errorf("width %d, want %d", l.Width, MaxWidth)
	}
}

func TestLayoutBackEdgeGoesUp(t *testing.T) {
	t.Parallel()
	// a → b → c → a: the closing edge is drawn upwards.
	g := &Graph{}
	for _, id := range []string{"a", "b", "c"} {
		g.Nodes = append(g.Nodes, Node{ID: id, Rank: -1})
	}
	g.Edges = []GraphEdge{{From: "a", To: "b"}, {From: "b", To: "c"}, {From: "c", To: "a"}}
	l := LayoutGraph(g)
	checkLayout(t, g, l)
	var back []string
	for _, e := range l.Edges {
		if e.Back {
			back = append(back, e.From+"→"+e.To)
		}
	}
	if diff := cmp.Diff([]string{"c→a"}, back); diff != "" {
		t.Errorf("back edges (-want +got):\n%s", diff)
	}
}

func TestLayoutEmpty(t *testing.T) {
	t.Parallel()
	l := LayoutGraph(&Graph{})
	if l.Width <= 0 || l.Height <= 0 || len(l.Nodes) != 0 || len(l.Edges) != 0 {
		t.Errorf("empty layout = %+v", l)
	}
}

// BenchmarkLayout200 lays out graph200 (the benchmark of the earlier
// left-to-right layout used the same graph).
func BenchmarkLayout200(b *testing.B) {
	g := graph200()
	b.ReportAllocs()
	for b.Loop() {
		l := LayoutGraph(g)
		if len(l.Nodes) != 200 {
			b.Fatal("lost nodes")
		}
	}
}

func TestLayoutTightensLongEdges(t *testing.T) {
	t.Parallel()
	// a → b → c → d and x → d: x belongs right above d, not beside a with an
	// edge over three layers.
	g := &Graph{}
	for _, id := range []string{"a", "b", "c", "d", "x"} {
		g.Nodes = append(g.Nodes, Node{ID: id, Rank: -1})
	}
	g.Edges = []GraphEdge{{From: "a", To: "b"}, {From: "b", To: "c"}, {From: "c", To: "d"}, {From: "x", To: "d"}}
	l := LayoutGraph(g)
	checkLayout(t, g, l)
	layers := map[string]int{}
	for _, n := range l.Nodes {
		layers[n.ID] = n.Layer
	}
	if diff := cmp.Diff(map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "x": 2}, layers); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
}
