package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsolePagesBrowser opens the subject, topic and client pages in
// headless Chromium, and every kind of page at 400 px wide, where nothing may
// scroll the page sideways (document.documentElement.scrollWidth <= 400).
func TestConsolePagesBrowser(t *testing.T) {
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium): skipping the browser test")
	}
	m := startHerald(t, filepath.Join(t.TempDir(), "herald.db"), "--demo")
	base := m.URL()
	shots := screenshotDir(t)
	t.Logf("screenshots in %s", shots)

	// An undeclared producer, so that a client page exists.
	body := `{"events":[{"value":{"orderId":"3f0c1d2e-8a4b-4c5d-9e6f-112233445566","customerId":"cus-browser","lines":[{"sku":"BOOK-1","quantity":1,"unitPrice":{"amount":100,"currency":"EUR"}}],"total":{"amount":100,"currency":"EUR"},"placedAt":"2026-03-01T10:15:00Z"}}]}`
	req, err := http.NewRequest(http.MethodPost, base+"/v1/topics/order-placed/events", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Herald-Client", "browser-cli")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish = %d", resp.StatusCode)
	}

	newBrowser := func(w, h int) (context.Context, context.CancelFunc) {
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(w, h),
			chromedp.UserDataDir(t.TempDir()),
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(actx)
		return ctx, func() { cancel(); cancelAlloc() }
	}
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name), buf, 0o644)
		})
	}

	t.Run("NewPagesRender", func(t *testing.T) {
		ctx, done := newBrowser(1280, 1000)
		defer done()
		for _, p := range []struct{ path, sel, want, shot string }{
			{"/ui/subjects", "table.subjects", "order-placed-value", "c1-subjects.png"},
			{"/ui/subjects/order-placed-value", "#versions", "v3", "c2-subject.png"},
			{"/ui/topics", "table.topics", "order-placed", "c3-topics.png"},
			{"/ui/topics/order-placed", "#clients", "browser-cli", "c4-topic.png"},
			{"/ui/clients/browser-cli", "#declare", "sends: [order-placed]", "c5-client.png"},
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
		ctx, done := newBrowser(1280, 1000)
		defer done()
		// Headless Chromium keeps windows at least 500 px wide: emulate the
		// phone's viewport instead.
		if err := chromedp.Run(ctx, chromedp.EmulateViewport(400, 900)); err != nil {
			t.Fatal(err)
		}
		for i, p := range []string{"/ui/", "/ui/events", "/ui/events/order-placed", "/ui/events/order-placed/diff",
			"/ui/services/order-service", "/ui/domains/ordering", "/ui/flows/checkout", "/ui/teams/checkout-team",
			"/ui/search?q=order", "/ui/subjects", "/ui/subjects/order-placed-value", "/ui/topics",
			"/ui/topics/order-placed", "/ui/clients/browser-cli", "/ui/rules", "/ui/api"} {
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
