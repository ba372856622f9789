package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heraldhq/herald/catalog"
)

// TestApplyWithPruneAndDryRun edits the demo (a flow dropped, an event
// described anew, a team added) and applies it: refused without Prune naming
// the flow, a dry run reports the diff and writes nothing, and Prune applies it.
func TestApplyWithPruneAndDryRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := newDemo(t)
	before := svc.Document()
	rev := svc.Revision().Number
	doc := *before
	dropped := doc.Flows[0].ID
	doc.Flows = doc.Flows[1:]
	doc.Events = append([]catalog.Event(nil), doc.Events...)
	doc.Events[0].Description = "described anew"
	doc.Teams = append(append([]catalog.Team(nil), doc.Teams...), catalog.Team{ID: "zz-new-team", Name: "New"})
	y, err := catalog.ExportYAML(&doc)
	if err != nil {
		t.Fatal(err)
	}
	files := []catalog.File{{Name: "edited.yaml", Data: string(y)}}
	want := catalog.ApplyDiff{
		Added:   []catalog.EntityRef{{Kind: "team", ID: "zz-new-team"}},
		Changed: []catalog.EntityRef{{Kind: "event", ID: doc.Events[0].ID}},
		Deleted: []catalog.EntityRef{{Kind: "flow", ID: dropped}},
	}

	_, err = svc.ApplyWith(ctx, files, catalog.ApplyOptions{})
	var pe *catalog.PruneError
	if !errors.As(err, &pe) || !errors.Is(err, catalog.ErrWouldDelete) {
		t.Fatalf("apply without prune: err = %v, want a *PruneError", err)
	}
	if diff := cmp.Diff(want.Deleted, pe.Deleted); diff != "" || !strings.Contains(err.Error(), "do not declare 1 catalog entity the catalog holds (flow "+dropped+"): apply with prune=true to delete it,") {
		t.Errorf("refusal names %v (-want +got %s): %v", pe.Deleted, diff, err)
	}

	res, err := svc.ApplyWith(ctx, files, catalog.ApplyOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res.Diff); diff != "" || !res.DryRun || res.Changed {
		t.Errorf("dry run = %+v; diff (-want +got):\n%s", res, diff)
	}
	if svc.Revision().Number != rev || svc.Document() != before {
		t.Fatalf("a refused apply or a dry run changed the catalog")
	}

	res, err = svc.ApplyWith(ctx, files, catalog.ApplyOptions{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, res.Diff); diff != "" || !res.Changed {
		t.Errorf("prune apply = %+v; diff (-want +got):\n%s", res, diff)
	}
	if _, err := svc.Flow(dropped); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("flow %s after a prune apply: %v, want not found", dropped, err)
	}
	// Applying the same files again: nothing to delete, no prune needed.
	res, err = svc.ApplyWith(ctx, files, catalog.ApplyOptions{})
	if err != nil || res.Changed || !res.Diff.Empty() {
		t.Errorf("second apply = %+v, %v; want unchanged with an empty diff", res, err)
	}
}
