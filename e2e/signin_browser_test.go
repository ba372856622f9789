package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/heraldhq/herald/server/auth/oidc/oidctest"
)

// asPlatform sends a JSON request to h as the Basic admin and fails unless
// it answers 200.
func asPlatform(t *testing.T, h *herald, method, path, body string) {
	t.Helper()
	req, err := http.NewRequest(method, h.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("platform", "admin-pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
}

// TestSignInAndRedriveBrowser signs in to herald serve with the identity
// provider in headless Chromium (the authorization code flow, through the
// provider and back), opens a topic's dead letters, clicks Redrive after the
// schema was fixed, sees the result, and signs out.
func TestSignInAndRedriveBrowser(t *testing.T) {
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("chromium is not installed (apt-get install -y chromium): skipping the browser test")
	}
	shots := screenshotDir(t)
	key, err := oidctest.NewKey("e2e-signin")
	if err != nil {
		t.Fatal(err)
	}
	idp := oidctest.NewProvider(key)
	t.Cleanup(idp.Close)
	idp.EnableSignIn("herald-ui", "", key, time.Hour)
	idp.SignInAs("olga", "platform-admins")
	h := startAuthFileHerald(t, "principals:\n"+
		"  - name: platform\n    password: \""+adminHash+"\"\n    roles: [admin]\n"+
		"oidc:\n  issuer: "+idp.Issuer()+"\n  audience: herald\n  clientID: herald-ui\n"+
		"  roleMapping:\n    platform-admins: [admin]\n")

	order := `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":"number"}},"required":["id","amount"]}`
	fixed := `{"type":"object","properties":{"id":{"type":"string"},"amount":{"type":["number","string"]}},"required":["id","amount"]}`
	asPlatform(t, h, "POST", "/subjects/orders-value/versions", `{"schemaType":"JSON","schema":`+quoteJSON(order)+`}`)
	asPlatform(t, h, "PUT", "/v1/topics/orders.dlq", `{"valueSubject":"orders-value"}`)
	asPlatform(t, h, "PUT", "/v1/topics/orders", `{"valueSubject":"orders-value","onInvalid":"deadletter","deadLetterTopic":"orders.dlq"}`)
	asPlatform(t, h, "POST", "/v1/topics/orders/events", `{"events":[{"value":{"id":"a","amount":"12.50"}}]}`)
	asPlatform(t, h, "POST", "/subjects/orders-value/versions", `{"schemaType":"JSON","schema":`+quoteJSON(fixed)+`}`)

	ctx, done := newBrowser(t, chrome, 1280, 1000)
	defer done()
	// The browser starts with the test's context: a step's deadline must not
	// end it.
	if err := chromedp.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var who, page, result, after string
	// step runs one step with its own deadline; a failure shows the page the
	// browser is on.
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			var url, text string
			_ = chromedp.Run(ctx, chromedp.Location(&url), chromedp.Text(`body`, &text, chromedp.ByQuery))
			t.Fatalf("%s: %v\nthe browser is on %s:\n%s\nherald log:\n%s", name, err, url, text, h.logText())
		}
	}
	step("sign in", chromedp.Navigate(h.URL()+"/ui/signin?return=/ui/topics/orders"),
		chromedp.WaitVisible(`.session .who`, chromedp.ByQuery),
		chromedp.Text(`.session .who`, &who, chromedp.ByQuery),
		fullScreenshot(shots, "s1-signed-in-topic.png"))
	step("open the dead letters", chromedp.Click(`#inspect-deadletters`, chromedp.ByQuery),
		chromedp.WaitVisible(`#dl-0`, chromedp.ByQuery),
		chromedp.Text(`table.deadletters`, &page, chromedp.ByQuery),
		fullScreenshot(shots, "s2-deadletters.png"))
	step("redrive", chromedp.Click(`#redrive-all`, chromedp.ByQuery),
		chromedp.WaitVisible(`#redrive-result`, chromedp.ByQuery),
		chromedp.Text(`#redrive-result`, &result, chromedp.ByQuery),
		fullScreenshot(shots, "s3-redriven.png"))
	step("sign out", chromedp.Click(`.signout button`, chromedp.ByQuery),
		chromedp.WaitVisible(`.session a.signin`, chromedp.ByQuery),
		fullScreenshot(shots, "s4-signed-out.png"),
		chromedp.Text(`body`, &after, chromedp.ByQuery))
	t.Logf("screenshots in %s", shots)
	if !strings.Contains(who, "olga") {
		t.Errorf("signed in as %q, want olga", who)
	}
	if !strings.Contains(page, "waiting") {
		t.Errorf("dead letters before the redrive: %q", page)
	}
	if !strings.Contains(result, "1 redriven, 0 still invalid") || !strings.Contains(result, "now offset 0 of orders") {
		t.Errorf("redrive result: %q", result)
	}
	if strings.Contains(after, "Signed in as") {
		t.Errorf("after sign-out the page still shows someone signed in: %q", after)
	}
	// The event is in orders now, once.
	req, _ := http.NewRequest("GET", h.URL()+"/v1/topics/orders/events", nil)
	req.SetBasicAuth("platform", "admin-pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var events struct {
		Events []struct{ Value map[string]any }
	}
	decodeBody(t, resp, &events)
	if len(events.Events) != 1 || events.Events[0].Value["id"] != "a" {
		t.Errorf("orders holds %+v, want the redriven event", events.Events)
	}
	if !strings.Contains(h.logText(), "signed in") {
		t.Errorf("the server log does not record the sign-in")
	}
}

// quoteJSON is s as a JSON string.
func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// decodeBody decodes a JSON response body into v.
func decodeBody(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("decode %s: %v", resp.Request.URL, err)
	}
}
