package catalog

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
)

// Layout sizes, in SVG user units.
const (
	NodeWidth  = 190
	NodeHeight = 46
	// MaxColumns is how many nodes one row holds: a longer layer wraps onto
	// several rows, so that a drawing is never wider than MaxWidth and its
	// labels stay legible at 1:1 in a page column.
	MaxColumns = 5
	// MaxWidth is the widest a layout gets.
	MaxWidth = 2*margin + MaxColumns*NodeWidth + (MaxColumns-1)*colGap
	// colGap is the gap between columns: the vertical lanes edges run in,
	// which no node ever occupies.
	colGap = 32
	// minChannel is the least height of the horizontal channel between two
	// rows, where edges turn; a busy channel grows by trackGap per track.
	minChannel = 40
	trackGap   = 6
	// laneSlots is how many parallel edges one lane holds before they share.
	laneSlots = 5
	margin    = 32
	// maxSweeps bounds the crossing reduction: each sweep is one pass down and
	// one up the layers.
	maxSweeps = 12
)

// Layout is a Graph with coordinates: a top-to-bottom layered drawing with
// orthogonal edges. The same graph always gives the same layout.
type Layout struct {
	Width, Height int
	Nodes         []PlacedNode
	Edges         []PlacedEdge
	// Crossings counts the edge crossings between adjacent layers of the
	// ordering the layout chose (long edges counted through every layer they
	// span).
	Crossings int
	// sweeps is how many crossing-reduction sweeps ran.
	sweeps int
}

// PlacedNode is a node with its box.
type PlacedNode struct {
	Node
	X, Y, W, H int
	// Layer is the node's layer; Row and Col its place in the drawing's grid
	// (a long layer spans several rows).
	Layer, Row, Col int
}

// Point is a point of an edge's route.
type Point struct{ X, Y int }

// PlacedEdge is an edge with its route and label position.
type PlacedEdge struct {
	GraphEdge
	// Points is the route: horizontal and vertical segments from the source's
	// box to the target's top, running between rows and between columns only.
	Points []Point
	// Path is Points as SVG path data.
	Path           string
	LabelX, LabelY int
	// Back is true for an edge drawn upwards (it closes a cycle, or joins two
	// nodes of one layer).
	Back bool
}

// LayoutGraph lays g out in layers, top to bottom: ranks from the extraction
// where given, otherwise by longest path (cycles broken at depth-first back
// edges in node order); the order inside each layer by barycentre sweeps over
// a graph where long edges pass through one dummy vertex per layer, keeping the
// order with the fewest crossings; layers longer than MaxColumns wrap onto
// several rows; edges run orthogonally in the channels between rows and the
// lanes between columns, so they never cross a node.
func LayoutGraph(g *Graph) *Layout {
	return layoutGraph(g, maxSweeps)
}

// ordering is the layered graph crossing reduction works on: the real nodes
// 0..n-1 and dummy vertices after them.
type ordering struct {
	layers   [][]int
	up, down [][]int // neighbours in the layer above and below
	pos      []int
	key      []float64 // reorder's sort keys, by vertex
}

func (o *ordering) vertex(layer int) int {
	v := len(o.pos)
	o.pos = append(o.pos, len(o.layers[layer]))
	o.layers[layer] = append(o.layers[layer], v)
	o.up = append(o.up, nil)
	o.down = append(o.down, nil)
	return v
}

func (o *ordering) link(a, b int) { // a is one layer above b
	o.down[a] = append(o.down[a], b)
	o.up[b] = append(o.up[b], a)
}

func layoutGraph(g *Graph, sweeps int) *Layout {
	n := len(g.Nodes)
	idx := make(map[string]int, n)
	for i, nd := range g.Nodes {
		idx[nd.ID] = i
	}
	succ := make([][]int, n)
	for _, e := range g.Edges {
		f, ok1 := idx[e.From]
		t, ok2 := idx[e.To]
		if ok1 && ok2 && f != t {
			succ[f] = append(succ[f], t)
		}
	}
	rank := ranks(g, succ)
	layerCount := 0
	for _, r := range rank {
		layerCount = max(layerCount, r+1)
	}
	o := &ordering{layers: make([][]int, layerCount)}
	for i := range n {
		o.vertex(rank[i])
	}
	seen := map[[2]int]bool{}
	for f := range n {
		for _, t := range succ[f] {
			lo, hi := f, t
			if rank[t] < rank[f] {
				lo, hi = t, f
			}
			if rank[lo] == rank[hi] || seen[[2]int{lo, hi}] {
				continue
			}
			seen[[2]int{lo, hi}] = true
			prev := lo
			for l := rank[lo] + 1; l < rank[hi]; l++ {
				d := o.vertex(l)
				o.link(prev, d)
				prev = d
			}
			o.link(prev, hi)
		}
	}
	out := &Layout{Nodes: make([]PlacedNode, n)}
	out.Crossings, out.sweeps = o.reduce(sweeps)
	rows := place(g, o, n, out)
	route(g, idx, rows, out)
	return out
}

// reduce orders the layers by barycentre sweeps, at most sweeps of them,
// stopping after two sweeps without a better order, and keeps the best order
// seen. It returns that order's crossing count and the sweeps it ran.
func (o *ordering) reduce(sweeps int) (best, done int) {
	best = o.crossings()
	saved := o.snapshot()
	stale := 0
	for ; done < sweeps && best > 0 && stale < 2; done++ {
		for l := 1; l < len(o.layers); l++ {
			o.reorder(o.layers[l], o.up)
		}
		for l := len(o.layers) - 2; l >= 0; l-- {
			o.reorder(o.layers[l], o.down)
		}
		if c := o.crossings(); c < best {
			best, saved, stale = c, o.snapshot(), 0
		} else {
			stale++
		}
	}
	o.restore(saved)
	return best, done
}

func (o *ordering) snapshot() [][]int {
	s := make([][]int, len(o.layers))
	for i, l := range o.layers {
		s[i] = append([]int(nil), l...)
	}
	return s
}

func (o *ordering) restore(s [][]int) {
	o.layers = s
	for _, l := range s {
		for j, v := range l {
			o.pos[v] = j
		}
	}
}

// reorder sorts one layer by the mean position of each vertex's neighbours
// in nb; a vertex without any keeps its position.
func (o *ordering) reorder(l []int, nb [][]int) {
	if len(o.key) < len(o.pos) {
		o.key = make([]float64, len(o.pos))
	}
	for _, v := range l {
		o.key[v] = float64(o.pos[v])
		if len(nb[v]) > 0 {
			sum := 0
			for _, u := range nb[v] {
				sum += o.pos[u]
			}
			o.key[v] = float64(sum) / float64(len(nb[v]))
		}
	}
	slices.SortFunc(l, func(a, b int) int {
		if c := cmp.Compare(o.key[a], o.key[b]); c != 0 {
			return c
		}
		return cmp.Compare(o.pos[a], o.pos[b])
	})
	for j, v := range l {
		o.pos[v] = j
	}
}

// crossings counts the pairs of edges that cross between adjacent layers: the
// inversions of the lower ends once edges are sorted by their upper ends,
// counted with a Fenwick tree.
func (o *ordering) crossings() int {
	total := 0
	type pair struct{ a, b int }
	var pairs []pair
	var tree []int
	for l := 0; l+1 < len(o.layers); l++ {
		pairs = pairs[:0]
		for _, u := range o.layers[l] {
			for _, w := range o.down[u] {
				pairs = append(pairs, pair{o.pos[u], o.pos[w]})
			}
		}
		slices.SortFunc(pairs, func(x, y pair) int {
			if c := cmp.Compare(x.a, y.a); c != 0 {
				return c
			}
			return cmp.Compare(x.b, y.b)
		})
		size := len(o.layers[l+1])
		tree = append(tree[:0], make([]int, size+1)...)
		for k, p := range pairs {
			// Earlier edges whose lower end is right of this one's cross it.
			le := 0
			for i := p.b + 1; i > 0; i -= i & -i {
				le += tree[i]
			}
			total += k - le
			for i := p.b + 1; i <= size; i += i & -i {
				tree[i]++
			}
		}
	}
	return total
}

// row is one row of the drawing: a layer, or a slice of a long one.
type row struct {
	nodes []int
	y     int
}

// place puts the real nodes of each layer, in order, into rows of at most
// MaxColumns slots, each node in the free slot nearest the mean column of its
// neighbours already placed; it fills out.Nodes' grid fields and returns the
// rows (their y is set by route).
func place(g *Graph, o *ordering, n int, out *Layout) []row {
	cols := 1
	for _, l := range o.layers {
		real := 0
		for _, v := range l {
			if v < n {
				real++
			}
		}
		cols = max(cols, min(real, MaxColumns))
	}
	// Neighbours among the real nodes, through the dummies.
	nb := make([][]int, n)
	end := func(v int, next [][]int) int {
		for v >= n {
			v = next[v][0]
		}
		return v
	}
	for v := range n {
		for _, w := range o.down[v] {
			u := end(w, o.down)
			nb[v] = append(nb[v], u)
			nb[u] = append(nb[u], v)
		}
	}
	placed := make([]bool, n)
	var rows []row
	for layer, l := range o.layers {
		var real []int
		for _, v := range l {
			if v < n {
				real = append(real, v)
			}
		}
		for start := 0; start < len(real); start += cols {
			chunk := real[start:min(start+cols, len(real))]
			r := len(rows)
			rows = append(rows, row{nodes: chunk})
			prev := -1
			for i, v := range chunk {
				want, count := 0.0, 0
				for _, u := range nb[v] {
					if placed[u] {
						want += float64(out.Nodes[u].Col)
						count++
					}
				}
				col := (cols-len(chunk))/2 + i
				if count > 0 {
					col = int(want/float64(count) + 0.5)
				}
				// Keep the order: after the previous node, and leave a slot
				// for each node still to come.
				col = max(col, prev+1)
				col = min(col, cols-len(chunk)+i)
				prev = col
				out.Nodes[v] = PlacedNode{Node: g.Nodes[v], X: margin + col*(NodeWidth+colGap), W: NodeWidth, H: NodeHeight, Layer: layer, Row: r, Col: col}
			}
			for _, v := range chunk {
				placed[v] = true
			}
		}
	}
	out.Width = 2*margin + cols*NodeWidth + (cols-1)*colGap
	return rows
}

// hseg is a horizontal piece of a route, in the channel above row channel.
type hseg struct {
	channel, lo, hi, track int
}

// edgeRoute is an edge's route before the channels and lanes have their
// coordinates.
type edgeRoute struct {
	edge   int
	from   int
	to     int
	down   bool // leaves the bottom of its source (else its top)
	first  int  // index of its first hseg
	second int  // index of its second hseg, -1 without a lane
	lane   int  // the gap between columns it runs down, -1 for none
	slot   int
	x1, x2 int // where it leaves its source and enters its target
}

// ports spreads the edges that meet one side of a node along that side, in
// the order of their other ends, so that they neither overlap nor cross
// there: edges leave a node's bottom going down, and enter its top (as do
// edges leaving it upwards).
func ports(routes []edgeRoute, out *Layout) {
	type end struct {
		route int
		from  bool // the route's source end
		other int  // the x of the node at the other end
	}
	cx := func(v int) int { return out.Nodes[v].X + NodeWidth/2 }
	bottom := make([][]end, len(out.Nodes))
	top := make([][]end, len(out.Nodes))
	for i, r := range routes {
		if r.down {
			bottom[r.from] = append(bottom[r.from], end{i, true, cx(r.to)})
		} else {
			top[r.from] = append(top[r.from], end{i, true, cx(r.to)})
		}
		top[r.to] = append(top[r.to], end{i, false, cx(r.from)})
	}
	for _, sides := range [][][]end{bottom, top} {
		for n, list := range sides {
			slices.SortStableFunc(list, func(a, b end) int { return cmp.Compare(a.other, b.other) })
			for k, e := range list {
				x := out.Nodes[n].X + NodeWidth*(k+1)/(len(list)+1)
				if e.from {
					routes[e.route].x1 = x
				} else {
					routes[e.route].x2 = x
				}
			}
		}
	}
	// A node right above another may put a leaving edge where another edge
	// enters the node below, and the two would read as one edge: move the
	// leaving one aside.
	type stub struct{ channel, x int }
	entering := map[stub]int{}
	for i, r := range routes {
		entering[stub{out.Nodes[r.to].Row, r.x2}] = i
	}
	for i := range routes {
		r := &routes[i]
		c := out.Nodes[r.from].Row
		if r.down {
			c++
		}
		if j, ok := entering[stub{c, r.x1}]; ok && j != i {
			r.x1 += portShift
		}
	}
}

// portShift is how far an edge leaving a node moves aside from one entering
// the node below.
const portShift = 10

// route gives every edge an orthogonal route and the rows their y, then
// writes out.Edges and out.Height.
func route(g *Graph, idx map[string]int, rows []row, out *Layout) {
	laneX := func(k int) int { return margin + k*(NodeWidth+colGap) - colGap/2 }
	routes := make([]edgeRoute, 0, len(g.Edges))
	for i, e := range g.Edges {
		f, ok1 := idx[e.From]
		t, ok2 := idx[e.To]
		if !ok1 || !ok2 || f == t {
			continue
		}
		routes = append(routes, edgeRoute{edge: i, from: f, to: t, down: out.Nodes[t].Row > out.Nodes[f].Row, second: -1, lane: -1})
	}
	ports(routes, out)
	segs := make([]hseg, 0, 2*len(routes))
	for i := range routes {
		r := &routes[i]
		rs, rt := out.Nodes[r.from].Row, out.Nodes[r.to].Row
		// Channel c lies above row c: an edge turns below its source's row
		// going down, above it going up, and enters its target from above.
		c1, c2 := rs, rt
		if r.down {
			c1 = rs + 1
		}
		x1, x2 := r.x1, r.x2
		if c1 != c2 {
			// Nearest gap to the middle of the two ends.
			mid := (x1 + x2) / 2
			k := (mid - margin + colGap/2 + (NodeWidth+colGap)/2) / (NodeWidth + colGap)
			r.lane = max(0, min(k, (out.Width-2*margin+colGap)/(NodeWidth+colGap)))
			lx := laneX(r.lane)
			r.first = len(segs)
			segs = append(segs, hseg{channel: c1, lo: min(x1, lx), hi: max(x1, lx)})
			r.second = len(segs)
			segs = append(segs, hseg{channel: c2, lo: min(lx, x2), hi: max(lx, x2)})
		} else {
			r.first = len(segs)
			segs = append(segs, hseg{channel: c1, lo: min(x1, x2), hi: max(x1, x2)})
		}
	}
	// Tracks: in each channel, overlapping pieces get different tracks.
	tracks := make([]int, len(rows)+1)
	order := make([]int, len(segs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(segs[a].channel, segs[b].channel); c != 0 {
			return c
		}
		return cmp.Compare(segs[a].lo, segs[b].lo)
	})
	var ends []int
	for k, i := range order {
		s := &segs[i]
		if k == 0 || segs[order[k-1]].channel != s.channel {
			ends = ends[:0]
		}
		t := 0
		for t < len(ends) && ends[t]+trackGap > s.lo {
			t++
		}
		if t == len(ends) {
			ends = append(ends, 0)
		}
		ends[t] = s.hi
		s.track = t
		tracks[s.channel] = max(tracks[s.channel], t+1)
	}
	// Rows and channels from the top.
	chanTop := make([]int, len(rows)+1)
	chanH := make([]int, len(rows)+1)
	y := margin
	for c := range chanH {
		if tracks[c] > 0 || (c > 0 && c < len(rows)) {
			chanH[c] = max(minChannel, (tracks[c]+1)*trackGap)
		}
		chanTop[c] = y
		y += chanH[c]
		if c < len(rows) {
			rows[c].y = y
			for _, v := range rows[c].nodes {
				out.Nodes[v].Y = y
			}
			y += NodeHeight
		}
	}
	out.Height = y + margin
	if len(out.Nodes) == 0 {
		out.Width, out.Height = 2*margin, 2*margin
	}
	trackY := func(s hseg) int {
		c := s.channel
		return chanTop[c] + (chanH[c]-(tracks[c]-1)*trackGap)/2 + s.track*trackGap
	}
	// Lane slots: edges that share a lane over overlapping heights get
	// different slots, as far as there are slots.
	type span struct{ route, lane, lo, hi int }
	var spans []span
	for i, r := range routes {
		if r.lane >= 0 {
			a, b := trackY(segs[r.first]), trackY(segs[r.second])
			spans = append(spans, span{i, r.lane, min(a, b), max(a, b)})
		}
	}
	slices.SortStableFunc(spans, func(a, b span) int {
		if c := cmp.Compare(a.lane, b.lane); c != 0 {
			return c
		}
		return cmp.Compare(a.lo, b.lo)
	})
	var slotEnd [laneSlots]int
	for k, sp := range spans {
		if k == 0 || spans[k-1].lane != sp.lane {
			slotEnd = [laneSlots]int{}
			for s := range slotEnd {
				slotEnd[s] = -1 << 30
			}
		}
		// The middle slot first, then outwards; when all are busy, the one
		// that frees first.
		best := laneSlots / 2
		for s := range laneSlots {
			if slotEnd[s] < slotEnd[best] || (slotEnd[s] == slotEnd[best] && abs(s-laneSlots/2) < abs(best-laneSlots/2)) {
				best = s
			}
		}
		routes[sp.route].slot = best
		slotEnd[best] = sp.hi + trackGap
	}
	out.Edges = make([]PlacedEdge, 0, len(routes))
	for _, r := range routes {
		a, b := out.Nodes[r.from], out.Nodes[r.to]
		x1, x2 := r.x1, r.x2
		y1 := a.Y + a.H
		if !r.down {
			y1 = a.Y
		}
		pts := make([]Point, 1, 6)
		pts[0] = Point{x1, y1}
		ty := trackY(segs[r.first])
		pts = append(pts, Point{x1, ty})
		if r.lane >= 0 {
			lx := laneX(r.lane) + (r.slot-laneSlots/2)*trackGap
			ty2 := trackY(segs[r.second])
			pts = append(pts, Point{lx, ty}, Point{lx, ty2})
			ty = ty2
		}
		pts = append(pts, Point{x2, ty}, Point{x2, b.Y})
		pts = simplify(pts)
		pe := PlacedEdge{GraphEdge: g.Edges[r.edge], Points: pts, Path: pathData(pts), Back: !r.down}
		// The label sits on the last horizontal piece, or beside the last leg
		// when there is none.
		last := len(pts) - 1
		if last >= 2 && pts[last-1].Y == pts[last-2].Y && pts[last-1].X != pts[last-2].X {
			pe.LabelX, pe.LabelY = (pts[last-1].X+pts[last-2].X)/2, pts[last-1].Y-3
		} else {
			pe.LabelX, pe.LabelY = x2, b.Y-minChannel/2
		}
		out.Edges = append(out.Edges, pe)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// simplify drops repeated points and the middle of three points in line.
// It works in place: it never writes ahead of what it reads.
func simplify(pts []Point) []Point {
	out := pts[:0]
	for _, p := range pts {
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		if k := len(out); k >= 2 {
			a, b := out[k-2], out[k-1]
			if (a.X == b.X && b.X == p.X) || (a.Y == b.Y && b.Y == p.Y) {
				out[k-1] = p
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

// pathData writes an orthogonal route as SVG path data.
func pathData(pts []Point) string {
	b := make([]byte, 0, 8*len(pts))
	for i, p := range pts {
		switch {
		case i == 0:
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(p.X), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(p.Y), 10)
		case p.X == pts[i-1].X:
			b = append(b, 'V')
			b = strconv.AppendInt(b, int64(p.Y), 10)
		case p.Y == pts[i-1].Y:
			b = append(b, 'H')
			b = strconv.AppendInt(b, int64(p.X), 10)
		default:
			b = append(b, 'L')
			b = strconv.AppendInt(b, int64(p.X), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(p.Y), 10)
		}
	}
	return string(b)
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
	tighten(rank, succ, back)
	// In a graph full of cycles the longest paths are long, and so are the
	// edges that skip along them; ranking by breadth-first distance keeps
	// every forward edge to one layer. Take whichever stretches edges less.
	if bfs := bfsRanks(succ); span(bfs, succ) < span(rank, succ) {
		return bfs
	}
	return rank
}

// span is the layers a ranking's edges cross in total; an edge inside one
// layer counts 2 (it is drawn over the row).
func span(rank []int, succ [][]int) int {
	total := 0
	for v, ws := range succ {
		for _, w := range ws {
			if d := abs(rank[w] - rank[v]); d > 0 {
				total += d
			} else {
				total += 2
			}
		}
	}
	return total
}

// bfsRanks ranks by breadth-first distance from the sources (in node order),
// then from the first node not yet reached, and so on.
func bfsRanks(succ [][]int) []int {
	n := len(succ)
	rank := make([]int, n)
	seen := make([]bool, n)
	indeg := make([]int, n)
	for _, ws := range succ {
		for _, w := range ws {
			indeg[w]++
		}
	}
	var queue []int
	run := func() {
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, w := range succ[v] {
				if !seen[w] {
					seen[w], rank[w] = true, rank[v]+1
					queue = append(queue, w)
				}
			}
		}
	}
	for v := range n {
		if indeg[v] == 0 {
			seen[v] = true
			queue = append(queue, v)
		}
	}
	run()
	for v := range n {
		if !seen[v] {
			seen[v] = true
			queue = append(queue, v)
			run()
		}
	}
	return rank
}

// rankPasses bounds tighten.
const rankPasses = 8

// tighten shortens the edges of a longest-path ranking, which pushes every
// node as far down as its longest path and so stretches edges over many
// layers (each layer an edge spans costs a dummy vertex in the ordering): each
// node moves to the median rank of its neighbours, within the ranks its
// forward edges allow, for a bounded number of passes; empty layers are then
// removed.
func tighten(rank []int, succ [][]int, back map[[2]int]bool) {
	n := len(rank)
	type adj struct{ nb, lo, hi []int }
	a := make([]adj, n)
	for v := range n {
		for _, w := range succ[v] {
			if v == w {
				continue
			}
			a[v].nb = append(a[v].nb, w)
			a[w].nb = append(a[w].nb, v)
			if !back[[2]int{v, w}] {
				a[v].hi = append(a[v].hi, w)
				a[w].lo = append(a[w].lo, v)
			}
		}
	}
	var ranks []int
	for range rankPasses {
		moved := false
		for v := range n {
			if len(a[v].nb) == 0 {
				continue
			}
			lo, hi := 0, 1<<30
			for _, u := range a[v].lo {
				lo = max(lo, rank[u]+1)
			}
			for _, u := range a[v].hi {
				hi = min(hi, rank[u]-1)
			}
			ranks = ranks[:0]
			for _, u := range a[v].nb {
				ranks = append(ranks, rank[u])
			}
			slices.Sort(ranks)
			want := max(lo, min(hi, ranks[(len(ranks)-1)/2]))
			if want != rank[v] {
				rank[v], moved = want, true
			}
		}
		if !moved {
			break
		}
	}
	used := map[int]int{}
	for _, r := range rank {
		used[r] = 0
	}
	keys := make([]int, 0, len(used))
	for r := range used {
		keys = append(keys, r)
	}
	slices.Sort(keys)
	for i, r := range keys {
		used[r] = i
	}
	for v := range rank {
		rank[v] = used[rank[v]]
	}
}
