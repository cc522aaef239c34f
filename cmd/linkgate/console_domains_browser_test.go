package main

// Domain management in the console, in real Chromium: the admin
// bulk-adds names (one invalid), sets the client's global domain limit,
// makes a pool and fills it, filters the Domains page by status, ticks
// two domains and archives them, restores one, and the Domains page is
// usable on a 390 px wide phone (no horizontal scrolling of the page;
// the table scrolls in its own wrapper). One engine (SQLite), as the
// other console browser tests: the store's engines are covered by the
// handler tests. Screenshots (LINKGATE_SCREENSHOTS=1) are console-dm-*.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitText waits until the element sel exists and its text contains
// want (after a form's redirect, the same element may be on both pages).
func waitText(b *browserSession, sel, want string) {
	b.t.Helper()
	expr := `(function(){var e=document.querySelector(` + jsString(sel) + `);return !!e && e.textContent.indexOf(` + jsString(want) + `)>=0;})()`
	deadline := time.Now().Add(flowDeadline)
	for {
		// A navigation under way fails the evaluation: try again.
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.shotAs("console", "failed")
			got, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
			b.t.Fatalf("waiting for %q in %s: %v\n%s", want, sel, err, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// evalJS runs a script in the page and returns its result.
func evalJS[T any](b *browserSession, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, flowDeadline)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

func TestConsoleDomainsInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	b := newBrowser(t, "dm")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)

	b.do("create a client",
		chromedp.Click(chromedp.CSS(`.top nav a[href="/console/clients"]`)),
		chromedp.WaitVisible(chromedp.ID("new-client")),
		chromedp.SendKeys(chromedp.ID("name"), "Initech"),
		chromedp.SendKeys(chromedp.ID("client-email"), "ops@initech.com"),
		chromedp.Click(chromedp.CSS(`#new-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("custom-domain")))
	clientURL, _, _ := strings.Cut(b.location(), "?") // after ?done=client

	// Bulk add: three names, one a line, one of them invalid.
	b.do("open Add domains",
		chromedp.Click(chromedp.CSS(`#custom-domain a[href$="/domains/bulk"]`)),
		chromedp.WaitVisible(chromedp.ID("domains")),
		chromedp.SendKeys(chromedp.ID("domains"), "alpha.com\nnot a name\nbeta.com"))
	if v := consoleValue(b, "#domains"); v != "alpha.com\nnot a name\nbeta.com" {
		t.Fatalf("textarea %q", v)
	}
	b.do("add them", chromedp.Click(chromedp.CSS(`#bulk-add button[type="submit"]`)))
	waitText(b, "#results-heading", "Add domains: 2 done, 1 not done.")
	rows := b.text("#results-table tbody")
	for _, want := range []string{"ls.alpha.com", "ls.beta.com", "not a name"} {
		if !strings.Contains(rows, want) {
			t.Errorf("bulk add outcome lacks %q:\n%s", want, rows)
		}
	}
	if n := evalJS[int](b, `document.querySelectorAll('#results-table tr[data-ok="true"] a').length`); n != 2 {
		t.Errorf("%d added rows link to their domain, want 2", n)
	}
	consoleShot(b, "01-bulk-add")
	consoleNarrowShot(b, "01-bulk-add-narrow")

	// The global domain limit: a bad value next to the field, then 5000.
	b.do("a bad limit",
		chromedp.Navigate(clientURL),
		chromedp.WaitVisible(chromedp.ID("domain_limit")),
		chromedp.SendKeys(chromedp.ID("domain_limit"), "lots"),
		chromedp.Click(chromedp.CSS(`#limit button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("domain_limit-error")))
	consoleShot(b, "02-limit-error")
	evalJS[bool](b, `document.getElementById("domain_limit").value = ""; true`)
	b.do("set the limit",
		chromedp.SendKeys(chromedp.ID("domain_limit"), "5000"),
		chromedp.Click(chromedp.CSS(`#limit button[type="submit"]`)))
	waitText(b, ".notice", "Global domain limit saved.")
	if v := b.text("#domain-limit"); v != "5,000 messages per domain" {
		t.Errorf("limit shown as %q", v)
	}

	// A pool with both domains.
	b.do("open the pools", chromedp.Click(chromedp.CSS(`#custom-domain a[href$="/pools"]`)), chromedp.WaitVisible(chromedp.ID("pool-name")))
	b.do("create a pool", chromedp.SendKeys(chromedp.ID("pool-name"), "Main"), chromedp.Click(chromedp.CSS(`#new-pool button[type="submit"]`)))
	waitText(b, ".notice", "Pool created.")
	evalJS[bool](b, `document.querySelectorAll('.pool-add select option').forEach(function(o){o.selected=true}); true`)
	b.do("add the domains", chromedp.Click(chromedp.CSS(`.pool-add button[type="submit"]`)))
	waitText(b, ".notice", "Added to the pool.")
	if n := evalJS[int](b, `document.querySelectorAll('.pool-domains li').length`); n != 2 {
		t.Errorf("the pool holds %d domains, want 2", n)
	}
	consoleShot(b, "03-pools")

	// The Domains page, filtered by status.
	b.do("open Domains",
		chromedp.Click(chromedp.CSS(`.top nav a[href="/console/domains"]`)),
		chromedp.WaitVisible(chromedp.ID("domain-list")),
		chromedp.SetValue(chromedp.ID("status"), "pending"),
		chromedp.Click(chromedp.CSS(`.filters button[type="submit"]`)))
	waitText(b, ".status-links a[aria-current]", "Waiting to start")
	if loc := b.location(); !strings.Contains(loc, "status=pending") {
		t.Errorf("filtered at %s", loc)
	}
	list := b.text("#domain-list tbody")
	for _, want := range []string{"ls.alpha.com", "ls.beta.com", "Initech", "0 / 5,000", "Main"} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	consoleShot(b, "04-domains")

	// Tick both and archive them: they leave the pending list.
	b.do("tick two",
		chromedp.Click(chromedp.CSS(`#domain-list tbody tr:nth-child(1) input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#domain-list tbody tr:nth-child(2) input[type="checkbox"]`)))
	if v := b.text("#bulk-count"); v != "(2 ticked)" {
		t.Errorf("ticked count %q", v)
	}
	b.do("archive them", chromedp.Click(chromedp.CSS(`#bulk button[value="archive"]`)))
	waitText(b, "#results-heading", "Archive: 2 done.")
	if v := b.text("main .empty"); !strings.Contains(v, "No domain matches") {
		t.Errorf("the pending list after archiving: %q", v)
	}
	consoleShot(b, "05-archived")

	// Restore one from the archived list.
	b.do("the archived ones",
		chromedp.Click(chromedp.CSS(`.status-links a[href*="status=archived"]`)),
		chromedp.WaitVisible(chromedp.ID("domain-list")))
	if n := evalJS[int](b, `document.querySelectorAll('#domain-list tbody tr').length`); n != 2 {
		t.Fatalf("%d archived domains listed, want 2", n)
	}
	b.do("restore one",
		chromedp.Click(chromedp.CSS(`#domain-list tbody tr:nth-child(1) input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#bulk button[value="restore"]`)))
	waitText(b, "#results-heading", "Restore: 1 done.")
	if v := b.text("#results-table tbody"); !strings.Contains(v, "restored (now pending)") {
		t.Errorf("restore outcome %q", v)
	}
	if n := evalJS[int](b, `document.querySelectorAll('#domain-list tbody tr').length`); n != 1 {
		t.Errorf("%d archived domains left, want 1", n)
	}

	// The domain page: its use, its pools, and Restore for an archived one.
	b.do("open the archived domain",
		chromedp.Click(chromedp.CSS(`#domain-list tbody tr:nth-child(1) a[href^="/console/domains/"]`)),
		chromedp.WaitVisible(chromedp.ID("use")),
		chromedp.WaitVisible(chromedp.ID("restore")))
	if v := b.text("#use-usage"); v != "0 / 5,000" {
		t.Errorf("messages sent / limit %q", v)
	}
	if v := b.text("#use"); !strings.Contains(v, "Main") || !strings.Contains(v, "Archived") {
		t.Errorf("use section %q", v)
	}
	consoleShot(b, "07-domain")

	// A phone: the page never scrolls sideways (the table has its own
	// scroll wrapper), and the bulk bar and filters stay reachable.
	b.do("narrow viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.base+"/console/domains"), chromedp.WaitVisible(chromedp.ID("domain-list")))
	if w := evalJS[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
		t.Errorf("the Domains page overflows a 390 px screen by %d px", w)
	}
	if ok := evalJS[bool](b, `(function(){var r=document.querySelector('#bulk button[value="delete"]').getBoundingClientRect();return r.right<=window.innerWidth && r.width>0;})()`); !ok {
		t.Error("the Delete button is off screen at 390 px")
	}
	consoleShot(b, "06-domains-narrow")
	for _, page := range []string{clientURL, clientURL + "/domains/bulk", clientURL + "/pools"} {
		b.do("narrow "+page, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("h1")))
		if w := evalJS[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`); w > 0 {
			t.Errorf("%s overflows a 390 px screen by %d px", page, w)
		}
	}
	consoleShot(b, "08-pools-narrow")
	b.do("wide viewport", chromedp.EmulateViewport(1100, 900))
}
