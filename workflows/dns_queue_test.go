package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
)

// heldDNS is a DNS adapter whose EnsureCNAME waits until released, as a
// step does while its DNS host's rate limit is spent.
type heldDNS struct {
	providers.DNS
	entered chan<- struct{}
	release <-chan struct{}
}

func (h heldDNS) EnsureCNAME(ctx context.Context, z providers.Zone, c providers.CNAME) (providers.Record, bool, error) {
	h.entered <- struct{}{}
	select {
	case <-h.release:
	case <-ctx.Done():
		return providers.Record{}, false, ctx.Err()
	}
	return h.DNS.EnsureCNAME(ctx, z, c)
}

// Steps waiting on a DNS host hold only the DNS queue's workers: another
// domain's DNS check (and every step after it) goes on meanwhile, even
// with one worker per queue.
func TestDNSHostWaitDoesNotHoldOtherSteps(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		entered, release := make(chan struct{}, 4), make(chan struct{})
		defer close(release)
		b := setupRegistration(t, db, func(cfg *workflows.Config) {
			cfg.Workers, cfg.DNSWorkers = 1, 1
			wrapDNS(cfg, func(dns providers.DNS) providers.DNS {
				return heldDNS{DNS: dns, entered: entered, release: release}
			})
		})
		ctx := context.Background()
		_, token := b.cf.AddZone("acme.com")
		if _, err := b.engine.Configure(ctx, models.Scope{}, b.domain.ID, workflows.ConfigureInput{
			Mode: models.SetupSelf, Provider: "cloudflare", Credentials: map[string]string{"api_token": token},
		}, "test"); err != nil {
			t.Fatal(err)
		}
		select {
		case <-entered:
		case <-time.After(30 * time.Second):
			t.Fatal("the CNAME step never called the DNS host")
		}

		// A second domain, set up by hand, while the first one's step waits.
		other, err := b.store.CreateDomain(ctx, models.Scope{}, b.domain.ClientID, models.DomainInput{Domain: "beta.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := b.dns.AddManual(other.Host, "CNAME", other.CNAMETarget); err != nil {
			t.Fatal(err)
		}
		if _, err := b.engine.Configure(ctx, models.Scope{}, other.ID, workflows.ConfigureInput{Mode: models.SetupManual}, "test"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			d, err := b.store.GetDomain(ctx, models.Scope{}, other.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status == models.StatusAwaitingDomainSID {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the other domain is %s (%s) while a DNS host step waits; want %s", d.Status, d.StatusReason, models.StatusAwaitingDomainSID)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if d, _ := b.store.GetDomain(ctx, models.Scope{}, b.domain.ID); d.Status != models.StatusDNSPending {
			t.Fatalf("the held domain is %s, want it still waiting in %s", d.Status, models.StatusDNSPending)
		}
	})
}

// A polling step past its deadline fails only on a run that started on
// time: one that waited in the queue looks once more first.
func TestPastDeadlineOnlyOnTime(t *testing.T) {
	t.Parallel()
	now := time.Now()
	due := now.Add(-time.Minute)
	at := func(late time.Duration) *rivertype.JobRow {
		started := due.Add(late)
		return &rivertype.JobRow{ScheduledAt: due, AttemptedAt: &started}
	}
	for _, tc := range []struct {
		name     string
		job      *rivertype.JobRow
		deadline time.Time
		want     bool
	}{
		{"before the deadline", at(0), now.Add(time.Second), false},
		{"past it, on time", at(100 * time.Millisecond), now.Add(-time.Second), true},
		{"past it, late by the grace", at(workflows.LateGrace), now.Add(-time.Second), true},
		{"past it, later than the grace", at(workflows.LateGrace + time.Second), now.Add(-time.Second), false},
	} {
		if got := workflows.PastDeadline(tc.job, tc.deadline, now, 100*time.Millisecond); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	late := at(workflows.LateGrace + time.Second)
	if !workflows.PastDeadline(late, now.Add(-time.Second), now, workflows.LateGrace+2*time.Second) {
		t.Error("a run late by less than its first interval counts as on time")
	}
}
