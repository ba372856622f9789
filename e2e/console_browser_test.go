package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsolePagesBrowser opens the subject, topic and client pages in
// headless Chromium, and every kind of page at 400 px wide, where nothing may
// scroll the page sideways (document.documentElement.scrollWidth <= 400).
func TestConsolePagesBrowser(t *testing.T) {
	chrome, base, shots := startBrowserDemo(t)

	// An undeclared producer, so that a client page exists.
	if st := publishOrder(t, base, "browser-cli"); st != http.StatusOK {
		t.Fatalf("publish = %d", st)
	}

	// A queue that dead-letters, with one dead letter, so that its dead
	// letters page has a row.
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPut, "/v1/topics/order-placed-dlq", `{"valueSubject":"order-placed-value"}`},
		{http.MethodPut, "/v1/topics/order-work", `{"kind":"queue","valueSubject":"order-placed-value","onInvalid":"deadletter","deadLetterTopic":"order-placed-dlq"}`},
		{http.MethodPost, "/v1/topics/order-work/events", `{"events":[{"value":{"orderId":1}}]}`},
	} {
		req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s = %d", r.method, r.path, resp.StatusCode)
		}
	}

	// The browsers' profiles are the whole test's temp folders, not a
	// subtest's: chromium may still be writing them when a subtest ends.
	browser := func(w, h int) (context.Context, context.CancelFunc) { return newBrowser(t, chrome, w, h) }
	shot := func(name string) chromedp.Action { return fullScreenshot(shots, name) }

	t.Run("NewPagesRender", func(t *testing.T) {
		ctx, done := browser(1280, 1000)
		defer done()
		for _, p := range []struct{ path, sel, want, shot string }{
			{"/ui/subjects", "table.subjects", "order-placed-value", "c1-subjects.png"},
			{"/ui/subjects/order-placed-value", "#versions", "v3", "c2-subject.png"},
			{"/ui/topics", "table.topics", "order-placed", "c3-topics.png"},
			{"/ui/topics/order-placed", "#clients", "browser-cli", "c4-topic.png"},
			{"/ui/clients/browser-cli", "#declare", "sends: [order-placed]", "c5-client.png"},
			{"/ui/topics/order-work/deadletters", "h1", "Dead letters of order-work", "c6-deadletters.png"},
		} {
			var text string
			if err := chromedp.Run(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(p.sel, chromedp.ByQuery),
				chromedp.Text(`main`, &text, chromedp.ByQuery), shot(p.shot)); err != nil {
				t.Fatalf("%s: %v", p.path, err)
			}
			if !strings.Contains(text, p.want) {
				t.Errorf("%s does not show %q", p.path, p.want)
			}
		}
	})

	t.Run("NoSidewaysScrollAt400px", func(t *testing.T) {
		ctx, done := browser(1280, 1000)
		defer done()
		// Headless Chromium keeps windows at least 500 px wide: emulate the
		// phone's viewport instead.
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(400, 900)); err != nil {
			t.Fatal(err)
		}
		for i, p := range []string{"/ui/", "/ui/events", "/ui/events/order-placed", "/ui/events/order-placed/diff",
			"/ui/services/order-service", "/ui/domains/ordering", "/ui/flows/checkout", "/ui/teams/checkout-team",
			"/ui/search?q=order", "/ui/subjects", "/ui/subjects/order-placed-value", "/ui/topics",
			"/ui/topics/order-placed", "/ui/topics/order-work/deadletters", "/ui/clients/browser-cli", "/ui/rules", "/ui/api"} {
			var width, viewport int
			if err := chromedp.Run(ctx, chromedp.Navigate(base+p), chromedp.WaitReady(`main`, chromedp.ByQuery),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &width),
				chromedp.Evaluate(`window.innerWidth`, &viewport)); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if viewport != 400 {
				t.Fatalf("%s: the viewport is %d px wide, want 400", p, viewport)
			}
			name := fmt.Sprintf("narrow-%02d.png", i)
			if err := chromedp.Run(ctx, shot(name)); err != nil {
				t.Fatal(err)
			}
			if width > 400 {
				t.Errorf("%s scrolls sideways at 400 px: scrollWidth %d (screenshot %s)", p, width, name)
			}
		}
	})
}
