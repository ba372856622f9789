package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium; "" when it is not installed.
func chromiumPath() string {
	for _, p := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// screenshotDir is where the browser test saves its screenshots:
// $HERALD_SCREENSHOTS, or a new temporary folder (logged, kept after the test).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("HERALD_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "herald-screenshots-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// startBrowserDemo skips the test when chromium is not installed; else it
// starts herald with --demo and returns chromium's path, the server's base URL
// and the folder for screenshots.
func startBrowserDemo(t *testing.T) (chrome, base, shots string) {
	t.Helper()
	chrome = chromiumPath()
	if chrome == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium): skipping the browser test")
	}
	m := startHerald(t, filepath.Join(t.TempDir(), "herald.db"), "--demo")
	shots = screenshotDir(t)
	t.Logf("screenshots in %s", shots)
	return chrome, m.URL(), shots
}

// newBrowser starts headless chromium with a w×h window and a fresh profile;
// done stops it.
func newBrowser(t *testing.T, chrome string, w, h int) (ctx context.Context, done context.CancelFunc) {
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

// fullScreenshot saves a screenshot of the whole page as dir/name.
func fullScreenshot(dir, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), buf, 0o644)
	})
}

// publishOrder publishes one valid OrderPlaced event of customer cus-browser
// to the demo's order-placed topic as the client named client, and returns
// the status.
func publishOrder(t *testing.T, base, client string) int {
	t.Helper()
	body := `{"events":[{"value":{"orderId":"3f0c1d2e-8a4b-4c5d-9e6f-112233445566","customerId":"cus-browser","lines":[{"sku":"BOOK-1","quantity":1,"unitPrice":{"amount":100,"currency":"EUR"}}],"total":{"amount":100,"currency":"EUR"},"placedAt":"2026-03-01T10:15:00Z"}}]}`
	req, err := http.NewRequest(http.MethodPost, base+"/v1/topics/order-placed/events", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Herald-Client", client)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestCatalogBrowser drives headless Chromium through the demo catalog: home,
// search, a link from the flow graph to an event, a diff between two versions,
// and the live tail receiving a newly published event.
func TestCatalogBrowser(t *testing.T) {
	chrome, base, shots := startBrowserDemo(t)

	ctx, done := newBrowser(t, chrome, 1400, 1000)
	defer done()

	shot := func(name string) chromedp.Action { return fullScreenshot(shots, name) }
	elementShot := func(name, sel string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.Screenshot(sel, &buf, chromedp.ByQuery).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(shots, name), buf, 0o644)
		})
	}
	run := func(step string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}

	// Home.
	var h1 string
	run("open the demo",
		chromedp.Navigate(base+"/ui/"),
		chromedp.WaitVisible(`.counts`, chromedp.ByQuery),
		chromedp.Text(`h1`, &h1, chromedp.ByQuery),
		shot("1-home.png"))
	if h1 != "Event catalog" {
		t.Fatalf("home h1 = %q", h1)
	}

	// Search from the header box.
	var results string
	run("search",
		chromedp.SendKeys(`header .search input[name=q]`, "payment\n", chromedp.ByQuery),
		chromedp.WaitVisible(`ol.results`, chromedp.ByQuery),
		chromedp.Text(`main`, &results, chromedp.ByQuery),
		shot("2-search.png"))
	if !strings.Contains(results, "PaymentAuthorized") || !strings.Contains(results, "Payment Service") {
		t.Fatalf("search results lack the payment event and service:\n%s", results)
	}

	// Flow graph: follow the OrderPlaced node to the event page.
	var url string
	run("follow a link from the flow graph to an event",
		chromedp.Navigate(base+"/ui/flows/checkout"),
		chromedp.WaitVisible(`svg.graph`, chromedp.ByQuery),
		shot("3-flow.png"),
		chromedp.Click(`svg.graph a.node[href="/ui/events/order-placed"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#fields`, chromedp.ByQuery),
		chromedp.Location(&url),
		chromedp.Text(`h1`, &h1, chromedp.ByQuery),
		shot("4-event.png"),
		elementShot("4-event-fields.png", `#fields`),
		elementShot("4-event-lineage.png", `#lineage`))
	if !strings.HasSuffix(url, "/ui/events/order-placed") || !strings.Contains(h1, "OrderPlaced") {
		t.Fatalf("after clicking the graph node: %s %q", url, h1)
	}

	// Diff between two versions, through the form on the event page.
	var verdict string
	run("open a diff between two versions",
		chromedp.SetValue(`form.diff-form select[name=from]`, "3", chromedp.ByQuery),
		chromedp.SetValue(`form.diff-form select[name=to]`, "1", chromedp.ByQuery),
		chromedp.Click(`#diff-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#verdict`, chromedp.ByQuery),
		chromedp.Text(`#verdict`, &verdict, chromedp.ByQuery),
		chromedp.Location(&url),
		shot("5-diff.png"))
	if !strings.Contains(verdict, "Breaking") || !strings.Contains(url, "from=3") {
		t.Fatalf("diff verdict %q at %s", verdict, url)
	}

	// Live tail: open the event page, publish, and see the event arrive.
	// The demo creates a topic for every event bound to one (demoTopics), and the
	// broker is on by default: a missing topic is a failure, not a reason to skip.
	r, err := http.Get(base + "/v1/topics/order-placed")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/topics/order-placed = %d: the demo did not create the order-placed topic", r.StatusCode)
	}
	var status string
	run("open the live tail",
		chromedp.Navigate(base+"/ui/events/order-placed"),
		chromedp.WaitVisible(`#tail`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("#tail .tail-status").textContent.startsWith("Listening")`, nil),
		chromedp.Text(`#tail .tail-status`, &status, chromedp.ByQuery))
	if st := publishOrder(t, base, "order-service"); st != http.StatusOK && st != http.StatusCreated {
		t.Fatalf("publish = %d", st)
	}
	var tail string
	run("see the live tail receive the event",
		chromedp.WaitVisible(`#tail .tail-event`, chromedp.ByQuery),
		chromedp.Text(`#tail .tail-events`, &tail, chromedp.ByQuery),
		elementShot("6-tail.png", `#tail`))
	if !strings.Contains(tail, "cus-browser") {
		t.Fatalf("tail = %q", tail)
	}
}
