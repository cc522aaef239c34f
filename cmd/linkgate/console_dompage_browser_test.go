package main

// The domain page's remedies and tools in real Chromium (issue 17, part
// B). Failures are real: an A record in the way at the fake Cloudflare
// makes the workflow's CNAME step fail with a record conflict. (1) The
// setup starts and fails while the page is open: the failure shows up
// without a reload (live fragments), in
// people's words with the raw reason behind Details; the domain is deleted
// from its confirmation page, which says what goes. (2) A new token: a bad
// one is refused next to the field, a good one (the record removed) sets
// the domain up again. (3) Set up by hand instead, the record added with
// the sandbox's DNS tool. (4) Forward the login instead: the e-mail is
// pre-filled, the one-time link is at the top, Resend revokes the old
// link (it answers 410), Revoke ends the new one. (5) Messaging Services:
// a lower-case SID with pasted spaces, the move offered in words and its
// timeline lines, detach after a confirmation. (6) The sandbox fault tool
// and the link back from the fake Twilio Console. Screenshots
// (LINKGATE_SCREENSHOTS=1) are console-dp-*.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dpConflictZone makes apex's zone in the fake Cloudflare with an A record
// at ls.<apex> in the CNAME's way; it returns the zone's token and a func
// that removes the record.
func (a *lgAPI) dpConflictZone(apex string) (token string, remove func()) {
	a.t.Helper()
	z := a.want(201, "POST", "/_sandbox/cloudflare/zones", fmt.Sprintf(`{"name":%q}`, apex))
	zoneID, token := z.body["zone_id"].(string), z.body["api_token"].(string)
	records := a.base + "/_sandbox/cloudflare/client/v4/zones/" + zoneID + "/dns_records"
	auth := []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}
	r := call(a.t, "POST", records, `{"type":"A","name":"ls.`+apex+`","content":"192.0.2.10","ttl":1}`, auth...)
	if r.status != http.StatusOK {
		a.t.Fatalf("A record: %d %s", r.status, r.raw)
	}
	id := r.body["result"].(map[string]any)["id"].(string)
	return token, func() {
		a.t.Helper()
		if r := call(a.t, "DELETE", records+"/"+id, "", auth...); r.status != http.StatusOK {
			a.t.Fatalf("remove the A record: %d %s", r.status, r.raw)
		}
	}
}

// dpFailedDomain adds ls.<apex> and has its self setup fail on the record
// conflict; it returns the domain's id, the token and the record's remover.
func (a *lgAPI) dpFailedDomain(apex string) (id, token string, remove func()) {
	a.t.Helper()
	id = a.newDomain(apex)
	token, remove = a.dpConflictZone(apex)
	a.want(202, "POST", "/api/v1/domains/"+id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	a.dpWaitFailed(id)
	return id, token, remove
}

// dpWaitFailed waits until the domain's status is failed.
func (a *lgAPI) dpWaitFailed(id string) {
	a.t.Helper()
	end := time.Now().Add(flowDeadline)
	for {
		r := a.want(200, "GET", "/api/v1/domains/"+id, "")
		if r.body["status"] == "failed" {
			return
		}
		if time.Now().After(end) {
			a.t.Fatalf("domain did not fail: %s", r.raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dpLinkStatus is the HTTP status a registration link answers with.
func dpLinkStatus(t *testing.T, link string) int {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// dpFits390 checks that the page needs no horizontal scrolling on a
// 390 px wide phone, then goes back to the wide window.
func dpFits390(b *browserSession, what string) {
	b.t.Helper()
	b.do("narrow viewport", chromedp.EmulateViewport(390, 844))
	defer b.do("wide viewport", chromedp.EmulateViewport(1100, 900))
	if !evalJS[bool](b, `document.scrollingElement.scrollWidth <= window.innerWidth`) {
		w := evalJS[int](b, `document.scrollingElement.scrollWidth`)
		wide := evalJS[string](b, `Array.from(document.querySelectorAll("body *")).filter(function (e) {
			return e.getBoundingClientRect().right > window.innerWidth + 1;
		}).slice(-5).map(function (e) { return e.tagName + "#" + e.id + "." + e.className; }).join(" ")`)
		b.t.Errorf("%s is %d px wide at 390 px: %s", what, w, wide)
	}
}

func TestConsoleInBrowserFailureRemedies(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	b := newBrowser(t, "dp-remedies")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)

	// (1) The page is open while the setup fails: the failure appears
	// without a reload.
	id := a.newDomain("rem1.com")
	token, _ := a.dpConflictZone("rem1.com")
	page := a.base + "/console/domains/" + id
	b.do("open the domain", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("api_token")))
	evalJS[bool](b, `window.__sameDocument = true`)
	// Someone else (here the API) starts the setup while the page is open
	// at pending.
	a.want(202, "POST", "/api/v1/domains/"+id+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	waitText(b, "#live", "The setup failed")
	if !evalJS[bool](b, `window.__sameDocument === true`) {
		t.Error("the page was reloaded")
	}
	if s := b.text(`#status-code`); s != "failed" {
		t.Errorf("status badge %q", s)
	}
	if p := b.text("#failure-problem"); p != "ls.rem1.com already has an A record at Cloudflare, so linkgate could not add its CNAME there." {
		t.Errorf("problem %q", p)
	}
	if f := b.text("#failure-fix"); !strings.Contains(f, "switch to the manual setup") {
		t.Errorf("fix %q", f)
	}
	if evalJS[bool](b, `document.getElementById("failure-details").open`) {
		t.Error("the details are open at first")
	}
	raw := evalJS[string](b, `document.getElementById("failure-raw").textContent`)
	if !strings.Contains(raw, "create the CNAME ls.rem1.com") {
		t.Errorf("raw reason %q", raw)
	}
	if tl := b.text("#timeline"); !strings.Contains(tl, "create the CNAME") {
		t.Errorf("the timeline was not refreshed: %s", tl)
	}
	if evalJS[bool](b, `!!document.getElementById("status-changed")`) {
		t.Error("the stale reload notice is still there")
	}
	consoleShot(b, "dp-01-failed")
	dpFits390(b, "a failed domain's page")

	// Delete from the failure card: the confirmation says what goes.
	b.do("delete", chromedp.Click(chromedp.ID("failure-delete")), chromedp.WaitVisible(chromedp.ID("delete-confirm")))
	if d := b.text("#delete-dns"); !strings.Contains(d, "linkgate removes it at Cloudflare") {
		t.Errorf("delete page on DNS: %q", d)
	}
	consoleShot(b, "dp-02-delete-confirm")
	dpFits390(b, "the delete page")
	b.do("delete unticked", chromedp.Click(chromedp.ID("delete-yes")), chromedp.WaitVisible(chromedp.ID("delete-confirm-error")))
	a.want(200, "GET", "/api/v1/domains/"+id, "")
	b.do("delete ticked",
		chromedp.Click(chromedp.ID("delete-confirm-box")),
		chromedp.Click(chromedp.ID("delete-yes")),
		chromedp.WaitVisible(chromedp.ID("custom-domain")))
	if !strings.Contains(b.text("main"), "Deleted ls.rem1.com") {
		t.Errorf("after delete: %s", b.text("main"))
	}
	a.want(404, "GET", "/api/v1/domains/"+id, "")

	// (2) A new token: a bad one is refused next to the field; with the
	// record out of the way the good one sets the domain up again.
	id2, token2, remove2 := a.dpFailedDomain("rem2.com")
	page2 := a.base + "/console/domains/" + id2
	b.do("open the failed domain", chromedp.Navigate(page2), chromedp.WaitVisible(chromedp.ID("failure")))
	if l := b.text(`label[for="api_token"]`); l != "New Cloudflare API token" {
		t.Errorf("token label %q", l)
	}
	b.do("a bad token",
		chromedp.SendKeys(chromedp.ID("api_token"), "not-a-cloudflare-token"),
		chromedp.Click(chromedp.CSS(`#setup-self button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api_token-error")))
	if s := a.want(200, "GET", "/api/v1/domains/"+id2, "").body["status"]; s != "failed" {
		t.Errorf("after a bad token: %v", s)
	}
	remove2()
	b.do("the new token",
		chromedp.SendKeys(chromedp.ID("api_token"), token2),
		chromedp.Click(chromedp.CSS(`#setup-self button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	a.waitStatus(id2, "awaiting_domain_sid", flowDeadline)
	waitText(b, `#status-code`, "awaiting_domain_sid")
	if evalJS[bool](b, `!!document.getElementById("failure")`) {
		t.Error("the failure card stayed")
	}

	// (3) Set up by hand instead; the record added with the sandbox DNS
	// tool (the A record is gone first: a CNAME cannot sit beside it).
	id3, _, remove3 := a.dpFailedDomain("rem3.com")
	remove3()
	page3 := a.base + "/console/domains/" + id3
	b.do("switch to manual",
		chromedp.Navigate(page3),
		chromedp.WaitVisible(chromedp.ID("failure")),
		chromedp.Click(chromedp.CSS(`#setup-manual button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	waitText(b, `#status-code`, "dns_pending")
	b.do("add the CNAME in the sandbox DNS",
		chromedp.Navigate(a.base+"/console/sandbox"),
		chromedp.WaitVisible(chromedp.ID("dns_name")),
		chromedp.SendKeys(chromedp.ID("dns_name"), " ls.rem3.com "),
		chromedp.SendKeys(chromedp.ID("dns_value"), cnameTarget),
		chromedp.Click(chromedp.CSS(`#dns button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	a.waitStatus(id3, "awaiting_domain_sid", flowDeadline)
	if mode := a.want(200, "GET", "/api/v1/domains/"+id3, "").body["setup_mode"]; mode != "manual" {
		t.Errorf("setup mode %v", mode)
	}

	// (4) Forward the login instead: the registration panel.
	id4, _, _ := a.dpFailedDomain("rem4.com")
	page4 := a.base + "/console/domains/" + id4
	b.do("open", chromedp.Navigate(page4), chromedp.WaitVisible(chromedp.ID("forward-email")))
	if v := consoleValue(b, "#forward-email"); v != "owner@rem4.com" {
		t.Errorf("e-mail field %q, want the client's address", v)
	}
	b.do("forward the login",
		chromedp.Click(chromedp.CSS(`#setup-forward input[name="share_link"]`)),
		chromedp.Click(chromedp.CSS(`#setup-forward button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("share-link")))
	if top := evalJS[bool](b, `document.querySelector("main .card").id === "share"`); !top {
		t.Error("the one-time link is not the first card")
	}
	link1 := b.text("#share-link")
	if s := b.text("#registrations tbody tr:first-child .reg-status"); s != "Sent, not opened yet" {
		t.Errorf("registration status %q", s)
	}
	if s := a.want(200, "GET", "/api/v1/domains/"+id4, "").body["status"]; s != "awaiting_client" {
		t.Errorf("after forwarding: %v", s)
	}
	consoleShot(b, "dp-03-registration")
	// The card is taken off first, so that the wait is for the new page's.
	evalJS[bool](b, `document.getElementById("share").remove() === undefined`)
	b.do("resend", chromedp.Click(chromedp.ID("resend")), chromedp.WaitVisible(chromedp.ID("share-link")))
	link2 := b.text("#share-link")
	if link2 == link1 {
		t.Fatal("resend showed the same link")
	}
	if got := dpLinkStatus(t, link1); got != http.StatusGone {
		t.Errorf("the old link answers %d, want 410", got)
	}
	if got := dpLinkStatus(t, link2); got != http.StatusOK {
		t.Errorf("the new link answers %d", got)
	}
	b.do("reload", chromedp.Navigate(page4), chromedp.WaitVisible(chromedp.ID("registrations")))
	if strings.Contains(b.text("main"), "/register/") {
		t.Error("the one-time link is shown again")
	}
	if s := b.text("#registrations tbody tr:nth-child(2) .reg-status"); s != "Revoked" {
		t.Errorf("the old link after resend: %q", s)
	}
	if s := b.text("#registrations tbody tr:first-child .reg-status"); s != "Opened" {
		t.Errorf("the new link, opened: %q", s)
	}
	b.do("revoke", chromedp.Click(chromedp.CSS("#registrations tbody tr:first-child button.revoke")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := dpLinkStatus(t, link2); got != http.StatusGone {
		t.Errorf("the revoked link answers %d, want 410", got)
	}
	if s := b.text("#registrations tbody tr:first-child .reg-status"); s != "Revoked" {
		t.Errorf("after revoke: %q", s)
	}
	if s := a.want(200, "GET", "/api/v1/domains/"+id4, "").body["status"]; s != "pending" {
		t.Errorf("after revoking the only link: %v", s)
	}
	consoleShot(b, "dp-04-revoked")
	dpFits390(b, "the registration links")
}

func TestConsoleInBrowserMessagingServicesAndSandbox(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	client := a.newClient("ms.com")
	one := a.configuredDomain(client, "ms.com")
	two := a.newDomainOf(client, "ms2.com")
	b := newBrowser(t, "dp-ms")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)

	// The sandbox tools: the fault tool, and the link back from the fake
	// Twilio Console to the domain that opened it.
	b.do("inject a fault",
		chromedp.Navigate(a.base+"/console/sandbox"),
		chromedp.WaitVisible(chromedp.ID("fault_status")),
		chromedp.SetValue(chromedp.ID("fault_provider"), "twilio"),
		chromedp.SetValue(chromedp.ID("fault_status"), "503"),
		chromedp.SetValue(chromedp.ID("fault_count"), "3"),
		chromedp.Click(chromedp.CSS(`#faults button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if n := a.stats().Twilio.FaultsPending; n != 3 {
		t.Errorf("Twilio faults pending %d", n)
	}
	if p := b.text("#faults-pending"); !strings.Contains(p, "Twilio 3 calls") {
		t.Errorf("pending %q", p)
	}
	consoleShot(b, "dp-05-sandbox")
	dpFits390(b, "the sandbox tools")
	b.do("clear the faults", chromedp.Click(chromedp.ID("faults-clear")))
	waitText(b, ".notice", "Faults cleared")
	if n := a.stats().Twilio.FaultsPending; n != 0 {
		t.Errorf("faults left %d", n)
	}
	token := a.sandboxZone("ms2.com")
	a.want(202, "POST", "/api/v1/domains/"+two+"/configure",
		`{"mode":"self","provider":"cloudflare","credentials":{"api_token":"`+token+`"}}`)
	a.waitStatus(two, "awaiting_domain_sid", flowDeadline)
	page2 := a.base + "/console/domains/" + two
	b.do("open the fake Twilio Console from the domain",
		chromedp.Navigate(page2),
		chromedp.WaitVisible(chromedp.ID("domain_sid")),
		chromedp.Click(chromedp.CSS(`#domain-sid a[href^="/console/sandbox"]`)),
		chromedp.WaitVisible(chromedp.ID("host")),
		chromedp.Click(chromedp.CSS(`#twilio button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("domain-sid-value")))
	sid := b.text("#domain-sid-value")
	// Back to the domain; the SID pasted in lower case with spaces.
	b.do("back to the domain", chromedp.Click(chromedp.ID("back-to-domain")), chromedp.WaitVisible(chromedp.ID("domain_sid")))
	b.do("paste the SID",
		chromedp.SendKeys(chromedp.ID("domain_sid"), "  "+strings.ToLower(sid)+" "),
		chromedp.Click(chromedp.CSS(`#domain-sid button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	// The page follows the setup to its end by itself: the status, the
	// Messaging Service form that is the next step, the timeline.
	evalJS[bool](b, `window.__sameDocument = true`)
	a.waitStatus(two, "configured", flowDeadline)
	waitText(b, `#status-code`, "configured")
	waitText(b, "#timeline", "domain configured for link shortening")
	if !evalJS[bool](b, `window.__sameDocument === true && !!document.getElementById("ms-form") && !document.getElementById("domain-sid")`) {
		t.Error("the next step's form did not replace the Domain SID form without a reload")
	}

	// A Messaging Service on the first domain, then pasted (lower case,
	// spaces) on the second: the page offers to move it, in words.
	mg := a.want(201, "POST", "/_sandbox/twilio/messaging-services", `{"friendly_name":"Shop"}`).body["messaging_service_sid"].(string)
	page1 := a.base + "/console/domains/" + one
	b.do("attach to the first",
		chromedp.Navigate(page1),
		chromedp.WaitVisible(chromedp.ID("messaging_service_sid")),
		chromedp.SendKeys(chromedp.ID("messaging_service_sid"), " "+strings.ToLower(mg)+"  "),
		chromedp.Click(chromedp.CSS(`#ms-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := b.text("#messaging-services ul"); !strings.Contains(got, mg) {
		t.Fatalf("attached: %q, want %s", got, mg)
	}
	b.do("attach to the second",
		chromedp.Navigate(page2),
		chromedp.WaitVisible(chromedp.ID("messaging_service_sid")),
		chromedp.SendKeys(chromedp.ID("messaging_service_sid"), "   "+strings.ToLower(mg)+" "),
		chromedp.Click(chromedp.CSS(`#ms-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("ms-move")))
	msg := b.text("#ms-error")
	if !strings.Contains(msg, "attached to ls.ms.com") || strings.Contains(msg, `"move"`) {
		t.Errorf("conflict words %q", msg)
	}
	consoleShot(b, "dp-06-ms-move")
	b.do("move it here", chromedp.Click(chromedp.ID("ms-move")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	line := "moved from ls.ms.com to ls.ms2.com"
	if tl := b.text("#timeline"); !strings.Contains(tl, line) {
		t.Errorf("the new domain's timeline lacks %q: %s", line, tl)
	}
	if owner := a.twilioOwner(mg); owner != sid {
		t.Errorf("at Twilio %s is on %q, want %s", mg, owner, sid)
	}
	b.do("the old domain", chromedp.Navigate(page1), chromedp.WaitVisible(chromedp.ID("timeline")))
	if tl := b.text("#timeline"); !strings.Contains(tl, line) {
		t.Errorf("the old domain's timeline lacks %q: %s", line, tl)
	}

	// Detach asks first; Cancel keeps it, Yes detaches.
	b.do("detach…",
		chromedp.Navigate(page2),
		chromedp.WaitVisible(chromedp.ID("messaging-services")),
		chromedp.Click(chromedp.CSS(`#messaging-services a[href*="detach="]`)),
		chromedp.WaitVisible(chromedp.ID("detach-confirm")))
	consoleShot(b, "dp-07-detach-confirm")
	dpFits390(b, "the detach confirmation")
	b.do("cancel", chromedp.Click(chromedp.ID("detach-cancel")), chromedp.WaitVisible(chromedp.ID("messaging-services")))
	if a.twilioOwner(mg) != sid {
		t.Error("cancel detached")
	}
	b.do("detach for real",
		chromedp.Click(chromedp.CSS(`#messaging-services a[href*="detach="]`)),
		chromedp.WaitVisible(chromedp.ID("detach-yes")),
		chromedp.Click(chromedp.ID("detach-yes")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := b.text("#messaging-services"); strings.Contains(got, mg) {
		t.Errorf("still listed after detach: %s", got)
	}
	if owner := a.twilioOwner(mg); owner != "" {
		t.Errorf("at Twilio still on %q", owner)
	}
}
