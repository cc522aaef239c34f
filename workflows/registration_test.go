package workflows_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

// regBundle is a running engine on real fakes, River-style: built by
// setupRegistration(t).
type regBundle struct {
	store  *models.Store
	engine *workflows.Engine
	cf     *mocks.Cloudflare
	dns    *mocks.DNS
	tw     *mocks.Twilio
	outbox *mocks.Outbox
	domain *models.Domain
	world  *workflowtest.World
}

const (
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "authtoken0123456789"
)

func setupRegistration(t *testing.T, db *models.DB, mod func(*workflows.Config)) *regBundle {
	t.Helper()
	b := newBundle(t, db, mod)
	b.start(t)
	return b
}

// newBundle builds the engine and a client's domain acme.com without
// starting the workers.
func newBundle(t *testing.T, db *models.DB, mod func(*workflows.Config)) *regBundle {
	t.Helper()
	ctx := context.Background()
	b := &regBundle{store: models.NewStore(db, nil)}
	w := workflowtest.NewWorld(t, mocks.TwilioConfig{AccountSID: testAccount, AuthToken: testToken, CertAfterPolls: 1})
	b.cf, b.dns, b.tw, b.world = w.Cloudflare, w.DNS, w.Twilio, w
	var err error
	if b.outbox, err = mocks.NewOutbox(mocks.OutboxConfig{}); err != nil {
		t.Fatal(err)
	}
	keys, _ := models.ParseKeyRing(models.NewKeyRingValue("t1"))
	cfg := workflows.Config{
		Store: b.store, Keys: keys, PublicURL: "https://links.example.com", Intervals: workflows.SandboxIntervals(),
		DNS: w.DNSFactories, LinkShortening: w.LinkShortening, Resolver: b.dns, Mailer: b.outbox, PlatformName: "Acme SMS",
		SweepInterval: 100 * time.Millisecond, RetryBackoff: func(int) time.Duration { return 50 * time.Millisecond },
	}
	if mod != nil {
		mod(&cfg)
	}
	if err := workflows.MigrateRiver(ctx, db); err != nil {
		t.Fatal(err)
	}
	if b.engine, err = workflows.New(cfg); err != nil {
		t.Fatal(err)
	}
	c, err := b.store.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "admin@acme.com"})
	if err != nil {
		t.Fatal(err)
	}
	if b.domain, err = b.store.CreateDomain(ctx, models.Scope{}, c.ID, models.DomainInput{Domain: "acme.com"}, models.DNSDefaults{}, "test"); err != nil {
		t.Fatal(err)
	}
	return b
}

// start runs the workers until the test ends.
func (b *regBundle) start(t *testing.T) {
	t.Helper()
	if err := b.engine.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.engine.Stop(ctx)
	})
}

var linkPattern = regexp.MustCompile(`https://links\.example\.com/register/([A-Za-z0-9_-]+)`)

// waitMail waits for the nth message to arrive and returns its token.
func (b *regBundle) waitMail(t *testing.T, n int) (mocks.OutboxMessage, string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if msgs := b.outbox.Messages(); len(msgs) >= n {
			m := msgs[n-1]
			match := linkPattern.FindStringSubmatch(m.Text)
			if match == nil {
				t.Fatalf("no link in the e-mail text:\n%s", m.Text)
			}
			return m, match[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("mail %d never arrived (have %d)", n, len(b.outbox.Messages()))
	return mocks.OutboxMessage{}, ""
}

func (b *regBundle) waitStatus(t *testing.T, want models.Status) *models.Domain {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := b.store.GetDomain(context.Background(), models.Scope{}, b.domain.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == want {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("domain is %s (%s), want %s", d.Status, d.StatusReason, want)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func (b *regBundle) regStatus(t *testing.T, q models.RegistrationQuery) models.RegistrationStatus {
	t.Helper()
	regs, err := b.store.ListRegistrations(context.Background(), models.Scope{}, q)
	if err != nil || len(regs) == 0 {
		t.Fatalf("list registrations: %v (%d)", err, len(regs))
	}
	return regs[0].Status
}

func TestForwardLoginSelfPathToConfigured(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, nil)
		_, cfToken := b.cf.AddZone("acme.com")

		res, err := b.engine.ForwardLogin(ctx, models.Scope{}, b.domain.ID, "Owner@Acme.com", "api_key:test")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Link, "https://links.example.com/register/") {
			t.Fatalf("link %q not built from the public URL", res.Link)
		}
		byDomain := models.RegistrationQuery{DomainHost: "ls.acme.com"}
		if s := b.regStatus(t, byDomain); s != models.RegSent {
			t.Fatalf("registration is %s, want sent", s)
		}
		if d := b.waitStatus(t, models.StatusAwaitingClient); d.SetupMode != models.SetupForwardLogin {
			t.Fatalf("setup mode %q", d.SetupMode)
		}
		m, token := b.waitMail(t, 1)
		if m.To != "owner@acme.com" || !strings.Contains(m.Subject, "ls.acme.com") || !strings.Contains(m.HTML, "Acme SMS") || !strings.Contains(m.HTML, token) {
			t.Fatalf("e-mail: %+v", m)
		}
		if !strings.HasSuffix(res.Link, "/"+token) {
			t.Fatal("the e-mailed link differs from the shared one")
		}

		// Opening never consumes the link.
		for range 2 {
			st, err := b.engine.OpenRegistration(ctx, token)
			if err != nil || st.Domain.Host != "ls.acme.com" || st.UserExists {
				t.Fatalf("open: %+v %v", st, err)
			}
		}
		if s := b.regStatus(t, byDomain); s != models.RegOpened {
			t.Fatalf("registration is %s, want opened", s)
		}
		u, err := b.engine.RegistrationAccount(ctx, token, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if s := b.regStatus(t, models.RegistrationQuery{UserID: u.ID}); s != models.RegAccountCreated {
			t.Fatalf("by user: %s, want account_created", s)
		}
		// Another user's session cannot use the link.
		if err := b.engine.RegistrationConnectDNS(ctx, token, "usr_someoneelse", workflows.ConfigureInput{Mode: models.SetupManual}); err == nil {
			t.Fatal("another user connected DNS")
		}
		bad := workflows.ConfigureInput{Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": "wrong"}}
		if err := b.engine.RegistrationConnectDNS(ctx, token, u.ID, bad); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("bad token: %v", err)
		}
		good := workflows.ConfigureInput{Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": cfToken}}
		if err := b.engine.RegistrationConnectDNS(ctx, token, u.ID, good); err != nil {
			t.Fatal(err)
		}
		if s := b.regStatus(t, models.RegistrationQuery{DomainID: b.domain.ID}); s != models.RegAuthenticated {
			t.Fatalf("registration is %s, want authenticated", s)
		}
		if _, err := b.engine.FinishRegistration(ctx, token, u.ID); err != nil {
			t.Fatal(err)
		}
		if s := b.regStatus(t, byDomain); s != models.RegCompleted {
			t.Fatalf("registration is %s, want completed", s)
		}
		// The link is used up now.
		if _, err := b.engine.OpenRegistration(ctx, token); !errors.Is(err, workflows.ErrRegistrationGone) {
			t.Fatalf("reuse: %v", err)
		}
		b.waitStatus(t, models.StatusAwaitingDomainSID)
		sid := b.tw.RegisterDomain("ls.acme.com")
		if _, err := b.engine.SubmitDomainSID(ctx, models.Scope{}, b.domain.ID, sid, "test"); err != nil {
			t.Fatal(err)
		}
		b.waitStatus(t, models.StatusConfigured)
		// Each registration step is on the domain's timeline.
		evs, err := b.store.DomainEvents(ctx, models.Scope{}, b.domain.ID)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, e := range evs {
			reasons = append(reasons, e.Reason)
		}
		all := strings.Join(reasons, "\n")
		// And each registration step is a webhook event of the client.
		whevs, err := b.store.WebhookEvents(ctx, b.domain.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, ev := range whevs {
			seen[ev.Type]++
		}
		for _, typ := range []string{models.EventRegistrationSent, models.EventRegistrationOpened, models.EventRegistrationCompleted, models.EventDomainConfigured} {
			if seen[typ] != 1 {
				t.Errorf("%d %s webhook events, want 1 (all: %v)", seen[typ], typ, seen)
			}
		}
		for _, want := range []string{"registration link sent to owner@acme.com", "registration link opened by owner@acme.com",
			"the client signed in as owner@acme.com", "the client connected cloudflare", "registration completed by the client"} {
			if !strings.Contains(all, want) {
				t.Errorf("timeline lacks %q:\n%s", want, all)
			}
		}
	})
}

func TestForwardLoginRevokeExpireAndRace(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		// The link lasts an hour of the store's clock, which the test
		// moves on; the reminder is a River job due in 300 ms.
		clk := &clock{}
		store := models.NewStore(db, clk.Now)
		b := setupRegistration(t, db, func(c *workflows.Config) {
			c.Store = store
			c.RegistrationTTL = time.Hour
			c.Reminders = []time.Duration{300 * time.Millisecond}
		})
		b.store = store

		if _, err := b.engine.ForwardLogin(ctx, models.Scope{}, b.domain.ID, "not an email", "t"); !errors.Is(err, models.ErrInvalid) {
			t.Fatalf("bad e-mail: %v", err)
		}
		first, err := b.engine.ForwardLogin(ctx, models.Scope{}, b.domain.ID, "owner@acme.com", "t")
		if err != nil {
			t.Fatal(err)
		}
		_, tok1 := b.waitMail(t, 1)
		// A new forward-login revokes the earlier link.
		if _, err := b.engine.ForwardLogin(ctx, models.Scope{}, b.domain.ID, "owner@acme.com", "t"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.engine.OpenRegistration(ctx, tok1); !errors.Is(err, workflows.ErrRegistrationGone) {
			t.Fatalf("revoked link: %v", err)
		}
		old, _ := b.store.RegistrationByID(ctx, nil, first.Registration.ID)
		if old.Status != models.RegRevoked {
			t.Fatalf("first registration is %s, want revoked", old.Status)
		}
		if _, err := b.engine.OpenRegistration(ctx, "no-such-token"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown link: %v", err)
		}
		// The reminder goes out for the open registration only. The second
		// link's e-mail and its reminder (due 300 ms later) may arrive in
		// either order on a busy machine; so may the first link's reminder,
		// when its 300 ms ran out before the revocation (the link was open
		// then), but once at most.
		var tok2, remTok string
		deadline := time.Now().Add(15 * time.Second)
		for tok2 == "" || remTok == "" {
			if time.Now().After(deadline) {
				t.Fatalf("no second link and its reminder: %d e-mails", len(b.outbox.Messages()))
			}
			time.Sleep(20 * time.Millisecond)
			tok2, remTok = "", ""
			early := 0
			for _, m := range b.outbox.Messages()[1:] {
				match := linkPattern.FindStringSubmatch(m.Text)
				if match == nil {
					t.Fatalf("no link in the e-mail text:\n%s", m.Text)
				}
				reminder := strings.HasPrefix(m.Subject, "Reminder:")
				switch {
				case reminder && match[1] == tok1:
					if early++; early > 1 {
						t.Fatal("the revoked link was reminded of twice")
					}
				case reminder:
					remTok = match[1]
				case match[1] == tok1:
					t.Fatalf("the revoked link was sent again: %q", m.Subject)
				default:
					tok2 = match[1]
				}
			}
		}
		if remTok != tok2 {
			t.Fatal("the reminder carries another link than the open registration's")
		}
		// Expiry puts the domain back to pending with a reason.
		if s := b.regStatus(t, models.RegistrationQuery{DomainID: b.domain.ID}); s == models.RegExpired {
			t.Fatal("the link expired before its hour was up")
		}
		clk.Advance(time.Hour + time.Minute)
		d := b.waitStatus(t, models.StatusPending)
		if !strings.Contains(d.StatusReason, "expired") {
			t.Fatalf("status_reason %q", d.StatusReason)
		}
		if s := b.regStatus(t, models.RegistrationQuery{DomainID: b.domain.ID}); s != models.RegExpired {
			t.Fatalf("registration is %s, want expired", s)
		}
		if _, err := b.engine.OpenRegistration(ctx, tok2); !errors.Is(err, workflows.ErrRegistrationGone) {
			t.Fatalf("expired link: %v", err)
		}
		whevs, err := b.store.WebhookEvents(ctx, b.domain.ClientID)
		if err != nil {
			t.Fatal(err)
		}
		expired := 0
		for _, ev := range whevs {
			if ev.Type == models.EventRegistrationExpired {
				expired++
			}
		}
		if expired != 1 {
			t.Fatalf("%d registration.expired events, want 1", expired)
		}
	})
}

func TestFinishRegistrationExactlyOneWins(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, nil)
		if _, err := b.engine.ForwardLogin(ctx, models.Scope{}, b.domain.ID, "owner@acme.com", "t"); err != nil {
			t.Fatal(err)
		}
		_, token := b.waitMail(t, 1)
		u, err := b.engine.RegistrationAccount(ctx, token, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.engine.RegistrationConnectDNS(ctx, token, u.ID, workflows.ConfigureInput{Mode: models.SetupManual}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = b.engine.FinishRegistration(ctx, token, u.ID) }()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			}
		}
		if wins != 1 {
			t.Fatalf("%d finishes won, want exactly 1: %v", wins, errs)
		}
		d := b.waitStatus(t, models.StatusDNSPending)
		if d.SetupMode != models.SetupManual {
			t.Fatalf("setup mode %q, want manual", d.SetupMode)
		}
		evs, _ := b.store.DomainEvents(ctx, models.Scope{}, b.domain.ID)
		starts := 0
		for _, e := range evs {
			if e.From == models.StatusAwaitingClient && e.To == models.StatusDNSPending {
				starts++
			}
		}
		if starts != 1 {
			t.Fatalf("onboarding started %d times", starts)
		}
	})
}
