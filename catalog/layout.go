package catalog

import (
	"fmt"
	"sort"
)

// Layout sizes, in SVG user units.
const (
	NodeWidth  = 190
	NodeHeight = 46
	rankGap    = 90
	rowGap     = 22
	margin     = 16
)

// Layout is a Graph with coordinates: a left-to-right layered drawing. The same
// graph always gives the same layout.
type Layout struct {
	Width, Height int
	Nodes         []PlacedNode
	Edges         []PlacedEdge
}

// PlacedNode is a node with its box.
type PlacedNode struct {
	Node
	X, Y, W, H int
	// Layer and Row are the node's column and position in it, after ordering.
	Layer, Row int
}

// PlacedEdge is an edge with its SVG path and label position.
type PlacedEdge struct {
	GraphEdge
	// Path is the SVG path data of the edge, a cubic Bézier.
	Path           string
	LabelX, LabelY int
	// Back is true for an edge drawn right to left (it closes a cycle).
	Back bool
}

// LayoutGraph lays g out in layers: ranks from the extraction where given,
// otherwise by longest path (cycles broken at depth-first back edges in node
// order); order inside each layer by barycenter sweeps; then a grid.
func LayoutGraph(g *Graph) *Layout {
	n := len(g.Nodes)
	idx := make(map[string]int, n)
	for i, nd := range g.Nodes {
		idx[nd.ID] = i
	}
	succ := make([][]int, n)
	pred := make([][]int, n)
	for _, e := range g.Edges {
		f, ok1 := idx[e.From]
		t, ok2 := idx[e.To]
		if !ok1 || !ok2 || f == t {
			continue
		}
		succ[f] = append(succ[f], t)
		pred[t] = append(pred[t], f)
	}
	rank := ranks(g, succ)
	// Layers.
	maxRank := 0
	for _, r := range rank {
		maxRank = max(maxRank, r)
	}
	layers := make([][]int, maxRank+1)
	for i := range n {
		layers[rank[i]] = append(layers[rank[i]], i)
	}
	pos := make([]float64, n)
	for _, l := range layers {
		for j, v := range l {
			pos[v] = float64(j)
		}
	}
	bary := func(v int, nb [][]int) (float64, bool) {
		if len(nb[v]) == 0 {
			return 0, false
		}
		sum := 0.0
		for _, u := range nb[v] {
			sum += pos[u]
		}
		return sum / float64(len(nb[v])), true
	}
	reorder := func(l []int, nb [][]int) {
		key := make(map[int]float64, len(l))
		for _, v := range l {
			if b, ok := bary(v, nb); ok {
				key[v] = b
			} else {
				key[v] = pos[v]
			}
		}
		sort.SliceStable(l, func(i, j int) bool {
			if key[l[i]] != key[l[j]] {
				return key[l[i]] < key[l[j]]
			}
			return pos[l[i]] < pos[l[j]]
		})
		for j, v := range l {
			pos[v] = float64(j)
		}
	}
	for range 4 {
		for r := 1; r < len(layers); r++ {
			reorder(layers[r], pred)
		}
		for r := len(layers) - 2; r >= 0; r-- {
			reorder(layers[r], succ)
		}
	}
	// Grid.
	tallest := 0
	for _, l := range layers {
		tallest = max(tallest, len(l))
	}
	out := &Layout{Nodes: make([]PlacedNode, n)}
	colH := tallest*(NodeHeight+rowGap) - rowGap
	for r, l := range layers {
		h := len(l)*(NodeHeight+rowGap) - rowGap
		off := (colH - h) / 2
		for j, v := range l {
			out.Nodes[v] = PlacedNode{Node: g.Nodes[v], X: margin + r*(NodeWidth+rankGap), Y: margin + off + j*(NodeHeight+rowGap), W: NodeWidth, H: NodeHeight, Layer: r, Row: j}
		}
	}
	out.Width = 2*margin + len(layers)*(NodeWidth+rankGap) - rankGap
	out.Height = 2*margin + max(colH, NodeHeight) + 24
	if n == 0 {
		out.Width, out.Height = 2*margin, 2*margin
	}
	for _, e := range g.Edges {
		f, ok1 := idx[e.From]
		t, ok2 := idx[e.To]
		if !ok1 || !ok2 {
			continue
		}
		a, b := out.Nodes[f], out.Nodes[t]
		pe := PlacedEdge{GraphEdge: e}
		if b.Layer > a.Layer {
			x1, y1 := a.X+a.W, a.Y+a.H/2
			x2, y2 := b.X, b.Y+b.H/2
			dx := (x2 - x1) / 2
			pe.Path = fmt.Sprintf("M%d %dC%d %d,%d %d,%d %d", x1, y1, x1+dx, y1, x2-dx, y2, x2, y2)
			pe.LabelX, pe.LabelY = (x1+x2)/2, (y1+y2)/2-4
		} else {
			// Back or same-layer edge: leave from the bottom, arc below, enter from
			// the bottom.
			pe.Back = true
			x1, y1 := a.X+a.W/2, a.Y+a.H
			x2, y2 := b.X+b.W/2, b.Y+b.H
			low := max(y1, y2) + 28
			pe.Path = fmt.Sprintf("M%d %dC%d %d,%d %d,%d %d", x1, y1, x1, low, x2, low, x2, y2)
			pe.LabelX, pe.LabelY = (x1+x2)/2, low-2
			out.Height = max(out.Height, low+margin)
		}
		out.Edges = append(out.Edges, pe)
	}
	return out
}

// ranks returns each node's layer. Nodes with Rank >= 0 keep it (compacted); the
// others are ranked by longest path from the sources.
func ranks(g *Graph, succ [][]int) []int {
	n := len(g.Nodes)
	rank := make([]int, n)
	fixed := true
	for _, nd := range g.Nodes {
		if nd.Rank < 0 {
			fixed = false
			break
		}
	}
	if fixed {
		used := map[int]bool{}
		for i, nd := range g.Nodes {
			rank[i] = nd.Rank
			used[nd.Rank] = true
		}
		keys := make([]int, 0, len(used))
		for r := range used {
			keys = append(keys, r)
		}
		sort.Ints(keys)
		compact := map[int]int{}
		for i, r := range keys {
			compact[r] = i
		}
		for i := range rank {
			rank[i] = compact[rank[i]]
		}
		return rank
	}
	// Depth-first search in node order marks back edges; the rest is a DAG.
	state := make([]int8, n) // 0 new, 1 on stack, 2 done
	back := map[[2]int]bool{}
	order := make([]int, 0, n)
	var visit func(v int)
	visit = func(v int) {
		state[v] = 1
		for _, w := range succ[v] {
			switch state[w] {
			case 0:
				visit(w)
			case 1:
				back[[2]int{v, w}] = true
			}
		}
		state[v] = 2
		order = append(order, v)
	}
	// Start from sources first, so that flows begin on the left.
	indeg := make([]int, n)
	for v := range n {
		for _, w := range succ[v] {
			indeg[w]++
		}
	}
	for v := range n {
		if indeg[v] == 0 && state[v] == 0 {
			visit(v)
		}
	}
	for v := range n {
		if state[v] == 0 {
			visit(v)
		}
	}
	// order is a reverse topological order of the DAG.
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		for _, w := range succ[v] {
			if !back[[2]int{v, w}] && rank[w] < rank[v]+1 {
				rank[w] = rank[v] + 1
			}
		}
	}
	return rank
}
