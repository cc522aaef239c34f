package models_test

import (
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/linkgate/linkgate/models"
	"github.com/linkgate/linkgate/models/dbtest"
)

// moveTo walks a domain through the given statuses with ApplyTx.
func moveTo(t testing.TB, s *models.Store, d *models.Domain, path ...models.Status) {
	t.Helper()
	for _, to := range path {
		err := s.Tx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
			return s.ApplyTx(tx, d, models.Change{To: to, Reason: "test", Actor: "test"})
		})
		if err != nil {
			t.Fatalf("move %s to %s: %v", d.Host, to, err)
		}
	}
}

// configured adds a domain and takes it to configured.
func configured(t testing.TB, s *models.Store, clientID, host string) *models.Domain {
	t.Helper()
	d, err := s.CreateDomain(ctx, admin, clientID, models.DomainInput{Domain: host}, models.DNSDefaults{}, "test")
	if err != nil {
		t.Fatalf("create domain %s: %v", host, err)
	}
	moveTo(t, s, d, models.StatusDNSPending, models.StatusSSLPending, models.StatusConfigured)
	return d
}

func setLimit(t testing.TB, s *models.Store, clientID string, limit *int64) {
	t.Helper()
	if _, err := s.UpdateClient(ctx, admin, clientID, models.ClientPatch{DomainLimit: models.Optional[int64]{Set: true, Value: limit}}); err != nil {
		t.Fatalf("set limit: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func countEvents(t testing.TB, db *models.DB, domainID string, to models.Status) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM domain_events WHERE domain_id = ? AND to_status = ?"
	if err := db.Gorm.Raw(q, domainID, to).Scan(&n).Error; err != nil {
		t.Fatalf("count events: %v", err)
	}
	return n
}

func countWebhookEvents(t testing.TB, db *models.DB, eventType string) int {
	t.Helper()
	var n int
	if err := db.Gorm.Raw("SELECT count(*) FROM webhook_events WHERE type = ?", eventType).Scan(&n).Error; err != nil {
		t.Fatalf("count webhook events: %v", err)
	}
	return n
}

func TestTakeQuotaRules(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		clk := &clock{t: testTime}
		s := models.NewStore(db, clk.Now)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		d := configured(t, s, c.ID, "acme.com")

		// No limit: every take succeeds and records the use.
		for i := 1; i <= 3; i++ {
			r, err := s.TakeQuota(ctx, d.ID)
			if err != nil || !r.Taken || r.MessagesSent != int64(i) || r.Limit != nil || r.Status != models.StatusConfigured {
				t.Fatalf("take %d = %+v, %v", i, r, err)
			}
		}
		got, _ := s.DomainByID(ctx, nil, d.ID)
		if got.MessagesSent != 3 || got.LastUsedAt == nil || !got.LastUsedAt.Equal(clk.Now()) {
			t.Fatalf("after 3 takes: sent %d, last_used_at %v", got.MessagesSent, got.LastUsedAt)
		}

		// Limit 5: two more succeed, the second moves it to reached_limit.
		setLimit(t, s, c.ID, ptr(int64(5)))
		r, err := s.TakeQuota(ctx, d.ID)
		if err != nil || !r.Taken || r.MessagesSent != 4 || r.ReachedLimit {
			t.Fatalf("take 4 = %+v, %v", r, err)
		}
		r, err = s.TakeQuota(ctx, d.ID)
		if err != nil || !r.Taken || r.MessagesSent != 5 || !r.ReachedLimit || r.Status != models.StatusReachedLimit {
			t.Fatalf("take 5 = %+v, %v", r, err)
		}
		r, err = s.TakeQuota(ctx, d.ID)
		if err != nil || r.Taken || r.MessagesSent != 5 || r.ReachedLimit || r.Status != models.StatusReachedLimit {
			t.Fatalf("take 6 = %+v, %v", r, err)
		}
		if n := countEvents(t, db, d.ID, models.StatusReachedLimit); n != 1 {
			t.Errorf("%d reached_limit timeline entries, want 1", n)
		}
		if n := countWebhookEvents(t, db, models.EventDomainReachedLimit); n != 1 {
			t.Errorf("%d domain.reached_limit events, want 1", n)
		}

		// A limit lowered below the count: the next take moves the domain.
		d2 := configured(t, s, c.ID, "bravo.com")
		setLimit(t, s, c.ID, nil)
		for i := 0; i < 3; i++ {
			if _, err := s.TakeQuota(ctx, d2.ID); err != nil {
				t.Fatal(err)
			}
		}
		setLimit(t, s, c.ID, ptr(int64(2)))
		r, err = s.TakeQuota(ctx, d2.ID)
		if err != nil || r.Taken || !r.ReachedLimit || r.Status != models.StatusReachedLimit || r.MessagesSent != 3 {
			t.Fatalf("take over a lowered limit = %+v, %v", r, err)
		}

		// Not configured: nothing taken, nothing changed.
		p := mustDomain(t, s, c.ID, "pending.com")
		r, err = s.TakeQuota(ctx, p.ID)
		if err != nil || r.Taken || r.Status != models.StatusPending || r.ReachedLimit {
			t.Fatalf("take on pending = %+v, %v", r, err)
		}
		if got, _ := s.DomainByID(ctx, nil, p.ID); got.MessagesSent != 0 || got.LastUsedAt != nil {
			t.Errorf("a pending domain was counted: %+v", got)
		}
		// Missing: not found.
		if _, err := s.TakeQuota(ctx, models.NewID(models.PrefixDomain)); err == nil {
			t.Fatal("take on a missing domain: no error")
		} else {
			wantError(t, err, models.KindNotFound, "not_found")
		}
	})
}

func TestTakeQuotaConcurrentOneDomain(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		const limit = 100
		setLimit(t, s, c.ID, ptr(int64(limit)))
		d := configured(t, s, c.ID, "acme.com")

		const workers, perWorker = 32, 8 // 256 attempts for 100 units
		var ok, moved atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					r, err := s.TakeQuota(ctx, d.ID)
					if err != nil {
						errs <- err
						return
					}
					if r.Taken {
						ok.Add(1)
					}
					if r.ReachedLimit {
						moved.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("take: %v", err)
		}
		got, _ := s.DomainByID(ctx, nil, d.ID)
		if ok.Load() != limit || got.MessagesSent != limit || got.Status != models.StatusReachedLimit || moved.Load() != 1 {
			t.Fatalf("taken %d, messages_sent %d, status %s, moved %d; want %d, %d, reached_limit, 1",
				ok.Load(), got.MessagesSent, got.Status, moved.Load(), limit, limit)
		}
		if n := countEvents(t, db, d.ID, models.StatusReachedLimit); n != 1 {
			t.Errorf("%d reached_limit timeline entries, want 1", n)
		}
		if n := countWebhookEvents(t, db, models.EventDomainReachedLimit); n != 1 {
			t.Errorf("%d domain.reached_limit events, want 1", n)
		}
	})
}

func TestTakeQuotaConcurrentManyDomains(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		const limit, domains = 7, 10
		setLimit(t, s, c.ID, ptr(int64(limit)))
		var ds []*models.Domain
		for i := 0; i < domains; i++ {
			ds = append(ds, configured(t, s, c.ID, fmt.Sprintf("d%02d.com", i)))
		}
		taken := make([]atomic.Int64, domains)
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 30; i++ {
					k := (w + i) % domains
					r, err := s.TakeQuota(ctx, ds[k].ID)
					if err != nil {
						errs <- err
						return
					}
					if r.Taken {
						taken[k].Add(1)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("take: %v", err)
		}
		for k, d := range ds {
			got, _ := s.DomainByID(ctx, nil, d.ID)
			if taken[k].Load() != limit || got.MessagesSent != limit || got.Status != models.StatusReachedLimit {
				t.Errorf("%s: taken %d, sent %d, status %s", d.Host, taken[k].Load(), got.MessagesSent, got.Status)
			}
			if n := countEvents(t, db, d.ID, models.StatusReachedLimit); n != 1 {
				t.Errorf("%s: %d reached_limit entries, want 1", d.Host, n)
			}
		}
		if n := countWebhookEvents(t, db, models.EventDomainReachedLimit); n != domains {
			t.Errorf("%d domain.reached_limit events, want %d", n, domains)
		}
	})
}

// BenchmarkTakeQuota measures one take against a plain one-row UPDATE of
// the same table in the same run (baseline), on SQLite and, with
// TEST_DATABASE_URL, PostgreSQL; the limit is high enough never to be
// reached.
func BenchmarkTakeQuota(b *testing.B) {
	engines := benchEngines()
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			db := eng.open(b)
			s := models.NewStore(db, nil)
			c := mustClient(b, s, "Acme", "owner@acme.com")
			setLimit(b, s, c.ID, ptr(int64(models.MaxDomainLimit)))
			var ds []*models.Domain
			for i := 0; i < 100; i++ {
				ds = append(ds, configured(b, s, c.ID, fmt.Sprintf("b%03d.com", i)))
			}
			for _, n := range []int{1, 100} {
				b.Run(fmt.Sprintf("baseline/%d_domains", n), func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if err := db.Gorm.Exec("UPDATE domains SET updated_at = ? WHERE id = ?", s.Now(), ds[i%n].ID).Error; err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(fmt.Sprintf("take/%d_domains", n), func(b *testing.B) {
					for i := 0; b.Loop(); i++ {
						if r, err := s.TakeQuota(ctx, ds[i%n].ID); err != nil || !r.Taken {
							b.Fatal(r, err)
						}
					}
				})
			}
		})
	}
}

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// benchEngine is a database a benchmark runs on.
type benchEngine struct {
	name string
	open func(testing.TB) *models.DB
}

// benchEngines is SQLite, and PostgreSQL when TEST_DATABASE_URL is set.
func benchEngines() []benchEngine {
	engines := []benchEngine{{"sqlite", func(tb testing.TB) *models.DB { return dbtest.SQLite(tb) }}}
	if dbtestPostgresConfigured() {
		engines = append(engines, benchEngine{"postgres", func(tb testing.TB) *models.DB { return dbtest.Postgres(tb) }})
	}
	return engines
}

func dbtestPostgresConfigured() bool { return os.Getenv("TEST_DATABASE_URL") != "" }

// A limit lowered below what a domain has sent: every concurrent take
// finds nothing to take, and exactly one of them moves the domain.
func TestTakeQuotaConcurrentLoweredLimit(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, nil)
		c := mustClient(t, s, "Acme", "owner@acme.com")
		d := configured(t, s, c.ID, "acme.com")
		for i := 0; i < 10; i++ {
			if _, err := s.TakeQuota(ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
		setLimit(t, s, c.ID, ptr(int64(5)))
		var taken, moved atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for w := 0; w < 32; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := s.TakeQuota(ctx, d.ID)
				if err != nil {
					errs <- err
					return
				}
				if r.Taken {
					taken.Add(1)
				}
				if r.ReachedLimit {
					moved.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("take: %v", err)
		}
		got, _ := s.DomainByID(ctx, nil, d.ID)
		if taken.Load() != 0 || moved.Load() != 1 || got.MessagesSent != 10 || got.Status != models.StatusReachedLimit {
			t.Fatalf("taken %d, moved %d, sent %d, status %s; want 0, 1, 10, reached_limit", taken.Load(), moved.Load(), got.MessagesSent, got.Status)
		}
		if n := countEvents(t, db, d.ID, models.StatusReachedLimit); n != 1 {
			t.Errorf("%d reached_limit timeline entries, want 1", n)
		}
		if n := countWebhookEvents(t, db, models.EventDomainReachedLimit); n != 1 {
			t.Errorf("%d domain.reached_limit events, want 1", n)
		}
	})
}

// BenchmarkTakeQuotaParallel takes from 32 goroutines at once, on one
// domain and spread over 100, against the same plain row update from 32
// goroutines (the baseline), and checks that the count equals the takes
// exactly: takes/s and ratio are the figures to report.
func BenchmarkTakeQuotaParallel(b *testing.B) {
	engines := benchEngines()
	const goroutines = 32
	for _, eng := range engines {
		b.Run(eng.name, func(b *testing.B) {
			db := eng.open(b)
			s := models.NewStore(db, nil)
			c := mustClient(b, s, "Acme", "owner@acme.com")
			setLimit(b, s, c.ID, ptr(int64(models.MaxDomainLimit)))
			var ds []*models.Domain
			for i := 0; i < 100; i++ {
				ds = append(ds, configured(b, s, c.ID, fmt.Sprintf("p%03d.com", i)))
			}
			b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			for _, n := range []int{1, 100} {
				b.Run(fmt.Sprintf("baseline/%d_domains", n), func(b *testing.B) {
					var next atomic.Int64
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := next.Add(1)
							if err := db.Gorm.Exec("UPDATE domains SET updated_at = ? WHERE id = ?", s.Now(), ds[int(i)%n].ID).Error; err != nil {
								b.Error(err)
								return
							}
						}
					})
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
				})
				b.Run(fmt.Sprintf("take/%d_domains", n), func(b *testing.B) {
					before := sentSum(b, db, ds[:n])
					var next, taken atomic.Int64
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							i := next.Add(1)
							r, err := s.TakeQuota(ctx, ds[int(i)%n].ID)
							if err != nil || !r.Taken {
								b.Error(r, err)
								return
							}
							taken.Add(1)
						}
					})
					b.ReportMetric(float64(taken.Load())/b.Elapsed().Seconds(), "takes/s")
					if got := sentSum(b, db, ds[:n]) - before; got != taken.Load() {
						b.Fatalf("messages_sent grew by %d for %d takes", got, taken.Load())
					}
				})
			}
		})
	}
}

func sentSum(tb testing.TB, db *models.DB, ds []*models.Domain) int64 {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	var n int64
	if err := db.Gorm.Raw("SELECT COALESCE(SUM(messages_sent), 0) FROM domains WHERE id IN ?", ids).Row().Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}
