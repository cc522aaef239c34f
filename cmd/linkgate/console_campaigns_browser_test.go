package main

// Campaigns in the console, in real Chromium: the admin adds an
// originator, creates a campaign through the four steps (a live domain
// and a Messaging Service made beforehand through the API and the
// sandbox), pastes a CSV of three recipients, submits it, sees it ready,
// starts it (the sandbox's fake Twilio and the engine send), pauses and
// resumes it while the status allows, and reads the Stats tab. One engine
// (SQLite), as the other console browser tests. Screenshots
// (LINKGATE_SCREENSHOTS=1) are console-cmp-*.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestConsoleCampaignsInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)

	// A client with a live domain and a Messaging Service.
	client := a.newClient("shop.com")
	dom := a.newDomainOf(client, "shop.com")
	token := a.sandboxZone("shop.com")
	a.want(202, "POST", "/api/v1/domains/"+dom+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	a.waitStatus(dom, "awaiting_domain_sid", flowDeadline)
	a.submitSID(dom, a.twilioDomain("ls.shop.com"))
	a.waitStatus(dom, "configured", flowDeadline)
	mg := a.want(201, "POST", "/_sandbox/twilio/messaging-services", `{"friendly_name":"Shop"}`).body["messaging_service_sid"].(string)

	b := newBrowser(t, "cmp")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
	clientURL := a.base + "/console/clients/" + client

	// An originator: a bad value first, next to its field.
	b.do("open the originators",
		chromedp.Navigate(clientURL),
		chromedp.Click(chromedp.CSS(`#sending a[href$="/originators"]`)),
		chromedp.WaitVisible(chromedp.ID("originator-value")),
		chromedp.SetValue(chromedp.ID("originator-type"), "alpha"),
		chromedp.SendKeys(chromedp.ID("originator-value"), "Shop!"),
		chromedp.Click(chromedp.CSS(`#new-originator button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("originator-value-error")))
	evalJS[bool](b, `document.getElementById("originator-value").value = ""; true`)
	b.do("add the originator",
		chromedp.SetValue(chromedp.ID("originator-type"), "alpha"),
		chromedp.SendKeys(chromedp.ID("originator-value"), "ShopNews"),
		chromedp.Click(chromedp.CSS(`#new-originator button[type="submit"]`)))
	waitText(b, ".notice", "Originator added.")
	waitText(b, "#originator-list", "ShopNews")
	consoleShot(b, "01-originators")

	// The Campaigns page, then step 1.
	b.do("open Campaigns",
		chromedp.Click(chromedp.CSS(`.top nav a[href="/console/campaigns"]`)),
		chromedp.WaitVisible(chromedp.ID("campaign-filters")),
		chromedp.SetValue(chromedp.ID("new-client"), client),
		chromedp.Click(chromedp.CSS(`#create-campaign button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("campaign-name")))
	b.do("step 1 without a name",
		chromedp.Click(chromedp.CSS(`#step-1 button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("campaign-name-error")))
	b.do("step 1",
		chromedp.SendKeys(chromedp.ID("campaign-name"), "Winter sale"),
		chromedp.SendKeys(chromedp.ID("campaign-tags"), "promo"),
		chromedp.SendKeys(chromedp.ID("campaign-ms"), mg),
		chromedp.SetValue(chromedp.ID("campaign-originator"), consoleOptionValue(b, "#campaign-originator", "ShopNews")),
		chromedp.Click(chromedp.ID("campaign-domain-"+dom)))
	consoleShot(b, "02-step-1")
	b.do("save step 1",
		chromedp.Click(chromedp.CSS(`#step-1 button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("variant-body-1")))

	// Step 2: one message; the live count says GSM-7.
	b.do("step 2", chromedp.SendKeys(chromedp.ID("variant-body-1"), "Hi {{name}}, 20% off at shop.com today"))
	waitText(b, "#variant-count-1", "GSM-7, 1 segment")
	consoleShot(b, "03-step-2")
	b.do("save step 2",
		chromedp.Click(chromedp.CSS(`#step-2 button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("recipients-csv")))

	// Step 3: three recipients pasted.
	b.do("step 3",
		chromedp.SendKeys(chromedp.ID("recipients-csv"), "phone,name\n+447123123001,Ann\n+447123123002,Bob\n+447123123003,Cy"),
		chromedp.Click(chromedp.CSS(`#step-3 button[type="submit"]`)))
	waitText(b, "#upload-result", "3 accepted")
	consoleShot(b, "04-step-3")
	b.do("to step 4", chromedp.Click(chromedp.ID("to-step-4")), chromedp.WaitVisible(chromedp.CSS(`#step-4 button[type="submit"]`)))

	// Step 4: submit → ready, then start.
	b.do("submit", chromedp.Click(chromedp.CSS(`#step-4 button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("start")))
	if v := b.text("#campaign-status"); v != "Ready to start" {
		t.Fatalf("after submit: %q", v)
	}
	consoleShot(b, "05-ready")
	b.do("start", chromedp.Click(chromedp.ID("start")), chromedp.WaitVisible(chromedp.CSS(".tabs")))
	waitText(b, ".notice", "Campaign started")
	status := func() string {
		waitJS(b, `!!document.querySelector('#status .badge')`)
		return evalJS[string](b, `document.querySelector('#status .badge').getAttribute('data-value')`)
	}
	if s := status(); s != "started" && s != "sending" && s != "finished" {
		t.Fatalf("after start: %s", s)
	}
	consoleShot(b, "06-started")

	// Pause and resume while the status allows (the sandbox may already
	// have sent all three).
	if evalJS[bool](b, `!!document.getElementById("pause")`) {
		b.do("pause", chromedp.Click(chromedp.ID("pause")))
		// Paused, or refused in words when the sending ended meanwhile.
		waitJS(b, `(function(){var n=document.querySelector('.notice');return !!(n&&n.textContent.indexOf('paused')>=0)||!!document.getElementById('campaign-problem');})()`)
		if evalJS[bool](b, `!!document.getElementById("resume")`) {
			b.do("resume", chromedp.Click(chromedp.ID("resume")))
			waitText(b, ".notice", "Campaign resumed.")
		}
	}

	// Wait for the sandbox to send all three, then the Stats tab.
	deadline := time.Now().Add(flowDeadline)
	for status() != "finished" {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign did not finish: %s\n%s", status(), b.text("main"))
		}
		time.Sleep(300 * time.Millisecond)
		b.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".tabs")))
	}
	b.do("the Stats tab", chromedp.Click(chromedp.ID("tab-stats")), chromedp.WaitVisible(chromedp.ID("stats")))
	if v := b.text("#stat-recipients"); v != "3" {
		t.Errorf("recipients %q", v)
	}
	if v := b.text("#stat-sent"); v != "3" {
		t.Errorf("sent %q", v)
	}
	for _, id := range []string{"#stat-delivered", "#stat-failed", "#stat-cost", "#stat-click-rate"} {
		if b.text(id) == "" {
			t.Errorf("%s is empty", id)
		}
	}
	if v := b.text("#stats-by-domain"); !strings.Contains(v, "ls.shop.com") {
		t.Errorf("by domain: %q", v)
	}
	consoleShot(b, "07-stats")
	b.do("the Domains tab", chromedp.Click(chromedp.ID("tab-domains")), chromedp.WaitVisible(chromedp.ID("campaign-domains")))
	if v := b.text("#campaign-domains"); !strings.Contains(v, "ls.shop.com") || !strings.Contains(v, "(active)") {
		t.Errorf("domains tab: %q", v)
	}
	b.do("the Connectors tab", chromedp.Click(chromedp.ID("tab-connectors")), chromedp.WaitVisible(chromedp.ID("connectors")))
	if v := b.text("#connector-domain"); v != "ls.shop.com" {
		t.Errorf("active domain %q", v)
	}
	// Listed, with its friendly status.
	b.do("the list", chromedp.Click(chromedp.CSS(`.top nav a[href="/console/campaigns"]`)), chromedp.WaitVisible(chromedp.ID("campaign-list")))
	if v := b.text("#campaign-list"); !strings.Contains(v, "Winter sale") || !strings.Contains(v, "Finished") {
		t.Errorf("list %q", v)
	}
}

// consoleOptionValue is the value of the option of the select sel whose
// text contains label.
func consoleOptionValue(b *browserSession, sel, label string) string {
	b.t.Helper()
	return evalJS[string](b, `(function(){var o=Array.from(document.querySelectorAll(`+jsString(sel+" option")+`)).find(function(o){return o.textContent.indexOf(`+jsString(label)+`)>=0});return o?o.value:"";})()`)
}

// waitJS waits until expr is true in the page (a navigation under way
// fails the evaluation: it is tried again).
func waitJS(b *browserSession, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(flowDeadline)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shotAs("console", "failed")
			b.t.Fatalf("waiting for %s: %v", expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
