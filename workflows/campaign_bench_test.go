package workflows_test

// BenchmarkCampaignSend (issue 15, "Performance"): one campaign through
// five configured domains whose limits add up to exactly the recipients
// (20,000 each at the 100,000; rotating as each is spent), the
// fake Twilio behind 20 ms of latency per call, paced at SendRate
// messages per second per Messaging Service. Reports messages per second
// and their ratio to the pacing bound (SendRate), with 1 and with 3
// engines (replicas) on the database.
//
// Run: go test ./workflows -run '^$' -bench CampaignSend -benchtime 1x
// (CAMPAIGN_BENCH_RECIPIENTS=100000 for the size; default 20,000;
// TEST_DATABASE_URL for PostgreSQL).

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/providers"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

const (
	benchSendRate = 500.0
	benchLatency  = 20 * time.Millisecond
)

var benchRecipients = func() int {
	if n, err := strconv.Atoi(os.Getenv("CAMPAIGN_BENCH_RECIPIENTS")); err == nil && n > 0 {
		return n
	}
	return 20000
}()

// slowMessaging is the Messages API behind a network's latency.
type slowMessaging struct {
	providers.Messaging
	d time.Duration
}

func (s slowMessaging) Send(ctx context.Context, m providers.SMS) (providers.Sent, error) {
	time.Sleep(s.d)
	return s.Messaging.Send(ctx, m)
}

func BenchmarkCampaignSend(b *testing.B) {
	for _, replicas := range []int{1, 3} {
		b.Run(fmt.Sprintf("postgres/replicas=%d", replicas), func(b *testing.B) {
			benchCampaign(b, dbtest.Postgres(b), replicas)
		})
	}
	b.Run("sqlite/replicas=1", func(b *testing.B) { benchCampaign(b, dbtest.SQLite(b), 1) })
}

func benchCampaign(b *testing.B, db *models.DB, replicas int) {
	ctx := context.Background()
	store := models.NewStore(db, nil)
	w := workflowtest.NewWorld(b, mocks.TwilioConfig{AccountSID: testAccount, AuthToken: testToken})
	keys, _ := models.ParseKeyRing(models.NewKeyRingValue("b1"))
	if err := workflows.MigrateRiver(ctx, db); err != nil {
		b.Fatal(err)
	}
	limit := int64(benchRecipients / 5) // exact capacity: every domain is spent
	client, err := store.CreateClient(ctx, models.ClientInput{Name: "Bench", Email: "bench@bench.io"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.UpdateClient(ctx, models.Scope{}, client.ID, models.ClientPatch{DomainLimit: models.Optional[int64]{Set: true, Value: &limit}}); err != nil {
		b.Fatal(err)
	}
	var domainIDs []string
	for i := range 5 {
		d, err := store.CreateDomain(ctx, models.Scope{}, client.ID, models.DomainInput{Domain: fmt.Sprintf("bench%d.com", i)}, models.DNSDefaults{}, "bench")
		if err != nil {
			b.Fatal(err)
		}
		sid := w.Twilio.RegisterDomain(d.Host)
		now := time.Now()
		if err := db.Gorm.Model(&models.Domain{}).Where("id = ?", d.ID).Updates(map[string]any{
			"status": models.StatusConfigured, "domain_sid": sid, "configured_at": now}).Error; err != nil {
			b.Fatal(err)
		}
		domainIDs = append(domainIDs, d.ID)
	}
	ms, err := w.Twilio.CreateMessagingService(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	body := "Spring sale {{phone}}: https://acme.com/offer"
	c, err := store.CreateCampaign(ctx, models.Scope{}, client.ID, models.CampaignInput{Name: "bench", MessagingServiceSID: ms,
		Variants: []models.VariantInput{{Body: &body}}, Domains: &models.CampaignDomainsInput{DomainIDs: domainIDs}})
	if err != nil {
		b.Fatal(err)
	}
	rows := make([]models.RecipientRow, benchRecipients)
	for i := range rows {
		rows[i] = models.RecipientRow{Line: i + 1, Phone: fmt.Sprintf("+4479%08d", i+1)}
	}
	if _, err := store.AddRecipients(ctx, models.Scope{}, c.ID, &models.SliceRecipients{Rows: rows}, nil); err != nil {
		b.Fatal(err)
	}
	var engines []*workflows.Engine
	for i := range replicas {
		e, err := workflows.New(workflows.Config{Store: store, Keys: keys, Intervals: workflows.SandboxIntervals(),
			DNS: w.DNSFactories, LinkShortening: w.LinkShortening, Resolver: w.Resolver,
			Messaging: slowMessaging{Messaging: w.Messaging, d: benchLatency}, SendRate: benchSendRate,
			CampaignBatch: 1000, ClientID: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Start(ctx); err != nil {
			b.Fatal(err)
		}
		engines = append(engines, e)
	}
	b.Cleanup(func() {
		for _, e := range engines {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = e.Stop(sctx)
			cancel()
		}
	})
	if _, err := engines[0].SubmitCampaign(ctx, models.Scope{}, c.ID, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if _, err := engines[0].StartCampaign(ctx, models.Scope{}, c.ID, "bench"); err != nil {
		b.Fatal(err)
	}
	// Generous: a shared machine may run far below the bound; the ratio is
	// the measure, the deadline only stops a stuck run.
	deadline := start.Add(time.Duration(float64(benchRecipients)/benchSendRate*12)*time.Second + 2*time.Minute)
	for {
		cur, err := store.GetCampaign(ctx, models.Scope{}, c.ID)
		if err != nil {
			b.Fatal(err)
		}
		if cur.Status == models.CampaignFinished {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("campaign %s after %s", cur.Status, time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	took := time.Since(start)
	b.StopTimer()
	rate := float64(benchRecipients) / took.Seconds()
	b.ReportMetric(rate, "msgs/s")
	b.ReportMetric(rate/benchSendRate, "of_bound")
	if n := len(w.Twilio.AllSends()); n != benchRecipients {
		b.Errorf("%d numbers messaged, want %d", n, benchRecipients)
	}
	for _, id := range domainIDs {
		d, err := store.DomainByID(ctx, nil, id)
		if err != nil {
			b.Fatal(err)
		}
		if d.Status != models.StatusReachedLimit || d.MessagesSent != limit {
			b.Errorf("%s: %s with %d messages, want reached_limit with %d", d.Host, d.Status, d.MessagesSent, limit)
		}
	}
}
