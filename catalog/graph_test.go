package catalog_test

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
)

func nodeIDs(g *catalog.Graph) []string {
	var ids []string
	for _, n := range g.Nodes {
		ids = append(ids, n.ID)
	}
	sort.Strings(ids)
	return ids
}

func TestGraphFocus(t *testing.T) {
	t.Parallel()
	svc, _, _ := newDemo(t)
	ctx := context.Background()
	// catalog/demo: in the ordering domain, order-service sends order-placed,
	// which fraud-service and inventory-service receive.
	g, err := svc.GraphFocus(ctx, "domain:ordering", "event:order-placed", 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"event:order-placed", "service:fraud-service", "service:inventory-service", "service:order-service"}
	if diff := cmp.Diff(want, nodeIDs(g)); diff != "" {
		t.Errorf("depth 1 nodes (-want +got):\n%s", diff)
	}
	if len(g.Edges) != 3 {
		t.Errorf("depth 1 edges = %+v, want the 3 of order-placed", g.Edges)
	}
	for _, n := range g.Nodes {
		if n.ID == "event:order-placed" && !slices.Contains(n.Classes, "focus") {
			t.Errorf("the focused node's classes are %v, want focus", n.Classes)
		}
	}
	whole, err := svc.Graph(ctx, "domain:ordering")
	if err != nil {
		t.Fatal(err)
	}
	g2, err := svc.GraphFocus(ctx, "domain:ordering", "event:order-placed", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Depth 2 adds what the three services send and receive, not the whole
	// domain.
	if n := len(g2.Nodes); n <= len(g.Nodes) || n >= len(whole.Nodes) {
		t.Errorf("depth 2 has %d nodes, want between %d and %d", n, len(g.Nodes), len(whole.Nodes))
	}
	for _, e := range g2.Edges {
		ids := nodeIDs(g2)
		if !slices.Contains(ids, e.From) || !slices.Contains(ids, e.To) {
			t.Errorf("depth 2 edge %s→%s leaves the neighbourhood", e.From, e.To)
		}
	}

	for _, tc := range []struct {
		name, scope, focus string
		depth              int
		want               error
	}{
		{"ErrNotFound", "domain:ordering", "event:nope", 1, catalog.ErrNotFound},
		{"ErrNotFoundOutsideScope", "flow:checkout", "service:warehouse-app", 1, catalog.ErrNotFound},
		{"ErrBadRequestDepth0", "domain:ordering", "event:order-placed", 0, catalog.ErrBadRequest},
		{"ErrBadRequestDepth3", "domain:ordering", "event:order-placed", 3, catalog.ErrBadRequest},
		{"ErrBadRequestScope", "bogus", "event:order-placed", 1, catalog.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.GraphFocus(ctx, tc.scope, tc.focus, tc.depth); !errors.Is(err, tc.want) {
				t.Errorf("GraphFocus(%s, %s, %d) = %v, want %v", tc.scope, tc.focus, tc.depth, err, tc.want)
			}
		})
	}
}
