package workflows_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/mocks"
	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
	"github.com/linkgate/linkgate/workflows"
	"github.com/linkgate/linkgate/workflows/workflowtest"
)

// testClock is a settable clock for the store.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type archiveBundle struct {
	store  *models.Store
	engine *workflows.Engine
	outbox *mocks.Outbox
	client *models.Client
	db     *models.DB
}

func setupAutoArchive(t *testing.T, db *models.DB, clk *testClock, after time.Duration) *archiveBundle {
	t.Helper()
	ctx := context.Background()
	b := &archiveBundle{store: models.NewStore(db, clk.Now), db: db}
	w := workflowtest.NewWorld(t, mocks.TwilioConfig{AccountSID: testAccount, AuthToken: testToken, CertAfterPolls: 1})
	var err error
	if b.outbox, err = mocks.NewOutbox(mocks.OutboxConfig{}); err != nil {
		t.Fatal(err)
	}
	keys, _ := models.ParseKeyRing(models.NewKeyRingValue("t1"))
	if err := workflows.MigrateRiver(ctx, db); err != nil {
		t.Fatal(err)
	}
	b.engine, err = workflows.New(workflows.Config{
		Store: b.store, Keys: keys, PublicURL: "https://links.example.com", Intervals: workflows.SandboxIntervals(),
		DNS: w.DNSFactories, LinkShortening: w.LinkShortening, Resolver: w.DNS, Mailer: b.outbox, PlatformName: "Acme SMS",
		AutoArchiveAfter: after, AutoArchiveInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.client, err = b.store.CreateClient(ctx, models.ClientInput{Name: "Acme", Email: "admin@acme.com"}); err != nil {
		t.Fatal(err)
	}
	return b
}

// configured adds a domain and walks it to configured on the store's clock.
func (b *archiveBundle) configured(t *testing.T, apex string) *models.Domain {
	t.Helper()
	ctx := context.Background()
	d, err := b.store.CreateDomain(ctx, models.Scope{}, b.client.ID, models.DomainInput{Domain: apex}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []models.Status{models.StatusDNSPending, models.StatusSSLPending, models.StatusConfigured} {
		if err := b.store.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return b.store.ApplyTx(tx, d, models.Change{To: to, Reason: "test", Actor: "test"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (b *archiveBundle) pass(t *testing.T, wantWarned, wantArchived int) {
	t.Helper()
	r, err := b.engine.AutoArchive(context.Background())
	if err != nil {
		t.Fatalf("auto-archive: %v", err)
	}
	if r.Warned != wantWarned || r.Archived != wantArchived {
		t.Fatalf("auto-archive warned %d, archived %d; want %d, %d", r.Warned, r.Archived, wantWarned, wantArchived)
	}
}

func (b *archiveBundle) status(t *testing.T, d *models.Domain) *models.Domain {
	t.Helper()
	got, err := b.store.DomainByID(context.Background(), nil, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (b *archiveBundle) events(t *testing.T, typ, domainID string) int {
	t.Helper()
	var n int
	if err := b.db.Gorm.Raw("SELECT count(*) FROM webhook_events WHERE type = ? AND payload LIKE ?", typ, "%"+domainID+"%").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAutoArchive(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		day := 24 * time.Hour
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clk := &testClock{t: t0}
		b := setupAutoArchive(t, db, clk, 90*day)
		ctx := context.Background()
		a, bb, c := b.configured(t, "alpha.com"), b.configured(t, "bravo.com"), b.configured(t, "charlie.com")
		pending, err := b.store.CreateDomain(ctx, models.Scope{}, b.client.ID, models.DomainInput{Domain: "pending.com"}, models.DNSDefaults{}, "test")
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(t0.Add(50 * day))
		if r, err := b.store.TakeQuota(ctx, c.ID); err != nil || !r.Taken {
			t.Fatal(r, err)
		}

		clk.Set(t0.Add(82 * day))
		b.pass(t, 0, 0)
		clk.Set(t0.Add(83 * day)) // 7 days before alpha's and bravo's 90
		b.pass(t, 2, 0)
		b.pass(t, 0, 0) // once
		if b.events(t, models.EventDomainArchiveWarning, a.ID) != 1 || b.status(t, a).ArchiveWarnedAt == nil {
			t.Fatal("alpha was not warned")
		}
		// bravo is used: the warning is forgotten, the count starts again.
		clk.Set(t0.Add(84 * day))
		if _, err := b.store.TakeQuota(ctx, bb.ID); err != nil {
			t.Fatal(err)
		}
		if got := b.status(t, bb); got.ArchiveWarnedAt != nil {
			t.Fatalf("bravo used but still warned at %v", got.ArchiveWarnedAt)
		}
		clk.Set(t0.Add(90*day - time.Minute))
		b.pass(t, 0, 0)
		clk.Set(t0.Add(90 * day))
		b.pass(t, 0, 1)
		got := b.status(t, a)
		if got.Status != models.StatusArchived || got.ArchivedFrom != models.StatusConfigured || b.events(t, models.EventDomainArchived, a.ID) != 1 {
			t.Fatalf("alpha: %s from %s", got.Status, got.ArchivedFrom)
		}
		evs, err := b.store.DomainEvents(ctx, models.Scope{}, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := evs[len(evs)-1]; last.To != models.StatusArchived || last.Actor != models.ActorSystem || !strings.Contains(last.Reason, "not used") {
			t.Errorf("alpha's last timeline entry: %+v", last)
		}
		for _, d := range []*models.Domain{bb, c} {
			if got := b.status(t, d); got.Status != models.StatusConfigured {
				t.Errorf("%s is %s", d.Host, got.Status)
			}
		}
		// No pass between day 91 and 167: charlie (used on day 50, due on
		// day 140) is warned late, together with bravo (used on day 84),
		// and gets its full week.
		clk.Set(t0.Add(167 * day))
		b.pass(t, 2, 0)
		clk.Set(t0.Add(170 * day))
		b.pass(t, 0, 0)
		clk.Set(t0.Add(174 * day))
		b.pass(t, 0, 2)
		if got := b.status(t, pending); got.Status != models.StatusPending {
			t.Errorf("a pending domain was touched: %s", got.Status)
		}

		// The warnings are e-mailed to the client (jobs enqueued with them).
		if err := b.engine.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = b.engine.Stop(ctx)
		})
		deadline := time.Now().Add(15 * time.Second)
		for {
			var found bool
			for _, m := range b.outbox.Messages() {
				found = found || (m.To == "admin@acme.com" && strings.Contains(m.Subject, a.Host) && strings.Contains(m.Text, "will archive"))
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no warning e-mail for %s: %+v", a.Host, b.outbox.Messages())
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestAutoArchiveOff(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clk := &testClock{t: t0}
		b := setupAutoArchive(t, db, clk, -1)
		d := b.configured(t, "alpha.com")
		clk.Set(t0.Add(10 * 365 * 24 * time.Hour))
		b.pass(t, 0, 0)
		if got := b.status(t, d); got.Status != models.StatusConfigured || got.ArchiveWarnedAt != nil {
			t.Fatalf("auto-archive off touched the domain: %s, warned %v", got.Status, got.ArchiveWarnedAt)
		}
	})
}
