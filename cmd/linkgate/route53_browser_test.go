package main

// Self setup through Amazon Route 53 in real Chromium, in sandbox mode
// (the real route53 adapter on the fake Route 53), on SQLite and
// PostgreSQL: from the console's domain page and from the registration
// pages. The Route 53 form is picked from the host list (a <details> per
// host, no script needed), a refused key is named next to its field, and
// the domain goes to configured with the CNAME created once at the fake.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/linkgate/linkgate/models/dbtest"
)

// sandboxRoute53Zone makes apex's hosted zone at the fake Route 53 (a new
// account) and returns its access key.
func (a *lgAPI) sandboxRoute53Zone(apex string) (keyID, secret string) {
	a.t.Helper()
	z := a.want(201, "POST", "/_sandbox/route53/zones", fmt.Sprintf(`{"name":%q}`, apex))
	keyID, _ = z.body["access_key_id"].(string)
	secret, _ = z.body["secret_access_key"].(string)
	if keyID == "" || secret == "" || z.body["zone_id"] == nil {
		a.t.Fatalf("route53 zone: %s", z.raw)
	}
	return keyID, secret
}

// route53Engines runs fn on SQLite and, when TEST_DATABASE_URL is set, on
// PostgreSQL (env adds DATABASE_URL for it).
func route53Engines(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, map[string]string{}) })
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, map[string]string{"DATABASE_URL": dbtest.PostgresURL(t), "LINKGATE_SANDBOX": "1"})
	})
}

// pickRoute53 opens the Route 53 form of the host picker (the <details>
// with this id), types the key and submits it.
func pickRoute53(b *browserSession, details, keyID, secret string) {
	b.do("open Amazon Route 53", chromedp.Click(chromedp.CSS(`details#`+details+` > summary`)),
		chromedp.WaitVisible(chromedp.ID("access_key_id")))
	b.do("type the key",
		chromedp.SendKeys(chromedp.ID("access_key_id"), keyID),
		chromedp.SendKeys(chromedp.ID("secret_access_key"), secret),
		chromedp.Click(chromedp.CSS(`details#`+details+` button[type="submit"]`)))
}

func TestRoute53InBrowserConsole(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	route53Engines(t, func(t *testing.T, env map[string]string) {
		env["LINKGATE_BOOTSTRAP_ADMIN_EMAIL"] = consoleAdminEmail
		env["LINKGATE_BOOTSTRAP_ADMIN_PASSWORD"] = consoleAdminPassword
		r, a := startPublic(t, env)
		b := newBrowser(t, "route53-console")
		signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
		id := a.newDomain("r53.com")
		keyID, secret := a.sandboxRoute53Zone("r53.com")
		page := a.base + "/console/domains/" + id
		b.do("open the domain", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("api_token")))
		// Cloudflare's form is open; Route 53's is listed, closed.
		if s := b.text("#host-route53 summary"); s != "Amazon Route 53" {
			t.Errorf("Route 53 picker entry %q", s)
		}
		// A wrong secret: refused next to the key id, nothing set up.
		pickRoute53(b, "host-route53", keyID, strings.Repeat("x", 40))
		b.do("the refusal", chromedp.WaitVisible(chromedp.ID("access_key_id-error")))
		if msg := b.text("#access_key_id-error"); !strings.HasPrefix(msg, "Amazon Route 53 refused these credentials") {
			t.Errorf("refusal %q", msg)
		}
		if got, _ := a.waitStatus(id, "pending", flowDeadline); got["setup_mode"] != nil {
			t.Errorf("a refused key set the domain up: %v", got)
		}
		consoleShot(b, "route53-refused")
		// The form stays open after the refusal (its fields empty again);
		// the right key sets it up.
		b.do("type the key",
			chromedp.SendKeys(chromedp.ID("access_key_id"), keyID),
			chromedp.SendKeys(chromedp.ID("secret_access_key"), secret),
			chromedp.Click(chromedp.CSS(`details#host-route53 button[type="submit"]`)))
		a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
		a.submitSID(id, a.twilioDomain("ls.r53.com"))
		got, _ := a.waitStatus(id, "configured", flowDeadline)
		if got["setup_mode"] != "self" {
			t.Errorf("setup mode %v", got["setup_mode"])
		}
		if n := a.stats().DNSHosts["route53"].RecordsCreated["ls.r53.com"]; n != 1 {
			t.Errorf("CNAME created %d times at Route 53, want 1", n)
		}
		checkLogsFree(t, r, secret)
	})
}

func TestRoute53InBrowserRegistration(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	route53Engines(t, func(t *testing.T, env map[string]string) {
		mail := startSMTP(t)
		env["SMTP_URL"] = mail.URL()
		r, a := startPublic(t, env)
		id := a.newDomain("acme.com")
		keyID, secret := a.sandboxRoute53Zone("acme.com")
		link, token := registrationMail(t, a, mail, id, "ls.acme.com", "owner@acme.com")
		b := newBrowser(t, "route53-register")
		createAccount(b, link, "ls.acme.com")
		pickRoute53(b, "route53", keyID, strings.Repeat("y", 40))
		b.do("the refusal", chromedp.WaitVisible(chromedp.ID("access_key_id-error")))
		if msg := b.text("#access_key_id-error"); !strings.HasPrefix(msg, "Amazon Route 53 refused these credentials") {
			t.Errorf("refusal %q", msg)
		}
		b.shot("route53-refused")
		b.do("type the key",
			chromedp.SendKeys(chromedp.ID("access_key_id"), keyID),
			chromedp.SendKeys(chromedp.ID("secret_access_key"), secret),
			chromedp.Click(chromedp.CSS(`details#route53 button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.ID("finish")))
		if !strings.Contains(b.text("main"), "Amazon Route 53 is connected") {
			t.Errorf("finish page: %s", b.text("main"))
		}
		finish(b)
		a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
		a.submitSID(id, a.twilioDomain("ls.acme.com"))
		a.waitStatus(id, "configured", flowDeadline)
		if n := a.stats().DNSHosts["route53"].RecordsCreated["ls.acme.com"]; n != 1 {
			t.Errorf("CNAME created %d times at Route 53, want 1", n)
		}
		waitLive(b)
		checkLogsFree(t, r, token, secret)
	})
}
