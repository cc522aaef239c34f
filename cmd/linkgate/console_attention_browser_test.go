package main

// The Attention page and the Domains page in real Chromium (issue 17):
// linkgate runs in sandbox mode on SQLite; the test makes clients,
// domains and a campaign through the API, then puts them in the states
// an admin must act on through a second connection to the database
// (failed, stuck in DNS for 30 hours, waiting for the Domain SID,
// waiting for the client, a certificate expiring in 10 days, the
// sending limit reached, under review, a suspended campaign). The admin
// lands on the Attention page, sees each row with its next action and
// the count in the nav, follows two actions; then filters, sorts and
// pages the Domains page (Previous, Next, the total) and archives a
// domain from the second page with the bulk bar. Screenshots
// (LINKGATE_SCREENSHOTS=1) are console-attention-*.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/linkgate/linkgate/models"
)

func TestConsoleAttentionInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	dir := t.TempDir()
	_, a := startPublic(t, map[string]string{
		"LINKGATE_BOOTSTRAP_ADMIN_EMAIL":    consoleAdminEmail,
		"LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": consoleAdminPassword,
		"LINKGATE_DATA_DIR":                 dir,
		"LINKGATE_RECONCILE_INTERVAL":       "off",
	})
	acme := a.newClient("acme.com")
	globex := a.newClient("globex.com")
	ids := map[string]string{}
	for _, name := range []string{"fail", "stuck", "sid", "cert", "limit", "review"} {
		ids[name] = a.newDomainOf(acme, name+"-acme.com")
	}
	ids["client"] = a.newDomainOf(globex, "wait-globex.com")
	a.forwardLogin(ids["client"], "owner@globex.com")
	a.waitStatus(ids["client"], "awaiting_client", flowDeadline)
	campaign := a.want(201, "POST", "/api/v1/clients/"+acme+"/campaigns",
		`{"name":"Winter sale","variants":[{"body":"Hi","ratio":100}]}`).body["id"].(string)

	// The states, written as the workflows would have left them.
	ctx := context.Background()
	db, err := models.Open(ctx, models.DBConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	now := time.Now().UTC()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Gorm.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	set := func(name string, st models.Status, dns models.DNSStatus, ssl models.SSLStatus, age time.Duration, reason string) {
		exec("UPDATE domains SET status = ?, dns_status = ?, ssl_status = ?, status_changed_at = ?, status_reason = ? WHERE id = ?",
			string(st), string(dns), string(ssl), now.Add(-age), reason, ids[name])
	}
	set("fail", models.StatusFailed, models.DNSFailed, models.SSLNone, time.Hour, "create the CNAME: cloudflare: ensure CNAME: ls.fail-acme.com already has a A record")
	exec("UPDATE domains SET failure_kind = ?, failure_detail = ? WHERE id = ?", string(models.FailureRecordConflict), "A", ids["fail"])
	set("stuck", models.StatusDNSPending, models.DNSPropagating, models.SSLNone, 30*time.Hour, "")
	set("sid", models.StatusAwaitingDomainSID, models.DNSVerified, models.SSLNone, 2*time.Hour, "")
	set("cert", models.StatusConfigured, models.DNSVerified, models.SSLActive, time.Hour, "")
	exec("UPDATE domains SET cert_expires_at = ? WHERE id = ?", now.Add(10*24*time.Hour), ids["cert"])
	set("limit", models.StatusReachedLimit, models.DNSVerified, models.SSLActive, time.Hour, "sent 5000 messages: the client's per-domain limit of 5000 is reached")
	set("review", models.StatusUnderReview, models.DNSVerified, models.SSLActive, time.Hour, "listed by a reputation feed")
	exec("UPDATE campaigns SET status = ?, status_reason = ? WHERE id = ?", string(models.CampaignSuspended),
		"every domain of the campaign reached its limit", campaign)
	// Enough young pending domains for two pages of the Domains page.
	var names []string
	for i := range 55 {
		names = append(names, "bulk"+strconv.Itoa(i)+".com")
	}
	if _, err := models.NewStore(db, nil).CreateDomains(ctx, models.Scope{}, globex, names, nil, nil, models.DNSDefaults{}, "test"); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, "attention")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
	if loc := b.location(); loc != a.base+"/console/attention" {
		t.Fatalf("an admin's home is %s", loc)
	}
	if n := b.text("#attention-count"); n != "8" {
		t.Errorf("nav count %q, want 8", n)
	}
	if v := b.text("#attention-total"); !strings.HasPrefix(v, "8 things need a person") {
		t.Errorf("total %q", v)
	}
	// Each row: its section, its words and its one next action.
	for _, w := range []struct {
		section, id, action, text, says string
	}{
		{"failed", ids["fail"], "/console/domains/" + ids["fail"] + "#failure", "Fix and retry", "ls.fail-acme.com already has an A record at Cloudflare"},
		{"under_review", ids["review"], "/console/domains/" + ids["review"] + "#review", "Review it", "Listed by a reputation feed."},
		{"awaiting_domain_sid", ids["sid"], "/console/domains/" + ids["sid"] + "#domain-sid", "Paste the Domain SID",
			"Create the domain in the Twilio Console and paste its Domain SID below."},
		{"awaiting_client", ids["client"], "/console/domains/" + ids["client"], "See the domain", "Link sent to owner@globex.com: Sent, not opened yet"},
		{"stuck", ids["stuck"], "/console/domains/" + ids["stuck"] + "#dns-record", "Check the DNS record", "Expected within 24 h; it has been 30 h."},
		{"cert_expiring", ids["cert"], "/console/domains/" + ids["cert"] + "#status", "Check the certificate", "has not been renewed yet"},
		{"reached_limit", ids["limit"], "/console/clients/" + acme + "#limit", "Raise the limit", "Sent 5000 messages"},
		{"campaign_suspended", campaign, "/console/campaigns/" + campaign, "Open the campaign", "Every domain of the campaign reached its limit."},
	} {
		row := `#attention-` + w.section + ` tr[data-id="` + w.id + `"]`
		got := evalJS[[]string](b, `(function(){var r=document.querySelector(`+jsString(row)+`);if(!r){return ["","",""];}
			var a=r.querySelector("a.action");return [a.getAttribute("href"), a.textContent, r.textContent];})()`)
		if got[0] != w.action || got[1] != w.text {
			t.Errorf("%s row: action %q %q, want %q %q", w.section, got[0], got[1], w.action, w.text)
		}
		if !strings.Contains(got[2], w.says) {
			t.Errorf("%s row says %q, want %q in it", w.section, got[2], w.says)
		}
	}
	// The young pending domains are not stuck.
	if n := evalJS[int](b, `document.querySelectorAll("#attention-stuck tbody tr").length`); n != 1 {
		t.Errorf("%d stuck rows, want 1", n)
	}
	consoleShot(b, "attention-01")

	// Two actions: the failed domain's retry, and the Domain SID form.
	b.do("fix the failed one", chromedp.Click(chromedp.CSS(`#attention-failed a.action`)), chromedp.WaitVisible(chromedp.ID("retry")))
	if v := b.text(`#status .badge[data-kind="status"]`); v != "Failed" {
		t.Errorf("failed badge %q", v)
	}
	b.do("back", chromedp.Navigate(a.base+"/console/attention"), chromedp.WaitVisible(chromedp.ID("attention-awaiting_domain_sid")))
	b.do("paste the SID", chromedp.Click(chromedp.CSS(`#attention-awaiting_domain_sid a.action`)), chromedp.WaitVisible(chromedp.ID("domain_sid")))
	if v := b.text("#status-hint"); v != "Create the domain in the Twilio Console and paste its Domain SID below." {
		t.Errorf("Domain SID hint %q", v)
	}
	if v := b.text(`#status .badge[data-kind="ssl"]`); v != "Certificate: Not requested yet" {
		t.Errorf("certificate badge %q", v)
	}

	// The Domains page: every client's domains, the total, two pages.
	b.do("open Domains", chromedp.Click(chromedp.CSS(`.top nav a[href="/console/domains"]`)), chromedp.WaitVisible(chromedp.ID("domain-list")))
	total := len(ids) + len(names)
	if v := b.text("#page-count"); v != fmt.Sprintf("1–50 of %d domains", total) {
		t.Errorf("first page count %q", v)
	}
	if n := evalJS[int](b, `document.querySelectorAll("#domain-list tbody tr").length`); n != 50 {
		t.Errorf("%d rows on the first page", n)
	}
	if evalJS[bool](b, `!!document.querySelector('.pager a[rel="prev"]')`) {
		t.Error("the first page offers Previous")
	}
	b.do("next page", chromedp.Click(chromedp.CSS(`.pager a[rel="next"]`)))
	waitText(b, "#page-count", fmt.Sprintf("51–%d of %d domains", total, total))
	if n := evalJS[int](b, `document.querySelectorAll("#domain-list tbody tr").length`); n != total-50 {
		t.Errorf("%d rows on the second page, want %d", n, total-50)
	}
	if evalJS[bool](b, `!!document.querySelector('.pager a[rel="next"]')`) {
		t.Error("the last page offers Next")
	}
	consoleShot(b, "attention-02-domains-page-2")
	// The bulk bar works on the second page and comes back to it.
	firstHost := evalJS[string](b, `document.querySelector("#domain-list tbody tr td:nth-child(2) a").textContent`)
	b.do("tick and archive one",
		chromedp.Click(chromedp.CSS(`#domain-list tbody tr:nth-child(1) input[type="checkbox"]`)),
		chromedp.Click(chromedp.CSS(`#bulk button[value="archive"]`)))
	waitText(b, "#results-heading", "Archive: 1 done.")
	if loc := b.location(); !strings.Contains(loc, "page=2") {
		t.Errorf("after the bulk action at %s, want the second page", loc)
	}
	if v := b.text("#results-table tbody"); !strings.Contains(v, firstHost) {
		t.Errorf("archive outcome %q, want %s", v, firstHost)
	}
	b.do("previous page", chromedp.Click(chromedp.CSS(`.pager a[rel="prev"]`)))
	waitText(b, "#page-count", fmt.Sprintf("1–50 of %d domains", total))

	// Filters: status and sub-status, with the search; in words.
	b.do("filter: live, DNS verified",
		chromedp.SetValue(chromedp.ID("status"), "configured"),
		chromedp.SetValue(chromedp.ID("dns-filter"), "verified"),
		chromedp.Click(chromedp.CSS(`.filters button[type="submit"]`)))
	waitText(b, "#page-count", "1–1 of 1 domain")
	if v := b.text("#domain-list tbody"); !strings.Contains(v, "ls.cert-acme.com") || !strings.Contains(v, "Live") || !strings.Contains(v, "acme.com") {
		t.Errorf("live, verified: %q", v)
	}
	waitText(b, ".status-links a[aria-current]", "Live")
	b.do("filter: certificate not requested, searching acme",
		chromedp.Navigate(a.base+"/console/domains"),
		chromedp.WaitVisible(chromedp.ID("domain-list")),
		chromedp.SetValue(chromedp.ID("ssl-filter"), "none"),
		chromedp.SendKeys(chromedp.ID("q"), "acme"),
		chromedp.Click(chromedp.CSS(`.filters button[type="submit"]`)))
	waitText(b, "#page-count", "1–3 of 3 domains")
	// Sorted by age in step: the one stuck in DNS for 30 hours first.
	b.do("sort by age", chromedp.SetValue(chromedp.ID("sort"), "age"), chromedp.Click(chromedp.CSS(`.filters button[type="submit"]`)))
	waitText(b, "#domain-list tbody tr:nth-child(1) td:nth-child(2)", "ls.stuck-acme.com")
	if v := b.text("#domain-list tbody tr:nth-child(1) td.age"); v != "30 h" {
		t.Errorf("age in step %q", v)
	}
	if loc := b.location(); !strings.Contains(loc, "sort=age") || !strings.Contains(loc, "ssl_status=none") || !strings.Contains(loc, "q=acme") {
		t.Errorf("sorted at %s", loc)
	}
	consoleShot(b, "attention-03-domains-sorted")

	// A phone: the Attention page does not scroll sideways.
	b.do("narrow viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.base+"/console/attention"), chromedp.WaitVisible(chromedp.ID("attention-failed")))
	if w := evalJS[int](b, `document.scrollingElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("the Attention page overflows a 390 px screen by %d px", w)
	}
	consoleShot(b, "attention-04-narrow")
}
