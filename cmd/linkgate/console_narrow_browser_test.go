package main

// The 390 px pass (issue 17): every console page, as an admin, as a
// client user and signed out, in Chromium at 390×844 CSS pixels, must fit
// the window: document.scrollingElement.scrollWidth <= innerWidth. A page
// that overflows is named with the elements that stick out.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// narrowPage is one page of the pass: who opens it ("admin", "client" or
// "anon") and its path, where {client}, {domain}, {configured},
// {campaign} and {endpoint} stand for the test's ids.
type narrowPage struct {
	who, name, path string
}

// narrowPages is every console page. Pages added by other work are
// appended here.
var narrowPages = []narrowPage{
	{"anon", "sign in", "/login"},
	{"anon", "forgot your password", "/console/reset"},
	{"admin", "attention", "/console/attention"},
	{"admin", "domains, failed, by age in step", "/console/domains?status=failed&sort=age"},
	{"admin", "clients", "/console/clients"},
	{"admin", "client", "/console/clients/{client}"},
	{"admin", "client edit", "/console/clients/{client}/edit"},
	{"admin", "client delete", "/console/clients/{client}/delete"},
	{"admin", "client users", "/console/clients/{client}/users"},
	{"admin", "client API keys", "/console/clients/{client}/api-keys"},
	{"admin", "add a domain", "/console/clients/{client}/domains/new"},
	{"admin", "add domains in bulk", "/console/clients/{client}/domains/bulk"},
	{"admin", "pools", "/console/clients/{client}/pools"},
	{"admin", "originators", "/console/clients/{client}/originators"},
	{"admin", "domains", "/console/domains"},
	{"admin", "domains of a client", "/console/domains?client_id={client}"},
	{"admin", "pending domain", "/console/domains/{domain}"},
	{"admin", "configured domain", "/console/domains/{configured}"},
	{"admin", "campaigns", "/console/campaigns"},
	{"admin", "new campaign", "/console/clients/{client}/campaigns/new"},
	{"admin", "campaign setup", "/console/campaigns/{campaign}/setup"},
	{"admin", "campaign", "/console/campaigns/{campaign}"},
	{"admin", "campaign stats", "/console/campaigns/{campaign}?tab=stats"},
	{"admin", "campaign domains", "/console/campaigns/{campaign}?tab=domains"},
	{"admin", "campaign connectors", "/console/campaigns/{campaign}?tab=connectors"},
	{"admin", "live campaigns", "/console/campaigns/live"},
	{"admin", "webhooks", "/console/webhooks"},
	{"admin", "webhook deliveries", "/console/webhooks/deliveries"},
	{"admin", "sandbox tools", "/console/sandbox"},
	{"admin", "sandbox outbox", "/console/sandbox/outbox"},
	{"admin", "not found", "/console/no-such-page"},
	{"client", "own client", "/console/clients/{client}"},
	{"client", "own users", "/console/clients/{client}/users"},
	{"client", "own API keys", "/console/clients/{client}/api-keys"},
	{"client", "own domains", "/console/domains"},
	{"client", "own configured domain", "/console/domains/{configured}"},
	{"client", "own pools", "/console/clients/{client}/pools"},
	{"client", "own originators", "/console/clients/{client}/originators"},
	{"client", "add a domain", "/console/clients/{client}/domains/new"},
	{"client", "own pending domain", "/console/domains/{domain}"},
	{"client", "own campaigns", "/console/campaigns"},
	{"client", "own campaign", "/console/campaigns/{campaign}"},
	{"client", "own webhooks", "/console/webhooks"},
	{"client", "own webhook deliveries", "/console/webhooks/deliveries"},
	{"client", "sandbox tools", "/console/sandbox"},
}

// overflowJS measures the page: its scroll width, the window's width and
// the elements (tag#id.class) whose right edge is past the window.
const overflowJS = `(function(){
  var w = window.innerWidth, out = [];
  var all = document.body.getElementsByTagName("*");
  for (var i = 0; i < all.length && out.length < 6; i++) {
    var r = all[i].getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5) {
      var e = all[i], n = e.tagName.toLowerCase();
      if (e.id) { n += "#" + e.id; }
      if (typeof e.className === "string" && e.className) { n += "." + e.className.trim().split(/\s+/).join("."); }
      out.push(n + " (" + Math.round(r.right) + ")");
    }
  }
  return {scroll: document.scrollingElement.scrollWidth, inner: w, wide: out.join(", ")};
})()`

type narrowMeasure struct {
	Scroll int    `json:"scroll"`
	Inner  int    `json:"inner"`
	Wide   string `json:"wide"`
}

func TestConsoleNarrowPagesInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)

	// A premium client with a pending and a configured domain, a draft
	// campaign, an endpoint with a delivery, an API key and a user.
	client := a.newClient("narrow-example.com")
	a.want(200, "PATCH", "/api/v1/clients/"+client, `{"plan":"premium","fallback_url":"https://www.narrow-example.com/a/rather/long/path/for/a/fallback"}`)
	domain := a.newDomainOf(client, "narrow-example.com")
	configured := a.configuredDomain(client, "narrow-configured-example.com")
	campaign := a.want(201, "POST", "/api/v1/clients/"+client+"/campaigns", `{"name":"Narrow spring sale"}`).body["id"].(string)
	hooks := newHookReceiver(t)
	endpoint := a.want(201, "POST", "/api/v1/webhooks/endpoints",
		`{"url":"`+hooks.URL+`/hooks/linkgate/a-long-path-for-the-endpoint","events":["domain.*"],"client_id":"`+client+`"}`).body["id"].(string)
	a.want(202, "POST", "/api/v1/webhooks/endpoints/"+endpoint+"/ping", "")
	a.want(201, "POST", "/api/v1/clients/"+client+"/api-keys", `{"name":"The nightly export job"}`)

	admin := newBrowser(t, "admin")
	signIn(admin, a.base, consoleAdminEmail, consoleAdminPassword)
	admin.do("add a client user",
		chromedp.Navigate(a.base+"/console/clients/"+client+"/users"),
		chromedp.WaitVisible(chromedp.ID("user-email")),
		chromedp.SendKeys(chromedp.ID("user-email"), "staff@narrow-example.com"),
		chromedp.SendKeys(chromedp.ID("user-password"), testPassword),
		chromedp.Click(chromedp.CSS(`#users button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	cu := newBrowser(t, "client")
	signIn(cu, a.base, "staff@narrow-example.com", testPassword)
	anon := newBrowser(t, "anon")

	ids := strings.NewReplacer("{client}", client, "{domain}", domain, "{configured}", configured,
		"{campaign}", campaign, "{endpoint}", endpoint)
	sessions := map[string]*browserSession{"admin": admin, "client": cu, "anon": anon}
	for _, b := range sessions {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844))
	}
	for _, p := range narrowPages {
		b := sessions[p.who]
		path := ids.Replace(p.path)
		b.do(p.who+": open "+p.name, chromedp.Navigate(a.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if h1 := b.text("main h1"); (h1 == "Not found") != (p.name == "not found") {
			t.Errorf("%s (%s, %s): heading %q", p.name, p.who, p.path, h1)
			continue
		}
		m := measureNarrow(b)
		slug := strings.ReplaceAll(p.name, " ", "-")
		b.shotAs("narrow", slug) // with LINKGATE_SCREENSHOTS=1
		if m.Scroll > m.Inner {
			b.shotAs("narrow-"+slug, "failed")
			t.Errorf("%s (%s, %s) overflows at 390 px: %d px wide; sticking out: %s", p.name, p.who, p.path, m.Scroll, m.Wide)
		}
	}
}

// measureNarrow runs overflowJS once the page's fonts and layout settled
// (two measures in a row agree).
func measureNarrow(b *browserSession) narrowMeasure {
	b.t.Helper()
	var last narrowMeasure
	deadline := time.Now().Add(flowDeadline)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		m, err := chromedp.Run(ctx, chromedp.Evaluate[narrowMeasure](overflowJS))
		cancel()
		if err == nil && m == last && m.Inner > 0 {
			return m
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("measure the page: %v", fmt.Sprint(err))
		}
		last = m
		time.Sleep(50 * time.Millisecond)
	}
}
