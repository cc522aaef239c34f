package workflows_test

import (
	"context"
	"fmt"
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
	waitListening(t, woken.engine)
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

// TestEveryInsertWakes (PostgreSQL): every way a job is enqueued goes
// through the engine's one insert path, which wakes the workers of every
// process at commit, so with fetch polls an hour apart each job is still
// worked at once: password resets (no transaction of the caller's), jobs
// in a caller's transaction with no options (webhook notices; campaign
// starts and registration reminders, scheduled, take it too), and jobs
// inserted many at a time (the sweeps' fan-out). Each way inserts two jobs
// back to back, in two transactions, so that River's notify limiter drops
// its own notification of the second: only the engine's wakes it.
func TestEveryInsertWakes(t *testing.T) {
	t.Parallel()
	b := setupRegistration(t, dbtest.Postgres(t), func(c *workflows.Config) {
		c.Intervals.FetchPoll = time.Hour
		c.SweepInterval, c.CampaignSweepInterval, c.NotifyInterval = time.Hour, time.Hour, time.Hour
	})
	ctx := context.Background()
	waitListening(t, b.engine)
	for _, way := range []struct {
		name string
		kind string
		add  func(i int) error
	}{
		{"password reset", workflows.SendPasswordResetArgs{}.Kind(), func(i int) error {
			return b.engine.RequestPasswordReset(ctx, fmt.Sprintf("nobody%d@example.com", i))
		}},
		{"in a transaction", workflows.WebhookDisabledArgs{}.Kind(), func(i int) error {
			return b.engine.EnqueueTx(ctx, workflows.WebhookDisabledArgs{EndpointID: fmt.Sprintf("whe_none%d", i), Reason: "test"})
		}},
		{"many at a time", workflows.ReconcileDomainArgs{}.Kind(), func(i int) error {
			return b.engine.Enqueue(ctx, workflows.ReconcileDomainArgs{DomainID: fmt.Sprintf("dom_none%da", i)},
				workflows.ReconcileDomainArgs{DomainID: fmt.Sprintf("dom_none%db", i)})
		}},
	} {
		began := time.Now()
		for i := range 2 {
			if err := way.add(i); err != nil {
				t.Fatalf("%s: %v", way.name, err)
			}
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			var total, waiting int
			if err := b.store.DB().SQL.QueryRowContext(ctx,
				`SELECT count(*), count(*) FILTER (WHERE attempted_at IS NULL) FROM river_job WHERE kind = $1`, way.kind).
				Scan(&total, &waiting); err != nil {
				t.Fatal(err)
			}
			if total > 0 && waiting == 0 {
				t.Logf("%s: %d jobs worked in %s", way.name, total, time.Since(began).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d of %d jobs not worked after 20 s with polls an hour apart", way.name, waiting, total)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// waitListening waits for River's notifier, which connects after Start
// returns, to listen for inserts: a notification sent before it listens
// is lost (a poll would find the job).
func waitListening(t *testing.T, e *workflows.Engine) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !e.ListeningForInserts() {
		if time.Now().After(deadline) {
			t.Fatal("River's listener never listened for inserts")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
