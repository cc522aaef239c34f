package main

// Link tracking in the console, in real Chromium: the admin sets a
// client's tracking to all links with the prefix "offers" (a bad prefix
// first, refused next to its field), types a message with a URL in the
// sample box, and the live preview shows it rewritten on the platform's
// tracking domain (LINKGATE_TRACKING_DOMAIN) with its length and segment
// count. One engine (SQLite), as the other console browser tests.
// Screenshots (LINKGATE_SCREENSHOTS=1) are console-trk-*.

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestConsoleTrackingInBrowser(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	_, a := startPublic(t, map[string]string{
		"LINKGATE_BOOTSTRAP_ADMIN_EMAIL":    consoleAdminEmail,
		"LINKGATE_BOOTSTRAP_ADMIN_PASSWORD": consoleAdminPassword,
		"LINKGATE_TRACKING_DOMAIN":          "dyn.test",
	})
	client := a.newClient("shop.com")

	b := newBrowser(t, "trk")
	signIn(b, a.base, consoleAdminEmail, consoleAdminPassword)
	b.do("open the client",
		chromedp.Navigate(a.base+"/console/clients/"+client),
		chromedp.WaitVisible(chromedp.ID("tracking-form")))
	if v := b.text("#tracking-domain"); !regexp.MustCompile(`dyn\.test`).MatchString(v) {
		t.Errorf("tracking domains %q", v)
	}

	// A prefix of two words: refused next to the field, nothing saved.
	b.do("a bad prefix",
		chromedp.Click(chromedp.ID("tracking-mode-all")),
		chromedp.SendKeys(chromedp.ID("tracking-prefix"), "two words"),
		chromedp.Click(chromedp.CSS(`#tracking-form button[type="submit"]:not([formaction])`)),
		chromedp.WaitVisible(chromedp.ID("tracking-prefix-error")))
	evalJS[bool](b, `document.getElementById("tracking-prefix").value = ""; true`)

	// All links, "offers": saved.
	b.do("save",
		chromedp.Click(chromedp.ID("tracking-mode-all")),
		chromedp.SendKeys(chromedp.ID("tracking-prefix"), "offers"),
		chromedp.Click(chromedp.CSS(`#tracking-form button[type="submit"]:not([formaction])`)))
	waitText(b, ".notice", "Link tracking saved.")
	if !evalJS[bool](b, `document.getElementById("tracking-mode-all").checked && document.getElementById("tracking-prefix").value === "offers"`) {
		t.Fatalf("after saving: %s", b.text("#tracking"))
	}
	consoleShot(b, "01-saved")

	// The live preview, as the message is typed.
	b.do("type a message", chromedp.SendKeys(chromedp.ID("tracking-sample"), "Spring sale: https://shop.com/spring?utm=sms ends Sunday"))
	// The preview follows the typing: wait for the whole message.
	waitText(b, "#tracking-preview-body", " ends Sunday")
	waitText(b, "#tracking-preview-body", "https://offers.dyn.test/")
	waitText(b, "#tracking-preview-count", "1 segment")
	body := b.text("#tracking-preview-body")
	if !regexp.MustCompile(`^Spring sale: https://offers\.dyn\.test/[0-9A-Za-z]{6} ends Sunday$`).MatchString(body) {
		t.Errorf("preview %q", body)
	}
	if v := b.text("#tracking-preview-count"); !regexp.MustCompile(`^\d+ characters, GSM-7, 1 segment; 1 link tracked$`).MatchString(v) {
		t.Errorf("count %q", v)
	}
	consoleShot(b, "02-preview")
	consoleNarrowShot(b, "03-preview-narrow")

	// Changing the settings (not saved) changes the preview: marked only
	// leaves the unmarked link as it is.
	b.do("marked only", chromedp.Click(chromedp.ID("tracking-mode-marked")))
	waitText(b, "#tracking-preview-body", "https://shop.com/spring?utm=sms")
	waitText(b, "#tracking-preview-count", "0 links tracked")
}
