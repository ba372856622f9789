package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// viewBox is an SVG viewBox, parsed.
type viewBox struct{ X, Y, W, H float64 }

func readViewBox(t *testing.T, attr string) viewBox {
	t.Helper()
	var v viewBox
	if _, err := fmt.Sscanf(attr, "%g %g %g %g", &v.X, &v.Y, &v.W, &v.H); err != nil {
		t.Fatalf("viewBox %q: %v", attr, err)
	}
	return v
}

// graphSize is the size of a scope's drawing, from the JSON graph API.
func graphSize(t *testing.T, base, scope string) (w, h float64) {
	t.Helper()
	r, err := http.Get(base + "/v1/catalog/graph?scope=" + scope)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var g struct{ Width, Height float64 }
	if err := json.NewDecoder(r.Body).Decode(&g); err != nil || g.Width == 0 {
		t.Fatalf("graph %s: %v %+v", scope, err, g)
	}
	return g.Width, g.Height
}

// TestGraphBrowser drives the graph script in headless Chromium on the demo:
// the buttons, the wheel, the arrow keys and a drag change the drawing's
// viewBox; Fit shows every node; a node's focus link opens its neighbourhood
// only; and graph pages, focused or not, never scroll sideways at 400 px.
func TestGraphBrowser(t *testing.T) {
	chrome, base, shots := startBrowserDemo(t)
	ctx, done := newBrowser(t, chrome, 1280, 1000)
	defer done()
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	var attr string
	box := func() viewBox {
		t.Helper()
		run("read the viewBox", chromedp.AttributeValue(`.graph-scroll svg.graph`, "viewBox", &attr, nil, chromedp.ByQuery))
		return readViewBox(t, attr)
	}
	// changed waits until the viewBox is no longer prev: an input event
	// returns once the browser has queued it, and on a busy machine the page
	// handles it a little later.
	changed := func(prev string) chromedp.Action {
		return chromedp.Poll(fmt.Sprintf(`document.querySelector(".graph-scroll svg.graph").getAttribute("viewBox") !== %q`, prev), nil, chromedp.WithPollingTimeout(20*time.Second))
	}
	act := func(step string, actions ...chromedp.Action) {
		t.Helper()
		box()
		run(step, append(actions, changed(attr))...)
	}

	run("open a domain graph",
		chromedp.Navigate(base+"/ui/domains/ordering"),
		chromedp.WaitVisible(`.graph-scroll.zoomable`, chromedp.ByQuery),
		chromedp.ScrollIntoView(`#graph`, chromedp.ByQuery),
		fullScreenshot(shots, "graph-domain-browser.png"))
	start := box()

	act("zoom in with the button", chromedp.Click(`.graph-tools button[aria-label="Zoom in"]`, chromedp.ByQuery))
	zoomed := box()
	if zoomed.W >= start.W || zoomed.H >= start.H {
		t.Errorf("zoom in: viewBox %+v, want smaller than %+v", zoomed, start)
	}
	act("zoom out with the button", chromedp.Click(`.graph-tools button[aria-label="Zoom out"]`, chromedp.ByQuery))
	if out := box(); out.W <= zoomed.W {
		t.Errorf("zoom out: viewBox %+v, want wider than %+v", out, zoomed)
	}

	// The wheel zooms about the pointer.
	before := box()
	act("zoom with the wheel", chromedp.Evaluate(`(() => {
		const b = document.querySelector(".graph-scroll"), r = b.getBoundingClientRect();
		return b.dispatchEvent(new WheelEvent("wheel", {deltaY: -120, clientX: r.left + 100, clientY: r.top + 80, bubbles: true, cancelable: true}));
	})()`, nil))
	if after := box(); after.W >= before.W {
		t.Errorf("wheel up: viewBox %+v, want smaller than %+v", after, before)
	}

	// Fit shows the whole drawing: every node's box inside the viewport.
	w, h := graphSize(t, base, "domain:ordering")
	var outside []string
	act("fit", chromedp.Click(`.graph-tools button[aria-label="Fit the whole graph"]`, chromedp.ByQuery))
	run("nodes after fit", chromedp.Evaluate(`(() => {
			const b = document.querySelector(".graph-scroll").getBoundingClientRect();
			return [...document.querySelectorAll(".graph-scroll a.node rect")].filter(r => {
				const n = r.getBoundingClientRect();
				return n.left < b.left - 1 || n.right > b.right + 1 || n.top < b.top - 1 || n.bottom > b.bottom + 1;
			}).map(r => r.parentNode.dataset.id);
		})()`, &outside),
		fullScreenshot(shots, "graph-domain-fit.png"))
	if fit := box(); fit.W < w-1 || fit.H < h-1 {
		t.Errorf("fit: viewBox %+v does not hold the %gx%g drawing", fit, w, h)
	}
	if len(outside) > 0 {
		t.Errorf("after Fit these nodes are outside the viewport: %v", outside)
	}

	// Keys pan once the box has the focus.
	act("1:1", chromedp.Click(`.graph-tools button[aria-label="Actual size"]`, chromedp.ByQuery))
	before = box()
	act("pan with the arrow keys", chromedp.Focus(`.graph-scroll`, chromedp.ByQuery), chromedp.KeyEvent(kb.ArrowDown))
	if after := box(); after.Y <= before.Y || after.W != before.W {
		t.Errorf("ArrowDown: viewBox %+v, want %+v moved down", after, before)
	}

	// A drag pans, and a drag that ends on a node does not follow its link.
	before = box()
	var url string
	run("drag", chromedp.Evaluate(`(() => {
		const b = document.querySelector(".graph-scroll"), r = b.getBoundingClientRect();
		const at = (type, x, y) => b.dispatchEvent(new PointerEvent(type, {pointerId: 7, button: 0, clientX: r.left + x, clientY: r.top + y, bubbles: true}));
		at("pointerdown", 300, 200); at("pointermove", 260, 170); at("pointermove", 200, 150); at("pointerup", 200, 150);
		document.querySelector(".graph-scroll a.node").dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}));
		return true;
	})()`, nil), chromedp.Location(&url))
	if after := box(); after.X <= before.X || after.Y <= before.Y {
		t.Errorf("drag left and up: viewBox %+v, want %+v moved right and down", after, before)
	}
	if !strings.HasSuffix(url, "/ui/domains/ordering") {
		t.Errorf("the drag navigated to %s", url)
	}

	// Focus: the node's focus link opens its neighbourhood, server-rendered.
	var ids []string
	run("focus on OrderPlaced",
		chromedp.Navigate(base+"/ui/domains/ordering"),
		chromedp.WaitVisible(`.graph-scroll.zoomable`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('a.focus-link[data-focus="event:order-placed"]').dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true}))`, nil),
		chromedp.WaitVisible(`p.focus-note`, chromedp.ByQuery),
		chromedp.Location(&url),
		chromedp.Evaluate(`[...document.querySelectorAll("svg.graph a.node")].map(a => a.dataset.id)`, &ids),
		chromedp.ScrollIntoView(`#graph`, chromedp.ByQuery),
		fullScreenshot(shots, "graph-domain-focus.png"))
	if !strings.Contains(url, "focus=event%3Aorder-placed") && !strings.Contains(url, "focus=event%3aorder-placed") {
		t.Errorf("the focus link led to %s", url)
	}
	slices.Sort(ids)
	want := []string{"event:order-placed", "service:fraud-service", "service:inventory-service", "service:order-service"}
	if !slices.Equal(ids, want) {
		t.Errorf("the focus page draws %v, want only %v", ids, want)
	}

	run("open a flow graph",
		chromedp.Navigate(base+"/ui/flows/checkout"),
		chromedp.WaitVisible(`.graph-scroll.zoomable`, chromedp.ByQuery),
		fullScreenshot(shots, "graph-flow-browser.png"))

	// 400 px: graph pages, focused or not, scroll inside the graph's box only.
	run("phone viewport", chromedp.EmulateViewport(400, 900))
	for i, p := range []string{"/ui/domains/ordering", "/ui/domains/ordering?focus=event:order-placed&depth=2",
		"/ui/flows/checkout", "/ui/services/order-service", "/ui/events/order-placed"} {
		var width int
		name := fmt.Sprintf("graph-narrow-%d.png", i)
		run(p, chromedp.Navigate(base+p), chromedp.WaitVisible(`.graph-scroll.zoomable`, chromedp.ByQuery),
			chromedp.Evaluate(`document.documentElement.scrollWidth`, &width), fullScreenshot(shots, name))
		if width > 400 {
			t.Errorf("%s scrolls sideways at 400 px: scrollWidth %d (screenshot %s)", p, width, name)
		}
	}
}
