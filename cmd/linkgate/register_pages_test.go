package main

// The registration pages over plain HTTP (a cookie jar, no browser), in
// sandbox mode on SQLite and PostgreSQL: CSRF, sessions, field errors,
// two browsers finishing at once, reuse, revocation, expiry, unknown
// links, rate limits, the security headers of every page, and logs free
// of tokens.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

const testPassword = "correct horse battery staple"

var assetRE = regexp.MustCompile(`/register/assets/register\.css\?v=([0-9a-f]{12})`)

func TestRegistrationPages(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		r, a := startPublic(t, nil)
		registrationPagesScenario(t, r, a)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		r, a := startPublic(t, map[string]string{"DATABASE_URL": dbtest.PostgresURL(t), "LINKGATE_SANDBOX": "1"})
		if !strings.Contains(r.stderr.String(), `"database":"postgres"`) {
			t.Fatalf("not running on PostgreSQL:\n%s", r.stderr)
		}
		registrationPagesScenario(t, r, a)
	})
}

func registrationPagesScenario(t *testing.T, r *running, a *lgAPI) {
	log := &pageLog{}
	var secrets []string // must never reach the log
	id := a.newDomain("acme.com")
	cfToken := a.sandboxZone("acme.com")
	_, token := a.forwardLogin(id, "owner@acme.com")
	secrets = append(secrets, token, cfToken)
	land := "/register/" + token
	wantRegStatus := func(query, want string) map[string]any {
		t.Helper()
		regs := a.registrations(query)
		if len(regs) == 0 || regs[0]["status"] != want {
			t.Fatalf("registrations?%s: %v, want the newest %s", query, regs, want)
		}
		return regs[0]
	}
	wantRegStatus("domain=ls.acme.com", "sent")

	// Unknown links: 404 pages.
	anon := newPageClient(t, a.base, log)
	anon.get("/register/"+models.NewToken()).want(t, 404).has(t, "This link is not valid")
	anon.get("/register/short").want(t, 404)
	anon.get("/register/"+models.NewToken()+"/dns").want(t, 404)

	// The landing page says what is set up and never consumes the link.
	b1 := newPageClient(t, a.base, log)
	p := b1.get(land).want(t, 200).has(t, "Set up ls.acme.com", "lsct.ashburn.us1.twilio.com.", "Create your account",
		`<label for="password">`, `<label for="password_confirm">`, `data-copy="ls"`)
	b1.get(land).want(t, 200)
	anon.get(land).want(t, 200)
	wantRegStatus("domain=ls.acme.com", "opened")
	// The stylesheet and script carry their hash and may be kept.
	m := assetRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no versioned stylesheet in the page:\n%s", p.body)
	}
	css := anon.get("/register/assets/register.css?v="+m[1]).want(t, 200)
	if css.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Errorf("stylesheet: %v", css.header)
	}
	anon.get("/register/assets/register.js").want(t, 200).has(t, "use strict")
	anon.get("/register/assets/nope.css").want(t, 404)
	pre := p.cookie("lg_csrf")
	if pre == nil || !pre.HttpOnly || pre.SameSite != http.SameSiteStrictMode || pre.Secure {
		t.Fatalf("pre-sign-in CSRF cookie: %+v", pre)
	}
	csrf := p.csrf(t)
	secrets = append(secrets, csrf)

	// CSRF: no token, a wrong one, a token without its cookie, a
	// cross-site post: 403, and nothing happens.
	account := land + "/account"
	b1.post(account, form("password", testPassword, "password_confirm", testPassword)).want(t, 403).has(t, "Please try again")
	b1.post(account, form("csrf_token", "forged", "password", testPassword, "password_confirm", testPassword)).want(t, 403)
	newPageClient(t, a.base, log).post(account, form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 403)
	b1.hdr = map[string]string{"Sec-Fetch-Site": "cross-site"}
	b1.post(account, form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 403)
	b1.hdr = nil
	wantRegStatus("domain=ls.acme.com", "opened")

	// Field errors next to their field.
	b1.post(account, form("csrf_token", csrf, "password", testPassword, "password_confirm", "something else")).want(t, 422).
		has(t, `id="password_confirm-error"`, "The two passwords are not the same.")
	b1.post(account, form("csrf_token", csrf, "password", "short", "password_confirm", "short")).want(t, 422).
		has(t, `id="password-error"`, "must be 10 to 72 characters")

	// The account: a session cookie, then the DNS step.
	ok := b1.post(account, form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 303, land+"/dns")
	sc := ok.cookie("lg_session")
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure || sc.MaxAge <= 0 || len(sc.Value) < 43 {
		t.Fatalf("session cookie: %+v", sc)
	}
	secrets = append(secrets, sc.Value)
	reg := wantRegStatus("domain=ls.acme.com", "account_created")
	userID, _ := reg["user_id"].(string)
	if userID == "" {
		t.Fatalf("no user on the registration: %v", reg)
	}
	wantRegStatus("user_id="+userID, "account_created")

	// The DNS step needs the session.
	anon.get(land+"/dns").want(t, 303, land)
	anon.get(land+"/finish").want(t, 303, land)
	dns := b1.get(land+"/dns").want(t, 200).has(t, "Connect Cloudflare", "add the record myself", `<label for="api_token">`)
	scsrf := dns.csrf(t)
	secrets = append(secrets, scsrf)
	if scsrf == csrf {
		t.Fatal("the session's CSRF token is the pre-sign-in one")
	}
	b1.post(land+"/dns", form("mode", "manual")).want(t, 403)
	b1.post(land+"/dns", form("csrf_token", csrf, "mode", "manual")).want(t, 403) // the pre-sign-in token is not the session's
	b1.post(land+"/dns", form("csrf_token", scsrf, "mode", "self", "api_token", "not-a-token")).want(t, 422).
		has(t, `id="api_token-error"`, "Cloudflare refused this token")
	b1.post(land+"/dns", form("csrf_token", scsrf, "mode", "self", "api_token", "  ")).want(t, 422).has(t, "Paste your Cloudflare API token.")
	b1.post(land+"/dns", form("csrf_token", scsrf, "mode", "carrier-pigeon")).want(t, 422)
	wantRegStatus("domain=ls.acme.com", "account_created")

	// The DNS doctor, as JSON and as the page's fragment.
	b1.hdr = map[string]string{"Accept": "application/json"}
	doc := b1.get(land+"/doctor").want(t, 200)
	b1.hdr = nil
	var check struct {
		OK       bool `json:"ok"`
		Findings []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(doc.body), &check); err != nil || check.OK || len(check.Findings) == 0 || check.Findings[0].Code != "record_missing" {
		t.Errorf("doctor before the record: %v %s", err, doc.body)
	}
	b1.get(land+"/doctor").want(t, 200).has(t, `data-state="pending"`, "record_missing")
	anon.hdr = map[string]string{"Accept": "application/json"}
	anon.get(land+"/doctor").want(t, 401)
	anon.hdr = nil
	anon.get(land+"/doctor").want(t, 401).has(t, "Sign in again")
	b1.get(land+"/dns?check=1").want(t, 200).has(t, `data-state="pending"`, "<details class=\"card\" id=\"manual\" open>")

	// Connect Cloudflare (checked live), then the finish step.
	b1.post(land+"/dns", form("csrf_token", scsrf, "mode", "self", "api_token", cfToken)).want(t, 303, land+"/finish?via=self")
	wantRegStatus("domain=ls.acme.com", "authenticated")
	b1.get(land+"/finish?via=self").want(t, 200).has(t, "Cloudflare is connected", `id="finish"`)
	b1.get(land).want(t, 200).has(t, "You are signed in", `href="`+land+`/finish"`)

	// A second browser signs in to the same account.
	b2 := newPageClient(t, a.base, log)
	p2 := b2.get(land).want(t, 200).has(t, "Sign in", `autocomplete="current-password"`)
	b2.post(account, form("csrf_token", p2.csrf(t), "password", "wrong password!")).want(t, 422).has(t, "This password is not right.")
	b2.post(account, form("csrf_token", p2.csrf(t), "password", testPassword)).want(t, 303, land+"/dns")
	f1 := b1.get(land+"/finish").want(t, 200).csrf(t)
	f2 := b2.get(land+"/finish").want(t, 200).csrf(t)
	if f1 == f2 {
		t.Fatal("two sessions share a CSRF token")
	}
	b1.post(land+"/finish", nil).want(t, 403)
	b1.post(land+"/finish", form("csrf_token", f2)).want(t, 403) // the other session's token

	// Both finish at once: exactly one wins.
	var wg sync.WaitGroup
	res := make([]pageResponse, 2)
	for i, c := range []*pageClient{b1, b2} {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = c.post(land+"/finish", form("csrf_token", []string{f1, f2}[i])) }()
	}
	wg.Wait()
	var done string
	wins := 0
	for _, x := range res {
		switch {
		case x.status == 303 && strings.HasPrefix(x.header.Get("Location"), "/register/done/reg_"):
			wins++
			done = x.header.Get("Location")
		case x.status == 409 && strings.Contains(x.body, "Already finished"):
		default:
			t.Errorf("concurrent finish: %d %s\n%s", x.status, x.header.Get("Location"), x.body)
		}
	}
	if wins != 1 {
		t.Fatalf("concurrent finish: %d winners, want exactly 1", wins)
	}
	if strings.Contains(done, token) {
		t.Fatal("the done page's address holds the token")
	}
	reg = wantRegStatus("domain=ls.acme.com", "completed")
	if reg["completed_at"] == nil {
		t.Errorf("completed without completed_at: %v", reg)
	}
	wantRegStatus("user_id="+userID, "completed")

	// The done page, for the client's sessions only.
	// Not live yet: the page says the client's part is done, not "All set".
	b1.get(done).want(t, 200).has(t, `<h1 id="done-heading">Your part is done</h1>`, "The rest happens without you", "ls.acme.com")
	b2.get(done).want(t, 200)
	anon.get(done).want(t, 403)
	anon.get("/register/done/reg_nope").want(t, 403)
	b1.get("/register/done/reg_nope").want(t, 404)
	b1.hdr = map[string]string{"Accept": "application/json"}
	st := b1.get(done+"/status").want(t, 200)
	b1.hdr = nil
	var status struct{ Status, Label string }
	if err := json.Unmarshal([]byte(st.body), &status); err != nil || status.Status == "" || status.Label == "" {
		t.Errorf("live status: %v %s", err, st.body)
	}

	// Reuse of the completed link: 410 for everyone, and nothing changes.
	anon.get(land).want(t, 410).has(t, "This link was already used", "new link")
	b1.get(land).want(t, 410).has(t, `href="`+done+`"`)
	b1.get(land+"/dns").want(t, 410)
	b1.post(land+"/dns", form("csrf_token", scsrf, "mode", "manual")).want(t, 410)
	b1.post(land+"/finish", form("csrf_token", f1)).want(t, 409).has(t, "Already finished")
	b1.post(account, form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 410)
	wantRegStatus("domain=ls.acme.com", "completed")

	// The onboarding goes on from the registration.
	a.waitStatus(id, "awaiting_domain_sid", flowDeadline)
	checkStatusPath(t, a.events(id), "pending", "awaiting_client", "dns_pending", "awaiting_domain_sid")

	// Revocation: a second forward-login replaces the first link.
	id2 := a.newDomain("beta.com")
	_, old := a.forwardLogin(id2, "owner@beta.com")
	anon.get("/register/"+old).want(t, 200)
	_, fresh := a.forwardLogin(id2, "owner@beta.com")
	secrets = append(secrets, old, fresh)
	anon.get("/register/"+old).want(t, 410).has(t, "replaced by a newer one", "new link")
	anon.get("/register/"+fresh).want(t, 200)
	if regs := a.registrations("domain_id=" + id2); len(regs) != 2 || regs[0]["status"] != "opened" || regs[1]["status"] != "revoked" {
		t.Errorf("registrations of the replaced link: %v", regs)
	}

	// Every /register response had the security headers.
	checkPageHeaders(t, log.all())
	// The log has the pages by route pattern, and no secret at all.
	logs := r.stderr.String()
	if !strings.Contains(logs, `"route":"/register/:token"`) || !strings.Contains(logs, `"route":"/register/:token/finish"`) {
		t.Errorf("the request log does not name the registration routes:\n%s", logs)
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("a secret (%s…) is in the log", s[:6])
		}
	}
}

// checkPageHeaders checks the headers every registration response sends.
func checkPageHeaders(t *testing.T, rs []pageResponse) {
	t.Helper()
	if len(rs) < 20 {
		t.Fatalf("only %d page responses recorded", len(rs))
	}
	for _, r := range rs {
		h := r.header
		where := r.method + " " + redactPath(r.path)
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s (%d): Referrer-Policy %q", where, r.status, h.Get("Referrer-Policy"))
		}
		if h.Get("Cache-Control") != "no-store" && !(strings.HasPrefix(r.path, "/register/assets/") && r.status == 200) {
			t.Errorf("%s (%d): Cache-Control %q", where, r.status, h.Get("Cache-Control"))
		}
		if h.Get("X-Frame-Options") != "DENY" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s (%d): framing allowed: %q %q", where, r.status, h.Get("X-Frame-Options"), h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s (%d): X-Content-Type-Options %q", where, r.status, h.Get("X-Content-Type-Options"))
		}
		if ct := h.Get("Content-Type"); r.status != 303 && !strings.HasPrefix(ct, "text/") && !strings.HasPrefix(ct, "application/") {
			t.Errorf("%s (%d): Content-Type %q", where, r.status, h.Get("Content-Type"))
		}
	}
}

// TestRegistrationLinkExpires: an expired link is a 410 page that says so.
func TestRegistrationLinkExpires(t *testing.T) {
	t.Parallel()
	// The link lasts an hour of the server's clock, which the test moves on.
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	_, a := startPublicAt(t, now, map[string]string{"LINKGATE_REGISTRATION_TTL": "1h"})
	id := a.newDomain("acme.com")
	log := &pageLog{}
	b := newPageClient(t, a.base, log)
	_, token := a.forwardLogin(id, "owner@acme.com")
	p := b.get("/register/" + token)
	p.want(t, 200)
	csrf := p.csrf(t)
	offset.Store(int64(59 * time.Minute))
	b.get("/register/"+token).want(t, 200)
	offset.Store(int64(time.Hour + time.Second))
	b.get("/register/"+token).want(t, 410).has(t, "This link has expired", "new link")
	b.post("/register/"+token+"/account", form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 410)
	checkNoReferrerNoStore(t, log.all())
}

// checkNoReferrerNoStore checks the two headers a token page must never
// miss, on a handful of responses.
func checkNoReferrerNoStore(t *testing.T, rs []pageResponse) {
	t.Helper()
	for _, r := range rs {
		if r.header.Get("Referrer-Policy") != "no-referrer" || r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s (%d): Referrer-Policy %q, Cache-Control %q", r.method, redactPath(r.path), r.status,
				r.header.Get("Referrer-Policy"), r.header.Get("Cache-Control"))
		}
	}
}

// TestRegistrationRateLimits: per link, per sign-in and per client
// address, a 429 page with Retry-After.
func TestRegistrationRateLimits(t *testing.T) {
	t.Parallel()
	_, a := startPublic(t, map[string]string{
		"LINKGATE_REGISTER_RATE_PER_IP":    "30/1h",
		"LINKGATE_REGISTER_RATE_PER_TOKEN": "8/1h",
		"LINKGATE_REGISTER_RATE_SIGNIN":    "3/1h",
	})
	log := &pageLog{}
	b := newPageClient(t, a.base, log)
	_, tokA := a.forwardLogin(a.newDomain("acme.com"), "owner@acme.com")
	_, tokB := a.forwardLogin(a.newDomain("beta.com"), "owner@beta.com")
	landA := "/register/" + tokA
	sent := 0
	get := func(path string) pageResponse { sent++; return b.get(path) }
	post := func(path string, f map[string][]string) pageResponse { sent++; return b.post(path, f) }

	csrf := get(landA).want(t, 200).csrf(t)
	// Sign-in attempts: 3 an hour for one link (hours, so that nothing
	// refills while the test runs).
	for i := 0; i < 3; i++ {
		post(landA+"/account", form("csrf_token", csrf, "password", testPassword, "password_confirm", "no match")).want(t, 422)
	}
	lim := post(landA+"/account", form("csrf_token", csrf, "password", testPassword, "password_confirm", testPassword)).want(t, 429)
	if ra := retryAfter(lim.header); ra < 1 || ra > 1200 {
		t.Errorf("sign-in limit: Retry-After %q", lim.header.Get("Retry-After"))
	}
	if a.registrations("domain=ls.acme.com")[0]["status"] != "opened" {
		t.Error("a rate-limited sign-in created the account")
	}
	// Requests for one link: 8 an hour.
	for i := sent; i < 8; i++ {
		get(landA).want(t, 200)
	}
	lim = get(landA).want(t, 429).has(t, "Too many requests")
	if ra := retryAfter(lim.header); ra < 1 || ra > 450 {
		t.Errorf("link limit: Retry-After %q", lim.header.Get("Retry-After"))
	}
	// Another link is not held back by the first one's limit.
	get("/register/"+tokB).want(t, 200)
	// Requests from one address: 30 an hour, whatever they ask for.
	var last pageResponse
	for sent < 31 {
		last = get("/register/" + models.NewToken())
		if last.status == 429 {
			break
		}
		last.want(t, 404)
	}
	last.want(t, 429)
	if sent != 31 {
		t.Errorf("the address limit hit after %d requests, want 31", sent)
	}
	b.get("/register/"+tokB).want(t, 429)
	b.get("/register/assets/register.css").want(t, 429)
	// The JSON API is not behind the page limits.
	a.want(200, "GET", "/api/v1/registrations?domain=ls.beta.com", "")
	checkNoReferrerNoStore(t, log.all())
}

// TestRegistrationSettingsChecked: a bad link lifetime or rate limit stops
// the start with an error naming the setting.
func TestRegistrationSettingsChecked(t *testing.T) {
	for name, value := range map[string]string{
		"LINKGATE_REGISTRATION_TTL":        "a week",
		"LINKGATE_REGISTER_RATE_PER_IP":    "lots",
		"LINKGATE_REGISTER_RATE_PER_TOKEN": "0/1m",
		"LINKGATE_REGISTER_RATE_SIGNIN":    "10/never",
		"LINKGATE_TRUSTED_PROXIES":         "10.0.0.1, the load balancer",
	} {
		env := map[string]string{"LINKGATE_DATA_DIR": t.TempDir(), name: value}
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), []string{"serve", "-addr", "127.0.0.1:0"})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming it", name, value, err)
		}
	}
	var c Config
	if err := c.readRegistrationEnv(func(k string) string {
		return map[string]string{"LINKGATE_REGISTRATION_TTL": "36h", "LINKGATE_REGISTER_RATE_PER_TOKEN": "5/10s",
			"LINKGATE_TRUSTED_PROXIES": " 10.0.0.0/8, ::1 "}[k]
	}); err != nil || c.RegistrationTTL != 36*time.Hour || c.PageLimits.PerToken.Events != 5 || c.PageLimits.PerToken.Per != 10*time.Second ||
		c.PageLimits.PerIP != handlers.DefaultPageLimits.PerIP || len(c.TrustedProxies) != 2 || c.TrustedProxies[1] != "::1" {
		t.Errorf("readRegistrationEnv: %+v %v", c, err)
	}
}
