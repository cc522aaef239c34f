package main

// The forward-login journey in real Chromium (Debian's chromium, driven by
// chromedp): linkgate runs in-process in sandbox mode and sends the
// registration e-mail through its real SMTP adapter to an in-process
// go-smtp server; the test takes the link from the e-mail's text part and
// clicks through the pages, once with Cloudflare (self) and once adding
// the record by hand (manual), then the domain goes on to configured.
// With LINKGATE_SCREENSHOTS=1, screenshots of the main pages go to
// screenshots/ at the repository root (git-ignored); a failing step always
// leaves one there.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium; without it the browser tests skip,
// unless LINKGATE_REQUIRE_CHROMIUM is set (CI), which makes it a failure.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("LINKGATE_REQUIRE_CHROMIUM") != "" {
		t.Fatal("LINKGATE_REQUIRE_CHROMIUM is set but chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("needs chromium: apt-get install -y chromium")
	return ""
}

// browserSession is one tab in a fresh browser context of the shared
// Chromium.
type browserSession struct {
	t     *testing.T
	ctx   context.Context
	shots string // screenshot directory; empty: screenshots only of failures
	name  string // screenshot file prefix
}

func newBrowser(t *testing.T, name string) *browserSession {
	t.Helper()
	root := sharedChromium(t)
	// A browser context per session: its own cookies, storage and cache,
	// as a fresh profile would have, in the package's one Chromium.
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // open the tab, with no deadline
		t.Fatalf("open a browser context: %v", err)
	}
	b := &browserSession{t: t, ctx: ctx, name: name}
	if os.Getenv("LINKGATE_SCREENSHOTS") != "" {
		b.shots = screenshotDir(t)
	}
	return b
}

// chromium is the one Chromium process the package's browser tests share
// (starting one costs seconds; a browser context per test costs
// milliseconds). TestMain stops it.
var chromium struct {
	once    sync.Once
	ctx     context.Context
	stop    func()
	profile string
	err     error
}

// sharedChromium starts the package's Chromium on first use and returns
// its browser context (the root that sessions open their own in).
func sharedChromium(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	chromium.once.Do(func() {
		profile, err := os.MkdirTemp("", "linkgate-chromium-")
		if err != nil {
			chromium.err = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.UserDataDir(profile),
			chromedp.WindowSize(1100, 900),
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		chromium.ctx, chromium.profile = ctx, profile
		chromium.stop = func() { cancel(); cancelAlloc(); _ = os.RemoveAll(profile) }
		chromium.err = chromedp.Do(ctx) // start the browser, with no deadline
	})
	if chromium.err != nil {
		t.Fatalf("start chromium: %v", chromium.err)
	}
	return chromium.ctx
}

// stopChromium ends the shared Chromium, if one was started.
func stopChromium() {
	if chromium.stop != nil {
		chromium.stop()
	}
}

// do runs steps with a deadline.
func (b *browserSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, flowDeadline)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failed")
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
		b.t.Fatalf("%s: %v\nat %s\n%s", what, err, redactPath(loc), body)
	}
}

func (b *browserSession) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, flowDeadline)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *browserSession) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return loc
}

// shot saves a full-page screenshot as <dir>/register-<name>-<step>.png
// when screenshots are asked for (LINKGATE_SCREENSHOTS=1).
func (b *browserSession) shot(step string) { b.shotAs("register", step) }

// shotAs saves a full-page screenshot as <dir>/<kind>-<name>-<step>.png
// when screenshots are asked for; a failing step always gets one.
func (b *browserSession) shotAs(kind, step string) {
	b.t.Helper()
	if b.shots == "" && step != "failed" {
		return
	}
	dir := b.shots
	if dir == "" {
		dir = screenshotDir(b.t)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", step, err)
		return
	}
	path := filepath.Join(dir, kind+"-"+b.name+"-"+step+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

// narrowShot saves the page as a phone shows it, then restores the window.
func (b *browserSession) narrowShot(step string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	b.do("narrow viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.shot(step)
	b.do("reset viewport", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	}))
}

// screenshotDir is screenshots/ at the module root (made if missing).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The done page's sentences: before the domain is live, and once it is.
const (
	doneSentence     = "The rest happens without you: the DNS check, the registration with Twilio and the certificate. This page shows each step; nothing else is needed from you."
	doneLiveSentence = "Your subdomain is live: links on it work now."
)

// registrationMail sends a forward-login for domain id through the API and
// returns the link from the e-mail's text part.
func registrationMail(t *testing.T, a *lgAPI, mail *smtpCatcher, id, host, email string) (link, token string) {
	t.Helper()
	r := a.want(202, "POST", "/api/v1/domains/"+id+"/forward-login", `{"email":"`+email+`"}`)
	if _, ok := r.body["link"]; ok {
		t.Errorf("the link is in the answer without share_link: %s", r.raw)
	}
	reg, _ := r.body["registration"].(map[string]any)
	if reg["status"] != "sent" || reg["email"] != email {
		t.Errorf("forward-login answer: %s", r.raw)
	}
	m := mail.waitMail(t, 1)
	if m.To != email || !strings.Contains(m.Subject, host) {
		t.Errorf("e-mail to %q, subject %q; want to %s about %s", m.To, m.Subject, email, host)
	}
	link, token = linkIn(t, m.Text)
	if !strings.HasPrefix(link, a.base+"/register/") {
		t.Errorf("the link %q is not built from LINKGATE_PUBLIC_URL %s", redactPath(link), a.base)
	}
	if !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("the HTML part does not link to the same address")
	}
	return link, token
}

// createAccount goes from the e-mailed link to the DNS step.
func createAccount(b *browserSession, link, host string) {
	t := b.t
	b.do("open the e-mailed link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("password_confirm")))
	if h1 := b.text("h1"); h1 != "Set up "+host {
		t.Errorf("landing heading %q", h1)
	}
	if rec := b.text("#record-value"); rec != cnameTarget {
		t.Errorf("landing shows the target %q, want %s", rec, cnameTarget)
	}
	b.shot("01-landing")
	b.narrowShot("01-landing-narrow")
	// A mismatch is shown next to the field, and the form stays.
	b.do("mismatched passwords",
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("password_confirm"), "not the same one"),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("password_confirm-error")))
	if msg := b.text("#password_confirm-error"); msg != "The two passwords are not the same." {
		t.Errorf("mismatch message %q", msg)
	}
	b.shot("02-account-error")
	b.do("create the account",
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("password_confirm"), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api_token")))
	if loc := b.location(); !strings.HasSuffix(loc, "/dns") {
		t.Errorf("after the account: at %s, want the DNS step", redactPath(loc))
	}
}

// finish clicks Finish and checks the done page.
func finish(b *browserSession) {
	t := b.t
	b.shot("04-finish")
	b.do("finish", chromedp.Click(chromedp.ID("finish")), chromedp.WaitVisible(chromedp.ID("done-message")))
	// "All set" only once the domain is live (the sandbox may get there
	// before the page is read).
	msg, heading := b.text("#done-message"), b.text("#done-heading")
	if !(msg == doneSentence && heading == "Your part is done") && !(msg == doneLiveSentence && heading == "All set") {
		t.Errorf("done page says %q / %q", heading, msg)
	}
	if loc := b.location(); !strings.Contains(loc, "/register/done/reg_") {
		t.Errorf("done page at %s", loc)
	}
	b.shot("05-done")
}

// waitLive waits for the done page's live status to say the domain is
// live (the page refreshes it by itself).
func waitLive(b *browserSession) {
	b.do("the live status turns configured", chromedp.WaitVisible(chromedp.CSS(`#status-label[data-status="configured"]`)))
	if l := b.text("#status-label"); l != "Live" {
		b.t.Errorf("live status %q", l)
	}
	if h, m := b.text("#done-heading"), b.text("#done-message"); h != "All set" || m != doneLiveSentence {
		b.t.Errorf("live done page says %q / %q", h, m)
	}
	b.shot("06-done-live")
}

func TestRegistrationInBrowserSelf(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	mail := startSMTP(t)
	r, a := startPublic(t, map[string]string{"SMTP_URL": mail.URL()})
	if !strings.Contains(r.stderr.String(), `"provider":"smtp","mode":"live"`) {
		t.Fatalf("the SMTP adapter is not in use:\n%s", r.stderr)
	}
	id := a.newDomain("acme.com")
	cfToken := a.sandboxZone("acme.com")
	link, token := registrationMail(t, a, mail, id, "ls.acme.com", "owner@acme.com")

	b := newBrowser(t, "self")
	createAccount(b, link, "ls.acme.com")
	b.shot("03-dns")
	// A token Cloudflare refuses: the message sits next to the field.
	b.do("a bad token",
		chromedp.SendKeys(chromedp.ID("api_token"), "not-a-cloudflare-token"),
		chromedp.Click(chromedp.CSS(`#cloudflare button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api_token-error")))
	if msg := b.text("#api_token-error"); !strings.HasPrefix(msg, "Cloudflare refused this token") {
		t.Errorf("bad token message %q", msg)
	}
	b.shot("03-dns-error")
	b.do("connect Cloudflare",
		chromedp.SendKeys(chromedp.ID("api_token"), cfToken),
		chromedp.Click(chromedp.CSS(`#cloudflare button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("finish")))
	if !strings.Contains(b.text("main"), "Cloudflare is connected") {
		t.Errorf("finish page: %s", b.text("main"))
	}
	if regs := a.registrations("domain=ls.acme.com"); regs[0]["status"] != "authenticated" {
		t.Errorf("registration before finishing: %v", regs[0])
	}
	finish(b)
	regs := a.registrations("domain=ls.acme.com")
	if regs[0]["status"] != "completed" {
		t.Errorf("registration after finishing: %v", regs[0])
	}
	if uid, _ := regs[0]["user_id"].(string); uid == "" || a.registrations("user_id=" + uid)[0]["status"] != "completed" {
		t.Errorf("registrations by user: %v", regs[0])
	}

	// The platform registers the domain with Twilio; the client's page
	// follows the domain to configured.
	a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
	a.submitSID(id, a.twilioDomain("ls.acme.com"))
	got, _ := a.waitStatus(id, "configured", flowDeadline)
	if got["setup_mode"] != "self" {
		t.Errorf("setup mode %v, want self", got["setup_mode"])
	}
	if n := a.stats().Cloudflare.RecordsCreated["ls.acme.com"]; n != 1 {
		t.Errorf("CNAME created %d times, want 1", n)
	}
	waitLive(b)

	// The used link now says so, in the browser too.
	b.do("reopen the used link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h1 := b.text("h1"); h1 != "This link was already used" {
		t.Errorf("reused link: %q", h1)
	}
	b.shot("07-link-used")
	checkLogsFree(t, r, token, cfToken)
}

func TestRegistrationInBrowserManual(t *testing.T) {
	chromiumPath(t)
	t.Parallel()
	mail := startSMTP(t)
	r, a := startPublic(t, map[string]string{"SMTP_URL": mail.URL()})
	id := a.newDomain("beta.com")
	link, token := registrationMail(t, a, mail, id, "ls.beta.com", "owner@beta.com")

	b := newBrowser(t, "manual")
	createAccount(b, link, "ls.beta.com")
	// Choose to add the record by hand: the record and a live DNS doctor.
	b.do("choose manual",
		chromedp.Click(chromedp.CSS("#manual summary")),
		chromedp.WaitVisible(chromedp.CSS(`#doctor [data-state="pending"]`)))
	if f := b.text("#doctor"); !strings.Contains(f, "Not there yet") {
		t.Errorf("doctor before the record: %q", f)
	}
	if n := b.text(`#manual #record-name`); n != "ls" {
		t.Errorf("record name %q", n)
	}
	b.shot("03-dns-manual-pending")
	// The client adds the record; the doctor turns OK by itself.
	a.want(201, "POST", "/_sandbox/dns", `{"name":"ls.beta.com","type":"CNAME","value":"`+cnameTarget+`"}`)
	b.do("the doctor turns OK", chromedp.WaitVisible(chromedp.CSS(`#doctor [data-state="ok"]`)))
	b.shot("03-dns-manual-ok")
	b.do("continue with the record added",
		chromedp.Click(chromedp.CSS(`#manual form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("finish")))
	if !strings.Contains(b.text("main"), "You add the") {
		t.Errorf("finish page: %s", b.text("main"))
	}
	finish(b)
	if regs := a.registrations("domain_id=" + id); regs[0]["status"] != "completed" {
		t.Errorf("registration after finishing: %v", regs[0])
	}
	a.submitSID(id, a.twilioDomain("ls.beta.com"))
	got, _ := a.waitStatus(id, "configured", flowDeadline)
	if got["setup_mode"] != "manual" {
		t.Errorf("setup mode %v, want manual", got["setup_mode"])
	}
	if n := a.stats().Cloudflare.RecordsCreated["ls.beta.com"]; n != 0 {
		t.Errorf("a CNAME was created for a manual setup")
	}
	waitLive(b)
	checkLogsFree(t, r, token)
}

// checkLogsFree fails when a secret is in the service's log.
func checkLogsFree(t *testing.T, r *running, secrets ...string) {
	t.Helper()
	logs := r.stderr.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a secret (%s…) is in the log", s[:6])
		}
	}
	if m := registerLinkRE.FindString(logs); m != "" || regexp.MustCompile(`/register/[A-Za-z0-9_-]{40,}`).MatchString(logs) {
		t.Errorf("a registration link is in the log")
	}
}
