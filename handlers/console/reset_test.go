package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/handlers"
	"github.com/linkgate/linkgate/handlers/handlertest"
	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// resetEnv is a console with a running workflow engine mailing into the
// fake outbox, an HTTP layer whose store runs on a clock the test moves,
// and X-Forwarded-For trusted from loopback, so that each browser can
// come from an address of its own.
type resetEnv struct {
	wf    *handlertest.WFEnv
	base  string
	mu    sync.Mutex
	clock time.Time
}

// now is the HTTP layer's clock: it stands still (the sign-in guard's
// delays too) until advance moves it. It starts a little in the past, so
// links the engine makes on the real clock are current.
func (e *resetEnv) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

func (e *resetEnv) advance(d time.Duration) { e.mu.Lock(); e.clock = e.clock.Add(d); e.mu.Unlock() }

func newResetEnv(t *testing.T, db *models.DB, opts handlertest.WFOptions) *resetEnv {
	t.Helper()
	e := &resetEnv{clock: time.Now().Add(-time.Second)}
	more := opts.Config
	opts.Config = func(c *handlertest.Config) {
		c.Store = models.NewStore(db, e.now)
		c.TrustedProxies = []string{"127.0.0.1"}
		if more != nil {
			more(c)
		}
	}
	e.wf = handlertest.NewWorkflowAPI(t, db, opts)
	e.base = e.wf.Srv.URL
	for _, u := range []models.UserInput{
		{Email: "admin@example.com", Password: consolePassword, Role: models.RoleAdmin},
	} {
		if _, err := e.wf.Store.CreateUser(bg, u); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// from is a browser whose requests come from addr (X-Forwarded-For).
func (e *resetEnv) from(t *testing.T, addr string) *consoleBrowser {
	b := newConsoleBrowser(t, e.base)
	b.client.Transport = forwardedFor{addr: addr, base: http.DefaultTransport}
	return b
}

type forwardedFor struct {
	addr string
	base http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.base.RoundTrip(r)
}

var resetLink = regexp.MustCompile(`https://linkgate\.test/console/reset/([A-Za-z0-9_-]+)`)

// waitMail waits for the nth message (from 1) of the outbox and returns it
// with the token of its reset link.
func waitMail(t *testing.T, o *mocks.Outbox, n int) (mocks.OutboxMessage, string) {
	t.Helper()
	deadline := time.Now().Add(handlertest.WaitFor)
	for {
		if msgs := o.Messages(); len(msgs) >= n {
			m := msgs[n-1]
			match := resetLink.FindStringSubmatch(m.Text)
			if match == nil {
				t.Fatalf("mail %d has no reset link:\n%s", n, m.Text)
			}
			return m, match[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail %d did not arrive within %v (outbox: %+v)", n, handlertest.WaitFor, o.Messages())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitResetJobs waits until no password reset job is left to run.
func waitResetJobs(t *testing.T, db *models.DB) {
	t.Helper()
	waitJobs(t, db, 0, "password_reset_send")
}

// waitJobs waits until at least ran jobs of the kinds have completed and
// none is left to run.
func waitJobs(t *testing.T, db *models.DB, ran int64, kinds ...string) {
	t.Helper()
	deadline := time.Now().Add(handlertest.WaitFor)
	for {
		var pending, done int64
		err := db.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind IN ? AND state NOT IN ('completed', 'cancelled', 'discarded')",
			kinds).Scan(&pending).Error
		if err == nil {
			err = db.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind IN ? AND state = 'completed'", kinds).Scan(&done).Error
		}
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 && done >= ran {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: %d jobs still pending, %d completed (want %d) after %v", kinds, pending, done, ran, handlertest.WaitFor)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// requestReset asks for a link for email and checks the one answer.
func requestReset(t *testing.T, b *consoleBrowser, email string) page {
	t.Helper()
	p := b.submit(t, "/console/reset", "/console/reset", url.Values{"email": {email}})
	if p.Status != http.StatusSeeOther || p.Location != "/login?done=reset_sent" {
		t.Fatalf("reset request for %q: %d %q\n%s", email, p.Status, p.Location, p.Body)
	}
	return p
}

// The whole reset: asking answers the same for any address and mails a
// link only to an account; the link sets a new password once, ends the
// old sessions, signs the user in, and lets the new password in at once
// from a new address even after guessing had slowed the account.
func TestConsolePasswordReset(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t.Parallel()
		e := newResetEnv(t, db, handlertest.WFOptions{})
		store := e.wf.Store
		const newPassword = "a brand new password"

		old := e.from(t, "10.0.0.1")
		old.login(t, "admin@example.com", consolePassword)

		// Someone guesses at the account from another address until even
		// the right password waits, from anywhere (the clock stands still:
		// the delay lasts until it moves).
		guesser := e.from(t, "10.0.0.66")
		for range handlers.FreeFailures + 1 {
			p := guesser.submit(t, "/login", "/login", url.Values{"email": {"admin@example.com"}, "password": {"a wrong guess!"}})
			wantPage(t, p, http.StatusUnprocessableEntity)
		}
		p := e.from(t, "10.0.0.2").submit(t, "/login", "/login", url.Values{"email": {"admin@example.com"}, "password": {consolePassword}})
		wantPage(t, p, http.StatusTooManyRequests, "Too many wrong passwords")

		// Forgot your password? The same answer for an unknown address
		// and for the account, which alone gets a mail.
		owner := e.from(t, "10.0.0.3")
		wantPage(t, owner.get(t, "/login"), http.StatusOK, `href="/console/reset"`)
		wantPage(t, owner.get(t, "/console/reset"), http.StatusOK, `name="email"`, `name="csrf_token"`)
		unknown := requestReset(t, owner, "nobody@example.com")
		known := requestReset(t, owner, " Admin@Example.com ")
		if unknown.Location != known.Location || unknown.Body != known.Body {
			t.Errorf("the answers differ: %q vs %q", unknown.Location, known.Location)
		}
		wantPage(t, owner.follow(t, known), http.StatusOK, "If an account exists for that address, we sent it a link")
		m, token := waitMail(t, e.wf.Outbox, 1)
		if m.To != "admin@example.com" || !strings.Contains(m.Subject, "Reset your") || m.HTML != "" ||
			!strings.Contains(m.Text, "30 minutes") || len(token) < 43 {
			t.Errorf("mail to %s %q, token %q:\n%s", m.To, m.Subject, token, m.Text)
		}
		waitResetJobs(t, db)
		if n := len(e.wf.Outbox.Messages()); n != 1 {
			t.Fatalf("%d mails sent, want 1 (none to the unknown address)", n)
		}
		for _, k := range []string{"nobody@example.com", token} {
			if strings.Contains(e.wf.WFLogs.String(), k) {
				t.Errorf("the engine log shows %q", k)
			}
		}

		link := "/console/reset/" + token
		p = owner.get(t, link)
		wantPage(t, p, http.StatusOK, "Choose a new password", "admin@example.com", `action="`+link+`"`)
		if rp := p.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("Referrer-Policy %q on the link's page", rp)
		}

		// No CSRF token, a mismatch, a short password: refused, and the
		// link still works.
		wantPage(t, owner.post(t, link, url.Values{"password": {newPassword}, "password_confirm": {newPassword}}), http.StatusForbidden)
		p = owner.submit(t, link, link, url.Values{"password": {newPassword}, "password_confirm": {newPassword + "!"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if fieldError(p.Body, "password_confirm") == "" {
			t.Errorf("no error next to the confirmation:\n%s", p.Body)
		}
		p = owner.submit(t, link, link, url.Values{"password": {"short"}, "password_confirm": {"short"}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		if got := fieldError(p.Body, "password"); !strings.Contains(got, "10 to 72") {
			t.Errorf("short password error %q", got)
		}
		if _, err := store.VerifyPassword(bg, "admin@example.com", consolePassword); err != nil {
			t.Fatalf("a refused form changed the password: %v", err)
		}

		// The reset: signed in here, on the home page with a notice.
		p = owner.submit(t, link, link, url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
		if p.Status != http.StatusSeeOther || p.Location != "/console/clients?done=password_reset" {
			t.Fatalf("reset: %d %q\n%s", p.Status, p.Location, p.Body)
		}
		wantPage(t, owner.follow(t, p), http.StatusOK, "Your password was changed")

		// The old session is gone; the old password fails, the new one
		// works at once from a new address.
		if p := old.get(t, "/console/clients"); p.Status != http.StatusFound || p.Location != "/login" {
			t.Errorf("old session after the reset: %d %q", p.Status, p.Location)
		}
		fresh := e.from(t, "10.0.0.4")
		p = fresh.submit(t, "/login", "/login", url.Values{"email": {"admin@example.com"}, "password": {consolePassword}})
		wantPage(t, p, http.StatusUnprocessableEntity)
		fresh.login(t, "admin@example.com", newPassword)

		// Single use: the link is gone, and posting it again changes
		// nothing.
		wantPage(t, owner.get(t, link), http.StatusGone, "Ask for a new link", `href="/console/reset"`)
		tok := owner.csrf(t, "/console/reset")
		p = owner.post(t, link, url.Values{"csrf_token": {tok}, "password": {"yet another password"}, "password_confirm": {"yet another password"}})
		wantPage(t, p, http.StatusGone)
		if _, err := store.VerifyPassword(bg, "admin@example.com", newPassword); err != nil {
			t.Errorf("a spent link changed the password: %v", err)
		}
		wantPage(t, owner.get(t, "/console/reset/"+models.NewToken()), http.StatusNotFound, "Ask for a new link")

		// Asking again replaces the link; a link is dead after 30 minutes
		// (the HTTP layer's clock moves on; nothing sleeps).
		requestReset(t, owner, "admin@example.com")
		_, first := waitMail(t, e.wf.Outbox, 2)
		waitResetJobs(t, db) // a queued request absorbs another for the address
		requestReset(t, owner, "admin@example.com")
		_, second := waitMail(t, e.wf.Outbox, 3)
		wantPage(t, owner.get(t, "/console/reset/"+first), http.StatusGone)
		wantPage(t, owner.get(t, "/console/reset/"+second), http.StatusOK)
		// The engine made the link on the real clock, which has moved on
		// since the HTTP layer's stood still (a minute and more on a busy
		// machine): move past the link's own end.
		e.advance(time.Since(e.now()) + models.PasswordResetTTL + time.Minute)
		wantPage(t, owner.get(t, "/console/reset/"+second), http.StatusGone, "Ask for a new link")
		p = owner.post(t, "/console/reset/"+second, url.Values{"csrf_token": {tok}, "password": {"yet another password"}, "password_confirm": {"yet another password"}})
		wantPage(t, p, http.StatusGone)
		if _, err := store.VerifyPassword(bg, "admin@example.com", newPassword); err != nil {
			t.Errorf("an expired link changed the password: %v", err)
		}
	})
}

// Reset requests are limited per e-mail address (from anywhere) and per
// client address, 429 with Retry-After; a malformed address is 422.
func TestConsolePasswordResetLimits(t *testing.T) {
	t.Parallel()
	e := newResetEnv(t, dbtest.SQLite(t), handlertest.WFOptions{NoStart: true, Config: func(c *handlertest.Config) {
		c.PageLimits.ResetPerAccount = handlers.RateLimit{Events: 2, Per: time.Hour}
		c.PageLimits.ResetPerAddress = handlers.RateLimit{Events: 4, Per: time.Hour}
	}})
	a := e.from(t, "10.0.1.1")
	p := a.submit(t, "/console/reset", "/console/reset", url.Values{"email": {"not an address"}})
	wantPage(t, p, http.StatusUnprocessableEntity, `value="not an address"`)
	if fieldError(p.Body, "email") == "" {
		t.Errorf("no error next to the e-mail:\n%s", p.Body)
	}
	requestReset(t, a, "victim@example.com")
	requestReset(t, a, "victim@example.com")
	p = a.submit(t, "/console/reset", "/console/reset", url.Values{"email": {"Victim@Example.com"}})
	wantPage(t, p, http.StatusTooManyRequests, "Too many reset requests")
	if secs, err := strconv.Atoi(p.Header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After %q", p.Header.Get("Retry-After"))
	}
	// The account's limit holds from another address too.
	b := e.from(t, "10.0.1.2")
	wantPage(t, b.submit(t, "/console/reset", "/console/reset", url.Values{"email": {"victim@example.com"}}), http.StatusTooManyRequests)
	requestReset(t, b, "other@example.com")
	// The first address has used up its own limit, whatever the account.
	wantPage(t, a.submit(t, "/console/reset", "/console/reset", url.Values{"email": {"third@example.com"}}), http.StatusTooManyRequests)
	var jobs int64
	if err := e.wf.DB.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind = 'password_reset_send'").Scan(&jobs).Error; err != nil || jobs != 2 {
		t.Errorf("%d reset jobs queued, want 2 (%v)", jobs, err)
	}
}
