package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
)

// TestWokenByNotify (PostgreSQL, issue 18): with fetch polls an hour
// apart, an engine that listens is woken by the notifications River's
// inserts send (listeningDriver): the CNAME step, and the DNS check that
// step enqueues, run at once, and the domain waits for its SID. The same
// onboarding on an engine that only polls (PollOnly, the control) stops
// after the first step at the latest (the first fetch after start may
// still find it): the DNS check waits for a poll.
func TestWokenByNotify(t *testing.T) {
	t.Parallel()
	slowPoll := func(pollOnly bool) func(*workflows.Config) {
		return func(c *workflows.Config) {
			c.Intervals.FetchPoll = time.Hour
			// Periodic jobs inserted outside a transaction make River
			// fetch at once, as a poll would: none during the test.
			c.SweepInterval, c.CampaignSweepInterval, c.NotifyInterval = time.Hour, time.Hour, time.Hour
			c.PollOnly = pollOnly
		}
	}
	woken := setupRegistration(t, dbtest.Postgres(t), slowPoll(false))
	polling := setupRegistration(t, dbtest.Postgres(t), slowPoll(true))
	ctx := context.Background()
	// River's notifier connects after Start returns; a notification sent
	// before it listens is lost (a poll would find the job).
	deadline := time.Now().Add(30 * time.Second)
	for !woken.engine.ListeningForInserts() {
		if time.Now().After(deadline) {
			t.Fatal("River's listener never listened for inserts")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, b := range []*regBundle{polling, woken} {
		_, tok := b.cf.AddZone("acme.com")
		if _, err := b.engine.Configure(ctx, models.Scope{}, b.domain.ID, workflows.ConfigureInput{Mode: models.SetupSelf,
			Provider: "cloudflare", Credentials: map[string]string{"api_token": tok}}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	woken.waitStatus(t, models.StatusAwaitingDomainSID)
	if n := len(woken.cf.RecordsAt("ls.acme.com")); n != 1 {
		t.Errorf("woken engine: %d records at the fake, want 1", n)
	}
	d, err := polling.store.GetDomain(ctx, models.Scope{}, polling.domain.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != models.StatusDNSPending {
		t.Errorf("polling engine: domain %s/%s, want dns_pending (the DNS check waiting for a poll): the control does not hold", d.Status, d.DNSStatus)
	}
}
