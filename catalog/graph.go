package catalog

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Node kinds in a Graph.
const (
	NodeService = "service"
	NodeEvent   = "event"
	NodeGroup   = "group"
)

// Node is a node of a Graph: a service, an event (command, query) or a group of
// collapsed neighbours.
type Node struct {
	// ID is unique in the graph ("service:order-service", "event:order-placed").
	ID string `json:"id"`
	// Kind is service, event or group.
	Kind string `json:"kind"`
	// Entity is the catalog id the node stands for (for a group: the node whose
	// neighbours it collapses).
	Entity string `json:"entity"`
	// Label is what the node shows.
	Label string `json:"label"`
	// Sub is a second line: the message kind, "external", "deprecated", a count.
	Sub string `json:"sub,omitempty"`
	// Classes are style hints: event, command, query, external, deprecated,
	// unknown, focus, outside.
	Classes []string `json:"classes,omitempty"`
	// Rank is the layer the extraction asked for; -1 lets the layout decide.
	Rank int `json:"rank"`
}

// GraphEdge is a directed edge of a Graph.
type GraphEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Label string `json:"label,omitempty"`
	// State is declared, observed or both for lineage edges, "flow" for a flow
	// transition, "group" into a collapsed group.
	State string `json:"state"`
}

// Graph is a scoped view of the catalog: nodes and edges, before layout.
type Graph struct {
	Scope string      `json:"scope"`
	Nodes []Node      `json:"nodes"`
	Edges []GraphEdge `json:"edges"`
	// Collapsed are the edges hidden by fan-out collapse (the nodes at their far
	// end are not in Nodes); tables list them.
	Collapsed []GraphEdge `json:"collapsed,omitempty"`
	// Labels names every node, collapsed ones included, by node id.
	Labels map[string]string `json:"-"`
}

// MaxFanOut is how many leaf neighbours a node shows on one side before the rest
// are collapsed into a group node.
const MaxFanOut = 8

type graphBuilder struct {
	g     Graph
	index map[string]int
	edges map[[2]string]int
}

func newGraphBuilder(scope string) *graphBuilder {
	return &graphBuilder{g: Graph{Scope: scope, Nodes: []Node{}, Edges: []GraphEdge{}}, index: map[string]int{}, edges: map[[2]string]int{}}
}

func (b *graphBuilder) node(n Node) string {
	if i, ok := b.index[n.ID]; ok {
		if n.Rank >= 0 && (b.g.Nodes[i].Rank < 0 || n.Rank < b.g.Nodes[i].Rank) {
			b.g.Nodes[i].Rank = n.Rank
		}
		return n.ID
	}
	b.index[n.ID] = len(b.g.Nodes)
	b.g.Nodes = append(b.g.Nodes, n)
	return n.ID
}

func (b *graphBuilder) edge(e GraphEdge) {
	k := [2]string{e.From, e.To}
	if i, ok := b.edges[k]; ok {
		cur := &b.g.Edges[i]
		if cur.State != e.State && cur.State != "flow" {
			cur.State = "both"
		}
		if cur.Label == "" {
			cur.Label = e.Label
		}
		return
	}
	b.edges[k] = len(b.g.Edges)
	b.g.Edges = append(b.g.Edges, e)
}

func (sn *snapshot) serviceNode(id string, rank int) Node {
	n := Node{ID: "service:" + id, Kind: NodeService, Entity: id, Label: id, Rank: rank}
	if a, ok := sn.services[id]; ok {
		n.Label = DisplayName(a.Name, a.ID)
		if a.External {
			n.Classes = append(n.Classes, "external")
			n.Sub = "external"
		} else {
			n.Sub = "service"
		}
	} else {
		n.Classes = append(n.Classes, "unknown")
		n.Sub = "undeclared client"
	}
	return n
}

func (sn *snapshot) eventNode(id string, rank int) Node {
	n := Node{ID: "event:" + id, Kind: NodeEvent, Entity: id, Label: id, Rank: rank}
	if e, ok := sn.events[id]; ok {
		n.Label = DisplayName(e.Name, e.ID)
		n.Sub = e.Kind.String()
		n.Classes = append(n.Classes, e.Kind.String())
		if e.Deprecated != nil {
			n.Classes = append(n.Classes, "deprecated")
			n.Sub += " · deprecated"
		}
	}
	return n
}

// Graph extracts the graph of a scope: "event:ID", "service:ID", "domain:ID" or
// "flow:ID". Large fan-outs are collapsed into group nodes.
// Errors: ErrBadRequest (unknown scope kind), ErrNotFound.
func (s *Service) Graph(ctx context.Context, scope string) (*Graph, error) {
	g, err := s.extract(ctx, scope)
	if err != nil {
		return nil, err
	}
	collapse(g, MaxFanOut)
	return g, nil
}

// MaxFocusDepth is the widest neighbourhood GraphFocus draws: beyond two
// steps a neighbourhood is most of a catalog.
const MaxFocusDepth = 2

// GraphFocus is the graph of scope narrowed to node focus (a node id such as
// "service:order-service") and the nodes at most depth edges away from it, in
// either direction; depth is 1 or 2. Large fan-outs are collapsed as in Graph,
// except around the focused node.
// Errors: ErrBadRequest (bad scope or depth), ErrNotFound (no such scope, or
// focus is not a node of its graph).
func (s *Service) GraphFocus(ctx context.Context, scope, focus string, depth int) (*Graph, error) {
	if depth < 1 || depth > MaxFocusDepth {
		return nil, fmt.Errorf("focus depth %d: want 1 or %d: %w", depth, MaxFocusDepth, ErrBadRequest)
	}
	g, err := s.extract(ctx, scope)
	if err != nil {
		return nil, err
	}
	if err := narrow(g, focus, depth); err != nil {
		return nil, err
	}
	collapse(g, MaxFanOut)
	return g, nil
}

// narrow keeps the nodes of g at most depth edges from node focus, and the
// edges between them; focus gets the "focus" class (so collapse keeps it).
func narrow(g *Graph, focus string, depth int) error {
	at := -1
	for i, n := range g.Nodes {
		if n.ID == focus {
			at = i
		}
	}
	if at < 0 {
		return fmt.Errorf("node %q in the graph of %s: %w", focus, g.Scope, ErrNotFound)
	}
	if !slices.Contains(g.Nodes[at].Classes, "focus") {
		g.Nodes[at].Classes = append(g.Nodes[at].Classes, "focus")
	}
	near := map[string][]string{}
	for _, e := range g.Edges {
		near[e.From] = append(near[e.From], e.To)
		near[e.To] = append(near[e.To], e.From)
	}
	dist := map[string]int{focus: 0}
	frontier := []string{focus}
	for d := 1; d <= depth; d++ {
		var next []string
		for _, v := range frontier {
			for _, w := range near[v] {
				if _, ok := dist[w]; !ok {
					dist[w] = d
					next = append(next, w)
				}
			}
		}
		frontier = next
	}
	nodes := g.Nodes[:0]
	for _, n := range g.Nodes {
		if _, ok := dist[n.ID]; ok {
			nodes = append(nodes, n)
		}
	}
	g.Nodes = nodes
	edges := g.Edges[:0]
	for _, e := range g.Edges {
		_, a := dist[e.From]
		_, b := dist[e.To]
		if a && b {
			edges = append(edges, e)
		}
	}
	g.Edges = edges
	return nil
}

// extract builds the graph of a scope, before collapse.
func (s *Service) extract(ctx context.Context, scope string) (*Graph, error) {
	kind, id, ok := strings.Cut(scope, ":")
	if !ok {
		return nil, fmt.Errorf("graph scope %q: want event:ID, service:ID, domain:ID or flow:ID: %w", scope, ErrBadRequest)
	}
	sn := s.snapshot()
	var g *Graph
	switch kind {
	case "event":
		if _, ok := sn.events[id]; !ok {
			return nil, fmt.Errorf("event %q: %w", id, ErrNotFound)
		}
		g = eventGraph(sn, id, s.edges(ctx, sn)[id])
	case "service":
		if _, ok := sn.services[id]; !ok {
			return nil, fmt.Errorf("service %q: %w", id, ErrNotFound)
		}
		g = s.serviceGraph(ctx, sn, id)
	case "domain":
		if _, ok := sn.domains[id]; !ok {
			return nil, fmt.Errorf("domain %q: %w", id, ErrNotFound)
		}
		g = s.domainGraph(ctx, sn, id)
	case "flow":
		f, ok := sn.flows[id]
		if !ok {
			return nil, fmt.Errorf("flow %q: %w", id, ErrNotFound)
		}
		g = flowGraph(sn, f)
	default:
		return nil, fmt.Errorf("graph scope %q: want event:ID, service:ID, domain:ID or flow:ID: %w", scope, ErrBadRequest)
	}
	return g, nil
}

// eventGraph is the graph of event id with its edges (declared and observed).
func eventGraph(sn *snapshot, id string, edges []Edge) *Graph {
	b := newGraphBuilder("event:" + id)
	ev := sn.eventNode(id, 1)
	ev.Classes = append(ev.Classes, "focus")
	b.node(ev)
	for _, e := range edges {
		if e.Action == Sends {
			from := b.node(sn.serviceNode(e.Service, 0))
			b.edge(GraphEdge{From: from, To: ev.ID, Label: "sends", State: e.State()})
		} else {
			to := b.node(sn.serviceNode(e.Service, 2))
			b.edge(GraphEdge{From: ev.ID, To: to, Label: "receives", State: e.State()})
		}
	}
	return &b.g
}

func (s *Service) serviceGraph(ctx context.Context, sn *snapshot, id string) *Graph {
	b := newGraphBuilder("service:" + id)
	me := sn.serviceNode(id, 2)
	me.Classes = append(me.Classes, "focus")
	b.node(me)
	all := s.edges(ctx, sn)
	for _, ev := range sn.doc.Events {
		list := all[ev.ID]
		var mine *Edge
		for i := range list {
			if list[i].Service == id {
				mine = &list[i]
				if mine.Action == Sends {
					en := b.node(sn.eventNode(ev.ID, 3))
					b.edge(GraphEdge{From: me.ID, To: en, Label: "sends", State: mine.State()})
					for _, o := range list {
						if o.Action == Receives && o.Service != id {
							b.edge(GraphEdge{From: en, To: b.node(sn.serviceNode(o.Service, 4)), Label: "receives", State: o.State()})
						}
					}
				} else {
					en := b.node(sn.eventNode(ev.ID, 1))
					b.edge(GraphEdge{From: en, To: me.ID, Label: "receives", State: mine.State()})
					for _, o := range list {
						if o.Action == Sends && o.Service != id {
							b.edge(GraphEdge{From: b.node(sn.serviceNode(o.Service, 0)), To: en, Label: "sends", State: o.State()})
						}
					}
				}
			}
		}
	}
	return &b.g
}

// domainMembers returns the domain and its subdomains.
func (sn *snapshot) domainMembers(id string) map[string]bool {
	set := map[string]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, d := range sn.doc.Domains {
			if set[d.Parent] && !set[d.ID] {
				set[d.ID] = true
				changed = true
			}
		}
	}
	return set
}

func (s *Service) domainGraph(ctx context.Context, sn *snapshot, id string) *Graph {
	b := newGraphBuilder("domain:" + id)
	members := sn.domainMembers(id)
	inDomain := map[string]bool{}
	for _, a := range sn.doc.Services {
		if members[a.Domain] {
			inDomain[a.ID] = true
		}
	}
	all := s.edges(ctx, sn)
	for _, ev := range sn.doc.Events {
		list := all[ev.ID]
		touches := members[ev.Domain]
		for _, e := range list {
			if inDomain[e.Service] {
				touches = true
			}
		}
		if !touches {
			continue
		}
		en := b.node(sn.eventNode(ev.ID, -1))
		if !members[ev.Domain] {
			b.g.Nodes[b.index[en]].Classes = append(b.g.Nodes[b.index[en]].Classes, "outside")
		}
		for _, e := range list {
			sv := sn.serviceNode(e.Service, -1)
			if !inDomain[e.Service] {
				sv.Classes = append(sv.Classes, "outside")
			}
			sid := b.node(sv)
			if e.Action == Sends {
				b.edge(GraphEdge{From: sid, To: en, Label: "sends", State: e.State()})
			} else {
				b.edge(GraphEdge{From: en, To: sid, Label: "receives", State: e.State()})
			}
		}
	}
	for _, a := range sn.doc.Services {
		if inDomain[a.ID] {
			b.node(sn.serviceNode(a.ID, -1))
		}
	}
	return &b.g
}

// flowGraph draws a flow: one node per service and per event, in step order; the
// labels of branches sit on the edge into the branch's step.
func flowGraph(sn *snapshot, f *Flow) *Graph {
	b := newGraphBuilder("flow:" + f.ID)
	labels := map[string]string{}
	for i := range f.Steps {
		succ := f.Successors(i)
		if len(succ) > 1 || len(f.Steps[i].Next) > 0 {
			for _, br := range succ {
				if br.Label != "" {
					labels[br.Step] = br.Label
				}
			}
		}
	}
	for _, st := range f.Steps {
		sv := b.node(sn.serviceNode(st.Service, -1))
		ev := b.node(sn.eventNode(st.Event, -1))
		label := st.Action.String()
		if l := labels[st.ID]; l != "" {
			label = l + " · " + label
		}
		if st.Action == Sends {
			b.edge(GraphEdge{From: sv, To: ev, Label: label, State: "flow"})
		} else {
			b.edge(GraphEdge{From: ev, To: sv, Label: label, State: "flow"})
		}
	}
	return &b.g
}

// collapse replaces, for each node, the leaf neighbours beyond limit on one side
// with a group node.
func collapse(g *Graph, limit int) {
	in, out := map[string]int{}, map[string]int{}
	for _, e := range g.Edges {
		out[e.From]++
		in[e.To]++
	}
	byID := map[string]*Node{}
	g.Labels = map[string]string{}
	for i := range g.Nodes {
		byID[g.Nodes[i].ID] = &g.Nodes[i]
		g.Labels[g.Nodes[i].ID] = g.Nodes[i].Label
	}
	remove := map[string]bool{}
	var groups []Node
	var groupEdges []GraphEdge
	for _, n := range g.Nodes {
		var succ, pred []string
		for _, e := range g.Edges {
			if e.From == n.ID && in[e.To] == 1 && out[e.To] == 0 && !strings.Contains(strings.Join(byID[e.To].Classes, " "), "focus") {
				succ = append(succ, e.To)
			}
			if e.To == n.ID && out[e.From] == 1 && in[e.From] == 0 && !strings.Contains(strings.Join(byID[e.From].Classes, " "), "focus") {
				pred = append(pred, e.From)
			}
		}
		for side, list := range [][]string{succ, pred} {
			if len(list) <= limit {
				continue
			}
			sort.Slice(list, func(i, j int) bool { return byID[list[i]].Label < byID[list[j]].Label })
			hidden := list[limit-1:]
			kind := byID[hidden[0]].Kind
			rank := byID[hidden[0]].Rank
			for _, h := range hidden {
				remove[h] = true
			}
			gid := fmt.Sprintf("group:%s:%d", n.ID, side)
			noun := kind + "s"
			groups = append(groups, Node{ID: gid, Kind: NodeGroup, Entity: n.Entity, Label: fmt.Sprintf("+%d more %s", len(hidden), noun), Sub: "see the table", Classes: []string{"group"}, Rank: rank})
			if side == 0 {
				groupEdges = append(groupEdges, GraphEdge{From: n.ID, To: gid, State: "group"})
			} else {
				groupEdges = append(groupEdges, GraphEdge{From: gid, To: n.ID, State: "group"})
			}
		}
	}
	if len(remove) == 0 {
		return
	}
	nodes := g.Nodes[:0]
	for _, n := range g.Nodes {
		if !remove[n.ID] {
			nodes = append(nodes, n)
		}
	}
	g.Nodes = append(nodes, groups...)
	edges := g.Edges[:0]
	for _, e := range g.Edges {
		if !remove[e.From] && !remove[e.To] {
			edges = append(edges, e)
		} else {
			g.Collapsed = append(g.Collapsed, e)
		}
	}
	g.Edges = append(edges, groupEdges...)
}

// Mermaid renders g as a Mermaid flowchart. href gives each node's link ("" for
// none).
func Mermaid(g *Graph, href func(Node) string) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
		label := mermaidText(n.Label)
		switch n.Kind {
		case NodeEvent:
			fmt.Fprintf(&b, "  n%d([\"%s\"])\n", i, label)
		case NodeGroup:
			fmt.Fprintf(&b, "  n%d{{\"%s\"}}\n", i, label)
		default:
			fmt.Fprintf(&b, "  n%d[\"%s\"]\n", i, label)
		}
	}
	for _, e := range g.Edges {
		arrow := "-->"
		if e.State == "observed" {
			arrow = "-.->"
		}
		if e.Label != "" {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", ids[e.From], arrow, mermaidText(e.Label), ids[e.To])
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", ids[e.From], arrow, ids[e.To])
		}
	}
	for i, n := range g.Nodes {
		fmt.Fprintf(&b, "  class n%d %s\n", i, n.Kind)
		if href != nil {
			if h := href(n); h != "" {
				fmt.Fprintf(&b, "  click n%d \"%s\"\n", i, mermaidText(h))
			}
		}
	}
	return b.String()
}

func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "\n", " ", "|", "#124;", "<", "#lt;", ">", "#gt;")
	return r.Replace(s)
}

// DOT renders g in Graphviz DOT.
func DOT(g *Graph, href func(Node) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n", dotQuote(g.Scope))
	for _, n := range g.Nodes {
		shape := "box"
		switch n.Kind {
		case NodeEvent:
			shape = "box, style=rounded"
		case NodeGroup:
			shape = "note"
		}
		fmt.Fprintf(&b, "  %s [label=%s, shape=%s", dotQuote(n.ID), dotQuote(n.Label), shape)
		if href != nil {
			if h := href(n); h != "" {
				fmt.Fprintf(&b, ", URL=%s", dotQuote(h))
			}
		}
		b.WriteString("];\n")
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %s -> %s", dotQuote(e.From), dotQuote(e.To))
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+dotQuote(e.Label))
		}
		if e.State == "observed" {
			attrs = append(attrs, "style=dashed")
		}
		if len(attrs) > 0 {
			b.WriteString(" [" + strings.Join(attrs, ", ") + "]")
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
