package main

// The console in real Chromium (Debian's chromium, driven by chromedp):
// linkgate runs in-process in sandbox mode with a bootstrap admin user.
// (1) The admin signs in, creates a client, adds its domain, connects the
// sandbox Cloudflare, registers the domain in the sandbox's fake Twilio
// Console, enters the Domain SID, attaches a Messaging Service and sees
// the domain configured. (2) The admin forwards the login instead; the
// client finishes it through the e-mailed link (from the sandbox outbox)
// and then sees the domain in the console. (3) A client user cannot
// reach another client's pages. With LINKGATE_SCREENSHOTS=1, screenshots
// of the main pages go to screenshots/ at the repository root
// (git-ignored), named console-*.

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	consoleAdminEmail    = "admin@platform.test"
	consoleAdminPassword = "console admin password"
)

// startConsole runs linkgate in sandbox mode with the bootstrap admin user.
func startConsole(t *testing.T) (*running, *lgAPI) {
	t.Helper()
	return startPublic(t, map[string]string{
		"LINKGATE_BOOTSTRAP_ADMIN_EMAIL":    consoleAdminEmail,
		"LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": consoleAdminPassword,
	})
}

// consoleShot saves a full-page screenshot as console-<name>-<step>.png
// when screenshots are asked for.
func consoleShot(b *browserSession, step string) { b.shotAs("console", step) }

// consoleNarrowShot saves the page as a phone shows it.
func consoleNarrowShot(b *browserSession, step string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	b.do("narrow viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	consoleShot(b, step)
	b.do("wide viewport", chromedp.EmulateViewport(1100, 900))
}

// signIn signs in from the sign-in page and waits for the console.
func signIn(b *browserSession, base, email, password string) {
	b.do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".signout")))
}

// waitBadge waits until the domain page's live status shows status (the
// page refreshes its badges by itself), then reloads it for the next step.
func waitBadge(b *browserSession, status string) {
	b.t.Helper()
	b.do("the status turns "+status,
		chromedp.WaitVisible(chromedp.CSS(`#status .badge[data-kind="status"][data-value="`+status+`"]`)),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#status .badge[data-kind="status"][data-value="`+status+`"]`)))
}

// consoleValue is the value of a form field.
func consoleValue(b *browserSession, sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, flowDeadline)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

var domainIDInPath = regexp.MustCompile(`/console/domains/(dom_[0-9A-Za-z]+)`)

func TestConsoleInBrowserAdminOnboarding(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	b := newBrowser(t, "admin")

	// Signed out, / goes to the sign-in page; a wrong password is refused
	// next to the field.
	b.do("open the console", chromedp.Navigate(a.base+"/"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := b.location(); loc != a.base+"/login" {
		t.Errorf("signed out / went to %s", loc)
	}
	if !strings.Contains(b.text(".sandbox-banner"), "Sandbox mode") {
		t.Error("no sandbox banner")
	}
	consoleShot(b, "01-login")
	b.do("a wrong password",
		chromedp.SendKeys(chromedp.ID("email"), consoleAdminEmail),
		chromedp.SendKeys(chromedp.ID("password"), "not the password"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("password-error")))
	consoleShot(b, "01-login-error")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
	// An admin's home is the Attention page; nothing needs them yet.
	if loc := b.location(); loc != a.base+"/console/attention" {
		t.Errorf("after sign-in at %s", loc)
	}
	if v := b.text("#attention-empty"); !strings.Contains(v, "Nothing needs you right now") {
		t.Errorf("empty Attention page says %q", v)
	}
	b.do("open Clients", chromedp.Click(chromedp.CSS(`.top nav a[href="/console/clients"]`)), chromedp.WaitVisible(chromedp.ID("new-client")))

	// Create a client.
	b.do("create a client",
		chromedp.SendKeys(chromedp.ID("name"), "Acme Corporation"),
		chromedp.SendKeys(chromedp.ID("client-email"), "ops@acme.com"),
		chromedp.SetValue(chromedp.ID("plan"), "premium"),
		chromedp.Click(chromedp.CSS(`#new-client button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("custom-domain")))
	if h1 := b.text("h1"); h1 != "Acme Corporation" {
		t.Errorf("client page heading %q", h1)
	}
	consoleShot(b, "02-client")

	// Add its domain; the preview follows the typing.
	b.do("add a domain",
		chromedp.Click(chromedp.CSS(`#custom-domain a.button`)),
		chromedp.WaitVisible(chromedp.ID("domain")))
	if v := b.text("#preview-host"); v != "ls.…" {
		t.Errorf("empty preview %q", v)
	}
	b.do("type the domain", chromedp.SendKeys(chromedp.ID("domain"), "acme.com"))
	if v := b.text("#preview-host"); v != "ls.acme.com" {
		t.Errorf("preview host %q", v)
	}
	if v := b.text("#preview-record"); v != "CNAME ls → "+cnameTarget+" (TTL 600)" {
		t.Errorf("preview record %q", v)
	}
	consoleShot(b, "03-domain-new")
	b.do("submit the domain",
		chromedp.Click(chromedp.CSS(`#domain-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("setup")))
	domainURL := b.location()
	m := domainIDInPath.FindStringSubmatch(domainURL)
	if m == nil {
		t.Fatalf("domain page at %s", domainURL)
	}
	domainURL = a.base + "/console/domains/" + m[1]
	if v := b.text("#record-value"); v != cnameTarget {
		t.Errorf("record target %q", v)
	}
	consoleShot(b, "04-domain-pending")

	// The sandbox's fake Cloudflare: a zone and its token.
	b.do("create the sandbox zone",
		chromedp.Navigate(a.base+"/console/sandbox"),
		chromedp.WaitVisible(chromedp.ID("zone")),
		chromedp.SendKeys(chromedp.ID("zone"), "acme.com"),
		chromedp.Click(chromedp.CSS(`#cloudflare button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api-token-value")))
	cfToken := b.text("#api-token-value")

	// Connect the DNS provider: the workflow creates the record and waits
	// for the Domain SID.
	b.do("a bad token",
		chromedp.Navigate(domainURL),
		chromedp.WaitVisible(chromedp.ID("api_token")),
		chromedp.SendKeys(chromedp.ID("api_token"), "not-a-cloudflare-token"),
		chromedp.Click(chromedp.CSS(`#setup-self button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api_token-error")))
	consoleShot(b, "05-setup-error")
	b.do("connect Cloudflare",
		chromedp.SendKeys(chromedp.ID("api_token"), cfToken),
		chromedp.Click(chromedp.CSS(`#setup-self button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	waitBadge(b, "awaiting_domain_sid")
	consoleShot(b, "06-domain-awaiting-sid")

	// The fake Twilio Console (linked from the page, host filled in).
	b.do("register in the fake Twilio Console",
		chromedp.Click(chromedp.CSS(`#domain-sid a[href^="/console/sandbox"]`)),
		chromedp.WaitVisible(chromedp.ID("host")))
	if v := consoleValue(b, "#host"); v != "ls.acme.com" {
		t.Errorf("Twilio form host %q", v)
	}
	b.do("register", chromedp.Click(chromedp.CSS(`#twilio button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("domain-sid-value")))
	sid := b.text("#domain-sid-value")
	consoleShot(b, "07-sandbox-twilio")

	// A malformed SID next to its field, then the real one.
	b.do("a malformed SID",
		chromedp.Navigate(domainURL),
		chromedp.WaitVisible(chromedp.ID("domain_sid")),
		chromedp.SendKeys(chromedp.ID("domain_sid"), "DN123"),
		chromedp.Click(chromedp.CSS(`#domain-sid button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("domain_sid-error")))
	consoleShot(b, "08-sid-error")
	if v := consoleValue(b, "#domain_sid"); v != "DN123" {
		t.Errorf("the SID field lost its input: %q", v)
	}
	b.do("enter the SID",
		chromedp.Navigate(domainURL),
		chromedp.WaitVisible(chromedp.ID("domain_sid")),
		chromedp.SendKeys(chromedp.ID("domain_sid"), sid),
		chromedp.Click(chromedp.CSS(`#domain-sid button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	waitBadge(b, "configured")

	// Attach a Messaging Service.
	mg := "MG" + randomHex(16)
	b.do("attach a Messaging Service",
		chromedp.SendKeys(chromedp.ID("messaging_service_sid"), mg),
		chromedp.Click(chromedp.CSS(`#messaging-services button[type="submit"]:not(.secondary)`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := b.text("#messaging-services ul"); !strings.Contains(got, mg) {
		t.Errorf("Messaging Services %q, want %s", got, mg)
	}
	if s := b.text(`#status .badge[data-kind="status"]`); s != "Live" {
		t.Errorf("status badge %q", s)
	}
	if s := b.text(`#status .badge[data-kind="ssl"]`); s != "Certificate: Active" {
		t.Errorf("ssl badge %q", s)
	}
	if tl := b.text("#timeline"); !strings.Contains(tl, "domain configured") || !strings.Contains(tl, "by admin@platform.test") {
		t.Errorf("timeline: %s", tl)
	}
	consoleShot(b, "09-domain-configured")
	consoleNarrowShot(b, "09-domain-configured-narrow")
	// The copy buttons work (shared/copy.js): the button says what happened.
	copyBtn := `button[data-copy][aria-label="Copy the record target"]`
	b.do("copy the record target", chromedp.Click(chromedp.CSS(copyBtn)))
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got := b.text(copyBtn); got == "Copied" || got == "Select and copy" {
			break
		} else if time.Now().After(end) {
			t.Fatalf("the copy button still says %q", got)
		}
	}
	if owner := a.twilioOwner(mg); owner != sid {
		t.Errorf("at Twilio %s is on %q, want %s", mg, owner, sid)
	}

	// The client's page lists the domain with its badges.
	b.do("the client page", chromedp.Click(chromedp.CSS(`.crumbs a`)), chromedp.WaitVisible(chromedp.ID("domains")))
	if got := b.text("#domains"); !strings.Contains(got, "ls.acme.com") || !strings.Contains(got, "Live") {
		t.Errorf("client's domains: %s", got)
	}
	consoleShot(b, "10-client-configured")

	// Webhooks: an endpoint for the (premium) client on a local receiver
	// (sandbox mode allows loopback); its secret once.
	hooks := newHookReceiver(t)
	clientID := strings.TrimPrefix(strings.SplitN(b.location(), "?", 2)[0], a.base+"/console/clients/")
	b.do("add a webhook endpoint",
		chromedp.Navigate(a.base+"/console/webhooks"),
		chromedp.WaitVisible(chromedp.ID("url")),
		chromedp.SendKeys(chromedp.ID("url"), hooks.URL+"/linkgate"),
		chromedp.SetValue(chromedp.ID("client_id"), clientID),
		chromedp.Click(chromedp.CSS(`#new-endpoint button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("secret-value")))
	if s := b.text("#secret-value"); !strings.HasPrefix(s, "whsec_") {
		t.Errorf("secret %q", s)
	}
	consoleShot(b, "11-webhooks")
	b.do("open the webhooks again", chromedp.Navigate(a.base+"/console/webhooks"), chromedp.WaitVisible(chromedp.ID("endpoints")))
	if strings.Contains(b.text("main"), "whsec_") {
		t.Error("the secret is shown again")
	}
	// Ping it and watch the delivery succeed on the deliveries page.
	b.do("ping the endpoint", chromedp.Click(chromedp.CSS(`#endpoints form[action$="/ping"] button`)), chromedp.WaitVisible(chromedp.ID("deliveries")))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(b.text("#deliveries"), "succeeded") {
		if time.Now().After(deadline) {
			t.Fatalf("the ping was not delivered: %s", b.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
		b.do("reload the deliveries", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("deliveries")))
	}
	if !strings.Contains(b.text("#deliveries"), "webhook.ping") {
		t.Errorf("deliveries: %s", b.text("#deliveries"))
	}
	consoleShot(b, "12-webhook-deliveries")

	// Sign out.
	b.do("sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.ID("email")))
	b.do("the console is closed", chromedp.Navigate(a.base+"/console/clients"), chromedp.WaitVisible(chromedp.ID("email")))
}

func TestConsoleInBrowserForwardLogin(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	id := a.newDomain("beta.com")
	cfToken := a.sandboxZone("beta.com")

	admin := newBrowser(t, "forward-admin")
	signIn(admin, a.base, consoleAdminEmail, consoleAdminPassword)
	domainURL := a.base + "/console/domains/" + id
	admin.do("open the domain", chromedp.Navigate(domainURL), chromedp.WaitVisible(chromedp.ID("forward-email")))
	// The e-mail field comes filled in with the client's address.
	if v := consoleValue(admin, "#forward-email"); v != "owner@beta.com" {
		t.Errorf("e-mail field %q", v)
	}
	admin.do("forward the login",
		chromedp.Click(chromedp.CSS(`#setup-forward input[name="share_link"]`)),
		chromedp.Click(chromedp.CSS(`#setup-forward button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("share-link")))
	shared := admin.text("#share-link")
	if !strings.HasPrefix(shared, a.base+"/register/") {
		t.Errorf("share link %q", redactPath(shared))
	}
	consoleShot(admin, "01-share-link")
	admin.do("reload the domain", chromedp.Navigate(domainURL), chromedp.WaitVisible(chromedp.ID("status")))
	// It waits for the client, in the admin's words.
	if s := admin.text(`#status .badge[data-kind="status"]`); s != "Waiting for the client" {
		t.Errorf("after forwarding: %q", s)
	}
	if s := admin.text("#setup-mode"); !strings.Contains(s, "Forwarded to the client") || strings.Contains(admin.text("#status"), "Waiting for you") {
		t.Errorf("after forwarding the setup reads %q", s)
	}
	if strings.Contains(admin.text("main"), "/register/") {
		t.Error("the link is shown again")
	}

	// The e-mail, in the sandbox outbox page.
	admin.do("the outbox", chromedp.Click(chromedp.CSS(`nav a[href="/console/sandbox/outbox"]`)), chromedp.WaitVisible(chromedp.CSS("article.mail")))
	mailText := admin.text("article.mail pre")
	if to := admin.text("article.mail .small strong"); to != "owner@beta.com" {
		t.Errorf("mail to %q", to)
	}
	link, _ := linkIn(t, mailText)
	if link != shared {
		t.Errorf("the e-mailed link is not the shared one")
	}
	consoleShot(admin, "02-outbox")

	// The client finishes the registration in their own browser.
	client := newBrowser(t, "forward-client")
	createAccount(client, link, "ls.beta.com")
	client.do("connect Cloudflare",
		chromedp.SendKeys(chromedp.ID("api_token"), cfToken),
		chromedp.Click(chromedp.CSS(`#cloudflare button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("finish")))
	finish(client)

	// Signed in by the registration, the client opens the console: their
	// own client's page, with the domain.
	client.do("the client's console", chromedp.Navigate(a.base+"/"), chromedp.WaitVisible(chromedp.ID("custom-domain")))
	if got := client.text("#domains"); !strings.Contains(got, "ls.beta.com") {
		t.Errorf("client's domains: %s", got)
	}
	if strings.Contains(client.text("header"), "Clients") || strings.Contains(client.text("header"), "Outbox") {
		t.Errorf("a client user sees admin navigation: %s", client.text("header"))
	}
	consoleShot(client, "03-client-home")

	// The admin enters the Domain SID; the client sees the domain
	// configured on their domain page (live badges).
	a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
	sid := a.twilioDomain("ls.beta.com")
	admin.do("enter the SID",
		chromedp.Navigate(domainURL),
		chromedp.WaitVisible(chromedp.ID("domain_sid")),
		chromedp.SendKeys(chromedp.ID("domain_sid"), sid),
		chromedp.Click(chromedp.CSS(`#domain-sid button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	client.do("the client's domain page", chromedp.Click(chromedp.CSS(`#domains a`)), chromedp.WaitVisible(chromedp.ID("status")))
	waitBadge(client, "configured")
	if tl := client.text("#timeline"); !strings.Contains(tl, "awaiting_client") {
		t.Errorf("timeline: %s", tl)
	}
	consoleShot(client, "04-client-domain-configured")
}

func TestConsoleInBrowserClientScope(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startConsole(t)
	gamma := a.newClient("gamma.com")
	gammaDomain := a.newDomainOf(gamma, "gamma.com")
	delta := a.newClient("delta.com")
	deltaDomain := a.newDomainOf(delta, "delta.com")

	// The admin gives gamma a console user.
	admin := newBrowser(t, "scope-admin")
	signIn(admin, a.base, consoleAdminEmail, consoleAdminPassword)
	admin.do("add a user for gamma",
		chromedp.Navigate(a.base+"/console/clients/"+gamma),
		chromedp.WaitVisible(chromedp.ID("user-email")),
		chromedp.SendKeys(chromedp.ID("user-email"), "staff@gamma.com"),
		chromedp.SendKeys(chromedp.ID("user-password"), testPassword),
		chromedp.Click(chromedp.CSS(`#users button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")))

	b := newBrowser(t, "scope-client")
	signIn(b, a.base, "staff@gamma.com", testPassword)
	if loc := b.location(); loc != a.base+"/console/clients/"+gamma {
		t.Errorf("the client user landed on %s", loc)
	}
	if got := b.text("#domains"); !strings.Contains(got, "ls.gamma.com") {
		t.Errorf("own domains: %s", got)
	}
	b.do("own domain", chromedp.Navigate(a.base+"/console/domains/"+gammaDomain), chromedp.WaitVisible(chromedp.ID("setup")))
	for _, path := range []string{"/console/clients/" + delta, "/console/domains/" + deltaDomain, "/console/clients", "/console/sandbox/outbox"} {
		b.do("open "+path, chromedp.Navigate(a.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		if h1 := b.text("h1"); h1 != "Not found" {
			t.Errorf("%s: heading %q, want Not found", path, h1)
		}
		if strings.Contains(b.text("main"), "delta") {
			t.Errorf("%s shows the other client", path)
		}
	}
	consoleShot(b, "01-not-found")
}
