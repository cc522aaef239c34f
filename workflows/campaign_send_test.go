package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// configureHost takes a new domain of the bundle's client (host) through
// self setup to configured.
func configureHost(t *testing.T, b *regBundle, apex string) *models.Domain {
	t.Helper()
	ctx := context.Background()
	d, err := b.store.CreateDomain(ctx, models.Scope{}, b.domain.ClientID, models.DomainInput{Domain: apex}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	_, token := b.cf.AddZone(apex)
	if _, err := b.engine.Configure(ctx, models.Scope{}, d.ID, workflows.ConfigureInput{
		Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": token},
	}, "test"); err != nil {
		t.Fatal(err)
	}
	sid := b.tw.RegisterDomain(d.Host)
	waitDomain(t, b, d.ID, models.StatusAwaitingDomainSID)
	if _, err := b.engine.SubmitDomainSID(ctx, models.Scope{}, d.ID, sid, "test"); err != nil {
		t.Fatal(err)
	}
	return waitDomain(t, b, d.ID, models.StatusConfigured)
}

// waitFor polls get until it reports done (90 s at most: -race on a busy machine) and returns
// its last value; what describes the value when it never is.
func waitFor[T any](t *testing.T, get func() (T, bool, error), what func(T) string) T {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		v, done, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatal(what(v))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitDomain(t *testing.T, b *regBundle, id string, want models.Status) *models.Domain {
	t.Helper()
	return waitFor(t, func() (*models.Domain, bool, error) {
		d, err := b.store.GetDomain(context.Background(), models.Scope{}, id)
		return d, err == nil && d.Status == want, err
	}, func(d *models.Domain) string {
		return fmt.Sprintf("domain %s is %s (%s), want %s", d.Host, d.Status, d.StatusReason, want)
	})
}

func waitCampaign(t *testing.T, b *regBundle, id string, want models.CampaignStatus) *models.Campaign {
	t.Helper()
	return waitFor(t, func() (*models.Campaign, bool, error) {
		c, err := b.store.GetCampaign(context.Background(), models.Scope{}, id)
		return c, err == nil && c.Status == want, err
	}, func(c *models.Campaign) string {
		return fmt.Sprintf("campaign is %s (%s), want %s", c.Status, c.StatusReason, want)
	})
}

// newCampaign creates a ready campaign of the bundle's client sending
// through ms with the domains, to n recipients (+447900000000 + first + i).
func newCampaign(t *testing.T, b *regBundle, ms string, domainIDs []string, n, first int) *models.Campaign {
	t.Helper()
	ctx := context.Background()
	body := "Hi {{name}}, see https://acme.com/offer"
	c, err := b.store.CreateCampaign(ctx, models.Scope{}, b.domain.ClientID, models.CampaignInput{
		Name: fmt.Sprintf("spring %d", first), MessagingServiceSID: ms,
		Variants: []models.VariantInput{{Body: &body}},
		Domains:  &models.CampaignDomainsInput{DomainIDs: domainIDs}})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]models.RecipientRow, n)
	for i := range rows {
		rows[i] = models.RecipientRow{Line: i + 1, Phone: fmt.Sprintf("+44790000%04d", first+i), Vars: map[string]string{"name": "Ann"}}
	}
	if _, err := b.store.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: rows}, nil); err != nil {
		t.Fatal(err)
	}
	if c, err = b.engine.SubmitCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil || c.Status != models.CampaignReady {
		t.Fatalf("submit: %v %+v", err, c)
	}
	return c
}

// TestCampaignSendRotatesSuspendsAndResumes: two configured domains,
// limit 3, five recipients → the first domain reached_limit with 3
// messages, the second with 2, each number messaged once and one
// domain_switched event; a second campaign suspends when both are spent
// (its client e-mailed), resume is refused until a domain is available,
// and it finishes after the limit is raised and the domains restored.
func TestCampaignSendRotatesSuspendsAndResumes(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		d1 := configureHost(t, b, "alpha.com")
		d2 := configureHost(t, b, "beta.com")
		b.setClient(t, 3, "")
		ms := b.messagingService(t)
		c := newCampaign(t, b, ms, []string{d1.ID, d2.ID}, 5, 0)
		b.startCampaign(t, c.ID)
		done := waitCampaign(t, b, c.ID, models.CampaignFinished)
		if done.ActiveDomainID == nil || *done.ActiveDomainID != d2.ID {
			t.Errorf("active domain %v, want %s", done.ActiveDomainID, d2.ID)
		}
		got1, got2 := waitDomain(t, b, d1.ID, models.StatusReachedLimit), waitDomain(t, b, d2.ID, models.StatusConfigured)
		if got1.MessagesSent != 3 || got2.MessagesSent != 2 {
			t.Errorf("messages sent %d and %d, want 3 and 2", got1.MessagesSent, got2.MessagesSent)
		}
		b.wantEachMessagedOnce(t, 5)
		st, err := b.store.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Sent != 5 || len(st.ByDomain) != 2 {
			t.Errorf("stats %+v", st)
		}
		if n := countEvents(t, db, models.EventCampaignDomainSwitched); n != 1 {
			t.Errorf("%d domain_switched events, want 1", n)
		}
		// Where each message went: the Messaging Service's domain at the
		// time, as Twilio shortened its link.
		byHost := map[string]int{}
		for _, m := range b.tw.Messages() {
			for _, h := range []string{d1.Host, d2.Host} {
				if containsHost(m.Body, h) {
					byHost[h]++
				}
			}
		}
		if byHost[d1.Host] != 3 || byHost[d2.Host] != 2 {
			t.Errorf("short links by host %v, want 3 on %s and 2 on %s", byHost, d1.Host, d2.Host)
		}

		// The second campaign: d2 has one message left.
		c2 := newCampaign(t, b, ms, []string{d1.ID, d2.ID}, 3, 100)
		b.startCampaign(t, c2.ID)
		sus := waitCampaign(t, b, c2.ID, models.CampaignSuspended)
		if sus.StatusReason != models.CampaignSuspendedAllSpent {
			t.Errorf("status_reason %q", sus.StatusReason)
		}
		b.waitMailSubject(t, "Campaign spring 100 is suspended")
		_, err = b.engine.ResumeCampaign(ctx, models.Scope{}, c2.ID, "test")
		if me := (*models.Error)(nil); !asError(err, &me) || me.Code != "no_domain_available" {
			t.Fatalf("resume with every domain spent: %v, want 409 no_domain_available", err)
		}
		b.setClient(t, 10, "")
		for _, d := range []*models.Domain{d1, d2} {
			if _, err := b.engine.RestoreDomain(ctx, models.Scope{}, d.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.engine.ResumeCampaign(ctx, models.Scope{}, c2.ID, "test"); err != nil {
			t.Fatal(err)
		}
		waitCampaign(t, b, c2.ID, models.CampaignFinished)
		b.wantEachMessagedOnce(t, 8)
	})
}

// TestCampaignSendResolvesUnclearSends: rows left sending (a crash after
// the mark) are settled by asking Twilio: the one Twilio has is recorded
// sent and not sent again, the one it has not is sent once.
func TestCampaignSendResolvesUnclearSends(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := newBundle(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		b.start(t)
		d1 := configureHost(t, b, "alpha.com")
		ms := b.messagingService(t)
		if _, _, err := b.engine.AttachMessagingService(ctx, models.Scope{}, d1.ID, ms, false, "test"); err != nil {
			t.Fatal(err)
		}
		c := newCampaign(t, b, ms, []string{d1.ID}, 2, 0)
		rows, err := b.store.RecipientsIn(ctx, c.ID, models.MessagePending, 10)
		if err != nil || len(rows) != 2 {
			t.Fatal(err, len(rows))
		}
		// A crash between Twilio's answer and the record: the first row
		// is sending and Twilio has its message; the second is sending
		// and Twilio never got it.
		marked, err := b.store.MarkSending(ctx, c, d1.ID, rows)
		if err != nil || len(marked) != 2 {
			t.Fatal(err, len(marked))
		}
		first := marked[0]
		if _, err := b.world.Messaging.Send(ctx, providers.SMS{To: first.Phone, MessagingServiceSID: ms,
			Body: models.RenderBody(c.Variants[0].Body, &first), ShortenURLs: true}); err != nil {
			t.Fatal(err)
		}
		b.startCampaign(t, c.ID)
		waitCampaign(t, b, c.ID, models.CampaignFinished)
		for _, r := range marked {
			if n := b.tw.Sends(r.Phone); n != 1 {
				t.Errorf("%s got %d messages, want 1", r.Phone, n)
			}
		}
		st, err := b.store.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil || st.Sent != 2 {
			t.Errorf("stats %+v %v", st, err)
		}
	})
}

func containsHost(body, host string) bool {
	return strings.Contains(body, "https://"+host+"/")
}

func asError(err error, target **models.Error) bool { return errors.As(err, target) }

// waitMailSubject waits for an e-mail with the subject.
func (b *regBundle) waitMailSubject(t *testing.T, subject string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range b.outbox.Messages() {
			if m.Subject == subject {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no e-mail %q", subject)
}

// TestCampaignSendTwoReplicas: two engines (two replicas' River clients)
// share a database and the fake Twilio; one is stopped with its sends
// cancelled in the middle of a campaign. The other takes the campaign
// over and finishes it: every number messaged once, no domain past its
// limit.
func TestCampaignSendTwoReplicas(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 300; c.ClientID = "replica-a" })
		d1 := configureHost(t, b, "alpha.com")
		d2 := configureHost(t, b, "beta.com")
		const limit = 120
		b.setClient(t, limit, "")
		keys, _ := models.ParseKeyRing(models.NewKeyRingValue("t1"))
		other, err := workflows.New(workflows.Config{Store: b.store, Keys: keys, PublicURL: "https://links.example.com",
			Intervals: workflows.SandboxIntervals(), DNS: b.world.DNSFactories, LinkShortening: b.world.LinkShortening,
			Resolver: b.dns, SendRate: 300, ClientID: "replica-b", CampaignSweepInterval: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = other.Stop(sctx)
		})
		ms := b.messagingService(t)
		const n = 200
		c := newCampaign(t, b, ms, []string{d1.ID, d2.ID}, n, 0)
		b.startCampaign(t, c.ID)
		deadline := time.Now().Add(90 * time.Second)
		for len(b.tw.AllSends()) < n/4 {
			if time.Now().After(deadline) {
				t.Fatal("the campaign did not start sending")
			}
			time.Sleep(10 * time.Millisecond)
		}
		// Replica A goes away with sends in flight.
		sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_ = b.engine.Stop(sctx)
		cancel()
		waitCampaign(t, b, c.ID, models.CampaignFinished)
		b.wantEachMessagedOnce(t, n)
		for _, id := range []string{d1.ID, d2.ID} {
			d, err := b.store.GetDomain(ctx, models.Scope{}, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.MessagesSent > limit {
				t.Errorf("%s sent %d, over the limit %d", d.Host, d.MessagesSent, limit)
			}
		}
	})
}

// TestCampaignSendThroughTwilioFaults: Twilio answers 503 and 429 with
// Retry-After in the middle of a campaign. The campaign waits as asked,
// settles the unclear sends and finishes: every number messaged once.
func TestCampaignSendThroughTwilioFaults(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 200 })
		d1 := configureHost(t, b, "alpha.com")
		ms := b.messagingService(t)
		const n = 80
		c := newCampaign(t, b, ms, []string{d1.ID}, n, 0)
		b.startCampaign(t, c.ID)
		deadline := time.Now().Add(90 * time.Second)
		for len(b.tw.AllSends()) < 10 {
			if time.Now().After(deadline) {
				t.Fatal("the campaign did not start sending")
			}
			time.Sleep(5 * time.Millisecond)
		}
		injected := time.Now()
		b.tw.Faults.Inject(mocks.Fault{Status: 503, Count: 3})
		b.tw.Faults.Inject(mocks.Fault{Status: 429, RetryAfter: 1, Count: 2})
		waitCampaign(t, b, c.ID, models.CampaignFinished)
		if took := time.Since(injected); took < time.Second {
			t.Errorf("finished %s after a 429 with Retry-After: 1", took)
		}
		if p := b.tw.Faults.Pending(); p != 0 {
			t.Errorf("%d faults were never met", p)
		}
		b.wantEachMessagedOnce(t, n)
		st, err := b.store.CampaignStats(ctx, models.Scope{}, c.ID)
		if err != nil || st.Sent != n || st.Failed != 0 {
			t.Errorf("stats %+v %v", st, err)
		}
		d, err := b.store.GetDomain(ctx, models.Scope{}, d1.ID)
		if err != nil || d.MessagesSent != n {
			t.Errorf("the domain counted %d messages, want %d (units given back for sends that never happened)", d.MessagesSent, n)
		}
	})
}

// TestCampaignSubmitRefusesFlaggedLinks: a body linking to a host a
// reputation source lists, or to a domain of the client's that is under
// review, rejects the campaign with the reason.
func TestCampaignSubmitRefusesFlaggedLinks(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		rep, err := mocks.NewReputation(mocks.ReputationConfig{})
		if err != nil {
			t.Fatal(err)
		}
		b := newBundle(t, db, func(c *workflows.Config) { c.Reputation = rep })
		if err := rep.Flag("evil-phish.com", "test-list", "phishing"); err != nil {
			t.Fatal(err)
		}
		submit := func(body string) *models.Campaign {
			t.Helper()
			c, err := b.store.CreateCampaign(ctx, models.Scope{}, b.domain.ClientID, models.CampaignInput{
				Name: "links", MessagingServiceSID: "MG0123456789abcdef0123456789abcdef", Variants: []models.VariantInput{{Body: &body}}})
			if err != nil {
				t.Fatal(err)
			}
			rows := []models.RecipientRow{{Line: 1, Phone: "+447900000001"}}
			if _, err := b.store.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: rows}, nil); err != nil {
				t.Fatal(err)
			}
			if c, err = b.engine.SubmitCampaign(ctx, models.Scope{}, c.ID, "test"); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := submit("Deals at https://www.evil-phish.com/win"); c.Status != models.CampaignRejected ||
			!strings.Contains(c.StatusReason, "evil-phish.com") {
			t.Errorf("listed host: %s %q", c.Status, c.StatusReason)
		}
		if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", b.domain.ID).Update("status", models.StatusUnderReview).Error; err != nil {
			t.Fatal(err)
		}
		if c := submit("See https://" + b.domain.Host + "/x"); c.Status != models.CampaignRejected ||
			!strings.Contains(c.StatusReason, "under review") {
			t.Errorf("domain under review: %s %q", c.Status, c.StatusReason)
		}
		if c := submit("See https://acme.com/fine"); c.Status != models.CampaignReady {
			t.Errorf("clean link: %s %q", c.Status, c.StatusReason)
		}
	})
}

// wantEachMessagedOnce checks that the fake Twilio got one message for
// each of n numbers.
func (b *regBundle) wantEachMessagedOnce(t *testing.T, n int) {
	t.Helper()
	sends := b.tw.AllSends()
	if len(sends) != n {
		t.Errorf("%d numbers messaged, want %d", len(sends), n)
	}
	for to, k := range sends {
		if k != 1 {
			t.Errorf("%s got %d messages", to, k)
		}
	}
}

// TestCampaignRotationOffAndSchedule: a client whose rotation is off
// gets its campaign suspended when the domain is spent (no switch, no
// campaign.domain_switched); a scheduled campaign starts by itself at
// scheduled_at.
func TestCampaignRotationOffAndSchedule(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		d1 := configureHost(t, b, "alpha.com")
		d2 := configureHost(t, b, "beta.com")
		b.setClient(t, 2, models.RotationOff)
		ms := b.messagingService(t)
		c := newCampaign(t, b, ms, []string{d1.ID, d2.ID}, 3, 0)
		b.startCampaign(t, c.ID)
		sus := waitCampaign(t, b, c.ID, models.CampaignSuspended)
		if !strings.Contains(sus.StatusReason, "rotation is off") || sus.ActiveDomainID == nil || *sus.ActiveDomainID != d1.ID {
			t.Errorf("suspended: %q, active %v", sus.StatusReason, sus.ActiveDomainID)
		}
		if n := countEvents(t, db, models.EventCampaignDomainSwitched); n != 0 {
			t.Errorf("%d domain_switched events with rotation off", n)
		}
		if d, _ := b.store.GetDomain(ctx, models.Scope{}, d2.ID); d.MessagesSent != 0 {
			t.Errorf("%s sent %d with rotation off", d.Host, d.MessagesSent)
		}
		b.wantEachMessagedOnce(t, 2)

		// Scheduled: starts at its time, on d2 (d1 is spent).
		at := time.Now().Add(1500 * time.Millisecond).UTC()
		body := "Later {{phone}}"
		sc, err := b.store.CreateCampaign(ctx, models.Scope{}, b.domain.ClientID, models.CampaignInput{Name: "later",
			MessagingServiceSID: ms, Variants: []models.VariantInput{{Body: &body}}, ScheduledAt: &at,
			Domains: &models.CampaignDomainsInput{DomainIDs: []string{d2.ID}}})
		if err != nil {
			t.Fatal(err)
		}
		rows := []models.RecipientRow{{Line: 1, Phone: "+447900000901"}}
		if _, err := b.store.AddRecipients(ctx, models.Scope{}, sc.ID, &models.SliceRecipients{Rows: rows}, nil); err != nil {
			t.Fatal(err)
		}
		if sc, err = b.engine.SubmitCampaign(ctx, models.Scope{}, sc.ID, "test"); err != nil || sc.Status != models.CampaignScheduled {
			t.Fatalf("submit: %v %+v", err, sc)
		}
		done := waitCampaign(t, b, sc.ID, models.CampaignFinished)
		if done.StartedAt == nil || done.StartedAt.Before(at) {
			t.Errorf("started at %v, scheduled at %v", done.StartedAt, at)
		}
		if n := b.tw.Sends("+447900000901"); n != 1 {
			t.Errorf("the scheduled message went out %d times", n)
		}
	})
}

// setClient sets the client's per-domain limit and, when given, its
// rotation policy.
func (b *regBundle) setClient(t *testing.T, limit int64, rotation models.Rotation) {
	t.Helper()
	p := models.ClientPatch{DomainLimit: models.Optional[int64]{Set: true, Value: &limit}}
	if rotation != "" {
		p.Rotation = &rotation
	}
	if _, err := b.store.UpdateClient(context.Background(), models.Scope{}, b.domain.ClientID, p); err != nil {
		t.Fatal(err)
	}
}

// messagingService makes a Messaging Service at the fake Twilio.
func (b *regBundle) messagingService(t *testing.T) string {
	t.Helper()
	ms, err := b.tw.CreateMessagingService(context.Background(), "spring")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// startCampaign starts the campaign through the engine.
func (b *regBundle) startCampaign(t *testing.T, id string) {
	t.Helper()
	if _, err := b.engine.StartCampaign(context.Background(), models.Scope{}, id, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestCampaignSendExactCapacityFinishes: domains whose limits add up to
// exactly the recipients carry them all and the campaign finishes; it is
// not suspended for want of a domain after its last message.
func TestCampaignSendExactCapacityFinishes(t *testing.T) {
	t.Parallel()
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		b := setupRegistration(t, db, func(c *workflows.Config) { c.SendRate = 1000 })
		d1 := configureHost(t, b, "alpha.com")
		d2 := configureHost(t, b, "beta.com")
		b.setClient(t, 2, "")
		c := newCampaign(t, b, b.messagingService(t), []string{d1.ID, d2.ID}, 4, 0)
		b.startCampaign(t, c.ID)
		waitCampaign(t, b, c.ID, models.CampaignFinished)
		b.wantEachMessagedOnce(t, 4)
		waitDomain(t, b, d1.ID, models.StatusReachedLimit)
		waitDomain(t, b, d2.ID, models.StatusReachedLimit)
	})
}
